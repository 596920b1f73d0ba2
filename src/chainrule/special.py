"""``chainrule.special``: PyTorch's ``torch.special`` names for the functions chainrule has,
each the same function as its top-level name (``special.expit`` is ``sigmoid``). The other
special functions (Bessel, zeta...) do not exist yet.

>>> import chainrule as cr
>>> cr.special.expit(cr.tensor([0.0])).tolist()
[0.5]
"""
from .ops import (erf, exp2, expm1, log1p, log_softmax, logit, logsumexp,  # noqa: F401
                  round, softmax, xlogy)
from .ops import sigmoid as expit  # noqa: F401
from .ops import digamma, erfinv, i0, polygamma, sinc  # noqa: F401
from .ops import digamma as psi, lgamma as gammaln, erfc, mvlgamma as multigammaln  # noqa: F401
from .ops import special_functions
from .out import with_out

# torch.special's own functions (no top-level name), with out= as PyTorch's
erfcx, log_ndtr, ndtr, ndtri, entr, xlog1py, i0e, i1, i1e = (
    with_out(f"special.{name}", getattr(special_functions, name))
    for name in ("erfcx", "log_ndtr", "ndtr", "ndtri", "entr", "xlog1py", "i0e", "i1", "i1e"))

__all__ = ["erf", "exp2", "expit", "expm1", "log1p", "log_softmax", "logit", "logsumexp",
           "round", "softmax", "xlogy", "digamma", "psi", "erfinv", "gammaln", "polygamma",
           "sinc", "erfc", "erfcx", "log_ndtr", "ndtr", "ndtri", "multigammaln",
           "entr", "xlog1py", "i0", "i0e", "i1", "i1e"]
