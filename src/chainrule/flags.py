"""Global switches that PyTorch programs set at the top, and what they mean here.

- ``use_deterministic_algorithms(True)``: chainrule's NumPy kernels give the same numbers on
  every run already; the flag is kept for the program to read back.
- ``set_float32_matmul_precision("high")``: lets PyTorch use TF32 or bfloat16 inside float32
  products on hardware that has them; chainrule's float32 products are always computed in
  float32 ("highest"), so the setting is kept and changes no number.

>>> import chainrule as cr
>>> cr.set_float32_matmul_precision("high")
>>> cr.get_float32_matmul_precision(), cr.are_deterministic_algorithms_enabled()
('high', False)
>>> cr.set_float32_matmul_precision("highest")
"""
import warnings

PRECISIONS = ("highest", "high", "medium")


class _Flags:
    deterministic = False
    warn_only = False
    matmul_precision = "highest"


flags = _Flags()


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Keep PyTorch's deterministic-algorithms switch (NumPy's kernels are deterministic
    either way); read it back with ``are_deterministic_algorithms_enabled``.

    >>> import chainrule as cr
    >>> cr.use_deterministic_algorithms(True)
    >>> cr.are_deterministic_algorithms_enabled(), cr.is_deterministic_algorithms_warn_only_enabled()
    (True, False)
    >>> cr.use_deterministic_algorithms(False)
    """
    flags.deterministic, flags.warn_only = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    """Whether ``use_deterministic_algorithms(True)`` is in force.

    >>> import chainrule as cr
    >>> cr.are_deterministic_algorithms_enabled()
    False
    """
    return flags.deterministic


def is_deterministic_algorithms_warn_only_enabled():
    """Whether the deterministic switch was set with ``warn_only=True``.

    >>> import chainrule as cr
    >>> cr.is_deterministic_algorithms_warn_only_enabled()
    False
    """
    return flags.warn_only


def set_float32_matmul_precision(precision):
    """Keep ``precision``; another name is ignored with PyTorch's warning.

    >>> import chainrule as cr
    >>> cr.set_float32_matmul_precision('high')
    >>> cr.get_float32_matmul_precision()
    'high'
    >>> cr.set_float32_matmul_precision('highest')
    """
    if precision not in PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the "
                      f"set_float32_matmul_precision call has no effect", UserWarning,
                      stacklevel=2)
        return
    flags.matmul_precision = precision


def get_float32_matmul_precision():
    """The precision ``set_float32_matmul_precision`` kept ('highest' by default).

    >>> import chainrule as cr
    >>> cr.get_float32_matmul_precision()
    'highest'
    """
    return flags.matmul_precision
