"""``chainrule train --nproc``'s checks, made by the launcher before any process starts, and
the options it hands the processes (no MPI job is started here)."""
import argparse

import chainrule.distributed as dist
from chainrule.cli import launch, main, train


def parsed(argv):
    parser = argparse.ArgumentParser()
    train.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_options_handed_to_the_processes_parse_back_to_the_same_run():
    args = parsed(["train", "--nproc", "4", "--hidden", "32,16", "--lr", "0.01",
                   "--batch-size", "128", "--out", "some dir"])
    again = parsed(["train", *launch.options_of(args)])
    assert vars(again) == vars(args)


def test_bad_nproc_values_are_refused_before_anything_starts(capsys):
    assert main(["train", "--nproc", "0"]) == 2
    assert "--nproc must be at least 1, got 0" in capsys.readouterr().err
    assert main(["train", "--nproc", "3"]) == 2   # the default batch of 64
    assert ("--batch-size 64 does not split evenly over --nproc 3 processes; use a multiple "
            "of 3") in capsys.readouterr().err


def test_without_mpi4py_the_launcher_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setattr(dist, "is_available", lambda: False)
    assert main(["train", "--nproc", "2"]) == 2
    assert "pip install 'chainrule[distributed]'" in capsys.readouterr().err


def test_one_process_is_the_ordinary_run(tmp_path, capsys):
    assert main(["train", "--nproc", "1", "--epochs", "1", "--out", str(tmp_path)]) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert not dist.is_initialized()   # no process group: nothing was launched
