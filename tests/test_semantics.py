"""PyTorch's values at the edges: each case issue 11 lists (special values, argument forms,
dtypes), as a small explicit test, with PyTorch's answer written out. The broad check is
tests/test_opinfo.py (PyTorch's own OpInfo samples); these name the cases one by one.
The dtype table at the end compares result dtypes with PyTorch's for every operator and
dtype pair chainrule supports.
"""
import itertools
import math
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F

NAN, INF = float("nan"), float("inf")


def leaf(values, dtype=cr.float64):
    return cr.tensor(np.array(values, dtype=dtype), requires_grad=True)


def same(ours, expected):
    """Equal values, NaN where NaN is expected."""
    np.testing.assert_array_equal(np.asarray(ours.tolist(), dtype=float), expected)


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ----- argument forms ---------------------------------------------------------------------
def test_var_and_std_read_a_positional_bool_as_unbiased():
    x = cr.tensor([1.0, 2.0, 3.0, 6.0])   # squares about the mean 3: 4 + 1 + 0 + 9 = 14
    assert x.var(False).item() == pytest.approx(14 / 4)
    assert x.var(True).item() == pytest.approx(14 / 3)
    assert x.std(False).item() == pytest.approx(math.sqrt(14 / 4))
    assert cr.var(x, False).item() == pytest.approx(14 / 4)
    assert x.var(0, False).item() == pytest.approx(14 / 4)   # dim, then unbiased


def test_to_with_a_device_and_a_dtype_casts():
    x = cr.tensor([1.0, 2.0])
    assert x.to("cpu", cr.float64).dtype == cr.float64
    assert x.to("cpu", dtype=cr.float64).dtype == cr.float64
    assert x.to(device="cpu").dtype == cr.float32
    assert x.to(cr.zeros(1, dtype=cr.float16)).dtype == cr.float16   # another tensor's dtype
    assert x.to("cpu", cr.float32, copy=True) is not x
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")


def test_div_rounds_as_asked():
    x = cr.tensor([7.0, -7.0, 7.5])
    assert cr.div(x, 2, rounding_mode="floor").tolist() == [3.0, -4.0, 3.0]
    assert x.div(2, rounding_mode="trunc").tolist() == [3.0, -3.0, 3.0]
    assert cr.div(cr.tensor([7, -7]), 2, rounding_mode="trunc").tolist() == [3, -3]


def test_empty_dim_list_reduces_every_dim():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum(dim=()).item() == 10.0
    assert x.mean(dim=[]).item() == 2.5
    assert x.amax(dim=()).item() == 4.0


# ----- special values ---------------------------------------------------------------------
def test_pow_gradient_at_a_zero_base():
    x, y = leaf([0.0, 0.0, 2.0, 0.0]), leaf([0.0, 1.0, 0.0, 2.0])
    (x ** y).sum().backward()
    same(x.grad, [0.0, 1.0, 0.0, 0.0])        # 0 where y = 0; 1 for x ** 1
    same(y.grad, [0.0, 0.0, math.log(2), 0.0])   # 0 where x = 0 and y >= 0


def test_pow_gradient_with_a_number_exponent_or_base():
    x = leaf([0.0, 2.0])
    (x ** 0).sum().backward()
    same(x.grad, [0.0, 0.0])
    x = leaf([0.0, 2.0])
    (x ** 1).sum().backward()
    same(x.grad, [1.0, 1.0])
    y = leaf([1.0, -1.0, 0.0])
    (0.0 ** y).sum().backward()
    same(y.grad, [0.0, -INF, 0.0])


def test_sign_and_abs_at_nan():
    x = leaf([NAN, -2.0, 0.0, 3.0])
    same(cr.sign(x), [0.0, -1.0, 0.0, 1.0])
    x.abs().sum().backward()
    same(x.grad, [0.0, -1.0, 0.0, 1.0])


def test_relu_at_nan_passes_the_gradient():
    x = leaf([NAN, -1.0, 0.0, 2.0])
    y = x.relu()
    same(y, [NAN, 0.0, 0.0, 2.0])
    y.sum().backward()
    same(x.grad, [1.0, 0.0, 0.0, 1.0])


def test_maximum_and_minimum_at_nan_give_both_inputs_the_gradient():
    for fn in (cr.maximum, cr.minimum):
        x, y = leaf([NAN, 1.0, 2.0, 3.0]), leaf([1.0, NAN, 2.0, 0.0])
        out = fn(x, y)
        same(out, [NAN, NAN, 2.0, 3.0 if fn is cr.maximum else 0.0])
        out.sum().backward()
        same(x.grad, [1.0, 1.0, 0.5, 1.0 if fn is cr.maximum else 0.0])
        same(y.grad, [1.0, 1.0, 0.5, 0.0 if fn is cr.maximum else 1.0])


