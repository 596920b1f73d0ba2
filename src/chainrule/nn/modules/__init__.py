"""PyTorch's import path ``torch.nn.modules``: ``chainrule.nn.modules.module`` holds the
global module hooks; the layers themselves live in ``chainrule.nn``."""
from . import module  # noqa: F401
