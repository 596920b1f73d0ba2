"""``torch.testing.assert_close``: tutorials check a result against a reference with it.
PyTorch's rules: the default tolerances depend on the dtype (float32: rtol 1.3e-6, atol 1e-5;
float64: 1e-7 and 1e-7; float16: 1e-3 and 1e-5; integers and bools: exact), ``rtol`` and
``atol`` are given together or not at all, shapes must be equal (no broadcasting), dtypes too
unless ``check_dtype=False``, NaNs are equal only with ``equal_nan=True``; sequences and
mappings are compared item by item, numbers as 0-d values."""
import numpy as np

from .tensor import Tensor

TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7),
              "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise AssertionError unless ``actual`` and ``expected`` are close.

    >>> import chainrule as cr
    >>> cr.testing.assert_close(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 2.0 + 1e-6]))
    >>> try:
    ...     cr.testing.assert_close(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 2.1]))
    ... except AssertionError as error:
    ...     print(str(error).splitlines()[2])
    Mismatched elements: 1 / 2 (50.0%)
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"assert_close: both 'rtol' and 'atol' must be either specified or "
                         f"omitted, but got no {'rtol' if rtol is None else 'atol'}.")
    compare(actual, expected, rtol, atol, equal_nan, check_dtype, msg, ())


def compare(actual, expected, rtol, atol, equal_nan, check_dtype, msg, where):
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            fail(f"The keys of the mappings do not match{at(where)}", msg)
        for key in expected:
            compare(actual[key], expected[key], rtol, atol, equal_nan, check_dtype, msg,
                    where + (key,))
        return
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            fail(f"The length of the sequences mismatch{at(where)}", msg)
        for i, (a, e) in enumerate(zip(actual, expected)):
            compare(a, e, rtol, atol, equal_nan, check_dtype, msg, where + (i,))
        return
    compare_arrays(as_array(actual), as_array(expected), rtol, atol, equal_nan, check_dtype,
                   msg, where, "Tensor-likes" if isinstance(expected, Tensor) else "Scalars")


def as_array(value):
    if isinstance(value, Tensor):
        return value._data
    return np.asarray(value)


def at(where):
    return f" at item {list(where)}" if where else ""


def fail(text, msg):
    raise AssertionError(msg if isinstance(msg, str) else msg(text) if callable(msg) else text)


def compare_arrays(a, e, rtol, atol, equal_nan, check_dtype, msg, where, kind):
    if a.shape != e.shape:
        fail(f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}"
             f"{at(where)}.", msg)
    if check_dtype and a.dtype != e.dtype:
        fail(f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}"
             f"{at(where)}.", msg)
    if rtol is None:
        rtol, atol = max(TOLERANCES.get(a.dtype.name, (0.0, 0.0)),
                         TOLERANCES.get(e.dtype.name, (0.0, 0.0)))
    a64, e64 = a.astype(np.complex128 if "c" in a.dtype.kind + e.dtype.kind else np.float64), \
        e.astype(np.complex128 if "c" in a.dtype.kind + e.dtype.kind else np.float64)
    close = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if close.all():
        return
    diff = np.abs(a64 - e64)
    diff[close] = 0
    rel = np.where(close, 0, diff / np.where(e64 == 0, np.inf, np.abs(e64)))
    rel = np.where(np.isnan(rel), np.inf, rel)
    worst, worst_rel = np.unravel_index(np.nanargmax(diff), diff.shape), \
        np.unravel_index(np.argmax(rel), rel.shape)
    bad = int((~close).sum())
    text = (f"{kind} are not close!\n\n"
            f"Mismatched elements: {bad} / {close.size} ({100 * bad / close.size:.1f}%)\n"
            f"Greatest absolute difference: {diff[worst]} at index {tuple(map(int, worst))} "
            f"(up to {atol} allowed)\n"
            f"Greatest relative difference: {rel[worst_rel]} at index "
            f"{tuple(map(int, worst_rel))} (up to {rtol} allowed)")
    fail(text + at(where), msg)
