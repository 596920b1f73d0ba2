"""Optimizers and learning-rate schedules with PyTorch's names and arithmetic."""
from . import lr_scheduler  # noqa: F401
from . import swa_utils  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .sgd import SGD, ASGD  # noqa: F401
from .adam import Adam, AdamW, Adamax, NAdam, RAdam  # noqa: F401
from .rmsprop import RMSprop, Adagrad, Adadelta  # noqa: F401
from .rprop import Rprop  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401
