"""Tensor: creation, dtypes as in PyTorch, operators with scalars and NumPy arrays,
comparisons, indexing (with gradients), joining and splitting, names."""
import numpy as np
import pytest

import chainrule as cr


# ----- creation -------------------------------------------------------------------------

def test_creation_functions_shapes_and_values():
    assert cr.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert cr.ones((2,)).tolist() == [1.0, 1.0]
    assert cr.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert cr.arange(4).tolist() == [0, 1, 2, 3]
    assert cr.arange(1, 2, 0.5).tolist() == [1.0, 1.5]
    assert cr.linspace(0, 1, 3).tolist() == [0.0, 0.5, 1.0]
    assert cr.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert cr.zeros_like(cr.ones(2, dtype=cr.float64)).dtype == cr.float64
    assert cr.ones_like(cr.zeros(3)).tolist() == [1.0] * 3
    assert cr.full_like(cr.zeros(2), 4).tolist() == [4.0, 4.0]
    assert cr.empty(2, 2).shape == (2, 2)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_creation_takes_pytorchs_size_keyword(name):
    """torch.randn(size=(2, 3)) and torch.rand(size=...) as textbooks write them."""
    torch = pytest.importorskip("torch")
    for size in [(2, 3), [4], cr.Size([1, 2]), ()]:
        ours, theirs = getattr(cr, name)(size=size), getattr(torch, name)(size=size)
        assert ours.shape == tuple(theirs.shape) and ours.dtype == cr.float32
    x, t = cr.ones(2, dtype=cr.float64), torch.ones(2, dtype=torch.float64)
    for method in ("new_zeros", "new_ones", "new_empty"):
        ours, theirs = getattr(x, method)(size=(3, 1)), getattr(t, method)(size=(3, 1))
        assert ours.shape == tuple(theirs.shape) and ours.dtype == cr.float64
    with pytest.raises(TypeError, match="both positionally and as size="):
        getattr(cr, name)(2, size=(2,))
    with pytest.raises(TypeError, match="must be a tuple of ints"):
        getattr(cr, name)(size=5)
    with pytest.raises(TypeError):
        getattr(torch, name)(size=5)


