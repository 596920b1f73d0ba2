"""The engine's semantics: paths add up, gradients accumulate, graphs are released, grad modes,
hooks, ``autograd.grad``, higher order, depth, custom Functions, gradcheck, gradients that own
their memory, grad-mode decorators on generators and second backwards through gates that saved
nothing (anomaly mode: tests/test_anomaly.py)."""
import gc
import threading

import numpy as np
import pytest

import chainrule as cr
from chainrule.check import GradcheckError


def leaf(values, dtype=cr.float64):
    return cr.tensor(values, dtype=dtype, requires_grad=True)


# ----- the chain rule: paths and accumulation -------------------------------------------

def test_seed_example_f_equals_x_plus_y_times_z():
    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    f = (x + y) * z
    f.backward()
    # df/dx = df/dy = z, df/dz = x + y
    assert (f.item(), x.grad.item(), y.grad.item(), z.grad.item()) == (-12.0, -4.0, -4.0, 3.0)


def test_gradients_of_several_paths_add_up():
    x = leaf(3.0)
    a = x * 2          # path 1
    b = x * x          # path 2 (x used twice)
    (a + b + x).backward()
    assert x.grad.item() == 2 + 2 * 3 + 1


def test_shared_intermediate_node_is_backpropagated_once_with_the_summed_gradient():
    x = leaf([1.0, 2.0])
    h = x.exp()
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()))
    (h * 3 + h * h).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 3 + 2 * np.exp([1.0, 2.0]))
    np.testing.assert_allclose(x.grad.detach().numpy(), (3 + 2 * np.exp([1.0, 2.0])) * np.exp([1.0, 2.0]))


def test_gradients_accumulate_across_backward_calls_until_zeroed():
    x = leaf([1.0, -1.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3 + 2, 3 - 2]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_leaf_gradient_keeps_the_leaf_dtype_and_shape():
    x = cr.tensor([[1.0, 2.0]], requires_grad=True)   # float32
    (x * cr.tensor([[3.0], [4.0]], dtype=cr.float64)).sum().backward()
    assert x.grad.dtype == cr.float32 and x.grad.shape == (1, 2)
    assert x.grad.tolist() == [[7.0, 7.0]]


def test_gradient_is_a_fresh_array_not_a_view_of_another():
    x, y = leaf([1.0, 2.0]), leaf([1.0, 2.0])
    (x + y).sum().backward()
    x.grad.detach().numpy()[0] = 100.0
    assert y.grad.tolist() == [1.0, 1.0]


# ----- retain_graph and released graphs -------------------------------------------------

def test_second_backward_through_a_released_graph_says_to_retain_it():
    x = leaf(2.0)
    y = x.exp() * x
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_two_released_gates_waiting_together_still_say_to_retain_the_graph():
    w = leaf([1.0, 2.0])
    first, second = ((w * 3 - 1) ** 2).mean(), w.exp().mean()
    first.backward()
    second.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        (first + second).backward()


def test_a_backward_that_fails_half_way_changes_no_gradient():
    x, w = leaf([1.0, 2.0]), leaf([5.0, 7.0])
    y = x * 2
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        (y * 3 + w * x).sum().backward()   # w * x runs before y's released gate is reached
    assert x.grad.tolist() == [2.0, 2.0] and w.grad is None


def test_copies_and_pickles_follow_pytorch():
    import copy
    import pickle
    x = leaf([1.0, 2.0])
    x.name = "x"
    x.grad = cr.tensor([3.0, 4.0], dtype=cr.float64)
    deep = copy.deepcopy(x)   # everything, .grad included, in new memory
    assert deep.tolist() == [1.0, 2.0] and deep.requires_grad and deep.name == "x"
    assert deep.grad.tolist() == [3.0, 4.0] and not np.shares_memory(deep.detach().numpy(), x.detach().numpy())
    loaded = pickle.loads(pickle.dumps(x))   # the data and requires_grad, never .grad
    assert loaded.tolist() == [1.0, 2.0] and loaded.requires_grad and loaded.grad is None
    y = x * 2
    with pytest.raises(RuntimeError, match=r"deepcopy: only leaf.*gate '\*'.*detach\(\)"):
        copy.deepcopy(y)
    for clone in (pickle.loads(pickle.dumps(y)), copy.copy(y)):   # the values, as a leaf
        assert clone.tolist() == [2.0, 4.0] and clone.requires_grad and clone.grad_fn is None
    assert np.shares_memory(copy.copy(y).detach().numpy(), y.detach().numpy())
    p = cr.nn.Parameter(cr.zeros(2))
    assert type(pickle.loads(pickle.dumps(p))) is cr.nn.Parameter
    assert type(copy.deepcopy(p)) is cr.nn.Parameter


def test_retain_graph_allows_a_second_backward():
    x = leaf(2.0)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_backward_on_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\).*gradient="):
        y.backward()
    y.backward(gradient=cr.tensor([1.0, 10.0], dtype=cr.float64))
    assert x.grad.tolist() == [2.0, 20.0]


