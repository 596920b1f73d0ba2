"""LBFGS against PyTorch: the same weights and the same number of closure calls after each
step, with the fixed step and with the strong-Wolfe line search, in float64."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

TARGET = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def run(library, steps=4, **kwargs):
    """Rosenbrock in (a, b) plus a quartic fit in W: curved enough that the history and
    the line search matter."""
    a = library.tensor([-1.2, 1.0], dtype=library.float64, requires_grad=True)
    w = library.tensor(np.zeros((2, 3)), dtype=library.float64, requires_grad=True)
    target = library.tensor(TARGET, dtype=library.float64)
    opt = library.optim.LBFGS([a, w], **kwargs)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        rosenbrock = (1 - a[0]) ** 2 + 100 * (a[1] - a[0] ** 2) ** 2
        loss = rosenbrock + ((w - target) ** 4).sum() + ((w - target) ** 2).sum()
        loss.backward()
        return loss

    seen = []
    for _ in range(steps):
        loss = opt.step(closure)
        seen.append((loss.item(), np.concatenate([a.detach().numpy(), w.detach().numpy().ravel()]),
                     calls[0]))
    return seen


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(lr=0.5, max_iter=7, history_size=3),
    dict(line_search_fn="strong_wolfe"),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=10, max_eval=12),
    dict(line_search_fn="strong_wolfe", tolerance_grad=1e-3, tolerance_change=1e-4),
], ids=["default", "short-history", "wolfe", "wolfe-short", "wolfe-tolerances"])
def test_lbfgs_matches_pytorch_step_by_step(kwargs):
    ours, theirs = run(cr, **kwargs), run(torch, **kwargs)
    for step, ((loss, x, calls), (loss_t, x_t, calls_t)) in enumerate(zip(ours, theirs)):
        assert calls == calls_t, f"closure calls after step {step + 1}"
        # the same closure calls, weights within 1e-6: the dot products round differently
        # from PyTorch's in the last bits, and Rosenbrock's curvature grows that to ~1e-7
        np.testing.assert_allclose(loss, loss_t, rtol=1e-6, atol=1e-9, err_msg=f"step {step + 1}")
        np.testing.assert_allclose(x, x_t, rtol=1e-6, atol=1e-6, err_msg=f"step {step + 1}")
    assert ours[-1][0] < ours[0][0] / 10   # it really minimised


def test_lbfgs_stops_at_once_when_the_gradient_is_already_small():
    w = cr.tensor([1.0], dtype=cr.float64, requires_grad=True)
    opt = cr.optim.LBFGS([w])

    def closure():
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert w.item() == 1.0 and opt.state[w]["func_evals"] == 1


def rosenbrock_run(library, steps, saved=None, start=(-1.2, 1.0)):
    a = library.tensor(list(start), dtype=library.float64, requires_grad=True)
    opt = library.optim.LBFGS([a], max_iter=4, history_size=3, line_search_fn="strong_wolfe")
    if saved is not None:
        opt.load_state_dict(saved)

    def closure():
        opt.zero_grad()
        loss = (1 - a[0]) ** 2 + 100 * (a[1] - a[0] ** 2) ** 2
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return a.detach().numpy().copy(), opt


def test_state_dict_round_trip_continues_the_same_steps():
    straight, _ = rosenbrock_run(cr, 4)
    halfway, opt = rosenbrock_run(cr, 2)
    saved = opt.state_dict()
    assert isinstance(saved["state"][0]["d"], cr.Tensor)
    assert all(isinstance(v, cr.Tensor) for v in saved["state"][0]["old_dirs"])
    resumed, _ = rosenbrock_run(cr, 2, saved=saved, start=halfway)
    assert np.array_equal(resumed, straight)


def test_a_pytorch_lbfgs_state_dict_continues_as_pytorch_does():
    straight, _ = rosenbrock_run(torch, 4)
    halfway, opt = rosenbrock_run(torch, 2)
    resumed, _ = rosenbrock_run(cr, 2, saved=opt.state_dict(), start=halfway)
    np.testing.assert_allclose(resumed, straight, rtol=1e-6, atol=1e-6)
