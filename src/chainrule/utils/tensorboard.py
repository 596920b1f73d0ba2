"""``torch.utils.tensorboard``'s import path for chainrule's ``SummaryWriter``
(``chainrule.tensorboard``, loaded when this module is)."""
from ..tensorboard import SummaryWriter  # noqa: F401