def test_gradient_of_the_wrong_shape_is_refused():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*shape \(2,\)"):
        y.backward(gradient=cr.ones(3, dtype=cr.float64))


def test_backward_on_a_tensor_without_graph_says_why():
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.tensor(1.0).backward()


# ----- grad modes -----------------------------------------------------------------------

def test_no_grad_records_nothing_and_enable_grad_records_again():
    x = leaf(1.0)
    with cr.no_grad():
        y = x * 2
        with cr.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    assert cr.is_grad_enabled()


def test_no_grad_as_a_decorator():
    @cr.no_grad()
    def double(t):
        return t * 2
    assert not double(leaf(1.0)).requires_grad
    assert cr.is_grad_enabled()


def test_set_grad_enabled_as_context_and_as_call():
    x = leaf(1.0)
    with cr.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    cr.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        cr.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_grad_mode_is_thread_local():
    x = leaf(1.0)
    seen = {}

    def worker():
        seen["other thread"] = (x * 2).requires_grad

    with cr.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        seen["this thread"] = (x * 2).requires_grad
    assert seen == {"other thread": True, "this thread": False}


def test_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with cr.no_grad():
            1 / 0
    assert cr.is_grad_enabled()


# ----- detach, requires_grad_, hooks, retain_grad ---------------------------------------

def test_detach_cuts_the_graph_and_shares_the_data():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad
    assert np.shares_memory(d.detach().numpy(), y.detach().numpy())
    (x * d).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_requires_grad_():
    x = cr.tensor([1.0, 2.0])
    assert not (x * 2).requires_grad
    assert x.requires_grad_() is x and x.is_leaf
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)


def test_hook_on_a_leaf_can_replace_its_gradient():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [30.0, 30.0]


def test_hook_on_a_non_leaf_changes_what_flows_further():
    x = leaf(2.0)
    h = x * x
    h.register_hook(lambda g: g * 0.5)
    (h * 3).backward()
    assert x.grad.item() == 3 * 0.5 * 2 * 2