@pytest.mark.parametrize("name", ["arange", "linspace"])
def test_float_ranges_are_pytorchs_values(name):
    """PyTorch computes arange in double (and linspace from both ends): NumPy's float32
    arange drifted 1.5e-5 from it over torch.arange(-8.0, 8.0, 0.1), which changed the sign
    of the value at the zero crossing, and relu's gradient there. Every value is within one
    ulp of the range's largest value of PyTorch's (exact where its kernel rounds as on
    x86-64), and the shapes are equal."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    exact = total = 0
    for _ in range(300):
        a, b = rng.uniform(-20, 20, 2).round(int(rng.integers(0, 4)))
        step = float(rng.choice([0.1, 0.25, 0.3, 0.7, 0.01])) * (1 if b > a else -1)
        steps = int(rng.integers(1, 150))
        for ours_dtype, their_dtype in ((cr.float32, torch.float32), (cr.float64, torch.float64)):
            args = (float(a), float(b), step) if name == "arange" else (float(a), float(b), steps)
            ours = getattr(cr, name)(*args, dtype=ours_dtype).numpy()
            theirs = getattr(torch, name)(*args, dtype=their_dtype).numpy()
            assert ours.shape == theirs.shape
            ulp = np.spacing(np.array(max(abs(a), abs(b)), ours.dtype))
            assert np.abs(ours - theirs).max(initial=0) <= ulp
            exact += np.array_equal(ours, theirs)
            total += 1
    assert exact >= 0.9 * total
    crossing = cr.arange(-8.0, 8.0, 0.1)[80].item()   # was -7.6e-6; PyTorch's is 4.4e-16
    assert abs(crossing - torch.arange(-8.0, 8.0, 0.1)[80].item()) <= np.spacing(np.float32(8))


def test_random_creation_follows_the_seed_and_the_ranges():
    cr.manual_seed(0)
    a = cr.rand(100)
    cr.manual_seed(0)
    assert np.array_equal(a.detach().numpy(), cr.rand(100).detach().numpy())
    assert 0 <= a.detach().numpy().min() and a.detach().numpy().max() < 1
    assert cr.randn(3, 4).shape == (3, 4)
    ints = cr.randint(2, 5, (50,))
    assert ints.dtype == cr.int64 and 2 <= ints.detach().numpy().min() and ints.detach().numpy().max() < 5
    assert sorted(cr.randperm(5).tolist()) == [0, 1, 2, 3, 4]


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    array = np.array([1.0, 2.0])
    copied, shared = cr.tensor(array), cr.from_numpy(array)
    array[0] = 9.0
    assert copied.tolist() == [1.0, 2.0] and shared.tolist() == [9.0, 2.0]


def test_attributes():
    t = cr.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert (t.shape, t.ndim, t.dim(), t.numel(), t.size(), t.size(1)) == ((1, 3), 2, 2, 3,
                                                                           (1, 3), 3)
    assert t.is_leaf and t.grad is None and t.grad_fn is None
    assert isinstance(t.detach().numpy(), np.ndarray) and t.detach().numpy() is t.detach().numpy()
    assert cr.tensor(2.5).item() == 2.5 and isinstance(cr.tensor(2).item(), int)


def test_name_labels_a_tensor():
    x = cr.tensor(-2.0, requires_grad=True, name="x")
    assert x.name == "x" and "name='x'" in repr(x)
    assert cr.tensor(1.0).name is None


# ----- dtypes ---------------------------------------------------------------------------

@pytest.mark.parametrize("data, dtype", [
    (1.5, cr.float32), ([1.0, 2.0], cr.float32), (3, cr.int64), ([1, 2], cr.int64),
    (True, cr.bool), (np.array([1.0]), cr.float64), (np.array([1], dtype=np.int32), cr.int32),
    (np.float32(2.0), cr.float32)])
def test_dtype_of_new_tensors_is_torchs(data, dtype):
    assert cr.tensor(data).dtype == dtype


def test_dtype_argument_and_conversions():
    t = cr.tensor([1, 2], dtype=cr.float64)
    assert t.dtype == cr.float64
    assert t.float().dtype == cr.float32 and t.long().dtype == cr.int64
    assert t.int().dtype == cr.int32 and t.bool().dtype == cr.bool
    assert t.half().dtype == cr.float16 and t.double() is t
    assert t.to(cr.float32).dtype == cr.float32 and t.type_as(cr.zeros(1)).dtype == cr.float32
    assert cr.tensor([1], dtype=float).dtype == cr.float32
    assert cr.tensor([1.5], dtype="float64").dtype == cr.float64


@pytest.mark.parametrize("make, dtype", [
    (lambda: cr.tensor([1.0]) + cr.tensor([1.0], dtype=cr.float64), cr.float64),
    (lambda: cr.tensor([1.0]) * 2.5, cr.float32),
    (lambda: cr.tensor([1.0]) * np.float64(2.5), cr.float32),
    (lambda: cr.tensor([1, 2]) * 1.5, cr.float32),
    (lambda: cr.tensor([1, 2]) / 2, cr.float32),
    (lambda: cr.tensor([1, 2]) / cr.tensor([2, 2]), cr.float32),
    (lambda: cr.tensor([1, 2]) ** 0.5, cr.float32),
    (lambda: cr.tensor([1, 2]) + 1, cr.int64),
    (lambda: cr.tensor([1, 2], dtype=cr.int32) + cr.tensor([1, 2]), cr.int64),
    (lambda: cr.tensor([1, 2]) + cr.tensor([0.5]), cr.float32),
    (lambda: cr.tensor([1.0], dtype=cr.float64) * 2, cr.float64),
])
def test_promotion_matches_torch(make, dtype):
    assert make().dtype == dtype


def test_promotion_matches_torch_on_a_grid_of_pairs():
    torch = pytest.importorskip("torch")
    dtypes = ["float32", "float64", "int64", "int32"]
    for a in dtypes:
        for b in dtypes:
            ours = cr.tensor([1, 2], dtype=a) * cr.tensor([3, 4], dtype=b)
            theirs = torch.tensor([1, 2], dtype=getattr(torch, a)) * torch.tensor(
                [3, 4], dtype=getattr(torch, b))
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "chainrule."), (a, b)


def test_gradient_of_a_float64_leaf_through_float32_ops_is_float64():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    (x.float() * 3).sum().backward()
    assert x.grad.dtype == cr.float64 and x.grad.tolist() == [3.0, 3.0]


# ----- operators with scalars and NumPy arrays ------------------------------------------

@pytest.mark.parametrize("expression, expected", [
    (lambda x: 2 + x, [3.0, 4.0]), (lambda x: 2 - x, [1.0, 0.0]), (lambda x: 2 * x, [2.0, 4.0]),
    (lambda x: 2 / x, [2.0, 1.0]), (lambda x: 2 ** x, [2.0, 4.0]), (lambda x: -x, [-1.0, -2.0]),
    (lambda x: np.array([1.0, 3.0]) * x, [1.0, 6.0]),
    (lambda x: np.array([1.0, 3.0]) - x, [0.0, 1.0]),
    (lambda x: np.array([[1.0, 0.0], [0.0, 2.0]]) @ x, [1.0, 4.0]),
    (lambda x: abs(-x), [1.0, 2.0])])
def test_reversed_operators_give_tensors_with_gradients(expression, expected):
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = expression(x)
    assert isinstance(y, cr.Tensor) and y.tolist() == expected and y.requires_grad


def test_reversed_division_gradient():
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)
    (2 / x).sum().backward()
    assert x.grad.tolist() == [-2.0, -0.5]   # d(2/x)/dx = -2/x^2


def test_in_place_operators_on_plain_tensors_and_under_no_grad():
    t = cr.zeros(2)
    t += 1
    t *= 3
    assert t.tolist() == [3.0, 3.0]
    w = cr.ones(2, requires_grad=True)
    with cr.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5, 0.5] and w.is_leaf and w.requires_grad


# ----- comparisons ----------------------------------------------------------------------

def test_comparisons_give_bool_tensors_without_gradient():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(x < 2, [True, False, False]), (x <= 2, [True, True, False]),
                             (x > 2, [False, False, True]), (x >= 2, [False, True, True]),
                             (x == 2, [False, True, False]), (x != 2, [True, False, True]),
                             (x == cr.tensor([1.0, 0.0, 3.0]), [True, False, True])]:
        assert result.dtype == cr.bool and not result.requires_grad
        assert result.tolist() == expected


# ----- indexing -------------------------------------------------------------------------

def grad_of_index(index, shape=(3, 4)):
    x = cr.tensor(np.arange(12.0).reshape(shape), requires_grad=True)
    x[index].sum().backward()
    return x.grad.detach().numpy()


def test_int_slice_none_and_ellipsis_indexing():
    x = cr.tensor(np.arange(12.0).reshape(3, 4))
    assert x[1].tolist() == [4.0, 5.0, 6.0, 7.0]
    assert x[:, 1:3].shape == (3, 2)
    assert x[None, ..., 0].tolist() == [[0.0, 4.0, 8.0]]
    assert x[-1, -1].item() == 11.0
    expected = np.zeros((3, 4))
    expected[:, 1:3] = 1
    assert np.array_equal(grad_of_index((slice(None), slice(1, 3))), expected)


def test_repeated_integer_indices_accumulate_gradients():
    grad = grad_of_index(cr.tensor([0, 2, 2]))
    assert grad[:, 0].tolist() == [1.0, 0.0, 2.0]
    grad = grad_of_index(([0, 0, 1], [3, 3, 3]))
    assert grad[0, 3] == 2.0 and grad[1, 3] == 1.0 and grad.sum() == 3.0


def test_boolean_mask_indexing():
    x = cr.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    mask = x > 6
    picked = x[mask]
    assert picked.tolist() == [7.0, 8.0, 9.0, 10.0, 11.0]
    picked.sum().backward()
    assert np.array_equal(x.grad.detach().numpy(), (np.arange(12.0).reshape(3, 4) > 6).astype(float))


def test_setitem_on_a_plain_tensor():
    t = cr.zeros(3)
    t[1] = 5.0
    t[cr.tensor([0, 2])] = cr.tensor([1.0, 2.0])
    assert t.tolist() == [1.0, 5.0, 2.0]


# ----- joining and splitting ------------------------------------------------------------

def test_cat_and_stack_route_gradients_back():
    a = cr.tensor([[1.0, 2.0]], requires_grad=True)
    b = cr.tensor([[3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    joined = cr.cat([a, b])
    assert joined.shape == (3, 2)
    (joined * cr.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    assert a.grad.tolist() == [[1.0, 1.0]] and b.grad.tolist() == [[2.0, 2.0], [3.0, 3.0]]
    stacked = cr.stack([b[0], b[1]], dim=1)
    assert stacked.tolist() == [[3.0, 5.0], [4.0, 6.0]]


def test_split_and_chunk():
    x = cr.arange(7)
    assert [p.tolist() for p in x.split(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [p.tolist() for p in cr.split(x, [2, 5])] == [[0, 1], [2, 3, 4, 5, 6]]
    assert [p.shape for p in x.chunk(3)] == [(3,), (3,), (1,)]
    m = cr.ones(2, 4, requires_grad=True)
    left, right = m.split(2, dim=1)
    (left * 2 + right.sum()).sum().backward()   # right.sum() is added to each of 4 terms
    assert m.grad.tolist() == [[2.0, 2.0, 4.0, 4.0]] * 2


# ----- shape methods and reductions ------------------------------------------------------

def test_shape_methods():
    x = cr.arange(6).reshape(2, 3)
    assert x.T.shape == (3, 2) and x.t().shape == (3, 2) and x.transpose(0, 1).shape == (3, 2)
    assert x.view(3, 2).shape == (3, 2) and x.flatten().shape == (6,)
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.unsqueeze(0).squeeze(0).shape == (2, 3)
    assert x[:1].expand(4, 3).shape == (4, 3) and x.permute(1, 0).tolist() == [[0, 3], [1, 4],
                                                                                 [2, 5]]


def test_reductions_with_dim_and_keepdim():
    x = cr.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    assert x.sum(0).tolist() == [5.0, 7.0, 9.0] and x.sum(1, keepdim=True).shape == (2, 1)
    assert x.mean().item() == 3.5
    values, indices = x.max(1)
    assert values.tolist() == [5.0, 6.0] and indices.tolist() == [1, 2]
    assert x.min(dim=0).indices.tolist() == [0, 1, 0]
    assert x.argmax().item() == 5 and x.argmin(1).tolist() == [0, 1]
    np.testing.assert_allclose(x.var().item(), np.var(x.detach().numpy(), ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.std(1, unbiased=False).detach().numpy(), np.std(x.detach().numpy(), axis=1), rtol=1e-6)
    assert cr.max(x, cr.tensor(3.0)).tolist() == [[3.0, 5.0, 3.0], [4.0, 3.0, 6.0]]


def test_named_arithmetic_takes_pytorchs_keywords():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, 4.0])
    assert x.add(y, alpha=2).tolist() == [7.0, 10.0]
    assert x.sub(other=y, alpha=0.5).tolist() == [-0.5, 0.0]
    assert x.pow(exponent=2).tolist() == [1.0, 4.0]
    for name, expected in [("mul", [3.0, 8.0]), ("div", [1 / 3, 0.5]), ("maximum", [3.0, 4.0]),
                           ("minimum", [1.0, 2.0])]:
        np.testing.assert_allclose(getattr(x, name)(other=y).tolist(), expected)
    assert x.matmul(other=y).item() == 11.0
    x.add(y, alpha=3).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


# ----- .data and .numpy(), as in PyTorch ----------------------------------------------------
def test_data_is_a_detached_tensor_sharing_memory():
    torch = pytest.importorskip("torch")
    for lib in (cr, torch):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        d = p.data
        assert isinstance(d, lib.Tensor) and not d.requires_grad and d.grad_fn is None
        d.add_(1.0)                               # through the alias: p changes
        p.data.mul_(2.0)
        assert p.tolist() == [4.0, 6.0], lib.__name__
        assert p.data.norm().item() == pytest.approx(52 ** 0.5)


def test_a_hand_written_update_through_data_trains_the_parameter():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (cr, torch):
        w = lib.nn.Parameter(lib.tensor([1.0, -2.0]))
        for _ in range(3):
            loss = (w * w).sum()
            loss.backward()
            w.data -= 0.1 * w.grad                # PyTorch's classic idiom
            w.grad = None
        results.append(w.detach().numpy().tolist())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_data_can_be_replaced_and_normal_fills_in_place():
    w = cr.nn.Parameter(cr.zeros(2, 3))
    w.data.normal_(generator=cr.Generator(0))
    assert w.detach().numpy().std() > 0 and w.requires_grad
    w.data = cr.ones(4)
    assert w.shape == (4,) and w.tolist() == [1.0] * 4 and w.requires_grad


def test_numpy_refuses_a_tensor_that_requires_grad_with_pytorchs_hint():
    x = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        x.numpy()
    assert x.detach().numpy() is x.detach().numpy()   # the array itself, no copy