def test_std_of_a_constant_has_gradient_zero():
    x = leaf([2.0, 2.0, 2.0])
    s = x.std()
    assert s.item() == 0.0
    s.backward()
    same(x.grad, [0.0, 0.0, 0.0])


def test_var_with_a_correction_beyond_the_count_is_inf():
    x = cr.tensor([1.0, 2.0, 3.0])
    assert x.var(correction=5).item() == INF   # PyTorch divides by max(0, n - correction)
    assert x.std(correction=5).item() == INF


def test_cross_entropy_with_every_target_ignored():
    x = leaf(np.ones((3, 4)))
    loss = F.cross_entropy(x, cr.tensor([-100, -100, -100]))
    assert math.isnan(loss.item())   # 0 / 0, as PyTorch
    loss.backward()
    same(x.grad, np.zeros((3, 4)))   # and a zero gradient, as PyTorch (not NaN)
    assert F.cross_entropy(x, cr.tensor([-100, -100, -100]), reduction="sum").item() == 0.0


@pytest.mark.parametrize("reduce", [
    lambda x: x.max(0, keepdim=True).values, lambda x: x.min(dim=0, keepdim=True).values,
    lambda x: x.max(0, keepdim=True).indices, lambda x: x.argmax(0, keepdim=True),
    lambda x: x.argmin(-1, keepdim=True), lambda x: x.amax(0, keepdim=True),
    lambda x: x.amin(0, keepdim=True), lambda x: x.sum(0, keepdim=True),
    lambda x: x.mean(0, keepdim=True), lambda x: x.logsumexp(0, keepdim=True),
    lambda x: x.std(0, keepdim=True, correction=0)])
def test_a_scalar_reduced_over_dim_0_with_keepdim_stays_a_scalar(reduce):
    assert reduce(cr.tensor(5.0)).shape == ()


def test_linspace_computes_in_the_dtype_asked_for():
    end = cr.tensor(1 / 3, dtype=cr.float32)   # 0.3333333432674408 in float32
    ours = cr.linspace(cr.tensor(0.0), end, 3, dtype=cr.float64)
    assert ours.dtype == cr.float64
    assert ours.tolist() == [0.0, float(np.float32(1 / 3)) / 2, float(np.float32(1 / 3))]
    assert cr.linspace(0, 1, 5, device="cpu").dtype == cr.float32


def test_batch_norm_on_an_empty_batch():
    mean, var = cr.zeros(3), cr.ones(3)
    for training in (True, False):
        x = cr.zeros(0, 3, requires_grad=True)
        out = F.batch_norm(x, mean, var, cr.ones(3), cr.zeros(3), training=training)
        assert out.shape == (0, 3)
        out.sum().backward()
        assert x.grad.shape == (0, 3)
    assert mean.tolist() == [0.0, 0.0, 0.0] and var.tolist() == [1.0, 1.0, 1.0]


def test_softmax_and_logsumexp_of_empty_tensors():
    assert cr.zeros(5, 0).softmax(-1).shape == (5, 0)
    assert cr.zeros(5, 0).log_softmax(-1).shape == (5, 0)
    assert cr.zeros(0).logsumexp(0).item() == -INF


def test_amax_ties_share_the_gradient():
    x = leaf([[3.0, 3.0, 1.0], [0.0, 2.0, 2.0]])
    x.amax(1).sum().backward()
    same(x.grad, [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])


def test_logical_not_and_invert():
    assert cr.tensor([0.0, 2.0]).logical_not().tolist() == [True, False]
    assert cr.tensor([3, 0]).logical_not().tolist() == [False, True]
    assert (~cr.tensor([1, 0])).tolist() == [-2, -1]   # the bits, as PyTorch
    assert (~cr.tensor([True, False])).tolist() == [False, True]


# ----- dtypes -----------------------------------------------------------------------------
def test_a_0d_float64_tensor_does_not_promote_float32():
    x = cr.ones(3)
    scalar = cr.tensor(2.0, dtype=cr.float64)
    assert (x * scalar).dtype == cr.float32
    assert (scalar * x).dtype == cr.float32
    assert cr.mul(x, scalar).dtype == cr.float32
    assert cr.maximum(x, scalar).dtype == cr.float32