def test_a_leaf_hook_runs_once_with_the_gradient_summed_over_its_paths():
    x = leaf([1.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2 + x * 3).sum().backward()
    assert calls == [5.0] and x.grad.item() == 5.0   # PyTorch: one call, with 5


def test_a_hook_that_changes_the_gradients_shape_or_dtype_is_refused():
    x = leaf([1.0, 2.0, 3.0])
    y = x.exp()
    y.register_hook(lambda g: g.expand(2, 3))
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*shape \(3,\)"):
        y.sum().backward()
    x.register_hook(lambda g: 3)
    with pytest.raises(RuntimeError, match="type int"):
        (x * 2).sum().backward()
    z = leaf([1.0, 2.0]).exp()
    z.register_hook(lambda g: g.float())
    with pytest.raises(RuntimeError,
                       match=r"dtype (chainrule\.)?float32.*dtype (chainrule\.)?float64"):
        z.sum().backward()


def test_a_hook_added_during_backward_is_called(monkeypatch):
    from chainrule.autograd.gate import Observing
    monkeypatch.setattr(Observing, "anywhere", False)   # as in a process with no hook yet
    x = leaf([1.0, 2.0])
    a = x * 3
    seen = []

    class Spy(cr.autograd.Function):   # its backward runs before a's gate
        @staticmethod
        def forward(ctx, t):
            return t * 1

        @staticmethod
        def backward(ctx, g):
            a.register_hook(lambda ga: seen.append(ga.tolist()))
            return g
    (Spy.apply(a) ** 2).sum().backward()
    assert seen == [[6.0, 12.0]]


def test_a_leaf_that_is_also_an_output_gets_one_hook_call_with_the_sum():
    x = leaf(3.0)
    x.register_hook(lambda g: g * g)
    (dx,) = cr.autograd.grad((x, x * 4), x)
    assert dx.item() == 25.0   # PyTorch: the hook sees 1 + 4 once


def test_grad_runs_no_hooks_of_leaves_it_was_not_asked_for():
    x, w = leaf([1.0]), leaf([2.0])
    calls = []
    w.register_hook(lambda g: calls.append(g))
    cr.autograd.grad((x * w).sum(), x)
    assert calls == [] and w.grad is None


def test_leaves_never_share_a_gradient_array():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])

    class Same(cr.autograd.Function):   # one gradient object for both inputs
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g
    Same.apply(x, w).sum().backward()
    x.grad.detach().numpy()[0] = 100.0
    assert w.grad.tolist() == [1.0, 1.0]
    x.grad = w.grad = None
    (x + w).sum().backward(create_graph=True)   # gradients with a graph: owned and writable
    assert x.grad is not w.grad
    x.grad.detach().numpy()[0] = 100.0
    assert w.grad.tolist() == [1.0, 1.0]


def test_removed_hook_is_not_called():
    x = leaf(1.0)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    handle.remove()
    (x * 2).backward()
    assert calls == [] and x.grad.item() == 2.0


def test_hook_on_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        cr.tensor(1.0).register_hook(print)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    other = x * 4
    (h * h + other).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]
    assert other.grad is None


# ----- autograd.grad --------------------------------------------------------------------

def test_grad_returns_instead_of_accumulating():
    x, y = leaf(2.0), leaf(3.0)
    dx, dy = cr.autograd.grad(x * y + x, (x, y))
    assert (dx.item(), dy.item()) == (4.0, 2.0)
    assert x.grad is None and y.grad is None


def test_grad_with_grad_outputs():
    x = leaf([1.0, 2.0])
    (dx,) = cr.autograd.grad(x * x, x, grad_outputs=cr.tensor([1.0, -1.0], dtype=cr.float64))
    assert dx.tolist() == [2.0, -4.0]


def test_grad_of_an_unused_input():
    x, unused = leaf(1.0), leaf(1.0)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        cr.autograd.grad(x * 2, (x, unused))
    dx, du = cr.autograd.grad(x * 2, (x, unused), allow_unused=True)
    assert dx.item() == 2.0 and du is None


def test_grad_takes_pytorchs_other_keywords():
    """A gradient penalty written for PyTorch passes only_inputs=True; materialize_grads
    gives zeros for the unused inputs; batched grads are refused by name."""
    x, unused = leaf([1.0, 2.0]), leaf(1.0)
    (dx,) = cr.autograd.grad((x * x).sum(), x, only_inputs=True)
    assert dx.tolist() == [2.0, 4.0]
    with pytest.warns(FutureWarning, match="only_inputs"):
        cr.autograd.grad((x * x).sum(), x, only_inputs=False)
    dx, du = cr.autograd.grad((x * 3).sum(), (x, unused), materialize_grads=True)
    assert dx.tolist() == [3.0, 3.0] and du.item() == 0.0 and du.dtype == cr.float64
    with pytest.raises(ValueError, match="allow_unused"):
        cr.autograd.grad(x.sum(), (x, unused), materialize_grads=True, allow_unused=False)
    with pytest.raises(NotImplementedError, match="is_grads_batched"):
        cr.autograd.grad(x.sum(), x, is_grads_batched=True)


