"""Module: names, walking, modes, gradients, state dicts and reprs, checked against PyTorch."""
import copy

import numpy as np
import pytest

import chainrule as cr
from nn_helpers import torch

nn, tnn = cr.nn, torch.nn


def build(m):
    """The same nested model in either library."""
    class Block(m.Module):
        def __init__(self):
            super().__init__()
            self.conv = m.Conv2d(1, 2, 3, padding=1, bias=False)
            self.norm = m.BatchNorm2d(2)
            self.scale = m.Parameter((cr if m is nn else torch).ones(1))

        def forward(self, x):
            return self.norm(self.conv(x)) * self.scale

    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = m.ModuleList([m.Flatten(), m.Linear(32, 4)])
            self.heads = m.ModuleDict({"a": m.Linear(4, 2), "b": m.Sequential(m.ReLU(),
                                                                                 m.Linear(4, 3))})

        def forward(self, x):
            h = self.block(x)
            for layer in self.layers:
                h = layer(h)
            return self.heads["a"](h), self.heads["b"](h)

    return Net()


def test_names_and_walks_match_torch():
    ours, theirs = build(nn), build(tnn)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == \
        [tuple(p.shape) for p in theirs.parameters()]
    assert ours.get_submodule("heads.b.1") is ours.heads["b"][1]


def test_repr_matches_torch():
    for make in (build, lambda m: m.Sequential(
            m.Conv2d(1, 16, 3, padding=1), m.ReLU(), m.MaxPool2d(2), m.Conv2d(16, 32, (3, 2),
            stride=2, dilation=2, groups=2, bias=False), m.AvgPool2d(2), m.Dropout(0.1),
            m.LeakyReLU(0.2), m.GELU(), m.Sigmoid(), m.Tanh(), m.Softmax(dim=1),
            m.LogSoftmax(dim=1), m.Identity(), m.BatchNorm1d(3), m.LayerNorm((3, 4)),
            m.Embedding(10, 3, padding_idx=0), m.Linear(3, 1, bias=False), m.MSELoss(),
            m.CrossEntropyLoss())):
        assert repr(make(nn)) == repr(make(tnn))
    assert repr(nn.Parameter(cr.tensor([1.0, 2.0]))).startswith("Parameter containing:\ntensor(")


def test_state_dict_round_trip_and_sharing():
    cr.manual_seed(0)
    source, target = build(nn), build(nn)
    source.block.norm.running_mean.detach().numpy()[:] = [0.5, -0.5]
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)
    state = target.state_dict()
    state["heads.a.bias"].detach().numpy()[0] = 42.0           # state_dict tensors share memory
    assert target.heads.a.bias.detach().numpy()[0] == 42.0
    assert not state["heads.a.bias"].requires_grad  # and are detached


def test_state_dict_loads_into_torch_and_back():
    ours, theirs = build(nn), build(tnn)
    theirs.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in ours.state_dict().items()})
    ours.eval(), theirs.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    for a, b in zip(ours(cr.tensor(x)), theirs(torch.tensor(x))):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def test_strict_loading_lists_every_bad_key():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = model.state_dict()
    del state["0.bias"], state["1.running_var"]
    state["2.weight"] = cr.zeros(1)
    state["0.weight"] = cr.zeros(4, 2)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    for text in ('Missing key(s) in state_dict: "0.bias", "1.running_var"',
                 'Unexpected key(s) in state_dict: "2.weight"',
                 "size mismatch for 0.weight: copying a param with shape (4, 2)",
                 "the shape in current model is (3, 2)", "for Sequential"):
        assert text in message
    with pytest.raises(RuntimeError, match="size mismatch"):   # even when not strict
        model.load_state_dict(state, strict=False)
    state["0.weight"] = cr.ones(3, 2)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias", "1.running_var"]
    assert result.unexpected_keys == ["2.weight"]
    assert (model[0].weight.detach().numpy() == 1).all()