def test_float16_times_int64_is_float16():
    x, n = cr.ones(3, dtype=cr.float16), cr.tensor([1, 2, 3])
    assert (x * n).dtype == cr.float16
    assert (n / x).dtype == cr.float16


@pytest.mark.parametrize("fn", [cr.ops.erf, cr.ops.gelu, cr.ops.softplus, F.gelu, F.softplus])
def test_float16_functions_return_float16(fn):
    assert fn(cr.ones(3, dtype=cr.float16)).dtype == cr.float16


DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]
KINDS = ["tensor", "0-d"]
NUMBERS = [2, 2.5, True]
BINARY = {   # as a function (the gate's apply) and as an operator or method (its fast path)
    "add": [lambda a, b: cr.add(a, b), lambda a, b: a + b],
    "sub": [lambda a, b: cr.sub(a, b), lambda a, b: a - b],
    "mul": [lambda a, b: cr.mul(a, b), lambda a, b: a * b],
    "div": [lambda a, b: cr.div(a, b), lambda a, b: a / b],
    "pow": [lambda a, b: cr.pow(a, b), lambda a, b: a ** b],
    "maximum": [lambda a, b: cr.maximum(a, b), lambda a, b: a.maximum(b)],
    "minimum": [lambda a, b: cr.minimum(a, b), lambda a, b: a.minimum(b)],
    "where": [lambda a, b: cr.where(cr.tensor(True), a, b)],
    "lt": [lambda a, b: a < b], "eq": [lambda a, b: a == b],
}
UNARY = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "abs", "neg", "relu",
         "sign", "sum", "logsumexp", "cumsum", "amax", "erf", "gelu", "softplus"]


def operand(lib, kind, dtype):
    values = np.array([1, 2] if kind == "tensor" else 1).astype(dtype)
    return lib.tensor(values) if lib is cr else lib.from_numpy(values)


def dtype_of(fn, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(fn(*args).dtype).replace("torch.", "").replace("chainrule.", "")
    except Exception:   # noqa: BLE001  (PyTorch refuses the pair: not compared)
        return None


def make(lib, spec):
    kind, value = spec
    return value if kind == "number" else operand(lib, kind, value)


@pytest.mark.parametrize("name, form", [(name, form) for name, forms in BINARY.items()
                                        for form in range(len(forms))])
def test_binary_dtypes_are_pytorchs(name, form):
    """Every pair of operands: tensors and 0-d tensors of each dtype, Python numbers."""
    torch = pytest.importorskip("torch")
    torch_fn = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
                "pow": torch.pow, "maximum": torch.maximum, "minimum": torch.minimum,
                "where": lambda x, y: torch.where(torch.tensor(True), x, y),
                "lt": torch.lt, "eq": torch.eq}[name]
    operands = list(itertools.product(KINDS, DTYPES)) + [("number", n) for n in NUMBERS]
    wrong, compared = [], 0
    for a, b in itertools.product(operands, repeat=2):
        if a[0] == "number" and (b[0] == "number" or form > 0):
            continue   # two numbers are no tensor operation; a number has no methods
        theirs = dtype_of(torch_fn, make(torch, a), make(torch, b))
        if theirs is None:
            continue   # PyTorch refuses the pair
        compared += 1
        ours = dtype_of(BINARY[name][form], make(cr, a), make(cr, b))
        if ours != theirs:
            wrong.append(f"{a[0]} {a[1]} with {b[0]} {b[1]}: {ours}, PyTorch {theirs}")
    assert compared > 100 and not wrong, f"{name}: " + "; ".join(wrong)


@pytest.mark.parametrize("name, form", [
    (name, form) for name in UNARY for form in ("function", "method")
    if not (form == "method" and name in ("erf", "gelu", "softplus"))])
def test_unary_dtypes_are_pytorchs(name, form):
    torch = pytest.importorskip("torch")

    def call(lib, x):
        if name in ("erf",):
            return (cr.ops.erf if lib is cr else torch.erf)(x)
        if name in ("gelu", "softplus"):
            return getattr(F if lib is cr else torch.nn.functional, name)(x)
        args = (0,) if name in ("logsumexp", "cumsum") else ()
        if form == "method":
            return getattr(x, name)(*args)
        return getattr(lib, name)(x, *args)

    wrong = []
    for dtype in DTYPES:
        theirs = dtype_of(call, torch, operand(torch, "tensor", dtype))
        if theirs is None:
            continue   # PyTorch refuses the dtype
        ours = dtype_of(call, cr, operand(cr, "tensor", dtype))
        if ours != theirs:
            wrong.append(f"{dtype}: {ours}, PyTorch {theirs}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


# ----- issue 12: forms the OpInfo samples do not reach, each against PyTorch ----------------
torch = pytest.importorskip("torch")


def pair(values, dtype="float64", grad=True):
    array = np.array(values, dtype=dtype)
    ours = cr.tensor(array, requires_grad=grad)
    theirs = torch.tensor(array, requires_grad=grad)
    return ours, theirs


def check(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours.detach().tolist(), float),
                               np.asarray(theirs.detach().tolist(), float), rtol=1e-12)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "chainrule.")


