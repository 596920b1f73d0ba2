"""The special functions (ops/special_functions.py) and statistics (ops/statistics.py) beyond
what the gate table and the OpInfo comparison check: integer functions, argument forms, the
in-place forms in a graph, PyTorch's refusals, torch.special's names, gradients through
compositions against float64 central differences."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def both(values, dtype="float64", requires_grad=False):
    array = np.asarray(values, dtype)
    return (cr.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm_as_pytorch_on_integers(name):
    rng = np.random.default_rng(0)
    a, b = rng.integers(-60, 60, 40), rng.integers(-60, 60, 40)
    a[:3], b[:3] = 0, [0, 5, -7]
    ours = getattr(cr, name)(cr.tensor(a), cr.tensor(b))
    theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == cr.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = cr.tensor(a.copy())
    assert getattr(x, name + "_")(cr.tensor(b)) is x
    np.testing.assert_array_equal(x.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm_refuse_floats_by_name(name):
    with pytest.raises(RuntimeError, match=f"{name}: not implemented for chainrule.float32"):
        getattr(cr, name)(cr.tensor([4.0]), cr.tensor([6]))


def test_heaviside_as_pytorch_with_nan_and_zeros():
    values = [-2.0, -0.0, 0.0, 3.0, np.nan, np.inf, -np.inf]
    (x, tx), (v, tv) = both(values), both([0.25] * 7)
    np.testing.assert_array_equal(cr.heaviside(x, v).numpy(), torch.heaviside(tx, tv).numpy())
    with pytest.raises(RuntimeError, match="heaviside .* different dtypes"):
        cr.heaviside(x, cr.tensor(0.5, dtype=cr.float32))


def test_signbit_sees_negative_zero():
    x, tx = both([-0.0, 0.0, -1.0, 2.0, -np.inf])
    assert cr.signbit(x).tolist() == torch.signbit(tx).tolist() == [True, False, True, False, True]
    assert cr.signbit(cr.tensor([-3, 4])).tolist() == [True, False]


def test_mvlgamma_as_pytorch_and_its_order_check():
    (x, tx) = both([0.6, 1.0, 2.5, 7.0, -1.0], requires_grad=True)
    ours, theirs = cr.mvlgamma(x, 3), torch.mvlgamma(tx, 3)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    assert cr.special.multigammaln(x, 3).tolist() == ours.tolist()
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        cr.mvlgamma(x, 0)


@pytest.mark.parametrize("name", ["erfcx", "ndtr", "ndtri", "log_ndtr"])
def test_special_functions_write_out(name):
    x = cr.tensor([0.1, 0.5, 0.9], dtype=cr.float64)
    out = cr.empty(3, dtype=cr.float64)
    assert getattr(cr.special, name)(x, out=out) is out
    np.testing.assert_allclose(out.numpy(), getattr(torch.special, name)(
        torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("n", [-1, 1.5, True])
def test_polygamma_refuses_a_bad_order(n):
    with pytest.raises(RuntimeError, match="polygamma: n must be a non-negative integer"):
        cr.polygamma(n, cr.tensor([1.0]))


@pytest.mark.parametrize("name, args, values", [
    ("asinh", (), [-2.0, 0.5, 3.0]), ("acosh", (), [1.5, 2.0, 9.0]),
    ("atanh", (), [-0.5, 0.1, 0.9]), ("erfinv", (), [-0.5, 0.1, 0.9]),
    ("lgamma", (), [0.5, 2.5, 7.0]), ("digamma", (), [0.5, 2.5, 7.0]),
    ("polygamma", (2,), [0.5, 2.5, 7.0]), ("sinc", (), [-0.5, 0.0, 1.5]),
    ("deg2rad", (), [90.0, -45.0, 0.0]), ("rad2deg", (), [1.0, -2.0, 0.0]),
    ("sgn", (), [-2.0, 0.0, 3.0]), ("hypot", ([3.0, 4.0, -1.0],), [4.0, 3.0, 2.0]),
])
def test_inplace_forms_in_a_graph_give_pytorchs_gradient(name, args, values):
    """``y = x * 1; y.name_(...)`` writes y and the gradient reaches x through the function,
    as in PyTorch. PyTorch 2.13 has no derivative for asinh_, acosh_ and atanh_ ("not
    implemented"): there chainrule's is compared with PyTorch's out-of-place one."""
    (x, tx) = both(values, requires_grad=True)
    ours_args = [cr.tensor(a, dtype=cr.float64) if isinstance(a, list) else a for a in args]
    theirs_args = [torch.tensor(a, dtype=torch.float64) if isinstance(a, list) else a
                   for a in args]
    y, ty = x * 1, tx * 1
    assert getattr(y, name + "_")(*ours_args) is y
    if name in ("asinh", "acosh", "atanh"):
        ty = getattr(ty, name)(*theirs_args)
    else:
        getattr(ty, name + "_")(*theirs_args)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    weights = np.array([0.3, -1.2, 0.7])
    (y * cr.tensor(weights)).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    theirs = tx.grad if not tx.grad._is_zerotensor() else torch.zeros(3, dtype=torch.float64)
    np.testing.assert_allclose(x.grad.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-12)


def test_torch_special_names_are_the_same_functions():
    x = cr.tensor([0.5, 2.0], dtype=cr.float64)
    t = torch.tensor([0.5, 2.0], dtype=torch.float64)
    for ours, theirs in ((cr.special.psi, torch.special.psi),
                         (cr.special.gammaln, torch.special.gammaln),
                         (cr.special.digamma, torch.special.digamma),
                         (cr.special.sinc, torch.special.sinc)):
        np.testing.assert_allclose(ours(x).numpy(), theirs(t).numpy(), rtol=1e-12)
    np.testing.assert_allclose(cr.special.erfinv(x * 0.4).numpy(),
                               torch.special.erfinv(t * 0.4).numpy(), rtol=1e-12)
    np.testing.assert_allclose(cr.special.polygamma(1, x).numpy(),
                               torch.special.polygamma(1, t).numpy(), rtol=1e-8)


@pytest.mark.parametrize("fn", ["std_mean", "var_mean"])
@pytest.mark.parametrize("args, kwargs", [
    ((), {}), ((True,), {}), ((False,), {}), ((1,), {}), ((1, False, True), {}),
    (([0, 1],), {"keepdim": True}), ((), {"dim": -1, "correction": 0}),
    ((), {"dim": 0, "correction": 2, "keepdim": True}), ((), {"keepdim": True}),
])
def test_std_var_mean_argument_forms_as_pytorch(fn, args, kwargs):
    rng = np.random.default_rng(1)
    (x, tx) = both(rng.standard_normal((4, 5)), requires_grad=True)
    ours, theirs = getattr(cr, fn)(x, *args, **kwargs), getattr(torch, fn)(tx, *args, **kwargs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-12)
    (ours[0].sum() + 2 * ours[1].sum()).backward()
    (theirs[0].sum() + 2 * theirs[1].sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("fn", ["cummax", "cummin"])
def test_running_extremes_gradient_and_ties(fn):
    x = cr.tensor([[1.0, 3.0, 3.0, 2.0, 5.0], [2.0, 2.0, 1.0, 1.0, 0.5]], dtype=cr.float64,
                  requires_grad=True)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    ours, theirs = getattr(cr, fn)(x, 1), getattr(torch, fn)(tx, 1)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    weights = np.arange(10.0).reshape(2, 5)
    (ours.values * cr.tensor(weights)).sum().backward()
    (theirs.values * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert cr.gradcheck(lambda v: getattr(cr, fn)(v, 0).values,
                        (cr.tensor(np.random.default_rng(2).standard_normal((4, 3)),
                                   requires_grad=True),))


def test_quantile_gradients_match_central_differences():
    rng = np.random.default_rng(3)
    x = cr.tensor(rng.standard_normal((3, 6)), requires_grad=True)
    q = cr.tensor([0.1, 0.55, 0.9], dtype=cr.float64, requires_grad=True)
    assert cr.gradcheck(lambda a, b: cr.quantile(a, b, dim=1, keepdim=True), (x, q))
    assert cr.gradcheck(lambda a: cr.nanquantile(a, 0.3, interpolation="midpoint"), (x,))


@pytest.mark.parametrize("call, message", [
    (lambda: cr.quantile(cr.tensor([1.0, 2.0]), 1.5), r"q values must be in the range \[0, 1\]"),
    (lambda: cr.quantile(cr.tensor([1, 2]), 0.5), "must be either float or double"),
    (lambda: cr.quantile(cr.tensor([1.0]), 0.5, interpolation="cubic"), "interpolation must be"),
    (lambda: cr.quantile(cr.tensor([1.0]), cr.tensor([0.5], dtype=cr.float64)), "same dtype"),
    (lambda: cr.nanquantile(cr.tensor([]), 0.5), "non-empty"),
])
def test_quantile_refusals_as_pytorchs(call, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        call()


@pytest.mark.parametrize("args, kwargs", [
    ((0, 3, 4), {}), ((-2, 2, 9), {"base": 2.0}), ((1, 0, 5), {"dtype": "float64"}),
    ((0, 3, 4), {"dtype": "int64"}), ((0.5, 2.5, 1), {}), ((0, 1, 0), {}),
])
def test_logspace_as_pytorch(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    ours = cr.logspace(*args, **kwargs, dtype=getattr(cr, dtype) if dtype else None)
    theirs = torch.logspace(*args, **kwargs, dtype=getattr(torch, dtype) if dtype else None)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("n", [1, 2, 5, 16, 40, 300])
def test_mode_values_as_pytorch_and_indices_point_at_them(n):
    """Values always PyTorch's (the smallest of the most frequent); the index is PyTorch's
    for rows up to 16 long (its sort of short rows keeps equal values in order: the last
    occurrence), and for longer ones an index holding the value (PyTorch's comes from an
    unstable sort)."""
    rng = np.random.default_rng(n)
    a = rng.integers(0, 4, (6, n)).astype(np.float64)
    x = cr.tensor(a, requires_grad=True)
    values, indices = cr.mode(x, 1)
    theirs = torch.mode(torch.tensor(a), 1)
    np.testing.assert_array_equal(values.detach().numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(np.take_along_axis(a, indices.numpy()[:, None], 1)[:, 0],
                                  values.detach().numpy())
    if n <= 16:
        np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
    values.sum().backward()
    expected = np.zeros_like(a)
    expected[np.arange(6), indices.numpy()] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_sinc_float32_gradient_near_zero_keeps_its_digits():
    """sinc's slope near 0 is the difference of two nearly equal terms: chainrule computes
    it in float64 for float32 input, so it stays within a few float32 ulps of the float64
    slope where a float32 evaluation of the same expression (PyTorch's) is off by percents."""
    values = np.array([2e-4, -3e-4, 1e-3, 0.02], np.float32)
    x = cr.tensor(values, requires_grad=True)
    cr.sinc(x).sum().backward()
    exact = torch.tensor(values.astype(np.float64), requires_grad=True)
    torch.sinc(exact).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), exact.grad.numpy(), rtol=1e-5)


def test_logcumsumexp_is_finite_and_exact_far_from_zero():
    """No exponent overflows: inputs of -1000 and 1000 give PyTorch's float64 values and
    gradients, in float32 as in float64."""
    values = np.array([[-1000.0, -999.0, 0.0, 1000.0, 999.5], [5.0, -5.0, 700.0, 710.0, -1e4]])
    weights = np.array([[1.0, -2.0, 0.5, 3.0, -1.0], [0.25, 1.0, -0.5, 2.0, 1.5]])
    reference = torch.tensor(values, requires_grad=True)
    (torch.logcumsumexp(reference, 1) * torch.tensor(weights)).sum().backward()
    for dtype in ("float32", "float64"):
        x = cr.tensor(values.astype(dtype), requires_grad=True)
        y = cr.logcumsumexp(x, 1)
        (y * cr.tensor(weights.astype(dtype))).sum().backward()
        assert np.isfinite(x.grad.numpy()).all()
        rtol = 1e-6 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(y.detach().numpy(),
                                   torch.logcumsumexp(reference, 1).detach().numpy(), rtol=rtol)
        np.testing.assert_allclose(x.grad.numpy(), reference.grad.numpy(), rtol=rtol * 10,
                                   atol=1e-6)
