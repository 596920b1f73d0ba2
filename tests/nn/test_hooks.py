"""Module hooks: forward, forward pre, full backward (and pre), global hooks, handles; each
scenario runs in chainrule and PyTorch and the records are compared."""
import importlib

import numpy as np
import pytest

import chainrule as cr
from nn_helpers import torch

LIBS = [(cr, "chainrule.nn.modules.module"), (torch, "torch.nn.modules.module")]


def record_forward_order(lib, path):
    """Every hook appends its name; pre hooks double the input, one forward hook adds 1."""
    glob = importlib.import_module(path)
    log = []
    model = lib.nn.Sequential(lib.nn.Identity(), lib.nn.Identity())
    handles = [
        glob.register_module_forward_pre_hook(lambda m, a: log.append(("gpre", type(m).__name__))),
        glob.register_module_forward_hook(lambda m, a, o: log.append(("gfwd", type(m).__name__))),
        model[0].register_forward_pre_hook(lambda m, a: (a[0] * 2,)),
        model[0].register_forward_pre_hook(lambda m, a: log.append(("first", float(a[0]))),
                                           prepend=True),
        model[1].register_forward_hook(lambda m, a, o: o + 1),
        model[1].register_forward_hook(lambda m, a, kw, o: log.append(("kw", sorted(kw))),
                                       with_kwargs=True),
    ]
    out = model(lib.tensor(1.5))
    for h in handles:
        h.remove()
    after = model(lib.tensor(1.5))
    return log, float(out), float(after)


def test_forward_hooks_order_results_and_removal_match_torch():
    ours = record_forward_order(*LIBS[0])
    theirs = record_forward_order(*LIBS[1])
    assert ours == theirs
    assert ours[1] == 4.0 and ours[2] == 1.5


def test_pre_hook_with_kwargs_replaces_args_and_kwargs():
    for lib, _ in LIBS:
        class Scale(lib.nn.Module):
            def forward(self, x, factor=1.0):
                return x * factor
        m = Scale()
        m.register_forward_pre_hook(lambda mod, a, kw: ((a[0] + 1,), {"factor": 3.0}),
                                    with_kwargs=True)
        assert float(m(lib.tensor(1.0), factor=10.0)) == 6.0
        bad = Scale()
        bad.register_forward_pre_hook(lambda mod, a, kw: a, with_kwargs=True)
        with pytest.raises(RuntimeError, match="pre-hook must return None or a tuple"):
            bad(lib.tensor(1.0), lib.tensor(2.0), lib.tensor(3.0))


def test_always_call_hook_runs_when_forward_raises():
    for lib, _ in LIBS:
        class Boom(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")
        seen = []
        m = Boom()
        m.register_forward_hook(lambda mod, a, o: seen.append("always"), always_call=True)
        m.register_forward_hook(lambda mod, a, o: seen.append("normal"))
        with pytest.raises(ValueError, match="boom"):
            m(lib.tensor(1.0))
        assert seen == ["always"]


def test_handle_is_a_context_manager_with_unique_ids():
    m = cr.nn.Identity()
    seen = []
    with m.register_forward_hook(lambda mod, a, o: seen.append(1)):
        m(cr.ones(1))
    m(cr.ones(1))
    assert seen == [1] and not m._forward_hooks
    a, b = m.register_forward_hook(print), m.register_forward_pre_hook(print)
    assert a.id != b.id


def backward_hook_run(lib, path, replace):
    """A two-input module with full backward and pre hooks; returns what they saw and the
    input gradients."""
    class Mix(lib.nn.Module):
        def forward(self, x, y, scale):
            return x * y * scale, (x - y).sum() * scale
    m = Mix()
    log = []

    def pre(mod, gout):
        log.append(("pre", [None if g is None else g.detach().numpy().copy() for g in gout]))
        return (gout[0] * 2, gout[1]) if replace else None

    def full(mod, gin, gout):
        log.append(("full", [None if g is None else g.detach().numpy().copy() for g in gin],
                    [g.detach().numpy().copy() for g in gout]))
        return (gin[0] * 0 + 7, None, None) if replace else None
    m.register_full_backward_pre_hook(pre)
    m.register_full_backward_hook(full)
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    y = lib.tensor([3.0, -1.0], dtype=lib.float64, requires_grad=True)
    a, b = m(x, y, 2.0)
    (a.sum() * 3 + b).backward()
    # a hook's None stops the gradient: PyTorch leaves .grad None, chainrule gives zeros
    return log, x.grad.numpy(), np.zeros(2) if y.grad is None else y.grad.numpy()


def assert_same_records(ours, theirs):
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        if isinstance(o, (list, tuple)):
            assert_same_records(o, t)
        elif o is None or isinstance(o, str):
            assert o == t
        else:
            np.testing.assert_allclose(o, t)


@pytest.mark.parametrize("replace", [False, True])
def test_full_backward_hooks_see_and_replace_gradients_as_torch(replace):
    ours = backward_hook_run(*LIBS[0], replace)
    theirs = backward_hook_run(*LIBS[1], replace)
    assert_same_records(list(ours), list(theirs))
    assert [entry[0] for entry in ours[0]] == ["pre", "full"]


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")   # PyTorch's note
def test_backward_hook_when_no_input_requires_grad():
    for lib, _ in LIBS:
        layer = lib.nn.Linear(2, 1)
        seen = []
        layer.register_full_backward_hook(lambda m, gin, gout: seen.append(
            (gin, tuple(gout[0].shape))))
        layer(lib.ones(3, 2)).sum().backward()
        assert seen == [((None,), (3, 1))]
        assert layer.weight.grad is not None


def test_global_backward_hook_and_parameter_gradients_unchanged():
    for lib, path in LIBS:
        glob = importlib.import_module(path)
        names = []
        h = glob.register_module_full_backward_hook(
            lambda m, gin, gout: names.append(type(m).__name__))
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Tanh())
        x = lib.ones(1, 2, requires_grad=True)
        model(x).sum().backward()
        h.remove()
        assert names == ["Tanh", "Linear", "Sequential"]
        assert x.grad is not None and model[0].weight.grad is not None


def test_old_backward_hook_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="register_full_backward_hook"):
        cr.nn.Linear(1, 1).register_backward_hook(print)


def test_global_hook_tables_at_torch_private_names():
    for _, path in LIBS:
        glob = importlib.import_module(path)
        with glob.register_module_forward_hook(print) as handle:
            assert glob._global_forward_hooks[handle.id] is print
        assert handle.id not in glob._global_forward_hooks


def test_backward_hooks_leave_no_grad_calls_alone():
    layer = cr.nn.Linear(2, 1)
    layer.register_full_backward_hook(lambda m, gin, gout: None)
    with cr.no_grad():
        out = layer(cr.ones(3, 2, requires_grad=True))
    assert out.grad_fn is None and not out.requires_grad
    out = layer(cr.ones(3, 2, requires_grad=True))
    assert out.grad_fn is not None   # wrapped: a view of the packed outputs
