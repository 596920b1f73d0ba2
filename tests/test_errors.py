"""Errors name the operation, the shapes or values involved, and what to do; nothing fails
with a bare NumPy message from deep inside the engine."""
import numpy as np
import pytest

import chainrule as cr

A, B = cr.ones(3, 4), cr.ones(5)


@pytest.mark.parametrize("op, fn", [
    ("add", lambda: A + B), ("sub", lambda: A - B), ("mul", lambda: A * cr.ones(2, 4)),
    ("div", lambda: A / B), ("pow", lambda: A ** B), ("maximum", lambda: cr.maximum(A, B)),
    ("minimum", lambda: cr.minimum(A, B)), ("where", lambda: cr.where(A > 0, A, B))])
def test_binary_shape_mismatch_names_the_op_and_both_shapes(op, fn):
    with pytest.raises(ValueError) as info:
        fn()
    message = str(info.value)
    assert message.startswith(op) and "(3, 4)" in message and "broadcast" in message
    assert "(5,)" in message or "(2, 4)" in message


@pytest.mark.parametrize("x, y", [((3, 4), (5, 2)), ((3,), (4,)), ((2, 3), (4,)),
                                  ((2, 3, 4), (5, 6))])
def test_matmul_mismatch_names_both_shapes(x, y):
    with pytest.raises(ValueError, match=r"matmul: shapes") as info:
        cr.ones(*x) @ cr.ones(*y)
    assert str(x) in str(info.value) and str(y) in str(info.value)


def test_matmul_of_a_scalar_says_to_use_multiplication():
    with pytest.raises(ValueError, match=r"at least one dimension.*\(\) and \(3, 4\).*\*"):
        cr.tensor(2.0) @ A


def test_ragged_list_says_so():
    with pytest.raises(ValueError, match="ragged"):
        cr.tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("fn, pattern", [
    (lambda: cr.tensor(["a"]), "text"),
    (lambda: cr.tensor(np.array([1j])), "unsupported dtype complex128"),
    (lambda: cr.tensor([1.0], dtype="complex64"), "unsupported dtype 'complex64'.*float32"),
    (lambda: cr.zeros(2, dtype="bogus"), "unsupported dtype 'bogus'"),
    (lambda: cr.tensor({"a": 1}), "numeric tensor from dict")])
def test_bad_dtype_says_so(fn, pattern):
    with pytest.raises(TypeError, match=pattern):
        fn()


@pytest.mark.parametrize("fn, error, pattern", [
    (lambda: cr.cat([A, cr.ones(2, 3)]), ValueError, r"cat: shapes .*\(3, 4\).*\(2, 3\)"),
    (lambda: cr.stack([A, cr.ones(2, 3)]), ValueError, r"stack: .*same shape"),
    (lambda: A.reshape(5, 2), ValueError, r"reshape: .*\(3, 4\).*\(5, 2\)"),
    (lambda: A.view(7), ValueError, r"reshape: .*12 elements"),
    (lambda: A.expand(2, 4), ValueError, r"expand: .*\(3, 4\).*\(2, 4\)"),
    (lambda: A.permute(0, 0), ValueError, r"permute: dims \(0, 0\)"),
    (lambda: A.split([1, 1]), ValueError, r"split: sizes \[1, 1\] add up to 2.*size 3"),
    (lambda: A.chunk(0), ValueError, r"chunk: chunks must be at least 1"),
    (lambda: A.sum(3), IndexError, r"sum: dim 3 is out of range .*2 dimensions"),
    (lambda: A.mean(-3), IndexError, r"mean: dim -3"),
    (lambda: A.max(2), IndexError, r"max: dim 2"),
    (lambda: A.logsumexp(2), IndexError, r"logsumexp: dim 2"),
    (lambda: A.softmax(3), IndexError, r"softmax: dim 3 is out of range"),
    (lambda: A.log_softmax(-3), IndexError, r"log_softmax: dim -3 is out of range"),
    (lambda: A.transpose(0, 2), IndexError, r"transpose: dim 2"),
    (lambda: A.squeeze(4), IndexError, r"squeeze: dim 4"),
    (lambda: A.unsqueeze(5), IndexError, r"unsqueeze: dim 5"),
    (lambda: A.flatten(0, 4), IndexError, r"flatten: dim 4"),
    (lambda: A[5], IndexError, r"index: .*5.*\(3, 4\)"),
    (lambda: A[cr.tensor([0, 7])], IndexError, r"index: .*7.*\(3, 4\)"),
    (lambda: A[cr.tensor([True, False])], IndexError, r"index: boolean .*\(3, 4\)"),
    (lambda: cr.ones(0).max(), ValueError, r"max: the tensor of shape \(0,\) is empty"),
    (lambda: A.item(), ValueError, r"item: only a tensor with one element.*\(3, 4\)"),
    (lambda: bool(A), RuntimeError, r"ambiguous"),
    (lambda: cr.clamp(A), ValueError, r"clamp: give at least one of min= and max="),
    (lambda: cr.ops.linear(A, cr.ones(2, 5)), ValueError, r"linear: input of shape \(3, 4\)"),
    (lambda: cr.ops.cross_entropy_indices(A, cr.tensor([0, 1, 9])), IndexError,
     r"cross_entropy: target 9 is out of range for 4 classes"),
    (lambda: cr.ops.cross_entropy_indices(A, cr.tensor([0.0, 1.0, 2.0])), TypeError,
     r"cross_entropy: class indices must be integers"),
    (lambda: cr.tensor([1, 2], requires_grad=True), RuntimeError, r"floating point.*int64"),
    (lambda: cr.ones(2, requires_grad=True).add_(1), RuntimeError, r"in-place.*no_grad"),
])
def test_errors_name_the_op_and_what_is_wrong(fn, error, pattern):
    with pytest.raises(error, match=pattern):
        fn()


def test_in_place_change_of_a_saved_input_is_caught_at_backward():
    x = cr.ones(2, requires_grad=True)
    h = x * 2
    y = h * h
    with cr.no_grad():
        h.mul_(3)
    with pytest.raises(RuntimeError, match=r"inplace operation: input 'x' .*\(Mul\)"):
        y.sum().backward()
