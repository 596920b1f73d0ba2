"""chainrule: reverse-mode automatic differentiation you can read, explain and train with.

>>> import chainrule as cr
>>> x = cr.tensor(-2.0, requires_grad=True, name="x")
>>> y = cr.tensor(5.0, requires_grad=True, name="y")
>>> z = cr.tensor(-4.0, requires_grad=True, name="z")
>>> f = (x + y) * z
>>> f.backward()
>>> f.item(), x.grad.item(), y.grad.item(), z.grad.item()
(-12.0, -4.0, -4.0, 3.0)
"""
from .autograd import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,  # noqa: F401
                       Function, inference_mode, is_inference_mode_enabled)
from .dtypes import dtype, set_default_dtype, get_default_dtype, BY_NAME  # noqa: F401
from .device import (device, set_default_device, get_default_device,  # noqa: F401
                     contiguous_format, preserve_format, channels_last, channels_last_3d)
from . import cuda, accelerator, backends  # noqa: F401
from .tensor import Tensor, Size  # noqa: F401
from .printing import set_printoptions  # noqa: F401
from .creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full,  # noqa: F401
                       arange, linspace, eye, rand, randn, randint, randperm, zeros_like,
                       ones_like, full_like, rand_like, randn_like, empty_like, randint_like,
                       normal, bernoulli, multinomial)
from .random import (manual_seed, Generator, initial_seed, seed,  # noqa: F401
                     get_rng_state, set_rng_state)
from . import ops
from .tensor import PUBLIC
from .check import gradcheck, check_gradients  # noqa: F401
from .explain import explain  # noqa: F401
from . import examples  # noqa: F401
from . import nn  # noqa: F401
from . import optim, data  # noqa: F401
from . import distributed  # noqa: F401  (mpi4py is imported on first use)
from . import utils, linalg, special  # noqa: F401
from . import distributions  # noqa: F401
from . import amp  # noqa: F401
from .amp import autocast, is_autocast_enabled  # noqa: F401
from .compiler import compile  # noqa: F401
from .flags import (use_deterministic_algorithms, are_deterministic_algorithms_enabled,  # noqa: F401,E501
                    is_deterministic_algorithms_warn_only_enabled,
                    set_float32_matmul_precision, get_float32_matmul_precision)
from . import testing, version, jit  # noqa: F401
from .dtypes import finfo, iinfo  # noqa: F401
from math import pi, e, inf, nan  # noqa: F401  (cr.pi, cr.inf: PyTorch's constants)
from .nn.functional import (conv1d, conv2d, conv3d, conv_transpose1d,  # noqa: F401
                            conv_transpose2d, group_norm, layer_norm, rms_norm)  # torch.conv2d...
from .serialization import save, load  # noqa: F401
from .malloc import keep_freed_memory  # noqa: F401
from .threads import set_num_threads, get_num_threads  # noqa: F401
from .out import out_forms
from .numpy_names import numpy_forms, install as install_numpy_names
from .legacy import TYPES, set_default_tensor_type  # noqa: F401

globals().update(PUBLIC)   # the public functions the gates and compositions publish
globals().update(numpy_forms(out_forms(PUBLIC)))   # out= (out.py), axis= (numpy_names.py)
install_numpy_names(Tensor)   # x.argmax(axis=1): every dim= also answers to axis=
globals().update(BY_NAME)  # cr.float32, cr.float (float32), cr.long, ...: public dtypes
globals().update(TYPES)    # cr.FloatTensor, cr.LongTensor, ...: PyTorch's legacy types
clip = clamp  # noqa: F821  (published above)
concatenate = cat  # noqa: F821

__version__ = "0.1.0"

LAZY_MODULES = ("viz", "tensorboard", "onnx")   # onnx: needs the onnx package (extra)


def __getattr__(name):
    """``cr.viz``, ``cr.tensorboard`` and ``cr.onnx`` load on first use, so ``import chainrule``
    stays light."""
    if name in LAZY_MODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
