"""``torch.utils``'s import paths: ``chainrule.utils.data`` is ``chainrule.data`` itself, so
``import chainrule.utils.data``, ``from chainrule.utils.data import DataLoader`` and
``cr.utils.data.DataLoader`` all give the same objects as ``cr.data``; PyTorch's submodule
paths (``torch.utils.data.sampler``, ``.dataset``, ``.dataloader``, ``.distributed``) are
chainrule.data's modules. ``chainrule.utils.checkpoint`` and ``chainrule.utils.tensorboard``
are PyTorch's ``torch.utils.checkpoint`` and ``torch.utils.tensorboard``.

>>> import chainrule as cr
>>> import chainrule.utils.data
>>> chainrule.utils.data.DataLoader is cr.data.DataLoader
True
"""
import sys

from .. import data
from ..data import dataset, distributed, loader, sampler

# the module system finds chainrule.utils.data here, the same module object as chainrule.data,
# and PyTorch's submodule paths (torch.utils.data.sampler...) as chainrule.data's modules
sys.modules[__name__ + ".data"] = data
for _name, _module in (("sampler", sampler), ("dataset", dataset), ("dataloader", loader),
                       ("distributed", distributed)):
    sys.modules[f"{__name__}.data.{_name}"] = _module
data.dataloader = loader   # import ... as reads the attribute too (torch.utils.data.dataloader)
