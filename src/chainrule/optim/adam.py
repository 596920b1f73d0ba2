"""Adam and AdamW: steps scaled by running averages of the gradient and its square."""
import math

import numpy as np

from .optimizer import Optimizer, buffer, check_beta, check_positive


class Adam(Optimizer):
    """``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``,
    ``w = w - lr / (1-b1^t) * m / (sqrt(v / (1-b2^t)) + eps)`` (PyTorch's arithmetic;
    ``amsgrad`` uses the running maximum of ``v``; ``weight_decay`` adds ``wd * w`` to ``g``).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = cr.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                    # the first step moves each weight by lr, against the sign
    >>> [round(v, 6) for v in w.tolist()]
    [0.9, -0.9]
    """

    decoupled = False   # AdamW: decay the weights directly instead of adding to the gradient

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False):
        name = type(self).__name__
        check_positive("lr", lr, name)
        check_positive("eps", eps, name)
        check_positive("weight_decay", weight_decay, name)
        check_beta("betas[0]", betas[0], name)
        check_beta("betas[1]", betas[1], name)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def update(self, group):
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        for p, g in self.gradients(group, 0.0 if self.decoupled else weight_decay):
            if weight_decay and self.decoupled:
                p._data *= 1 - lr * weight_decay
            state = self.state_of(p)
            step = state["step"] = state.get("step", 0) + 1
            m = buffer(state, "exp_avg", p)
            v = buffer(state, "exp_avg_sq", p)
            m += (1 - beta1) * (g - m)
            v *= beta2
            v += (1 - beta2) * (g * g)
            if group["amsgrad"]:
                v_max = buffer(state, "max_exp_avg_sq", p)
                v = np.maximum(v_max, v, out=v_max)
            denom = np.sqrt(v)
            denom /= math.sqrt(1 - beta2 ** step)
            denom += eps
            np.divide(m, denom, out=denom)
            denom *= lr / (1 - beta1 ** step)
            p._data -= denom


class AdamW(Adam):
    """Adam with decoupled weight decay: ``w = w - lr * wd * w`` before the Adam step
    (PyTorch's arithmetic; the default ``weight_decay`` is 0.01).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = cr.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward()
    >>> opt.step()                    # 1 * (1 - 0.1 * 0.5) - 0.1
    >>> round(w.item(), 4)
    0.85
    """

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
