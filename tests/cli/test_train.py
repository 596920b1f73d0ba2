"""``chainrule train``: the run's files, its output, bad options, Ctrl-C and --resume."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.cli.train_output import Progress

QUICK = ["--epochs", "3", "--hidden", "32"]


def train(tmp_path, *options, name="run"):
    out = tmp_path / name
    assert main(["train", *QUICK, "--out", str(out), *options]) == 0
    return out


def test_a_run_writes_model_checkpoint_metrics_and_prints_test_accuracy(tmp_path, capsys):
    out = train(tmp_path)
    printed = capsys.readouterr().out
    assert "\r" not in printed                         # not a terminal: plain lines
    assert printed.count("samples/s") == 3 and "test accuracy:" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert [r["epoch"] for r in metrics["epochs"]] == [1, 2, 3]
    last = metrics["epochs"][-1]
    assert last["test_accuracy"] > 0.8 and last["train_loss"] < metrics["epochs"][0]["train_loss"]
    assert f"test accuracy: {last['test_accuracy']:.2%}" in printed
    saved = cr.load(out / "model.safetensors")
    assert saved["config"]["hidden"] == [32] and saved["classes"] == 10
    model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Linear(32, 10))
    model.load_state_dict(saved["model"])
    scaler = cr.data.StandardScaler()
    scaler.load_state_dict(saved["scaler"])
    x, y = cr.data.load_digits()
    with cr.no_grad():
        accuracy = (model(scaler.transform(x)).argmax(1) == y).float().mean().item()
    assert accuracy > 0.8                                # the saved model really predicts
    assert (out / "checkpoint.safetensors").exists()


def test_curves_png_is_drawn_when_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib")
    out = train(tmp_path)
    assert (out / "curves.png").read_bytes().startswith(b"\x89PNG")


def test_without_matplotlib_one_line_says_how_to_get_curves(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = train(tmp_path)
    notes = [line for line in capsys.readouterr().out.splitlines() if "curves.png" in line]
    assert notes == ["curves.png needs matplotlib: pip install 'chainrule[train]'"]
    assert not (out / "curves.png").exists()


def test_a_terminal_gets_a_progress_bar_redrawn_in_place():
    class Terminal:
        text = ""

        def isatty(self):
            return True

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    stream = Terminal()
    progress = Progress(stream)
    bar = "epoch 1/2 64/1437 loss 2.3 acc 10.0% 1,000 samples/s"
    progress.update(bar)
    progress.finish("epoch 1/2 done")
    first, last = stream.text.split("\r")[1:]
    assert first == bar and last.endswith("\n") and last.rstrip() == "epoch 1/2 done"
    assert len(last) - 1 >= len(bar)                  # the bar is fully overwritten


@pytest.mark.parametrize("dataset", ["moons", "spirals"])
def test_generated_datasets_train(tmp_path, dataset):
    out = train(tmp_path, "--dataset", dataset, "--optimizer", "sgd")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"][-1]["test_accuracy"] > 0.6


def test_csv_classification_and_regression(tmp_path, capsys):
    x, y = cr.data.make_moons(200, noise=0.1, generator=cr.Generator(0))
    rows = ["x1,x2,label"] + [f"{a},{b},{c}" for (a, b), c in zip(x.tolist(), y.tolist())]
    (tmp_path / "moons.csv").write_text("\n".join(rows))
    train(tmp_path, "--dataset", str(tmp_path / "moons.csv"), "--target", "label", "--lr", "0.01")
    assert "test accuracy:" in capsys.readouterr().out
    x, y = cr.data.make_regression(200, n_features=2, noise=1.0, generator=cr.Generator(0))
    rows = ["price,a,b"] + [f"{t},{a},{b}" for (a, b), t in zip(x.tolist(), y.tolist())]
    (tmp_path / "houses.csv").write_text("\n".join(rows))
    out = train(tmp_path, "--dataset", str(tmp_path / "houses.csv"), "--target", "price",
                "--epochs", "30", name="regression")
    rmse = json.loads((out / "metrics.json").read_text())["epochs"][-1]["test_rmse"]
    assert f"test rmse: {rmse:.4g}" in capsys.readouterr().out
    assert rmse < 0.5 * float(np.std(y.detach().numpy()))          # far better than predicting the mean


@pytest.mark.parametrize("options, message", [
    (["--lr", "fast"], "argument --lr: invalid float value: 'fast'"),
    (["--model", "rnn"], "--model must be mlp or cnn, got 'rnn'"),
    (["--optimizer", "lbfgs"], "--optimizer must be sgd, adam or adamw"),
    (["--hidden", "64,x"], "--hidden takes positive layer sizes"),
    (["--epochs", "0"], "--epochs must be a whole number from 1 to 1,000,000, got 0"),
    (["--epochs", "10000000"], "--epochs must be a whole number from 1 to 1,000,000"),
    (["--batch-size", "0"], "--batch-size must be a whole number from 1 to"),
    (["--batch-size", str(10 ** 30)], "--batch-size must be a whole number from 1 to"),
    (["--seed", "-1"], "--seed must be a whole number from 0 to 4,294,967,295, got -1"),
    (["--seed", str(2 ** 32)], "--seed must be a whole number from 0 to 4,294,967,295"),
    (["--lr", "inf"], "--lr must be a finite number above 0, got inf"),
    (["--lr", "nan"], "--lr must be a finite number above 0, got nan"),
    (["--lr", "-0.1"], "--lr must be a finite number above 0, got -0.1"),
    (["--lr", "0"], "--lr must be a finite number above 0, got 0.0"),
    (["--hidden", "0"], "--hidden takes positive layer sizes"),
    (["--hidden", "64,-2"], "--hidden takes positive layer sizes"),
    (["--hidden", ",".join(["4"] * 101)], "--hidden gives 101 layers; at most 100"),
    (["--epochs", "1e3"], "argument --epochs: invalid int value: '1e3'"),
    (["--dataset", "mnist"], "--dataset must be digits, moons, spirals or a .csv file"),
    (["--dataset", "missing.csv"], "--dataset missing.csv: No such file or directory"),
    (["--model", "cnn", "--dataset", "moons"], "--model cnn needs images"),
    (["--target", "y"], "--target names a column of a CSV file"),
    (["--task", "ranking"], "--task must be auto, classification or regression"),
    (["--task", "regression"], "--task says what a CSV file's target is"),
    (["--resume", "nowhere"], "--resume nowhere: no such folder"),
])
def test_bad_options_get_one_line_and_exit_status_2(options, message, tmp_path):
    result = subprocess.run([sys.executable, "-m", "chainrule", "train", *options,
                             "--out", str(tmp_path / "run")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("chainrule train: error:") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_resume_refuses_to_change_the_saved_options(tmp_path, capsys):
    out = train(tmp_path)
    assert main(["train", "--resume", str(out), "--lr", "0.1"]) == 2
    assert "drop --lr" in capsys.readouterr().err


SLOW_RUN = """
import sys, time
import chainrule as cr
from chainrule.cli import main
marker, out = sys.argv[1], sys.argv[2]
step = cr.optim.Adam.step
count = [0]
def slow_step(self, closure=None):
    count[0] += 1
    if count[0] == 30:                 # in the middle of epoch 2 (23 batches per epoch)
        open(marker, "w").close()
    time.sleep(0.02)                   # leaves time for the signal; the arithmetic is unchanged
    return step(self, closure)
