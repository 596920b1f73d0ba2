"""PyTorch's ``torch.nn.modules.module``: ``Module`` and the global module hooks, at the
path PyTorch programs import them from (they are defined in ``nn/module.py`` and
``nn/hooks.py``)."""
from ..hooks import (RemovableHandle, register_module_forward_hook,  # noqa: F401
                     register_module_forward_pre_hook, register_module_full_backward_hook,
                     register_module_full_backward_pre_hook)
from ..module import Module  # noqa: F401
