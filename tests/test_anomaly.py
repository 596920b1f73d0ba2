"""Anomaly mode, as PyTorch's: gates remember where forward created them, backward raises
RuntimeError at the first NaN gradient and prints that place; infinities (in forward or
backward) and NaNs in forward are not errors; ``check_nan=False`` records without checking."""
import os
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F

HERE = os.path.abspath(__file__)
PACKAGE = os.path.dirname(os.path.abspath(cr.__file__))


@pytest.fixture(autouse=True)
def quiet():
    """NumPy's divide and invalid warnings are the point of these tests; PyTorch's
    "Anomaly Detection has been enabled" and its printed tracebacks too."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    assert not cr.autograd.is_anomaly_enabled()


def leaf(values):
    return cr.tensor(values, dtype=cr.float64, requires_grad=True)


def raised(fn):
    with pytest.raises(RuntimeError) as info:
        fn()
    return info.value


# ----- the NaN check in backward ---------------------------------------------------------

def test_a_nan_gradient_raises_naming_the_gate_its_inputs_and_where_it_was_created():
    x = leaf([0.0, 1.0])
    with cr.autograd.detect_anomaly():
        y = x.sqrt() * 0   # finite forward; sqrt's backward gives 0 * inf = NaN at 0
        error = raised(lambda: y.sum().backward())
    message = str(error)
    assert message.startswith("Function 'Sqrt' returned nan values in its 0th output.\n")
    assert "input 'x' of gate 'sqrt' (Sqrt), whose inputs have shapes (2,)" in message
    assert "Traceback of forward call that caused the error:" in message
    assert f'File "{HERE}"' in message and "y = x.sqrt() * 0" in message
    assert PACKAGE not in message and "<unary of" not in message   # chainrule's frames cut
    assert x.grad is None   # a backward that fails half-way changes no gradient


def test_the_same_gate_and_output_index_as_torch():
    torch = pytest.importorskip("torch")
    cases = {   # name: (values, function of x, expected output index)
        "sqrt at 0 times 0": ([0.0, 1.0], lambda lib, x: (x.sqrt() * 0).sum(), 0),
        "a negative base, gradient for the exponent": (
            [-1.0, 2.0], lambda lib, x: (x ** lib.tensor([2.0, 2.0], dtype=lib.float64,
                                                          requires_grad=True)).sum(), 1),
        "log at 0 times 0": ([0.0, 1.0], lambda lib, x: (x.log() * 0).sum(), 0),
    }
    for name, (values, fn, index) in cases.items():
        messages = []
        for lib in (cr, torch):
            x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
            with lib.autograd.detect_anomaly():
                y = fn(lib, x)
                messages.append(str(raised(lambda: y.backward())).splitlines()[0])
        ours, theirs = messages
        assert theirs.endswith(f"returned nan values in its {index}th output."), name
        assert ours.replace("'Pow'", "'PowBackward1'").replace("'Sqrt'", "'SqrtBackward0'") \
            .replace("'Log'", "'LogBackward0'") == theirs, name


def test_a_gate_made_outside_anomaly_mode_says_no_forward_information_is_available():
    x = leaf([0.0, 1.0])
    y = (x.sqrt() * 0).sum()
    assert y.grad_fn.created_at is None   # outside anomaly mode nothing is recorded
    with cr.autograd.detect_anomaly():
        message = str(raised(lambda: y.backward()))
    assert "No forward pass information available. Enable detect anomaly during forward " \
           "pass" in message


def test_a_custom_functions_nan_names_it_as_torch_does():
    class Broken(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad * float("nan")

    x = leaf([1.0, 2.0])
    with cr.autograd.detect_anomaly():
        y = Broken.apply(x)
        message = str(raised(lambda: y.sum().backward()))
    assert message.startswith("Function 'BrokenBackward' returned nan values in its 0th output.")
    assert "y = Broken.apply(x)" in message


def test_the_traceback_points_at_the_users_module_code_not_chainrules():
    class Net(cr.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = cr.nn.Linear(2, 2)

        def forward(self, x):
            h = self.linear(x)
            return (h - h.detach() - 1).sqrt()   # sqrt(-1): NaN forward and gradient

    net = Net()
    with cr.autograd.detect_anomaly():
        out = net(cr.ones(1, 2))
        message = str(raised(lambda: out.sum().backward()))
    assert "return (h - h.detach() - 1).sqrt()" in message and "out = net(" in message
    assert PACKAGE not in message


def test_the_nan_check_also_runs_when_backward_builds_a_graph():
    x = leaf([0.0, 1.0])
    with cr.autograd.detect_anomaly():
        y = (x.sqrt() * 0).sum()
        message = str(raised(lambda: cr.autograd.grad(y, x, create_graph=True)))
    assert message.startswith("Function 'Sqrt' returned nan values in its 0th output.")


# ----- what is not an error --------------------------------------------------------------

def test_infinities_and_nans_in_forward_are_not_errors():
    x = leaf([0.0, 1.0])
    with cr.autograd.detect_anomaly():
        y = x.log()   # -inf at 0: legitimate
        z = cr.tensor([-1.0]).log()   # NaN, and nothing to differentiate
        y.sum().backward()   # d log x / dx = inf at 0: infinities pass, as in PyTorch
    assert y.tolist()[0] == -np.inf and np.isnan(z.item())
    assert x.grad.tolist() == [np.inf, 1.0]


def test_an_additive_minus_inf_attention_mask_works_under_anomaly_mode_as_in_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 4, 8)) for _ in range(3))
    mask = np.triu(np.full((4, 4), -np.inf), 1)   # causal: -inf above the diagonal
    results = []
    for lib in (cr, torch):
        qt, kt, vt = (lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in (q, k, v))
        with lib.autograd.detect_anomaly():
            scores = qt @ kt.transpose(1, 2) / 8 ** 0.5 + lib.tensor(mask, dtype=lib.float64)
            out = scores.softmax(-1) @ vt
            (out * out).sum().backward()
        results.append([t.grad.detach().numpy() for t in (qt, kt, vt)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_check_nan_false_records_but_does_not_check_as_in_torch():
    x = leaf([0.0, 1.0])
    with cr.autograd.detect_anomaly(check_nan=False):
        assert cr.autograd.is_anomaly_enabled()
        assert not cr.autograd.is_anomaly_check_nan_enabled()
        y = (x.sqrt() * 0).sum()
        y.backward()
    assert y.grad_fn.created_at is not None
    assert np.isnan(x.grad.tolist()[0]) and x.grad.tolist()[1] == 0.0
    assert cr.autograd.is_anomaly_check_nan_enabled()


# ----- other errors in backward get the creation traceback -------------------------------

def test_an_error_in_a_gates_turn_gets_where_the_gate_was_created():
    x = leaf([1.0, 2.0])
    with cr.autograd.detect_anomaly():
        y = x.exp().sum()
        y.backward()
        error = raised(lambda: y.backward())   # exp's saved output was freed
    assert "second time" in str(error)
    notes = "\n".join(getattr(error, "__notes__", []))
    assert "Error detected in Exp (gate 'exp')." in notes
    assert "y = x.exp().sum()" in notes


# ----- the switches ----------------------------------------------------------------------

def test_set_detect_anomaly_sets_at_once_and_restores_as_a_context_manager():
    cr.autograd.set_detect_anomaly(True)
    try:
        assert cr.autograd.is_anomaly_enabled() and cr.autograd.is_anomaly_check_nan_enabled()
        with cr.autograd.set_detect_anomaly(False):
            assert not cr.autograd.is_anomaly_enabled()
        assert cr.autograd.is_anomaly_enabled()
        with cr.autograd.set_detect_anomaly(True, check_nan=False):
            assert not cr.autograd.is_anomaly_check_nan_enabled()
        assert cr.autograd.is_anomaly_check_nan_enabled()
    finally:
        cr.autograd.set_detect_anomaly(False)
    assert not cr.autograd.is_anomaly_enabled()


def test_detect_anomaly_as_a_decorator_of_functions_and_generators():
    @cr.autograd.detect_anomaly()
    def inside():
        return cr.autograd.is_anomaly_enabled()

    @cr.autograd.detect_anomaly(check_nan=False)
    def generator():
        yield cr.autograd.is_anomaly_enabled(), cr.autograd.is_anomaly_check_nan_enabled()
        yield cr.autograd.is_anomaly_enabled(), cr.autograd.is_anomaly_check_nan_enabled()

    assert inside() and not cr.autograd.is_anomaly_enabled()
    seen = []
    for value in generator():
        seen.append((value, cr.autograd.is_anomaly_enabled()))
    assert seen == [((True, False), False), ((True, False), False)]


def test_outside_anomaly_mode_no_gate_records_a_traceback():
    x = leaf([1.0])
    made = [x.exp(), x + 1, x + x, cr.stack([x, x]), F.linear(x.reshape(1, 1), x.reshape(1, 1))]
    assert all(t.grad_fn.created_at is None for t in made)
    with cr.autograd.detect_anomaly():
        made = [x.exp(), x + 1, x + x, cr.stack([x, x]),
                F.linear(x.reshape(1, 1), x.reshape(1, 1))]
    assert all(t.grad_fn.created_at is not None for t in made)
