"""Optimizers against PyTorch: the same 12-step trajectories (float64 to the last bits,
float32 to its precision) for every optimizer and option, the flat (foreach) path
bit-identical to the per-parameter one, and PyTorch's repr, state_dict and refusals."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.5)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.1)),
    ("Adamax", dict(lr=0.05, betas=(0.7, 0.95), weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.1)),
    ("NAdam", dict(lr=0.05, momentum_decay=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, maximize=True)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, betas=(0.9, 0.5))),
    ("ASGD", dict(lr=0.1)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1, maximize=True)),
    ("Rprop", dict(lr=0.1)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("AdamW", dict(lr=0.05, betas=(0.5, 0.8), eps=1e-4, weight_decay=0.2, maximize=True)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.2, maximize=True)),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]


def gradient(w):
    """A gradient that depends on the weights nonlinearly, so every step differs."""
    return 2 * (w - 0.5) + np.sin(3 * w)


def start_values():
    rng = np.random.default_rng(0)
    return [rng.standard_normal((3, 4)), rng.standard_normal(4), np.array(0.7)]


def trajectory(library, name, kwargs, dtype="float64", steps=12, between=None):
    """Weights after each of ``steps`` steps; ``between(step, params, opt)`` may meddle."""
    params = [library.tensor(v, dtype=getattr(library, dtype), requires_grad=True)
              for v in start_values()]
    opt = getattr(library.optim, name)(params, **kwargs)
    seen = []
    for step in range(steps):
        for p in params:
            p.grad = library.tensor(gradient(p.detach().numpy()), dtype=getattr(library, dtype))
        if between is not None:
            between(step, params, opt)
        opt.step()
        seen.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(seen)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-13), ("float32", 2e-6)])
def test_trajectory_matches_pytorch(name, kwargs, dtype, tolerance):
    ours = trajectory(cr, name, kwargs, dtype)
    theirs = trajectory(torch, name, dict(kwargs, foreach=False), dtype)
    scale = np.maximum(1.0, np.abs(theirs))
    assert np.abs(ours - theirs).max() / scale.max() < tolerance
    assert not np.allclose(ours[0], np.concatenate([v.ravel() for v in start_values()]))


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_flat_path_is_bit_identical_to_the_per_parameter_path(name, kwargs):
    for dtype in ("float64", "float32"):
        flat = trajectory(cr, name, dict(kwargs, foreach=True), dtype)
        one_by_one = trajectory(cr, name, dict(kwargs, foreach=False), dtype)
        assert np.array_equal(flat, one_by_one)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_foreach_really_takes_the_flat_path_and_foreach_false_does_not(name, kwargs):
    def buffers(foreach):
        params = [cr.tensor(v, requires_grad=True) for v in start_values()]
        opt = getattr(cr.optim, name)(params, **kwargs, foreach=foreach)
        for _ in range(2):
            for p in params:
                p.grad = cr.tensor(gradient(p.detach().numpy()))
            opt.step()
        arrays = [v._data for p in params for v in opt.state.get(p, {}).values()
                  if isinstance(v, cr.Tensor)]
        return opt, arrays

    opt, arrays = buffers(None)
    if arrays:   # plain SGD keeps no state
        bases = {id(a.base if a.base is not None else a) for a in arrays}
        assert len(bases) == len(arrays) // 3   # one flat array per kind of buffer
    assert len(opt.flat_groups) == 1
    opt, arrays = buffers(False)
    assert not opt.flat_groups and all(a.base is None for a in arrays)


def drop_a_gradient(step, params, opt):
    if step in (3, 4):
        params[1].grad = None          # zero_grad(set_to_none=True) on part of the model


def replace_data(step, params, opt):
    if step == 5:
        params[0].data = params[0].detach() * 0.5    # a new array behind the parameter


def reload_state(step, params, opt):
    if step == 6:
        opt.load_state_dict(opt.state_dict())


def replace_a_buffer(step, params, opt):
    if step == 4:
        state = opt.state[params[0]]
        key = next(k for k, v in state.items() if hasattr(v, "shape") and v.shape)
        state[key] = state[key] * 0.25    # a new tensor, not the flat view


@pytest.mark.parametrize("between", [drop_a_gradient, replace_data, reload_state,
                                     replace_a_buffer], ids=lambda f: f.__name__)
@pytest.mark.parametrize("name, kwargs", [CASES[2], CASES[6], CASES[12], CASES[20], CASES[26],
                                          CASES[28]], ids=lambda v: str(v)[:12])
def test_flat_path_follows_what_users_change_between_steps(name, kwargs, between):
    flat = trajectory(cr, name, dict(kwargs, foreach=True), between=between)
    one_by_one = trajectory(cr, name, dict(kwargs, foreach=False), between=between)
    assert np.array_equal(flat, one_by_one)
    theirs = trajectory(torch, name, dict(kwargs, foreach=False), between=between)
    # 1e-9: PyTorch's load_state_dict moves NAdam's mu_product from float32 to the
    # parameter's dtype; chainrule keeps it float32 (a 3e-11 relative difference after)
    np.testing.assert_allclose(flat, theirs, rtol=1e-9, atol=1e-12)


def test_mixed_dtypes_in_one_group_take_the_per_parameter_path():
    def run(foreach):
        a = cr.tensor([1.0, 2.0], dtype=cr.float32, requires_grad=True)
        b = cr.tensor([3.0], dtype=cr.float64, requires_grad=True)
        opt = cr.optim.Adam([a, b], lr=0.1, foreach=foreach)
        for _ in range(3):
            a.grad, b.grad = a.detach() * 2, b.detach() * 2
            opt.step()
        return a.tolist(), b.tolist(), a.dtype, b.dtype

    assert run(True) == run(False)
    assert run(True)[2:] == (cr.float32, cr.float64)


def test_flat_state_is_visible_through_each_parameter_and_weights_keep_their_arrays():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    v = cr.tensor([[3.0]], requires_grad=True)
    arrays = [w.detach().numpy(), v.detach().numpy()]
    opt = cr.optim.Adam([w, v], lr=0.1)
    for _ in range(2):
        (w * w).sum().backward()
        (v * v).sum().backward()
        opt.step()
    assert w.detach().numpy() is arrays[0] and v.detach().numpy() is arrays[1]
    seen = opt.state[v]["exp_avg"]
    assert seen.shape == (1, 1) and opt.state[w]["step"] == 2
    before = seen.tolist()
    w.grad, v.grad = cr.ones(2), cr.ones(1, 1)
    opt.step()
    assert seen.tolist() != before   # the state tensor is the live buffer, as in PyTorch


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


NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
         "ASGD", "Rprop", "LBFGS"]


@pytest.mark.parametrize("name", NAMES)
def test_repr_is_pytorchs(name):
    ours = getattr(cr.optim, name)([cr.zeros(2, requires_grad=True)])
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert repr(ours) == repr(theirs)
    assert "Parameter Group 0" in repr(ours)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_state_dict_has_pytorchs_layout_and_values(name, kwargs):
    def run(library):
        params = [library.tensor(v, dtype=library.float64, requires_grad=True)
                  for v in start_values()]
        opt = getattr(library.optim, name)(params, **kwargs)
        for _ in range(2):
            for p in params:
                p.grad = library.tensor(gradient(p.detach().numpy()), dtype=library.float64)
            opt.step()
        return opt.state_dict()

    ours, theirs = run(cr), run(torch)
    assert ours["param_groups"] == theirs["param_groups"]
    assert ours["state"].keys() == theirs["state"].keys()
    for i, state in theirs["state"].items():
        assert ours["state"][i].keys() == state.keys()
        for key, value in state.items():
            np.testing.assert_allclose(np.asarray(ours["state"][i][key].tolist() if hasattr(
                ours["state"][i][key], "tolist") else ours["state"][i][key]),
                value.detach().numpy(), rtol=1e-6, err_msg=key)


@pytest.mark.parametrize("name, kwargs", [CASES[2], CASES[6], CASES[12], CASES[14],
                                          CASES[21], CASES[26], CASES[28]],
                         ids=lambda v: str(v)[:12])
@pytest.mark.parametrize("foreach", [True, False])
def test_state_dict_round_trip_through_a_checkpoint_is_bit_identical(name, kwargs, foreach,
                                                                     tmp_path):
    def make():
        params = [cr.tensor(v, dtype=cr.float64, requires_grad=True) for v in start_values()]
        return params, getattr(cr.optim, name)(params, **kwargs, foreach=foreach)

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


def test_a_pytorch_state_dict_loads_and_continues_the_same_trajectory():
    kwargs = dict(lr=0.05, weight_decay=0.1)
    theirs = trajectory(torch, "NAdam", kwargs, steps=6)
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start_values()]
    opt = torch.optim.NAdam(params, **kwargs)
    for _ in range(3):
        for p in params:
            p.grad = torch.tensor(gradient(p.detach().numpy()))
        opt.step()
    ours = [cr.tensor(p.detach().numpy(), dtype=cr.float64, requires_grad=True) for p in params]
    mine = cr.optim.NAdam(ours, **kwargs)
    saved = opt.state_dict()
    mine.load_state_dict(saved)   # PyTorch's own dict, its tensors and all
    for step in range(3, 6):
        for p in ours:
            p.grad = cr.tensor(gradient(p.detach().numpy()), dtype=cr.float64)
        mine.step()
        got = np.concatenate([p.detach().numpy().ravel() for p in ours])
        np.testing.assert_allclose(got, theirs[step], rtol=1e-12, atol=1e-12)


def test_update_is_in_place_and_skips_parameters_without_grad():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    frozen = cr.tensor([3.0], requires_grad=True)
    array = w.detach().numpy()
    opt = cr.optim.Adam([w, frozen], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.detach().numpy() is array and w.grad_fn is None and w.requires_grad
    assert frozen.tolist() == [3.0] and frozen not in opt.state


def test_named_parameters_keep_their_names_as_in_pytorch():
    model = cr.nn.Linear(2, 1)
    opt = cr.optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.param_groups[0]["params"][0] is model.weight


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


@pytest.mark.parametrize("make, error, message", [
    (lambda w: cr.optim.SGD([w], lr=-1), ValueError, "invalid lr -1"),
    (lambda w: cr.optim.SGD([w], lr=0.1, nesterov=True), ValueError, "Nesterov"),
    (lambda w: cr.optim.Adam([w], betas=(1.0, 0.9)), ValueError, "betas\\[0\\]"),
    (lambda w: cr.optim.Adam(w), TypeError, "single Tensor"),
    (lambda w: cr.optim.Adam([]), ValueError, "empty parameter list"),
    (lambda w: cr.optim.SGD([w, w * 2], lr=0.1), TypeError, "leaf Tensors"),
    (lambda w: cr.optim.Adam([w], capturable=True), ValueError, "capturable=True"),
    (lambda w: cr.optim.RMSprop([w], differentiable=True), NotImplementedError,
     "differentiable=True"),
    (lambda w: cr.optim.Adam([w], fused=True, foreach=True), RuntimeError, "cannot be `True`"),
    (lambda w: cr.optim.Rprop([w], etas=(1.5, 1.2)), ValueError, "etaminus"),
    (lambda w: cr.optim.Adadelta([w], rho=1.5), ValueError, "rho"),
    (lambda w: cr.optim.LBFGS([w], line_search_fn="armijo"), ValueError, "strong_wolfe"),
    (lambda w: cr.optim.LBFGS([{"params": [w]}, {"params": [cr.zeros(1, requires_grad=True)]}]),
     ValueError, "parameter groups"),
    (lambda w: cr.optim.LBFGS([w]).step(), RuntimeError, "needs a closure"),
])
def test_bad_arguments_are_named(make, error, message):
    w = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(error, match=message):
        make(w)


@pytest.mark.parametrize("foreach", [True, False])
def test_a_gradient_of_another_shape_is_refused_not_broadcast(foreach):
    w, v = cr.zeros(3, requires_grad=True), cr.zeros(2, requires_grad=True)
    opt = cr.optim.SGD([w, v], lr=0.1, foreach=foreach)
    w.grad, v.grad = cr.ones(1), cr.ones(2)
    with pytest.raises(RuntimeError, match=r"shape \(3,\) has a gradient of shape \(1,\)"):
        opt.step()
    assert w.tolist() == [0.0, 0.0, 0.0] and v.tolist() == [0.0, 0.0]


def test_fused_runs_the_flat_path_with_the_same_numbers():
    fused = trajectory(cr, "Adam", dict(lr=0.1, fused=True))
    plain = trajectory(cr, "Adam", dict(lr=0.1, foreach=False))
    assert np.array_equal(fused, plain)


def test_load_state_dict_rejects_a_different_model():
    a = cr.optim.Adam([cr.zeros(2, requires_grad=True)])
    b = cr.optim.Adam([cr.zeros(2, requires_grad=True), cr.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="group has 1 parameters, this one has 2"):
        b.load_state_dict(a.state_dict())


@pytest.mark.parametrize("foreach", [True, False])
def test_model_load_state_dict_between_steps_is_followed_like_pytorch(foreach):
    """A model reloaded mid-training (new weights behind every parameter) keeps training
    from the reloaded weights, with the optimizer's state as it was: as in PyTorch."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
    first = {"0.weight": rng.standard_normal((8, 4)), "0.bias": rng.standard_normal(8),
             "2.weight": rng.standard_normal((2, 8)), "2.bias": rng.standard_normal(2)}
    reload = {k: v * 0.5 for k, v in first.items()}

    def run(library, **extra):
        nn = library.nn
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).double()
        model.load_state_dict({k: library.tensor(v) for k, v in first.items()})
        opt = library.optim.Adam(model.parameters(), lr=0.05, **extra)
        losses = []
        for step in range(6):
            if step == 3:
                model.load_state_dict({k: library.tensor(v) for k, v in reload.items()})
            loss = ((model(library.tensor(x)) - library.tensor(y)) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    np.testing.assert_allclose(run(cr, foreach=foreach), run(torch), rtol=1e-12)


def test_parameters_that_overlap_in_memory_are_updated_one_by_one():
    """Two parameters over one array: each update must see the one before, as one by one;
    the flat path, which reads every old value first, is not used for them."""
    def run(foreach):
        memory = np.arange(6.0)
        a = cr.from_numpy(memory[:4]).requires_grad_()
        b = cr.from_numpy(memory[2:]).requires_grad_()
        opt = cr.optim.SGD([a, b], lr=0.1, momentum=0.5, foreach=foreach)
        for _ in range(3):
            a.grad, b.grad = cr.ones(4, dtype=cr.float64), cr.full((4,), 2.0, dtype=cr.float64)
            opt.step()
        return memory.copy(), opt

    flat, opt = run(None)
    assert not opt.flat_groups.get(id(opt.param_groups[0]))
    one_by_one, _ = run(False)
    assert np.array_equal(flat, one_by_one)


def test_a_parameter_given_a_new_array_that_overlaps_another_is_caught():
    memory = np.arange(8.0)
    a = cr.from_numpy(memory[:4].copy()).requires_grad_()
    b = cr.from_numpy(memory[4:]).requires_grad_()
    opt = cr.optim.Adam([a, b], lr=0.1)
    for step in range(3):
        if step == 1:
            a.data = cr.from_numpy(memory[2:6])   # now overlaps b
        a.grad, b.grad = cr.ones(4, dtype=cr.float64), cr.ones(4, dtype=cr.float64)
        opt.step()
    assert not opt.flat_groups.get(id(opt.param_groups[0]))


def hook_log(library, name, make_closure):
    """What step hooks see and change, for one library."""
    w = library.tensor([1.0, -2.0], dtype=library.float64, requires_grad=True)
    opt = getattr(library.optim, name)([w], lr=0.1)
    seen = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    def pre(optimizer, args, kwargs):
        seen.append(("pre", len(args), sorted(kwargs)))
        return (args[0], closure), {}   # the optimizer, then a closure instead of the one given

    post = opt.register_step_post_hook(lambda o, args, kwargs: seen.append(("post", len(args))))
    handle = opt.register_step_pre_hook(pre)
    opt.step(make_closure(closure))
    handle.remove()
    post.remove()
    opt.step(closure)   # no hook any more
    return seen, w.detach().numpy().tolist()


@pytest.mark.parametrize("name", ["SGD", "Adam", "LBFGS"])
def test_step_hooks_run_and_change_arguments_as_in_pytorch(name):
    def useless(closure):
        return None if name != "LBFGS" else (lambda: 1 / 0)

    ours, theirs = hook_log(cr, name, useless), hook_log(torch, name, useless)
    assert ours[0] == theirs[0] == [("pre", 2, []), ("post", 2)]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-9)