def test_backward_with_inputs_accumulates_into_those_only():
    """PyTorch's backward(inputs=[...]): .grad of the named tensors (leaves or not) only."""
    x, y = leaf(2.0), leaf(3.0)
    (x * x * y).backward(inputs=[x])
    assert x.grad.item() == 12.0 and y.grad is None
    (x * x * y).backward(inputs=x)
    assert x.grad.item() == 24.0 and y.grad is None
    h = x * 3
    (h * h).backward(inputs=[h, y])
    assert h.grad.item() == 12.0 and x.grad.item() == 24.0 and y.grad is None
    with pytest.raises(RuntimeError, match="inputs= was given but is empty"):
        (x * y).backward(inputs=[])


def test_grad_with_respect_to_an_intermediate():
    x = leaf(2.0)
    h = x * x
    (dh,) = cr.autograd.grad(h * 5, h)
    assert dh.item() == 5.0


def test_grad_with_create_graph_gives_a_differentiable_gradient():
    x = leaf(3.0)
    (dx,) = cr.autograd.grad(x ** 3, x, create_graph=True)
    assert dx.requires_grad and dx.item() == 27.0
    dx.backward()
    assert x.grad.item() == 18.0


# ----- higher order ---------------------------------------------------------------------

def test_third_and_fourth_derivatives_of_x_to_the_fourth():
    x = leaf(2.0)
    d = x ** 4
    found = []
    for _ in range(4):
        (d,) = cr.autograd.grad(d, x, create_graph=True)
        found.append(d.item())
    assert found == [4 * 8, 12 * 4, 24 * 2, 24]


def test_backward_with_create_graph_then_differentiate_the_gradient():
    x = leaf([0.5, -1.0])
    (x.sin() * x).sum().backward(create_graph=True)
    first = x.grad
    x.grad = None
    first.sum().backward()
    values = np.array([0.5, -1.0])
    # d/dx (sin x + x cos x) = 2 cos x - x sin x
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * np.cos(values) - values * np.sin(values))


def test_hessian_vector_product_of_a_small_network_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in [(4, 3), (3,), (5, 4)]]
    vectors = [rng.standard_normal(a.shape) for a in arrays]
    results = []
    for lib in (cr, torch):
        W, b, x = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
        loss = ((x @ W + b).tanh() ** 2).mean() + (W * W).sum() * 0.1
        grads = lib.autograd.grad(loss, (W, b, x), create_graph=True)
        dot = sum((g * lib.tensor(v, dtype=lib.float64)).sum() for g, v in zip(grads, vectors))
        hvp = lib.autograd.grad(dot, (W, b, x))
        results.append([np.asarray(h.detach().numpy()) for h in hvp])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


# ----- depth ----------------------------------------------------------------------------

def test_a_million_node_chain_backpropagates_without_recursion():
    # The cyclic garbage collector would rescan the growing graph many times while it is
    # built; it has nothing to collect here, so it is paused to keep the test to seconds.
    collecting = gc.isenabled()
    gc.disable()
    try:
        x = cr.tensor(0.0, requires_grad=True)
        y = x
        for _ in range(1_000_000):
            y = y + 1.0
        y.backward()
    finally:
        if collecting:
            gc.enable()
    assert y.item() == 1_000_000 and x.grad.item() == 1.0


# ----- custom Functions -----------------------------------------------------------------

