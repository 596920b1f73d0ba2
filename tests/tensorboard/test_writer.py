"""``SummaryWriter``: what it writes, read back with TensorBoard's own ``EventAccumulator``."""
import sys

import numpy as np
import pytest

import chainrule as cr

pytest.importorskip("tensorboard", reason="tensorboard is not installed (pip install -e "
                    "'.[test]')")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402


def read(log_dir):
    events = EventAccumulator(str(log_dir), size_guidance={"histograms": 0, "scalars": 0})
    events.Reload()
    return events


def nodes_of(log_dir):
    return {n.name: n for n in read(log_dir).Graph().node}


def shape(node):
    return [d.size for d in node.attr["_output_shapes"].list.shape[0].dim]


def test_scalars_come_back_with_their_steps(tmp_path):
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        for step, loss in enumerate([2.0, 1.25, 0.5]):
            writer.add_scalar("loss", cr.tensor(loss), step)
    assert [(s.step, s.value) for s in read(tmp_path).Scalars("loss")] == \
        [(0, 2.0), (1, 1.25), (2, 0.5)]


def test_add_scalars_puts_each_curve_in_its_own_run(tmp_path):
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        writer.add_scalars("accuracy", {"train": 0.75, "test": 0.5}, 3)
    assert [s.value for s in read(tmp_path / "accuracy_train").Scalars("accuracy")] == [0.75]
    assert [s.step for s in read(tmp_path / "accuracy_test").Scalars("accuracy")] == [3]


def test_a_histogram_counts_every_value(tmp_path):
    values = np.array([0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 9.0])
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        writer.add_histogram("w", cr.tensor(values), 5, bins=3)
    histogram = read(tmp_path).Histograms("w")[0]
    assert histogram.step == 5
    value = histogram.histogram_value
    assert (value.min, value.max, value.num, value.sum, value.sum_squares) == \
        (0.0, 9.0, 7.0, 17.0, 95.0)
    assert list(value.bucket) == [6.0, 0.0, 1.0] and list(value.bucket_limit) == [3.0, 6.0, 9.0]


def test_a_histogram_of_nan_is_refused_with_the_tag(tmp_path):
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="'w' contains NaN"):
            writer.add_histogram("w", np.array([1.0, np.nan]))


def test_text_comes_back(tmp_path):
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "lr **0.01**", 2)
    event = read(tmp_path).Tensors("notes")[0]
    assert event.step == 2 and event.tensor_proto.string_val == [b"lr **0.01**"]


def test_a_model_graph_has_module_scopes_gate_labels_inputs_and_shapes(tmp_path):
    model = cr.nn.Sequential(cr.nn.Linear(64, 128), cr.nn.ReLU(), cr.nn.Linear(128, 10))
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, cr.randn(4, 64))
    nodes = nodes_of(tmp_path)
    first = nodes["Sequential/Linear[0]/Linear"]
    assert first.op == "linear"
    assert list(first.input) == ["input/x0", "Sequential/Linear[0]/weight",
                                 "Sequential/Linear[0]/bias"]
    assert shape(first) == [4, 128] and shape(nodes["Sequential/Linear[0]/weight"]) == [128, 64]
    assert nodes["Sequential/ReLU[1]/Relu"].op == "relu"
    assert list(nodes["Sequential/Linear[2]/Linear"].input)[0] == "Sequential/ReLU[1]/Relu"
    assert nodes["Sequential/Linear[0]/weight"].op == "Parameter"
    assert nodes["input/x0"].op == "Input"


def test_gates_made_in_a_custom_forward_land_in_the_innermost_module(tmp_path):
    class Block(cr.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = cr.nn.Linear(3, 3)

        def forward(self, x):
            return (self.fc(x) * 2.0).tanh()

    class Net(cr.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()

        def forward(self, x):
            return self.block(x).sum()

    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        writer.add_graph(Net(), cr.randn(2, 3))
    names = set(nodes_of(tmp_path))
    assert {"Net/Block[block]/Linear[fc]/Linear", "Net/Block[block]/Mul",
            "Net/Block[block]/Tanh", "Net/Sum", "Net/Block[block]/Linear[fc]/weight"} <= names


def test_the_graph_of_a_tensor_has_the_circuit(tmp_path):
    x = cr.tensor(-2.0, requires_grad=True, name="x")
    y = cr.tensor(5.0, requires_grad=True, name="y")
    z = cr.tensor(-4.0, requires_grad=True, name="z")
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        writer.add_graph((x + y) * z)
    nodes = nodes_of(tmp_path)
    assert (nodes["Add"].op, list(nodes["Add"].input)) == ("+", ["x", "y"])
    assert (nodes["Mul"].op, list(nodes["Mul"].input)) == ("*", ["Add", "z"])
    assert nodes["Mul"].attr["formula"].s == b"x * y"


def test_without_tensorboard_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[tensorboard\]'"):
        cr.tensorboard.SummaryWriter(tmp_path)


def test_a_scalar_must_be_one_number(tmp_path):
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match=r"shape \(3,\)"):
            writer.add_scalar("loss", cr.zeros(3))


def test_a_buffer_read_by_the_graph_is_named_by_its_module_path(tmp_path):
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.BatchNorm1d(4)).eval()
    with cr.tensorboard.SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, cr.randn(2, 3))
    nodes = nodes_of(tmp_path)
    names = [n for n in nodes if "BatchNorm1d[1]" in n]
    assert "Sequential/BatchNorm1d[1]/running_mean" in names, names   # read as a view of it
    # (sqrt(running_var + eps) is a new array, computed outside the graph: a constant)
