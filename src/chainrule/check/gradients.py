"""``check_gradients``: are a learner's hand-derived gradients right?

Seed 000 ends with an exercise: "write down the expressions of the gradient of the loss with
respect to all the network parameters". This compares such gradients, input by input, with
autodiff and with float64 central differences, and says for each input whether it passes,
the largest relative error, and the first element that differs.
"""
from dataclasses import dataclass

import numpy as np

from ..autograd.engine import grad
from ..tensor import Tensor
from .gradcheck import central_differences as differences_of


@dataclass
class GradientResult:
    """One input's verdict. ``index`` is the first element that differs (None when all agree)."""

    name: str
    passed: bool
    shape: tuple
    given_shape: tuple
    max_rel_error: float           # learner against autodiff
    max_rel_error_numeric: float   # learner against central differences
    index: tuple = None
    given: float = None
    autodiff: float = None
    numeric: float = None

    def describe(self):
        if self.passed:
            return f"{self.name}: pass (largest relative error {self.max_rel_error:.2e})"
        if self.given_shape != self.shape:
            hint = " (transposed?)" if self.given_shape == self.shape[::-1] else ""
            return (f"{self.name}: FAIL: your gradient has shape {self.given_shape}, but "
                    f"{self.name} has shape {self.shape}{hint}")
        return (f"{self.name}: FAIL: largest relative error {self.max_rel_error:.3g}; first "
                f"difference at element {self.index}: yours {self.given:.6g}, autodiff "
                f"{self.autodiff:.6g}, central differences {self.numeric:.6g}")


class GradientReport:
    """The verdicts of ``check_gradients``: ``passed``, ``failed`` names, ``results`` by name."""

    def __init__(self, results):
        self.results = {r.name: r for r in results}

    @property
    def passed(self):
        return all(r.passed for r in self.results.values())

    @property
    def failed(self):
        return [r.name for r in self.results.values() if not r.passed]

    def __bool__(self):
        return self.passed

    def __getitem__(self, name):
        return self.results[name]

    def __str__(self):
        return "\n".join(r.describe() for r in self.results.values())

    def __repr__(self):
        return f"<GradientReport {'pass' if self.passed else 'FAIL: ' + ', '.join(self.failed)}>"


def check_gradients(fn, inputs, expected, rtol=1e-4, atol=1e-6, eps=1e-6):
    """Compare ``expected`` (input name -> your gradient of ``fn(**inputs)``) with autodiff
    and central differences; every input named in ``expected`` is checked.

    >>> import chainrule as cr
    >>> report = cr.check_gradients(lambda x, w: (w * x).sum() ** 2,
    ...                             {"x": [1.0, 2.0], "w": [3.0, -1.0]},
    ...                             {"w": [2.0, 4.0], "x": [6.0, 2.0]})
    >>> print(report)
    w: pass (largest relative error 0.00e+00)
    x: FAIL: largest relative error 2; first difference at element (1,): yours 2, autodiff -2, central differences -2
    >>> report.failed
    ['x']
    """
    tensors = as_float64(inputs)
    unknown = [name for name in expected if name not in tensors]
    if unknown:
        raise ValueError(f"check_gradients: expected gradients for {unknown}, which are not "
                         f"among the inputs ({', '.join(tensors)}); use the inputs' names")
    checked = [tensors[name] for name in expected]
    for t in checked:
        t.requires_grad_(True)
    out = fn(**tensors)
    if not isinstance(out, Tensor) or out._data.size != 1:
        raise ValueError("check_gradients: fn must return a scalar Tensor (the loss), got "
                         f"{type(out).__name__} of shape {np.shape(getattr(out, 'data', out))}")
    autodiff = grad(out, checked, allow_unused=True)
    results = []
    for (name, given), t, auto in zip(expected.items(), checked, autodiff):
        auto = np.zeros(t.shape) if auto is None else auto._data
        numeric = central_differences(fn, tensors, t, eps)
        results.append(compare(name, np.asarray(given, dtype=np.float64), auto, numeric,
                               rtol, atol))
    return GradientReport(results)


def as_float64(inputs):
    """Fresh float64 tensors (the caller's tensors are never touched)."""
    return {name: Tensor.of(np.array(getattr(v, "_data", v), dtype=np.float64), name=name)
            for name, v in inputs.items()}


def central_differences(fn, tensors, t, eps):
    return differences_of(lambda: fn(**tensors).item(), t, eps)


def relative_error(a, b):
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)
    return float(np.max(np.abs(a - b) / scale)) if a.size else 0.0


def compare(name, given, auto, numeric, rtol, atol):
    shape = tuple(auto.shape)
    if given.shape != auto.shape:
        return GradientResult(name, False, shape, tuple(given.shape), float("inf"), float("inf"))
    bad = ~(np.isclose(given, auto, rtol=rtol, atol=atol)
            & np.isclose(given, numeric, rtol=rtol * 10, atol=atol * 10))
    result = GradientResult(name, not bad.any(), shape, shape, relative_error(given, auto),
                            relative_error(given, numeric))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        result.index = index
        result.given, result.autodiff, result.numeric = (float(a[index])
                                                         for a in (given, auto, numeric))
    return result