class Cube(cr.autograd.Function):
    """x ** 3 with a hand-written backward built from differentiable ops."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


SEEN_NEEDS = []


class ScaledProduct(cr.autograd.Function):
    """x * y * scale, with a Python-number argument and needs_input_grad."""

    @staticmethod
    def forward(ctx, x, y, scale):
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        SEEN_NEEDS.append(ctx.needs_input_grad)
        return x * y * scale

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx = grad * y * ctx.scale if ctx.needs_input_grad[0] else None
        gy = grad * x * ctx.scale if ctx.needs_input_grad[1] else None
        return gx, gy, None


def test_custom_function_forward_and_backward():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x)
    assert y.tolist() == [1.0, 8.0] and y.grad_fn.label == "Cube"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]


def test_custom_function_needs_input_grad_and_none_gradients():
    x, y = leaf(2.0), cr.tensor(5.0, dtype=cr.float64)
    out = ScaledProduct.apply(x, y, 3.0)
    out.backward()
    assert SEEN_NEEDS[-1] == (True, False, False)
    assert x.grad.item() == 15.0 and y.grad is None


def test_custom_function_higher_order():
    x = leaf(2.0)
    (dx,) = cr.autograd.grad(Cube.apply(x), x, create_graph=True)
    (ddx,) = cr.autograd.grad(dx, x)
    assert (dx.item(), ddx.item()) == (12.0, 12.0)


def test_custom_function_gradcheck():
    x = leaf([0.3, -1.2, 2.0])
    assert cr.gradcheck(lambda t: Cube.apply(t), (x,))


def test_custom_function_returning_no_tensor_is_refused():
    """Several outputs work (tests/test_custom_function_forms.py); a forward returning no
    tensor at all is refused."""
    class Number(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2.0

    with pytest.raises(TypeError, match="must return a Tensor or a tuple of them"):
        Number.apply(leaf(1.0))


def test_custom_function_backward_with_the_wrong_number_of_gradients():
    class Bad(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="returned 1 gradients.*2 inputs"):
        Bad.apply(leaf(1.0), leaf(2.0)).backward()


# ----- gradcheck ------------------------------------------------------------------------

class WrongSquare(cr.autograd.Function):
    """x ** 2 whose backward is wrong for the second element only."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x * cr.tensor([1.0, 1.5, 1.0], dtype=x.dtype)


def test_gradcheck_failure_names_the_input_and_the_element():
    x = leaf([1.0, 2.0, 3.0])
    other = leaf([1.0])
    with pytest.raises(GradcheckError,
                       match=r"input 1 .*shape \(3,\).*element \(1,\).*backward gives.*"
                             r"central differences give"):
        cr.gradcheck(lambda a, b: a.sum() * WrongSquare.apply(b).sum(), (other, x))
    assert not cr.gradcheck(lambda t: WrongSquare.apply(t), (x,), raise_exception=False)


def test_gradcheck_wants_float64():
    with pytest.raises(TypeError, match="float64"):
        cr.gradcheck(lambda t: t * 2, (cr.tensor([1.0], requires_grad=True),))


# ----- anomaly mode (tests/test_anomaly.py) ---------------------------------------------

def test_without_anomaly_mode_nan_passes_silently():
    with np.errstate(invalid="ignore"):
        y = cr.tensor([-1.0]).log()
    assert np.isnan(y.item())
    assert not cr.autograd.is_anomaly_enabled()


def test_grad_of_several_outputs_that_share_a_graph_walks_it_once():
    # y1 = 3 x^2 and y2 = x^2 + 1 share h = x^2: d(y1 + y2)/dx = 8x, and the shared part
    # must be walked once, not freed by the first output and refused for the second
    x = leaf(2.0)
    h = x * x
    (dx,) = cr.autograd.grad([h * 3, h + 1], x)
    assert dx.item() == pytest.approx(8 * 2.0)
    x2 = leaf(2.0)
    h2 = x2 * x2
    dx2, dh2 = cr.autograd.grad([h2 * 3, h2], [x2, h2])   # an output may also be an input
    # d(3h + h)/dh = 3 + 1, and d/dx = (3 + 1) * 2x
    assert (dx2.item(), dh2.item()) == pytest.approx(((3 + 1) * 2 * 2.0, 3 + 1))