def test_hooks_wrap_a_subclass_step_once_even_when_it_calls_its_parent():
    class Logged(cr.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    w = cr.tensor([1.0], requires_grad=True)
    opt = Logged([w], lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    w.grad = cr.ones(1)
    opt.step()
    assert calls == ["pre"] and w.tolist() == [pytest.approx(0.9)]


def test_a_group_added_mid_training_steps_like_pytorch():
    def run(library, **extra):
        make = lambda v: library.tensor(v, dtype=library.float64, requires_grad=True)  # noqa: E731
        first = [make(v) for v in start_values()]
        later = [make(np.linspace(-1, 1, 5)), make(np.ones((2, 2)))]
        opt = library.optim.Adam(first, lr=0.05, **extra)
        seen = []
        for step in range(6):
            if step == 3:
                opt.add_param_group({"params": later, "lr": 0.2, "amsgrad": True})
            for p in first + (later if step >= 3 else []):
                p.grad = library.tensor(gradient(p.detach().numpy()), dtype=library.float64)
            opt.step()
            seen.append(np.concatenate([p.detach().numpy().ravel() for p in first + later]))
        return np.array(seen)

    flat, one_by_one = run(cr), run(cr, foreach=False)
    assert np.array_equal(flat, one_by_one)
    np.testing.assert_allclose(flat, run(torch), rtol=1e-12, atol=1e-12)
