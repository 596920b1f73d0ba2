"""TensorBoard logs: PyTorch's ``SummaryWriter`` for scalars, histograms, text and graphs.

Needs the optional ``tensorboard`` package (``pip install 'chainrule[tensorboard]'``); view the
logs with ``tensorboard --logdir runs``.
"""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
