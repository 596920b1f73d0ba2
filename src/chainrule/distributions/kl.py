"""``kl_divergence(p, q)``: KL(p || q) in closed form for the pairs PyTorch registers here."""
import math

from .. import ops
from .categorical import Categorical
from .normal import Normal
from .uniform import Uniform


def kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - ops.log(var_ratio))


def kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = ops.where(q.probs == 0, math.inf, t)
    return ops.where(p.probs == 0, 0.0, t).sum(-1)




def kl_uniform_uniform(p, q):
    result = ops.log((q.high - q.low) / (p.high - p.low))
    return ops.where((q.low > p.low) | (q.high < p.high), math.inf, result)


KL = {(Normal, Normal): kl_normal_normal, (Categorical, Categorical): kl_categorical_categorical,
      (Uniform, Uniform): kl_uniform_uniform}


def kl_divergence(p, q):
    """KL(p || q), elementwise over the batch.

    >>> import chainrule as cr
    >>> from chainrule.distributions import Normal, kl_divergence
    >>> kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0))
    tensor(0.4431)
    """
    fn = KL.get((type(p), type(q)))
    if fn is None:
        raise NotImplementedError(f"kl_divergence: no closed form for {type(p).__name__} and "
                                  f"{type(q).__name__} here; chainrule has "
                                  f"{', '.join(f'({a.__name__}, {b.__name__})' for a, b in KL)}")
    return fn(p, q)
