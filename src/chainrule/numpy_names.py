"""PyTorch's NumPy-style keyword names: every ``dim`` argument also answers to ``axis``, and
every ``keepdim`` to ``keepdims`` (PyTorch's argument parser accepts both, and textbook code
writes ``y_hat.argmax(axis=1)`` and ``A.cumsum(axis=0)``). The functions and Tensor methods
that take ``dim`` or ``keepdim`` but not the NumPy name are wrapped once, at import, to
rename those keywords; the others already take both.

>>> import chainrule as cr
>>> cr.tensor([[1.0, 3.0], [4.0, 2.0]]).argmax(axis=1).tolist()
[1, 0]
"""
import functools
import inspect

ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def lacks_numpy_names(fn):
    """Whether ``fn`` takes ``dim`` without ``axis`` or ``keepdim`` without ``keepdims``."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return False
    return any(torch_name in params and numpy_name not in params
               for numpy_name, torch_name in ALIASES.items())


def renamed(name, kwargs):
    """``kwargs`` with the NumPy names turned into PyTorch's; both at once is refused."""
    out = {}
    for key, value in kwargs.items():
        key = ALIASES.get(key, key)
        if key in out:
            raise TypeError(f"{name}() got multiple values for argument '{key}' (give "
                            f"either {key}= or its NumPy name)")
        out[key] = value
    return out


def takes_numpy_names(fn):
    @functools.wraps(fn)
    def function(*args, **kwargs):
        if "axis" in kwargs or "keepdims" in kwargs:
            kwargs = renamed(fn.__name__, kwargs)
        return fn(*args, **kwargs)
    return function


def numpy_forms(functions):
    """``functions`` ({name: function}) with those lacking the NumPy names wrapped."""
    return {name: takes_numpy_names(fn) if lacks_numpy_names(fn) else fn
            for name, fn in functions.items()}


def install(cls):
    """The methods of ``cls`` (Tensor) lacking the NumPy names wrapped, in place."""
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(value) and lacks_numpy_names(value):
            setattr(cls, name, takes_numpy_names(value))
