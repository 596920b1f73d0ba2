"""PyTorch's ``torch.nn.modules.module``: ``Module`` and the global module hooks, at the
path PyTorch programs import them from (they are defined in ``nn/module.py`` and
``nn/hooks.py``). The tables of global hooks are the same dicts under PyTorch's private
names, for code that reads or clears them."""
from ..hooks import (RemovableHandle, register_module_forward_hook,  # noqa: F401
                     register_module_forward_pre_hook, register_module_full_backward_hook,
                     register_module_full_backward_pre_hook,
                     GLOBAL_BACKWARD_HOOKS as _global_backward_hooks,
                     GLOBAL_BACKWARD_PRE_HOOKS as _global_backward_pre_hooks,
                     GLOBAL_FORWARD_HOOKS as _global_forward_hooks,
                     GLOBAL_FORWARD_PRE_HOOKS as _global_forward_pre_hooks)
from ..module import Module  # noqa: F401
