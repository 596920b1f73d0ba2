"""``chainrule train`` and its run folder: nothing is overwritten without ``--overwrite``, a
finished run is left alone, a foreign or damaged folder is named in one line (exit 2), OS
errors name the path, and no input gets a traceback (``CHAINRULE_DEBUG=1`` shows it)."""
import errno
import os
import struct

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.cli import train as train_command

QUICK = ["--dataset", "moons", "--epochs", "2", "--hidden", "8"]


def files(folder):
    """Every file's bytes and modification time."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}


def refused(capsys, argv, *fragments, status=2):
    assert main(argv) == status
    err = capsys.readouterr().err
    assert err.startswith("chainrule train: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


@pytest.fixture
def run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *QUICK, "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def test_a_fresh_run_does_not_overwrite_a_run(run, capsys):
    """Old code silently replaced the resumable checkpoint already in the folder."""
    before = files(run)
    refused(capsys, ["train", *QUICK, "--out", str(run)], f"{run} holds a run already",
            f"--resume {run}", "--overwrite")
    assert files(run) == before


def test_an_interrupted_run_is_protected_too(run, capsys):
    os.remove(run / "model.safetensors")          # as after Ctrl-C: a checkpoint only
    refused(capsys, ["train", *QUICK, "--epochs", "3", "--out", str(run)], "holds a run")


def test_overwrite_starts_again(run, capsys, tmp_path):
    (run / "notes.txt").write_text("mine")
    old = (run / "checkpoint.safetensors").read_bytes()
    assert main(["train", *QUICK, "--seed", "5", "--out", str(run), "--overwrite"]) == 0
    assert (run / "checkpoint.safetensors").read_bytes() != old
    assert cr.load(run / "checkpoint.safetensors")["config"]["seed"] == 5
    assert (run / "notes.txt").read_text() == "mine"           # only the run's own files go


def test_overwrite_and_resume_of_the_same_folder_contradict(run, capsys):
    refused(capsys, ["train", "--resume", str(run), "--overwrite"], "--overwrite starts a new "
            "run, but --resume")


def test_resuming_a_finished_run_says_so_and_rewrites_nothing(run, capsys):
    """Old code silently evaluated again and rewrote every file."""
    before = files(run)
    assert main(["train", "--resume", str(run)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "this run has finished its 2 epochs (test accuracy " in out
    assert f"chainrule train --resume {run} --epochs 12" in out
    assert files(run) == before


def test_a_folder_that_is_not_a_run(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    refused(capsys, ["train", "--resume", str(tmp_path / "empty")], "there is no "
            "checkpoint.safetensors in it, so it is not a chainrule train run")
    refused(capsys, ["train", "--resume", str(tmp_path / "nowhere")], "no such folder")


def write_checkpoint(folder, obj):
    folder.mkdir(exist_ok=True)
    cr.save(obj, folder / "checkpoint.safetensors")
    return folder


@pytest.mark.parametrize("change, message", [
    (lambda c: {"fc.weight": cr.ones(2, 2)}, "(it has no 'config' entry)"),
    (lambda c: [1, 2], "(it holds a list, not a dict)"),
    (lambda c: dict(c, history=3), "(its 'history' entry is a int, not a list)"),
    (lambda c: dict(c, position={"epoch": 1}), "its 'position' entry lacks 'batch'"),
    (lambda c: dict(c, position=dict(c["position"], epoch=-1)), "is not two whole numbers"),
    (lambda c: dict(c, config=dict(c["config"], lr="fast")),
     "its saved options are invalid: --lr must be a finite number above 0, got 'fast'"),
    (lambda c: dict(c, config=dict(c["config"], hidden=7)), "--hidden takes positive"),
    (lambda c: dict(c, config={k: v for k, v in c["config"].items() if k != "seed"}),
     "--seed must be a whole number"),
])
def test_a_foreign_or_damaged_checkpoint_is_named_in_one_line(run, capsys, tmp_path, change,
                                                              message):
    """Old code: KeyError 'config' and TypeError tracebacks."""
    saved = cr.load(run / "checkpoint.safetensors")
    folder = write_checkpoint(tmp_path / "other", change(saved))
    refused(capsys, ["train", "--resume", str(folder)], f"--resume {folder}: ",
            "is not a chainrule train checkpoint", message)


def test_a_damaged_generator_state_is_named(run, capsys, tmp_path):
    saved = cr.load(run / "checkpoint.safetensors")
    saved["position"]["generator"] = "not a state"
    saved["position"]["epoch"] = 1
    folder = write_checkpoint(tmp_path / "other", saved)
    refused(capsys, ["train", "--resume", str(folder)], "does not fit the run its options")


def test_resume_checks_a_new_epoch_count(run, capsys):
    refused(capsys, ["train", "--resume", str(run), "--epochs", str(10 ** 7)],
            "--epochs must be a whole number from 1 to 1,000,000")


def test_weights_that_do_not_fit_the_saved_options(run, capsys, tmp_path):
    saved = cr.load(run / "checkpoint.safetensors")
    saved["model"]["0.weight"] = cr.zeros(3, 3)
    saved["position"]["epoch"] = 1
    folder = write_checkpoint(tmp_path / "other", saved)
    refused(capsys, ["train", "--resume", str(folder)], "checkpoint.safetensors does not fit "
            "the run its options describe")


@pytest.mark.parametrize("damage", ["truncate", "header length", "empty"])
def test_a_damaged_checkpoint_file(run, capsys, damage):
    path = run / "checkpoint.safetensors"
    data = path.read_bytes()
    data = {"truncate": data[:len(data) // 2], "empty": b"",
            "header length": struct.pack("<Q", 2 ** 63) + data[8:]}[damage]
    path.write_bytes(data)
    refused(capsys, ["train", "--resume", str(run)], "is not a readable safetensors checkpoint")


def test_out_that_cannot_be_a_folder(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    refused(capsys, ["train", *QUICK, "--out", str(tmp_path / "file")], "is a file; give a "
            "folder")
    refused(capsys, ["train", *QUICK, "--out", str(tmp_path / "file" / "run")], "cannot write "
            "there")
    refused(capsys, ["train", *QUICK, "--out", "/proc/chainrule-run"], "--out /proc/chainrule-"
            "run: cannot write there")


def test_a_full_disk_is_one_line_naming_the_file(tmp_path, capsys, monkeypatch):
    """Old code: an OSError traceback."""
    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", disk_full)
    out = tmp_path / "run"
    err = refused(capsys, ["train", *QUICK, "--out", str(out)], status=1)
    assert f"{out / 'checkpoint.safetensors'}: No space left on device" in err
    assert [p.name for p in out.iterdir()] == []             # no temporary file left


def test_an_unexpected_error_is_one_line_unless_debugging(tmp_path, capsys, monkeypatch):
    def broken(self):
        raise RuntimeError("something inside\nbroke")
    monkeypatch.setattr(train_command.Trainer, "fit", broken)
    err = refused(capsys, ["train", *QUICK, "--out", str(tmp_path / "a")], status=1)
    assert "unexpected RuntimeError: something inside broke" in err
    assert "CHAINRULE_DEBUG=1 shows the traceback" in err
    monkeypatch.setenv("CHAINRULE_DEBUG", "1")
    with pytest.raises(RuntimeError, match="something inside"):
        main(["train", *QUICK, "--out", str(tmp_path / "b")])


def test_memory_error_is_one_line(tmp_path, capsys, monkeypatch):
    def too_big(*args, **kwargs):
        raise MemoryError()
    monkeypatch.setattr(train_command, "build_model", too_big)
    refused(capsys, ["train", *QUICK, "--out", str(tmp_path / "a")], "out of memory", status=1)


def test_resume_of_a_run_saved_before_task_existed(run, capsys):
    """Checkpoints written before --task continue as task 'auto'."""
    saved = cr.load(run / "checkpoint.safetensors")
    del saved["config"]["task"]
    saved["position"]["epoch"] = 1
    cr.save(saved, run / "checkpoint.safetensors")
    assert main(["train", "--resume", str(run)]) == 0
    assert "epoch 2/2" in capsys.readouterr().out


def test_the_memory_estimate_counts_every_parameter():
    """layer_widths must describe the model build_model makes."""
    for model, hidden in (("mlp", [16, 8]), ("cnn", [32])):
        config = {"model": model, "hidden": hidden}
        built = train_command.build_model(config, 64, 10)
        parameters, widths = train_command.layer_widths(config, 64, 10)
        assert parameters == sum(int(np.prod(p.shape)) for p in built.parameters())
        assert widths[-1] == 10
