"""Which axes broadcasting added or stretched: the one computation behind the vocabulary's
``unbroadcast`` (rows) and the engine's ``conform`` (every edge)."""


def reduction_axes(grad_shape, shape, gate=None):
    """Axes to sum so that a gradient of ``grad_shape`` becomes one of ``shape``.

    Raises a ValueError naming the gate when ``shape`` does not broadcast to ``grad_shape``:
    that means the gate's backward is wrong, which must never pass silently.
    """
    lead = len(grad_shape) - len(shape)
    if lead < 0:
        raise_mismatch(grad_shape, shape, gate)
    axes = list(range(lead))
    for i, n in enumerate(shape):
        m = grad_shape[lead + i]
        if n == 1 and m != 1:
            axes.append(lead + i)
        elif n != m:
            raise_mismatch(grad_shape, shape, gate)
    return tuple(axes)


def raise_mismatch(grad_shape, shape, gate):
    who = f"gate '{gate.label}' ({type(gate).__name__})" if gate is not None else "a row"
    raise ValueError(
        f"backward of {who} returned a gradient of shape "
        f"{tuple(grad_shape)} for an input of shape {tuple(shape)}; a gradient must have its "
        f"input's shape (or broadcast to it)")
