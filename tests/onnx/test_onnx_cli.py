"""``chainrule export RUN_DIR --onnx FILE`` on runs that ``chainrule train`` wrote: the ONNX
model reads raw features (the run's scaler is in the graph), has a dynamic batch axis, and
gives what the saved model gives on the scaled features; the command prints the input and
output names and shapes."""
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.cli.train import build_model
from onnx_helpers import TOLERANCE, graph_of, session, symbolic_dims


def train_and_export(tmp_path, capsys, *options):
    run = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--hidden", "8", "--out", str(run), *options]) == 0
    capsys.readouterr()
    path = tmp_path / "model.onnx"
    assert main(["export", str(run), "--onnx", str(path)]) == 0
    return run, path, capsys.readouterr().out


def saved_model(run):
    """The run's network and scalers, read back without the export command's code."""
    saved = cr.load(str(run / "model.safetensors"))
    shift = saved["scaler"]["shift"].numpy()
    network = build_model(saved["config"], len(shift), int(saved["classes"]))
    network.load_state_dict(saved["model"])
    return network.eval(), saved, shift, saved["scaler"]["scale"].numpy()


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    """One MLP run on the moons, trained once for the tests that read it."""
    run = tmp_path_factory.mktemp("moons") / "run"
    assert main(["train", "--dataset", "moons", "--epochs", "1", "--hidden", "8",
                 "--out", str(run)]) == 0
    return run


def test_mlp_run(tmp_path, capsys, moons_run):
    run, path = moons_run, tmp_path / "model.onnx"
    capsys.readouterr()
    assert main(["export", str(run), "--onnx", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "input input: float32 [batch, 2]" in printed
    assert "output output: float32 [batch, 2]" in printed
    difference = re.search(r"largest difference from chainrule (\S+) on 8 inputs", printed)
    assert difference and float(difference.group(1)) <= TOLERANCE
    network, _, shift, scale = saved_model(run)
    x, _ = cr.data.make_moons(9, noise=0.2, generator=cr.Generator(7))
    (got,) = session(path.read_bytes()).run(None, {"input": x.numpy()})
    want = network(cr.tensor(((x.numpy() - shift) / scale).astype(np.float32)))
    assert np.abs(got - want.detach().numpy()).max() <= TOLERANCE


def test_cnn_run_reads_raw_pixels(tmp_path, capsys):
    run, path, printed = train_and_export(tmp_path, capsys, "--model", "cnn")
    assert "input input: float32 [batch, 64]" in printed
    graph = graph_of(path.read_bytes())
    assert symbolic_dims(graph.input[0]) == ["batch", 64]
    assert "network.0.weight" in {i.name for i in graph.initializer}
    network, _, shift, scale = saved_model(run)
    x, _ = cr.data.load_digits()
    pixels = x.numpy()[:5]
    (got,) = session(path.read_bytes()).run(None, {"input": pixels})
    scaled = ((pixels - shift) / scale).astype(np.float32).reshape(-1, 1, 8, 8)
    assert np.abs(got - network(cr.tensor(scaled)).detach().numpy()).max() <= TOLERANCE


def test_regression_run_answers_in_target_units(tmp_path, capsys):
    x, y = cr.data.make_regression(200, n_features=3, noise=0.1, bias=50.0,
                                   generator=cr.Generator(3))
    table = np.column_stack([x.numpy(), y.numpy()])
    csv = tmp_path / "data.csv"
    np.savetxt(csv, table, delimiter=",", header="a,b,c,target", comments="")
    run, path, printed = train_and_export(tmp_path, capsys, "--dataset", str(csv))
    assert "output output: float32 [batch, 1]" in printed
    network, saved, shift, scale = saved_model(run)
    target = saved["target_scaler"]
    (got,) = session(path.read_bytes()).run(None, {"input": x.numpy()[:6]})
    out = network(cr.tensor(((x.numpy()[:6] - shift) / scale).astype(np.float32))).detach()
    want = out.numpy() * target["scale"].numpy() + target["shift"].numpy()
    assert np.abs(got - want).max() <= TOLERANCE * np.abs(want).max()


def test_missing_run(tmp_path, capsys):
    assert main(["export", str(tmp_path), "--onnx", str(tmp_path / "m.onnx")]) == 2
    assert "no model.safetensors" in capsys.readouterr().err


def test_bad_opset_is_one_line(tmp_path, capsys, moons_run):
    path = tmp_path / "m.onnx"
    assert main(["export", str(moons_run), "--onnx", str(path), "--opset", "9"]) == 2
    assert "opset_version 9 is not supported" in capsys.readouterr().err


def test_onnx_option_is_required(tmp_path):
    with pytest.raises(SystemExit):
        main(["export", str(tmp_path)])
