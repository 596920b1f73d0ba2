"""PyTorch's ``torch.nn.modules.loss``: the loss modules, and ``_Loss`` / ``_WeightedLoss``,
the bases custom losses written for PyTorch subclass (chainrule's ``Loss`` holds
``reduction``; a weighted loss also registers ``weight`` as a buffer)."""
from ..loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss,  # noqa: F401
                    L1Loss, MSELoss, NLLLoss)
from ..loss import Loss as _Loss
from ..more_losses import (CosineEmbeddingLoss, GaussianNLLLoss,  # noqa: F401
                           HingeEmbeddingLoss, KLDivLoss, MarginRankingLoss,
                           MultiLabelSoftMarginLoss, PoissonNLLLoss, SmoothL1Loss,
                           TripletMarginLoss)


class _WeightedLoss(_Loss):
    """A loss with a ``weight`` buffer (None or a tensor), as PyTorch's base.

    >>> import chainrule as cr
    >>> class Weighted(_WeightedLoss):
    ...     def forward(self, input, target):
    ...         return ((input - target) ** 2 * self.weight).mean()
    >>> Weighted(weight=cr.tensor([1.0, 0.0]))(cr.ones(2), cr.zeros(2)).item()
    0.5
    """

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
