"""``chainrule train --nproc 2``: the digits trained on two processes reach one process's
accuracy and weights (the same global batches; sums added in another order), the metrics
are the whole job's, rank 0 alone prints and writes, and ``--resume`` continues the run."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from mpi_helpers import QUIET

EPOCHS = "2"


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


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """A run of EPOCHS epochs on two processes: (its folder, what it printed)."""
    folder = str(tmp_path_factory.mktemp("train") / "two")
    return folder, train_on_processes("--epochs", EPOCHS, "--out", folder)


def test_two_processes_train_the_digits_as_one(two_processes, tmp_path, capsys):
    one = str(tmp_path / "one")
    assert main(["train", "--epochs", EPOCHS, "--out", one]) == 0
    capsys.readouterr()
    two, printed = two_processes
    assert printed.count("test accuracy:") == 1   # rank 0 alone prints
    for a, b in zip(records(one), records(two)):
        assert abs(a["test_accuracy"] - b["test_accuracy"]) <= 1 / 359   # one test sample
        assert abs(a["train_loss"] - b["train_loss"]) < 1e-4   # every rank's batches counted
        assert abs(a["train_accuracy"] - b["train_accuracy"]) <= 1 / 1438
    assert records(two)[-1]["test_accuracy"] > 0.9
    w1, w2 = weights(one), weights(two)
    assert list(w1) == list(w2)   # the plain model's keys: loadable by one process
    for key in w1:
        assert np.abs(w1[key].numpy() - w2[key].numpy()).max() < 1e-4, key
    assert not [name for name in os.listdir(two) if name.startswith(".tmp")]


def test_resume_on_two_processes_continues_the_run(two_processes, tmp_path):
    whole, halves = two_processes[0], str(tmp_path / "halves")
    train_on_processes("--epochs", "1", "--out", halves)
    train_on_processes("--resume", halves, "--epochs", EPOCHS)
    assert len(records(halves)) == int(EPOCHS)
    w1, w2 = weights(whole), weights(halves)
    for key in w1:
        np.testing.assert_array_equal(w1[key].numpy(), w2[key].numpy())
