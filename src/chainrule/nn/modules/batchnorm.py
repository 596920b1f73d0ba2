"""PyTorch's ``torch.nn.modules.batchnorm``: the batch norms and ``_BatchNorm``, the base
that ``isinstance`` checks in PyTorch code name (chainrule's ``BatchNorm``).

>>> import chainrule as cr
>>> isinstance(cr.nn.BatchNorm2d(3), _BatchNorm)
True
"""
from ..norm import BatchNorm as _BatchNorm  # noqa: F401
from ..norm import BatchNorm1d, BatchNorm2d, BatchNorm3d  # noqa: F401
