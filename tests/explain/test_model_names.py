"""Issue 14, names from the model: parameters by path, x and y, module outputs by module,
aliases as tensor -> name, and the same names on the step-through page."""
import json
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli.graph import model_graph


class Net(cr.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = cr.nn.Linear(3, 4)
        self.relu = cr.nn.ReLU()
        self.fc2 = cr.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def loss_of(net, record=True):
    cr.manual_seed(0)
    x, y = cr.randn(5, 3), cr.tensor([0, 1, 0, 1, 1])
    if not record:
        return cr.nn.functional.cross_entropy(net(x), y)
    with cr.explain.record_modules():
        return cr.nn.functional.cross_entropy(net(x), y)


def names(e):
    return [s.name for s in e.forward]


def test_parameters_input_and_target_are_named_by_the_model():
    net = Net()
    e = cr.explain(loss_of(net, record=False), model=net)
    assert {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "x", "y", "L"} <= set(names(e))
    assert not [n for n in names(e) if n.startswith("input")]
    assert e.grad("fc1.weight") == pytest.approx(
        np.asarray(e.step("fc1.weight").value))   # a step per parameter, by its path


def test_without_a_recording_a_module_s_own_gate_takes_its_name():
    net = Net()
    e = cr.explain(loss_of(net, record=False), model=net)
    assert names(e) == ["x", "fc1.weight", "fc1.bias", "fc1", "relu1", "fc2.weight",
                        "fc2.bias", "fc2", "y", "L"]   # relu has no parameter: a gate name


def test_recorded_module_calls_name_the_intermediate_results():
    net = Net()
    e = cr.explain(loss_of(net), model=net)
    assert names(e) == ["x", "fc1.weight", "fc1.bias", "fc1", "relu", "fc2.weight",
                        "fc2.bias", "fc2", "y", "L"]
    assert e.step("fc1.weight").formula.startswith("dL/dfc1.weight = dL/dfc1.T @ x")


def test_a_recording_names_parameters_without_model():
    net = Net()
    e = cr.explain(loss_of(net))
    assert "fc2.weight" in names(e) and "fc2" in names(e)


def test_without_model_or_recording_parameters_keep_gate_names():
    e = cr.explain(loss_of(Net(), record=False))
    assert "fc1.weight" not in names(e) and "input1" in names(e)


def test_numbered_children_of_sequential_get_their_kind():
    net = cr.nn.Sequential(cr.nn.Linear(2, 3), cr.nn.ReLU())
    with cr.explain.record_modules():
        out = net(cr.ones(4, 2)).sum()
    assert names(cr.explain(out, model=net)) == ["x", "0.weight", "0.bias", "linear0", "relu1",
                                                 "L"]


def test_aliases_take_a_dict_of_tensor_to_name():
    net = Net()
    e = cr.explain(loss_of(net, record=False),
                   aliases={net.fc1.weight: "W1", net.fc2.weight: "W2"}, model=net)
    assert "W1" in names(e) and "W2" in names(e) and "fc1.weight" not in names(e)
    assert e.step("W1").symbol == "dL/dW1"
    with pytest.raises(TypeError, match="aliases maps a tensor of shape"):
        cr.explain(loss_of(net), aliases={net.fc1.weight: 3})


def test_recording_leaves_no_hook_behind():
    from chainrule.nn import hooks
    with cr.explain.record_modules():
        assert hooks.any_global_hooks()
    assert not hooks.any_global_hooks()


def test_the_page_and_its_steps_use_the_model_s_names():
    loss, model, title = model_graph("mlp")
    page = cr.viz.to_html(loss, model, title, layout="builtin")
    steps = json.loads(re.search(r'id="chainrule-steps"[^>]*>(.*?)</script>', page,
                                 re.S).group(1))
    shown = {s["name"] for s in steps}
    assert {"0.weight", "linear0", "x", "y", "L"} <= shown
    assert not [n for n in shown if n.startswith("input")]
    assert "0.weight (" in page or ">0.weight<" in page or "0.weight" in page.split(
        'id="chainrule-steps"')[0]   # the graph itself, not only the steps


def test_dot_names_a_model_s_tensors():
    loss, model, _ = model_graph("mlp")
    dot = cr.viz.to_dot(loss, model)
    assert "0.weight" in dot and "linear0" in dot


def test_a_buffer_read_as_an_array_is_named_by_its_path():
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.BatchNorm1d(4)).eval()
    e = cr.explain(model(cr.randn(2, 3)).sum(), model=model)
    assert "1.running_mean" in names(e) and "1.weight" in names(e)


def test_a_forward_that_raises_leaves_the_recording_consistent():
    class Fails(cr.nn.Module):
        def forward(self, x):
            raise ValueError("no")

    net = Net()
    with cr.explain.record_modules() as calls:
        with pytest.raises(ValueError):
            cr.nn.Sequential(cr.nn.Linear(3, 3), Fails())(cr.ones(1, 3))
        loss = cr.nn.functional.cross_entropy(net(cr.ones(2, 3)), cr.tensor([0, 1]))
    assert [c.depth for c in calls if c.module is net] == [0]
    assert "fc1" in names(cr.explain(loss, model=net))
