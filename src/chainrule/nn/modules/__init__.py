"""PyTorch's import paths under ``torch.nn.modules``: ``module`` (``Module`` and the global
module hooks), ``utils`` (``_pair`` and friends), ``loss`` (``_Loss``, ``_WeightedLoss``) and
``batchnorm`` (``_BatchNorm``); the layers themselves live in ``chainrule.nn``."""
from . import batchnorm, loss, module, utils  # noqa: F401
