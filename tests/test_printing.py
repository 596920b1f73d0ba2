"""Printing as PyTorch prints: tensors (values, widths, scientific notation, wrapping,
summaries, dtype, requires_grad and grad_fn suffixes), ``Size``, ``f"{loss:.4f}"`` and
``set_printoptions``, each compared with PyTorch's own output for the same values."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def both(array, **kwargs):
    return cr.tensor(array, **kwargs), torch.tensor(array, **kwargs)


def theirs(t):
    return repr(t).replace("torch.", "chainrule.")


RNG = np.random.default_rng(0)
VALUES = [
    1.5, -2.0, 0.0, 3, True, [1.5, 2.25], [1.0, 2.0, 3.0], [0.0, -0.0], [1, -20, 300],
    [True, False, True], [[1e-5, 1.0], [3.0, 4.0]], [1e9, 1.0], [123456.0, 0.5],
    [float("nan"), 1.0, float("inf"), -float("inf")], [float("nan"), 2.0],
    [[1.0, 2.0], [3.0, 4.0]], RNG.standard_normal((3, 4)).tolist(),
    RNG.standard_normal((2, 3, 4)).tolist(), (RNG.standard_normal(40) * 100).tolist(),
    RNG.integers(-1000, 1000, (5, 30)).tolist(), RNG.standard_normal(2000).tolist(),
    RNG.standard_normal((40, 40)).tolist(), RNG.standard_normal((3, 500, 2)).tolist(),
    [1e-10, 1e-12], [5e-5, 1.0], [100000000.0, 1.0], [[]], [],
]


@pytest.mark.parametrize("index", range(len(VALUES)))
def test_tensors_print_as_in_pytorch(index):
    ours, reference = both(VALUES[index])
    assert repr(ours) == theirs(reference)
    assert str(ours) == theirs(reference)


@pytest.mark.parametrize("dtype", ["float64", "float16", "int32", "int8", "uint8", "int16"])
def test_dtype_suffix_as_in_pytorch(dtype):
    ours = cr.tensor([1, 2, 3], dtype=getattr(cr, dtype))
    reference = torch.tensor([1, 2, 3], dtype=getattr(torch, dtype))
    assert repr(ours) == theirs(reference)
    assert repr(cr.zeros(0, 2, dtype=getattr(cr, dtype))) == theirs(
        torch.zeros(0, 2, dtype=getattr(torch, dtype)))


def test_requires_grad_and_grad_fn_suffixes():
    x, tx = both([1.5, 2.25], requires_grad=True)
    assert repr(x) == theirs(tx) == "tensor([1.5000, 2.2500], requires_grad=True)"
    for fn in (lambda a: a * 2, lambda a: a + 1, lambda a: a - 1, lambda a: a / 3,
               lambda a: a.exp(), lambda a: a.tanh(), lambda a: a.sum(), lambda a: -a):
        assert repr(fn(x)) == theirs(fn(tx))
    assert repr(x * 2) == "tensor([3.0000, 4.5000], grad_fn=<MulBackward0>)"


def test_grad_fn_names_are_pytorchs():
    values = (np.arange(6.0).reshape(2, 3) / 7).astype(np.float32)   # no dtype suffix
    x, tx = both(values, requires_grad=True)
    w, tw = both(np.ones((4, 3), np.float32) / 3, requires_grad=True)
    for fn in (lambda lib, a, b: a @ b.T, lambda lib, a, b: a.double(),
               lambda lib, a, b: a.view(6), lambda lib, a, b: a.clamp(0, 0.5),
               lambda lib, a, b: a.sum(1), lambda lib, a, b: a.mean(0), lambda lib, a, b: a.max(),
               lambda lib, a, b: a.T, lambda lib, a, b: a.relu(), lambda lib, a, b: a.softmax(1),
               lambda lib, a, b: a ** 2, lambda lib, a, b: a.exp().log(),
               lambda lib, a, b: lib.nn.functional.linear(a, b, lib.ones(4)),
               lambda lib, a, b: lib.nn.functional.cross_entropy(a, lib.tensor([0, 1]))):
        ours, reference = fn(cr, x, w), fn(torch, tx, tw)
        assert repr(ours) == theirs(reference)


def test_long_rows_wrap_and_suffixes_move_to_a_new_line():
    values = (RNG.standard_normal(30) * 1000).tolist()
    ours, reference = both(values, requires_grad=True)
    assert repr(ours * 1.0) == theirs(reference * 1.0)


def test_name_is_chainrules_own_suffix():
    assert repr(cr.tensor(-2.0, requires_grad=True, name="x")) == \
        "tensor(-2., requires_grad=True, name='x')"


def test_size_is_a_tuple_printed_as_pytorch():
    x, tx = both(np.zeros((2, 3)).tolist())
    assert isinstance(x.shape, tuple) and x.shape == (2, 3) and x.size() == (2, 3)
    assert repr(x.shape) == theirs(tx.shape) == "chainrule.Size([2, 3])"
    assert repr(x.size()) == theirs(tx.size())
    assert str(x.shape) == theirs(tx.shape)
    assert x.shape.numel() == tx.shape.numel() == 6
    assert x.size(1) == 3 and x.size(-2) == 2
    with pytest.raises(IndexError, match="out of range"):
        x.size(2)


def test_format_of_a_zero_d_tensor_is_its_number():
    loss, tloss = both(1.23456)
    for spec in (".4f", ".2e", "", "10.3f", "g"):
        assert f"{loss:{spec}}" == f"{tloss:{spec}}"
    assert f"{cr.tensor(7):d}" == f"{torch.tensor(7):d}" == "7"
    assert "{}".format(cr.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    with pytest.raises(TypeError):
        f"{torch.tensor([1.0, 2.0]):.2f}"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{cr.tensor([1.0, 2.0]):.2f}"


def test_set_printoptions_as_in_pytorch():
    values = RNG.standard_normal((8, 8)).tolist() + [[1e-3] * 8]
    ours, reference = both(values)
    options = [dict(precision=2), dict(sci_mode=True), dict(threshold=10, edgeitems=2),
               dict(linewidth=40), dict(profile="short"), dict(profile="full")]
    try:
        for option in options:
            cr.set_printoptions(**option)
            torch.set_printoptions(**option)
            assert repr(ours) == theirs(reference), option
            cr.set_printoptions(profile="default")
            torch.set_printoptions(profile="default")
    finally:
        cr.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert repr(cr.tensor([1.2345])) == "tensor([1.2345])"
    with pytest.raises(ValueError, match="profile"):
        cr.set_printoptions(profile="long")


def test_load_state_dict_result_prints_as_in_pytorch():
    ours, reference = cr.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    assert repr(ours.load_state_dict(ours.state_dict())) == \
        repr(reference.load_state_dict(reference.state_dict())) == "<All keys matched successfully>"
    partial = ours.load_state_dict({"weight": ours.weight.detach()}, strict=False)
    assert repr(partial) == repr(reference.load_state_dict({"weight": reference.weight},
                                                           strict=False))
    assert partial.missing_keys == ["bias"] and partial == (["bias"], [])


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "int8", "int16", "int32",
                                  "int64", "uint8", "bool", "float", "double", "half", "long"])
def test_dtypes_print_and_compare_as_pytorchs(name):
    ours, reference = getattr(cr, name), getattr(torch, name)
    assert repr(ours) == theirs(reference) and str(ours) == str(reference).replace("torch.",
                                                                                    "chainrule.")
    assert cr.tensor([1], dtype=ours).dtype is ours   # one object per dtype, as in PyTorch
    assert ours == np.dtype(ours.name) and np.zeros(1, ours).dtype == np.dtype(ours.name)
    assert ours.is_floating_point == reference.is_floating_point
    assert ours.itemsize == reference.itemsize
    assert (ours == cr.float32) == (reference == torch.float32)
    assert ours != "not a dtype" and ours != None   # noqa: E711