cr.optim.Adam.step = slow_step
sys.exit(main(["train", "--epochs", "3", "--hidden", "32", "--out", out]))
"""


def test_ctrl_c_saves_a_checkpoint_and_resume_reaches_the_same_weights(tmp_path, capsys):
    straight = train(tmp_path, name="straight")
    marker, out = tmp_path / "marker", tmp_path / "interrupted"
    child = subprocess.Popen([sys.executable, "-c", SLOW_RUN, str(marker), str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not marker.exists() and child.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted in epoch 2" in stdout
    assert f"chainrule train --resume {out}" in stdout
    assert not (out / "model.safetensors").exists()
    assert cr.load(out / "checkpoint.safetensors")["position"]["batch"] > 0

    capsys.readouterr()
    assert main(["train", "--resume", str(out)]) == 0
    assert "epoch 3/3" in capsys.readouterr().out
    ours, reference = cr.load(out / "model.safetensors"), cr.load(straight / "model.safetensors")
    for key, value in reference["model"].items():
        assert np.array_equal(ours["model"][key].detach().numpy(), value.detach().numpy()), key   # bit-identical
    history = json.loads((out / "metrics.json").read_text())["epochs"]
    expected = json.loads((straight / "metrics.json").read_text())["epochs"]
    for a, b in zip(history, expected):
        assert (a["train_loss"], a["test_accuracy"]) == (b["train_loss"], b["test_accuracy"])


def test_resume_with_more_epochs_continues_training(tmp_path):
    out = train(tmp_path)
    assert main(["train", "--resume", str(out), "--epochs", "4"]) == 0
    epochs = json.loads((out / "metrics.json").read_text())["epochs"]
    assert [r["epoch"] for r in epochs] == [1, 2, 3, 4]
    assert os.path.exists(out / "model.safetensors")