# ----- gradients own their memory -------------------------------------------------------
# No .grad (and no grad() result) is memory the user passed in, so an in-place change to one
# (zero_grad(set_to_none=False), an optimizer's update) never reaches the user's arrays.

def shares(a, b):
    arrays = [t.detach().numpy() if isinstance(t, cr.Tensor) else np.asarray(t) for t in (a, b)]
    return np.shares_memory(*arrays)


def test_a_loop_reusing_its_gradient_trains_from_step_two_as_in_torch():
    torch = pytest.importorskip("torch")
    runs = []
    for lib in (cr, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        g = lib.tensor([1.0, -3.0])
        opt = lib.optim.SGD([w], lr=0.1)
        for _ in range(3):
            opt.zero_grad(set_to_none=False)
            (w + 0 - 0).backward(gradient=g)   # + and - hand g on to w unchanged
            opt.step()
        runs.append((w.detach().numpy().tolist(), g.detach().numpy().tolist()))
    assert runs[0] == runs[1]
    assert runs[0][1] == [1.0, -3.0]   # the user's g is untouched


@pytest.mark.parametrize("gradient", ["tensor", "array"])
def test_backward_with_a_gradient_that_reaches_a_leaf_unchanged_copies_it(gradient):
    g = np.array([3.0, 4.0])
    passed = cr.tensor(g) if gradient == "tensor" else g
    x, y = leaf([1.0, 2.0]), leaf([1.0, 2.0])
    x.backward(gradient=passed)                 # the output is the leaf itself
    (y + x * 0).backward(gradient=passed)       # through +, which hands g on as it is
    for t in (x, y):
        assert not shares(t.grad, passed)
    cr.optim.SGD([x, y], lr=1.0).zero_grad(set_to_none=False)
    assert np.asarray(passed.detach().numpy() if gradient == "tensor" else passed).tolist() == [3.0, 4.0]


def test_two_leaves_fed_the_users_gradient_by_one_gate_each_own_theirs():
    g = cr.tensor([1.0, 2.0], dtype=cr.float64)
    x, y = leaf([0.0, 0.0]), leaf([0.0, 0.0])
    (x + y).backward(gradient=g)
    assert not shares(x.grad, g) and not shares(y.grad, g) and not shares(x.grad, y.grad)


def test_a_hooks_return_value_is_copied_into_grad():
    held = cr.tensor([5.0, 6.0], dtype=cr.float64)
    x = leaf([1.0, 2.0])
    x.register_hook(lambda grad: held)           # a leaf hook
    (x * 2).sum().backward()
    w = leaf([1.0, 2.0])
    h = w + 0
    h.register_hook(lambda grad: held)           # a non-leaf hook, on through + to w
    h.sum().backward()
    for t in (x, w):
        assert t.grad.tolist() == [5.0, 6.0] and not shares(t.grad, held)
    cr.optim.SGD([x, w], lr=1.0).zero_grad(set_to_none=False)
    assert held.tolist() == [5.0, 6.0]


def test_grad_results_do_not_share_memory_with_grad_outputs():
    g = cr.tensor([1.0, 2.0], dtype=cr.float64)
    x, y = leaf([3.0, 4.0]), leaf([3.0, 4.0])
    gx, gy = cr.autograd.grad(x + y, (x, y), grad_outputs=g)
    (gz,) = cr.autograd.grad(x, x, grad_outputs=g)   # the output is the input
    assert not any(shares(r, g) for r in (gx, gy, gz)) and not shares(gx, gy)
    gx.detach().numpy()[:] = 0
    assert g.tolist() == [1.0, 2.0] and gy.tolist() == [1.0, 2.0]


def test_a_custom_functions_returned_gradient_is_copied_into_grad():
    held = cr.tensor([7.0, 8.0], dtype=cr.float64)

    class Constant(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return held

    x = leaf([1.0, 2.0])
    Constant.apply(x).sum().backward()
    assert x.grad.tolist() == [7.0, 8.0] and not shares(x.grad, held)
    x.grad.detach().numpy()[:] = 0
    assert held.tolist() == [7.0, 8.0]


def test_with_create_graph_grad_is_a_copy_of_the_users_gradient_as_in_torch():
    g = cr.tensor([1.0, 2.0], dtype=cr.float64)
    x = leaf([1.0, 2.0])
    (x + 0).backward(gradient=g, create_graph=True)
    assert x.grad is not g and not shares(x.grad, g)
    x.grad.detach().numpy()[:] = 0
    assert g.tolist() == [1.0, 2.0]


# ----- grad-mode decorators on generator functions --------------------------------------

def modes_seen(lib, decorator, outer):
    """Grad mode inside a decorated generator's body and in its caller, across yields."""
    seen = []

    @decorator
    def generator():
        seen.append(("body", lib.is_grad_enabled()))
        received = yield 1
        seen.append(("body after send", received, lib.is_grad_enabled()))
        yield 2
        seen.append(("body at the end", lib.is_grad_enabled()))
        return "done"

    with lib.set_grad_enabled(outer):
        it = generator()
        seen.append(("caller", next(it), lib.is_grad_enabled()))
        seen.append(("caller", it.send("hello"), lib.is_grad_enabled()))
        with pytest.raises(StopIteration) as stop:
            next(it)
        seen.append(("returned", stop.value.value, lib.is_grad_enabled()))
    return seen


@pytest.mark.parametrize("name, outer", [("no_grad", True), ("enable_grad", False),
                                         ("set_grad_enabled(False)", True),
                                         ("set_grad_enabled(True)", False),
                                         ("no_grad, no parentheses", True)])
def test_grad_mode_decorators_hold_inside_a_generator_across_yields_as_in_torch(name, outer):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (cr, torch):
        decorator = {"no_grad": lib.no_grad(), "enable_grad": lib.enable_grad(),
                     "set_grad_enabled(False)": lib.set_grad_enabled(False),
                     "set_grad_enabled(True)": lib.set_grad_enabled(True),
                     "no_grad, no parentheses": lib.no_grad}[name]
        assert lib.is_grad_enabled()   # making the decorator changed nothing
        results.append(modes_seen(lib, decorator, outer))
    assert results[0] == results[1]
    inner = not outer
    assert results[0][0] == ("body", inner) and results[0][1] == ("caller", 1, outer)


def test_a_no_grad_generator_records_nothing_and_its_caller_records():
    x = leaf([1.0, 2.0])

    @cr.no_grad()
    def doubled(n):
        for _ in range(n):
            yield x * 2

    outputs = []
    for y in doubled(2):
        outputs.append((y.requires_grad, (x * 3).requires_grad))
    assert outputs == [(False, True), (False, True)]


def test_a_decorated_generator_sees_throw_and_close_in_its_mode():
    seen = []

    @cr.no_grad()
    def generator():
        try:
            yield 1
        except KeyError:
            seen.append(("caught", cr.is_grad_enabled()))
            yield 2
        finally:
            seen.append(("closing", cr.is_grad_enabled()))

    it = generator()
    next(it)
    assert it.throw(KeyError("k")) == 2 and cr.is_grad_enabled()
    it.close()
    assert seen == [("caught", False), ("closing", False)] and cr.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator_changes_nothing_until_called():
    @cr.set_grad_enabled(False)
    def double(t):
        return t * 2
    assert cr.is_grad_enabled()
    assert not double(leaf(1.0)).requires_grad and cr.is_grad_enabled()


# ----- a second backward through gates that saved nothing ----------------------------------
# PyTorch frees only what gates saved: a gate whose backward reads no saved input or output
# (+, -, neg, sum, mean, views, slices, cat, a cast) runs again; one that reads them raises.

SECOND_BACKWARD = {
    "x + x": lambda lib, x: (x + x).sum(),
    "x + 1": lambda lib, x: (x + 1).sum(),
    "x - 1": lambda lib, x: (x - 1).sum(),
    "1 - x": lambda lib, x: (1 - x).sum(),
    "-x": lambda lib, x: (-x).sum(),
    "sum": lambda lib, x: x.sum(),
    "mean": lambda lib, x: x.mean(),
    "sum(dim)": lambda lib, x: x.reshape(1, 3).sum(1).sum(),
    "reshape": lambda lib, x: x.reshape(3, 1).sum(),
    "slice": lambda lib, x: x[1:].sum(),
    "permute": lambda lib, x: x.reshape(1, 3).permute(1, 0).sum(),
    "expand": lambda lib, x: x.expand(2, 3).sum(),
    "cat": lambda lib, x: lib.cat([x, x]).sum(),
    "stack": lambda lib, x: lib.stack([x, x]).sum(),
    "double()": lambda lib, x: x.double().sum(),
    "x * 2": lambda lib, x: (x * 2).sum(),
    "x / 2": lambda lib, x: (x / 2).sum(),
    "x ** 1": lambda lib, x: (x ** 1).sum(),
    "x * x": lambda lib, x: (x * x).sum(),
    "exp": lambda lib, x: x.exp().sum(),
    "relu": lambda lib, x: x.relu().sum(),
    "abs": lambda lib, x: x.abs().sum(),
    "max": lambda lib, x: x.max(),
    "max(dim)": lambda lib, x: x.reshape(1, 3).max(1).values.sum(),
    "index by a tensor": lambda lib, x: x[lib.tensor([0, 2])].sum(),
    "sum then * 3": lambda lib, x: x.sum() * 3,
    "dropout": lambda lib, x: lib.nn.functional.dropout(x, 0.5).sum(),
}


@pytest.mark.parametrize("name", SECOND_BACKWARD)
def test_a_second_backward_runs_or_raises_as_in_torch(name):
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (cr, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = SECOND_BACKWARD[name](lib, x)
        y.backward()
        try:
            y.backward()
        except RuntimeError as error:
            assert "backward through the graph a second time" in str(error)
            outcomes.append("raises")
        else:
            outcomes.append(x.grad.tolist())
    assert outcomes[0] == outcomes[1]


def test_a_gate_that_may_run_again_holds_no_intermediate_values():
    import weakref
    x = leaf([1.0, 2.0])
    a = x.exp()
    y = (a.reshape(2, 1) + a.reshape(2, 1)).sum()
    values = weakref.ref(a.detach().numpy())
    y.backward()
    del a
    assert values() is None   # + and reshape keep edges (gate, shape, dtype), not tensors
    with pytest.raises(RuntimeError, match="second time.*'exp'"):
        y.backward()          # sum, + and reshape run again; exp needs its freed output


def test_a_gate_that_saved_nothing_runs_again_with_its_hooks():
    x = leaf([1.0, 2.0])
    y = x + x
    calls = []
    y.register_hook(lambda g: calls.append(g.tolist()))
    y.backward(gradient=cr.tensor([1.0, 1.0], dtype=cr.float64))
    y.backward(gradient=cr.tensor([1.0, 1.0], dtype=cr.float64))
    assert x.grad.tolist() == [4.0, 4.0] and calls == [[1.0, 1.0], [1.0, 1.0]]
    (dx,) = cr.autograd.grad(y, x, grad_outputs=cr.tensor([1.0, 2.0], dtype=cr.float64))
    assert dx.tolist() == [2.0, 4.0]


def test_a_custom_function_runs_again_unless_it_saved_tensors():
    class Double(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    class Square(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    x = leaf([1.0, 2.0])
    y = Double.apply(x).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [4.0, 4.0]
    z = Square.apply(x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()
