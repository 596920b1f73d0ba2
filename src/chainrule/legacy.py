"""PyTorch's legacy tensor types, which older tutorials still use: ``cr.FloatTensor([1, 2])``,
``cr.LongTensor(3)`` (sizes), ``isinstance(x, cr.FloatTensor)`` (a float32 tensor),
``x.type(cr.LongTensor)``. Each is a class whose call makes a plain Tensor of its dtype
(``Tensor.__new__``'s rules) and whose instances are the tensors of that dtype.

>>> import chainrule as cr
>>> cr.FloatTensor([1, 2]), cr.LongTensor(2).shape, cr.FloatTensor.dtype
(tensor([1., 2.]), chainrule.Size([2]), chainrule.float32)
>>> isinstance(cr.ones(2), cr.FloatTensor), isinstance(cr.ones(2), cr.LongTensor)
(True, False)
"""
from . import dtypes
from .device import DeviceError, as_device
from .ops.unary import TYPE_NAMES
from .tensor import Tensor, legacy_array, new_tensor


class LegacyType(type):
    """The metaclass of the legacy types: calling one makes a tensor, ``isinstance`` checks
    the dtype."""

    def __call__(cls, *args, device=None):
        as_device(device, cls.__name__)
        if len(args) == 1 and isinstance(args[0], Tensor) and args[0].dtype != cls.dtype:
            raise TypeError(f"{cls.__name__}(): expected a {cls.dtype} tensor, got "
                            f"{args[0].dtype}; convert it with .to({cls.dtype})")
        return new_tensor(legacy_array(args, cls.dtype, cls.__name__), None)

    def __instancecheck__(cls, value):
        return isinstance(value, Tensor) and value.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'chainrule.{cls.__name__}'>"


def legacy_type(name, dtype):
    return LegacyType(name, (), {"dtype": dtype, "legacy": True, "is_cuda": False,
                                 "__module__": "chainrule", "__doc__": doc_of(name, dtype)})


def doc_of(name, dtype):
    """The type's docstring, with its example."""
    return (f"PyTorch's legacy type of {dtype} tensors.\n\n"
            f"    >>> import chainrule as cr\n"
            f"    >>> cr.{name}(2, 3).shape, isinstance(cr.zeros(1, dtype=cr.{str(dtype)[10:]}), "
            f"cr.{name})\n"
            f"    (chainrule.Size([2, 3]), True)\n    ")


TYPES = {name: legacy_type(name, dtypes.PUBLIC_DTYPES[dtype])
         for name, dtype in TYPE_NAMES.items()}


class CudaType(type):
    """``cr.cuda.FloatTensor`` and the other CUDA types: they exist, so code that picks
    ``torch.cuda.FloatTensor if use_cuda else torch.FloatTensor`` runs; calling one raises
    DeviceError, and no tensor is an instance of one."""

    def __call__(cls, *args, **kwargs):
        raise DeviceError(f"cuda.{cls.__name__}: chainrule computes on the CPU only today; "
                          f"use cr.{cls.__name__}")

    def __instancecheck__(cls, value):
        return False

    def __repr__(cls):
        return f"<class 'chainrule.cuda.{cls.__name__}'>"


CUDA_TYPES = {name: CudaType(name, (), {"dtype": t.dtype, "is_cuda": True,
                                        "__module__": "chainrule.cuda"})
              for name, t in TYPES.items()}


def set_default_tensor_type(t):
    """PyTorch's older ``set_default_tensor_type``: a float legacy type (or its name) sets
    the default dtype; a CUDA type raises DeviceError, a non-float one TypeError.

    >>> import chainrule as cr
    >>> cr.set_default_tensor_type("torch.DoubleTensor"); cr.tensor([1.0]).dtype
    chainrule.float64
    >>> cr.set_default_tensor_type(cr.FloatTensor); cr.tensor([1.0]).dtype
    chainrule.float32
    """
    name = t if isinstance(t, str) else f"{'cuda.' if isinstance(t, CudaType) else ''}" \
        f"{getattr(t, '__name__', t)}"
    if ".cuda." in f".{name}" or isinstance(t, CudaType):
        raise DeviceError(f"set_default_tensor_type({name!r}): chainrule computes on the CPU "
                          f"only today; use a CPU type such as 'torch.FloatTensor'")
    legacy = TYPES.get(name.rpartition(".")[2])
    if legacy is None or not legacy.dtype.is_floating_point:
        raise TypeError(f"set_default_tensor_type({name!r}): only floating-point types are "
                        f"supported as the default type")
    dtypes.set_default_dtype(legacy.dtype)