INPLACE = ["exp_", "sin_", "cos_", "tanh_", "sigmoid_", "neg_", "log1p_", "expm1_", "abs_",
           "exp2_", "floor_", "ceil_", "trunc_", "round_", "sign_", "square_"]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_forms_record_as_pytorch(name):
    (x, tx) = pair([0.5, -1.25, 2.0])
    y, ty = x * 1, tx * 1
    getattr(y, name)(), getattr(ty, name)()
    (y * 3 + x).sum().backward()
    (ty * 3 + tx).sum().backward()
    check(y, ty)
    check(x.grad, tx.grad)


def test_binary_inplace_forms_and_tensor_clamp():
    x, tx = pair([0.5, -1.25, 2.0])
    lo, tlo = pair([0.0, 0.0, 0.0])
    hi, thi = pair([1.0, 0.1, 1.0])
    ours, theirs = x * 1, tx * 1
    ours.remainder_(1.5).clamp_(lo, hi).pow_(2)
    theirs.remainder_(1.5).clamp_(tlo, thi).pow_(2)
    ours.sum().backward(), theirs.sum().backward()
    check(ours, theirs)
    for a, b in ((x, tx), (lo, tlo), (hi, thi)):
        check(a.grad, b.grad)


def test_integer_tensors_refuse_float_inplace_results_as_pytorch():
    with pytest.raises(RuntimeError, match="can't be cast"):
        cr.tensor([1, 2]).exp_()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).exp_()


def test_bitwise_operators_on_integers_and_bools():
    a, b = np.array([6, 5, -3]), np.array([3, 1, 7])
    for op in ("__and__", "__or__", "__xor__"):
        check(getattr(cr.tensor(a), op)(cr.tensor(b)), getattr(torch.tensor(a), op)(torch.tensor(b)))
        check(getattr(cr.tensor(a), op)(2), getattr(torch.tensor(a), op)(2))
    check(~cr.tensor(a), ~torch.tensor(a))
    m = np.array([True, False, True])
    check(cr.tensor(m) & cr.tensor(~m), torch.tensor(m) & torch.tensor(~m))
    with pytest.raises(TypeError, match="not supported for floating"):
        cr.tensor([1.0]) & cr.tensor([1.0])


def test_floor_division_and_remainder_as_pytorch():
    a, b = [7.0, -7.0, 7.5, -0.5], [2.0, 2.0, -2.0, 3.0]
    (x, tx), (y, ty) = pair(a), pair(b)
    check(x // y, tx // ty)
    check(x % y, tx % ty)
    check(7 // cr.tensor([2, -2]), 7 // torch.tensor([2, -2]))
    check(cr.tensor([7, -7]) % 3, torch.tensor([7, -7]) % 3)
    with pytest.raises(ZeroDivisionError):
        cr.tensor([1]) % 0


def test_where_forms():
    cond = np.array([True, False, True])
    x, tx = pair([1.0, 2.0, 3.0])
    check(x.where(cr.tensor(cond), 0.0), tx.where(torch.tensor(cond), 0.0))
    ours, theirs = cr.where(cr.tensor(cond)), torch.where(torch.tensor(cond))
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


def test_sort_is_stable_and_puts_nan_last_or_first():
    values = [2.0, NAN, 1.0, 2.0, -INF, 1.0]
    for descending in (False, True):
        ours = cr.sort(cr.tensor(values), descending=descending, stable=True)
        theirs = torch.sort(torch.tensor(values), descending=descending, stable=True)
        assert ours.indices.tolist() == theirs.indices.tolist()


def test_scatter_forms():
    index = np.array([[0, 1, 2, 0, 1], [2, 0, 1, 1, 0]])   # no column writes a place twice
    for value in (5.0, None):
        x, tx = pair(np.zeros((3, 5)))
        src, tsrc = pair(np.arange(1, 11, dtype=float).reshape(2, 5))
        ours = x.scatter(0, cr.tensor(index), value if value is not None else src)
        theirs = tx.scatter(0, torch.tensor(index), value if value is not None else tsrc)
        check(ours, theirs)
        (ours * cr.tensor(np.arange(15.0).reshape(3, 5))).sum().backward()
        (theirs * torch.tensor(np.arange(15.0).reshape(3, 5))).sum().backward()
        check(x.grad, tx.grad)
    ours = cr.zeros(3, 5).scatter(0, cr.tensor(index[:, :3]), cr.ones(2, 5), reduce="add")
    theirs = torch.zeros(3, 5).scatter(0, torch.tensor(index[:, :3]), torch.ones(2, 5),
                                       reduce="add")
    check(ours, theirs)


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("...ij,...jk", [(2, 2, 3), (3, 4)]), ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("i,j->ij", [(2,), (3,)]), ("ij->", [(2, 3)]), ("ji", [(2, 3)]), ("i,i", [(3,), (3,)])])
def test_einsum_values_and_gradients(equation, shapes):
    rng = np.random.default_rng(len(equation))
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = cr.einsum(equation, *ours), torch.einsum(equation, *theirs)
    check(out, tout)
    weight = rng.standard_normal(tuple(tout.shape))
    (out * cr.tensor(weight)).sum().backward()
    (tout * torch.tensor(weight)).sum().backward()
    for a, b in zip(ours, theirs):
        check(a.grad, b.grad)


