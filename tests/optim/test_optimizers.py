"""Optimizers against PyTorch: the same 10-step trajectories in float64, to 1e-6."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
]


def gradient(w):
    """A gradient that depends on the weights nonlinearly, so every step differs."""
    return 2 * (w - 0.5) + np.sin(3 * w)


def start_values():
    rng = np.random.default_rng(0)
    return [rng.standard_normal((3, 4)), rng.standard_normal(4)]


def trajectory(make_param, make_opt, read, steps=10):
    params = [make_param(v) for v in start_values()]
    opt = make_opt(params)
    seen = []
    for _ in range(steps):
        for p in params:
            p.grad = make_param(gradient(read(p)))
        opt.step()
        seen.append([read(p).copy() for p in params])
    return seen


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_pytorch(name, kwargs):
    ours = trajectory(lambda v: cr.tensor(v, dtype=cr.float64, requires_grad=True),
                      lambda ps: getattr(cr.optim, name)(ps, **kwargs), lambda p: p.detach().numpy())
    theirs = trajectory(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True),
                        lambda ps: getattr(torch.optim, name)(ps, **kwargs),
                        lambda p: p.detach().numpy())
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-6, err_msg=f"step {step + 1}")
    assert not np.allclose(ours[0][0], start_values()[0])   # the weights really moved


def test_param_groups_use_their_own_lr_like_pytorch():
    def run(make, optim):
        a, b = make(np.ones(2)), make(np.ones(2))
        opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
        for _ in range(3):
            for p in (a, b):
                p.grad = make(np.full(2, 2.0))
            opt.step()
        return [np.array(p.tolist()) for p in (a, b)]

    ours = run(lambda v: cr.tensor(v, dtype=cr.float64, requires_grad=True), cr.optim)
    theirs = run(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True), torch.optim)
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    assert not np.allclose(ours[0], ours[1])


@pytest.mark.parametrize("name, kwargs", [CASES[2], CASES[6], CASES[11], CASES[13]])
def test_state_dict_round_trip_through_a_checkpoint_is_bit_identical(name, kwargs, tmp_path):
    def make():
        params = [cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in start_values()]
        return params, getattr(cr.optim, name)(params, **kwargs)

    def steps(params, opt, n):
        for _ in range(n):
            for p in params:
                p.grad = cr.tensor(gradient(p.detach().numpy()), dtype=cr.float64)
            opt.step()

    straight, opt = make()
    steps(straight, opt, 10)
    resumed, opt = make()
    steps(resumed, opt, 5)
    cr.save({"params": resumed, "optimizer": opt.state_dict()}, tmp_path / "ckpt.safetensors")
    saved = cr.load(tmp_path / "ckpt.safetensors")
    params, opt = make()
    for p, value in zip(params, saved["params"]):
        p.detach().numpy()[...] = value.detach().numpy()
    opt.load_state_dict(saved["optimizer"])
    steps(params, opt, 5)
    for a, b in zip(straight, params):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_update_is_in_place_and_skips_parameters_without_grad():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    frozen = cr.tensor([3.0], requires_grad=True)
    array = w.detach().numpy()
    opt = cr.optim.Adam([w, frozen], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.detach().numpy() is array and w.grad_fn is None and w.requires_grad
    assert frozen.tolist() == [3.0] and frozen not in opt.state


def test_zero_grad_sets_none_or_zeros():
    w = cr.tensor([1.0], requires_grad=True)
    opt = cr.optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0]
    opt.zero_grad()
    assert w.grad is None


def test_step_returns_the_closure_loss():
    w = cr.tensor([1.0], requires_grad=True)
    opt = cr.optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 1.0
    assert w.item() == 0.0


@pytest.mark.parametrize("make, message", [
    (lambda w: cr.optim.SGD([w], lr=-1), "invalid lr -1"),
    (lambda w: cr.optim.SGD([w], lr=0.1, nesterov=True), "Nesterov"),
    (lambda w: cr.optim.Adam([w], betas=(1.0, 0.9)), "betas\\[0\\]"),
    (lambda w: cr.optim.Adam(w), "single Tensor"),
    (lambda w: cr.optim.Adam([]), "empty parameter list"),
    (lambda w: cr.optim.SGD([w, w * 2], lr=0.1), "leaf Tensors"),
])
def test_bad_arguments_are_named(make, message):
    w = cr.tensor([1.0], requires_grad=True)
    with pytest.raises((ValueError, TypeError), match=message):
        make(w)


def test_load_state_dict_rejects_a_different_model():
    a = cr.optim.Adam([cr.zeros(2, requires_grad=True)])
    b = cr.optim.Adam([cr.zeros(2, requires_grad=True), cr.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="group has 1 parameters, this one has 2"):
        b.load_state_dict(a.state_dict())
