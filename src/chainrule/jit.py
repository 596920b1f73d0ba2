"""``torch.jit`` where programs use it on the way: chainrule has no TorchScript compiler and
runs every model eagerly, so ``script`` and ``trace`` return what they are given (called, it
computes the same numbers; ``trace`` does not freeze data-dependent branches, which PyTorch's
trace would), the decorators (``ignore``, ``unused``, ``export``) return their function and
``is_scripting()`` is False. Saving or loading a TorchScript archive (``jit.save``,
``jit.load``, ``.save`` of a scripted model) cannot be done and raises, naming what to use
instead.

>>> import chainrule as cr
>>> layer = cr.nn.Linear(2, 2)
>>> cr.jit.script(layer) is layer, cr.jit.is_scripting()
(True, False)
"""
import typing

Final = typing.Final
WHY = ("chainrule has no TorchScript; save the weights with cr.save(model.state_dict(), path) "
       "(or export with chainrule.onnx.export) and rebuild the model in Python")


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """``obj`` itself (a module or function runs eagerly, with the same numbers)."""
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    """``func`` itself, run eagerly on every call (its branches are not frozen)."""
    return func


def trace_module(mod, inputs, *args, **kwargs):
    return mod


def ignore(drop=False, **kwargs):
    """Decorator (with or without arguments): the function unchanged."""
    return drop if callable(drop) else (lambda fn: fn)


def unused(fn):
    return fn


def export(fn):
    return fn


def interface(obj):
    return obj


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


def save(m, f, _extra_files=None):
    raise NotImplementedError(f"jit.save: {WHY}")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise NotImplementedError(f"jit.load: {WHY}")