def test_random_forms_give_pytorchs_shapes_dtypes_and_laws():
    cr.manual_seed(0)
    mean, std = cr.zeros(3, requires_grad=True), cr.full((3,), 2.0, requires_grad=True)
    sample = cr.normal(mean, std)
    sample.sum().backward()
    assert mean.grad.tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(std.grad.numpy(), (sample.detach().numpy() - 0) / 2)
    assert cr.normal(0.0, 1.0, (2, 3)).shape == (2, 3)
    draws = cr.multinomial(cr.tensor([0.0, 1.0, 3.0]), 1000, replacement=True)
    assert draws.dtype == cr.int64 and set(draws.tolist()) == {1, 2}
    assert abs((draws == 2).float().mean().item() - 0.75) < 0.05
    rows = cr.multinomial(cr.tensor([[1.0, 0.0], [0.0, 1.0]]), 1)
    assert rows.tolist() == [[0], [1]]
    picks = cr.multinomial(cr.ones(5), 5)
    assert sorted(picks.tolist()) == [0, 1, 2, 3, 4]   # without replacement: each once
    with pytest.raises(RuntimeError, match="without replacement"):
        cr.multinomial(cr.tensor([1.0, 0.0]), 2)
    coins = cr.bernoulli(cr.full((2000,), 0.25))
    assert coins.dtype == cr.float32 and abs(coins.mean().item() - 0.25) < 0.05
    ints = cr.randint_like(cr.zeros(100), 3, 5)
    assert ints.dtype == cr.float32 and set(ints.tolist()) <= {3.0, 4.0}


def test_new_and_type_forms():
    x = cr.tensor([1, 2])
    assert x.new_tensor([1.5]).dtype == torch.tensor([1, 2]).new_tensor([1.5]).dtype.__str__() \
        .replace("torch.", "") == "int64"
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_ones((2,)).dtype == cr.int64
    assert x.new_full((2,), 7).tolist() == [7, 7]
    assert cr.tensor([1.0]).type() == "chainrule.FloatTensor"
    assert x.type(cr.float64).dtype == cr.float64
    assert x.type("torch.DoubleTensor").dtype == cr.float64


def test_random_inplace_fills():
    cr.manual_seed(0)
    ints = cr.zeros(1000, dtype=cr.long).random_(3, 7)
    assert ints.dtype == cr.int64 and set(ints.tolist()) == {3, 4, 5, 6}
    assert set(cr.zeros(500).random_(4).tolist()) == {0.0, 1.0, 2.0, 3.0}
    draws = cr.zeros(4000).exponential_(2.0)
    assert draws.min().item() >= 0 and abs(draws.mean().item() - 0.5) < 0.05
    coins = cr.zeros(4000).bernoulli_(0.25)
    assert set(coins.tolist()) == {0.0, 1.0} and abs(coins.mean().item() - 0.25) < 0.05
    assert cr.zeros(2).bernoulli_(cr.tensor([0.0, 1.0])).tolist() == [0.0, 1.0]