def test_buffers_and_non_persistent_buffers():
    module = nn.Module()
    module.register_buffer("kept", cr.zeros(2))
    module.register_buffer("scratch", cr.ones(1), persistent=False)
    assert list(module.state_dict()) == ["kept"]
    assert [n for n, _ in module.named_buffers()] == ["kept", "scratch"]
    assert list(nn.BatchNorm2d(2).state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert list(nn.CrossEntropyLoss(weight=cr.ones(3)).state_dict()) == ["weight"]


def test_train_eval_zero_grad_and_requires_grad():
    model = build(nn)
    assert model.training and model.block.norm.training
    assert model.eval() is model and not model.block.norm.training and not model.heads.b.training
    model.train()
    assert model.heads.b[1].training
    x = cr.randn(2, 1, 4, 4)
    a, b = model(x)
    (a.sum() + b.sum()).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(not p.grad.detach().numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_shared_parameters_are_listed_once_and_get_both_gradients():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    assert len(list(model.parameters())) == 2
    tlayer = tnn.Linear(2, 2)
    assert list(model.state_dict()) == list(tnn.Sequential(tlayer, tnn.Tanh(), tlayer).state_dict())
    model(cr.ones(1, 2)).sum().backward()
    assert layer.weight.grad is not None


def test_attribute_assignment_rules():
    module = nn.Linear(2, 3)
    module.bias = None
    assert module.bias is None and list(module.state_dict()) == ["weight"]
    with pytest.raises(TypeError, match="wrap it in nn.Parameter"):
        module.weight = cr.zeros(3, 2)
    module.extra = nn.ReLU()
    assert [n for n, _ in module.named_children()] == ["extra"]
    del module.extra
    assert list(module.named_children()) == []

    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Forgot()
    with pytest.raises(NotImplementedError, match="no forward"):
        nn.Module()(cr.ones(1))


def test_parameter_is_a_leaf_tensor_sharing_memory():
    data = cr.zeros(3)
    p = nn.Parameter(data)
    assert isinstance(p, cr.Tensor) and p.requires_grad and p.is_leaf
    p.detach().numpy()[0] = 1.0
    assert data.detach().numpy()[0] == 1.0
    with cr.no_grad():
        p -= 0.5
    assert isinstance(p, nn.Parameter)
    assert not nn.Parameter(cr.zeros(1), requires_grad=False).requires_grad


def test_deepcopy_and_dtype_conversion():
    model = build(nn)
    clone = copy.deepcopy(model)
    clone.heads.a.weight.detach().numpy()[...] = 7.0
    assert not (model.heads.a.weight.detach().numpy() == 7.0).any()
    assert clone.heads.a.weight is dict(clone.named_parameters())["heads.a.weight"]
    model.double()
    assert all(p.dtype == cr.float64 for p in model.parameters())
    assert model.block.norm.num_batches_tracked.dtype == cr.int64


@pytest.mark.parametrize("container", ["Sequential", "ModuleList"])
def test_containers_are_edited_as_pytorchs(container):
    """model.classifier[6] = nn.Linear(...), del, insert and pop: the same names and reprs."""
    import collections

    def edited(m):
        if container == "Sequential":
            net = m.Sequential(collections.OrderedDict(
                [("fc", m.Linear(2, 3)), ("act", m.ReLU()), ("out", m.Linear(3, 1))]))
        else:
            net = m.ModuleList([m.Linear(2, 3), m.ReLU(), m.Linear(3, 1)])
        net[-1] = m.Linear(3, 4)
        steps = [(list(net._modules), repr(net))]
        del net[0]
        steps.append((list(net._modules), repr(net)))
        net.insert(1, m.Tanh())
        net.insert(-1, m.Sigmoid()) if container == "Sequential" else net.insert(0, m.GELU())
        steps.append((list(net._modules), repr(net)))
        popped = net.pop(1)
        steps.append((list(net._modules), repr(net), repr(popped)))
        del net[1:]
        steps.append((list(net._modules), repr(net)))
        return steps, [n for n, _ in net.named_parameters()]

    assert edited(nn) == edited(tnn)
    net = nn.Sequential(nn.Linear(2, 2))
    net[0] = nn.Linear(2, 5)
    assert net.state_dict()["0.weight"].shape == (5, 2) and net[0] is net._modules["0"]
    with pytest.raises(IndexError, match="out of range"):
        net[3] = nn.ReLU()
    with pytest.raises(IndexError, match="out of range"):
        net.insert(5, nn.ReLU())


def test_sequential_indexing_and_ordered_dict():
    import collections
    net = nn.Sequential(collections.OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in net.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(net[-1], nn.ReLU) and isinstance(net[:1], nn.Sequential) and len(net) == 2
    with pytest.raises(IndexError, match="out of range for 2 modules"):
        net[2]
