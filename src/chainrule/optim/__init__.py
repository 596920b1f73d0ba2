"""Optimizers and learning-rate schedules with PyTorch's names and arithmetic."""
from . import lr_scheduler  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
from .rmsprop import RMSprop, Adagrad  # noqa: F401
