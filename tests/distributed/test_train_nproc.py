"""``chainrule train --nproc 2``: the digits trained on two processes, one epoch and then
``--resume`` for a second (on two processes, and on one), reach one process's accuracy,
metrics and weights after two epochs (the same global batches; only the sums over processes add in another order); rank
0 alone prints and writes, atomically."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

import chainrule as cr
from chainrule.cli import main
from mpi_helpers import QUIET


def train_on_processes(*options):
    done = subprocess.run([sys.executable, "-m", "chainrule", "train", "--nproc", "2", *options],
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **QUIET))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def records(folder):
    with open(os.path.join(folder, "metrics.json")) as f:
        return json.load(f)["epochs"]


def weights(folder):
    return cr.load(os.path.join(folder, "model.safetensors"))["model"]


def test_two_processes_resumed_train_the_digits_as_one(tmp_path, capsys):
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    assert main(["train", "--epochs", "2", "--out", one]) == 0
    capsys.readouterr()
    printed = train_on_processes("--epochs", "1", "--out", two)
    assert printed.count("test accuracy:") == 1   # rank 0 alone prints
    assert len(records(two)) == 1
    three = str(tmp_path / "three")
    shutil.copytree(two, three)
    train_on_processes("--resume", two, "--epochs", "2")
    assert main(["train", "--resume", three, "--epochs", "2"]) == 0   # on one process now
    capsys.readouterr()
    assert len(records(two)) == 2
    for a, b in zip(records(one), records(two)):
        assert abs(a["test_accuracy"] - b["test_accuracy"]) <= 1 / 359   # one test sample
        assert abs(a["train_loss"] - b["train_loss"]) < 1e-4   # every rank's batches counted
        assert abs(a["train_accuracy"] - b["train_accuracy"]) <= 1 / 1438
    assert records(two)[-1]["test_accuracy"] > 0.9
    w1, w2, w3 = weights(one), weights(two), weights(three)
    assert list(w1) == list(w2)   # the plain model's keys: loadable by one process
    for key in w1:
        assert np.abs(w1[key].numpy() - w2[key].numpy()).max() < 1e-4, key
        assert np.abs(w1[key].numpy() - w3[key].numpy()).max() < 1e-4, key
    assert sorted(os.listdir(two)) == ["checkpoint.safetensors", "curves.png", "metrics.json",
                                       "model.safetensors"]   # no temporary file left


def test_ctrl_c_stops_every_process_after_one_batch_and_saves(tmp_path):
    """Ctrl-C in a terminal reaches the launcher (the job runs in a session of its own),
    which asks the processes to stop through a file; they stop after the same batch, rank 0
    saves, and the run ends with status 130."""
    folder = str(tmp_path / "run")
    launcher = subprocess.Popen([sys.executable, "-m", "chainrule", "train", "--nproc", "2",
                                 "--epochs", "200", "--out", folder],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, env=dict(os.environ, **QUIET))
    checkpoint = os.path.join(folder, "checkpoint.safetensors")
    deadline = time.monotonic() + 90
    while not os.path.exists(checkpoint) and time.monotonic() < deadline:
        time.sleep(0.1)   # the first epoch's checkpoint: training is under way
    os.killpg(launcher.pid, signal.SIGINT)
    out, err = launcher.communicate(timeout=60)
    assert launcher.returncode == 130, out + err
    assert "interrupted in epoch" in out and "stopping after this batch" in err, out + err
    assert "aborting" not in err, err
    saved = cr.load(checkpoint)
    assert 1 <= saved["position"]["epoch"] < 200
