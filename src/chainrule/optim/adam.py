"""The Adam family: steps scaled by running averages of the gradient and its square (Adam,
AdamW), of its largest magnitude (Adamax), with Nesterov momentum (NAdam) or with the
variance rectified in the first steps (RAdam). PyTorch's arithmetic, operation for operation."""
import numpy as np

from .optimizer import (Optimizer, check_beta, check_positive, lerp_, options, scalar_product,
                        zeros)


def adam_defaults(name, lr, betas, eps, weight_decay, **rest):
    check_positive("lr", lr, name)
    check_positive("eps", eps, name)
    check_positive("weight_decay", weight_decay, name)
    check_beta("betas[0]", betas[0], name)
    check_beta("betas[1]", betas[1], name)
    return dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, **rest)


def decay(group, w, g, decoupled):
    """Weight decay: ``w *= 1 - lr wd`` (decoupled) or the gradient ``g + wd w``."""
    weight_decay = group["weight_decay"]
    if weight_decay and decoupled:
        w *= 1 - group["lr"] * weight_decay
    elif weight_decay:
        g = g + weight_decay * w
    return g


def moments(group, w, g, s):
    """``m = lerp(m, g, 1-b1)``, ``v = b2 v + (1-b2) g^2``; returns ``m, v``."""
    beta1, beta2 = group["betas"]
    m = zeros(s, "exp_avg", w)
    v = zeros(s, "exp_avg_sq", w)
    lerp_(m, g, 1 - beta1)
    v *= beta2
    square = np.multiply(1 - beta2, g)   # PyTorch's order: ((1 - b2) g) g
    square *= g
    v += square
    return m, v


class Adam(Optimizer):
    """``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``,
    ``w = w - lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps)`` (PyTorch's arithmetic;
    ``amsgrad`` uses the running maximum of ``v``; ``weight_decay`` adds ``wd * w`` to ``g``,
    or with ``decoupled_weight_decay`` scales ``w`` by ``1 - lr wd`` as AdamW does).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = cr.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                    # the first step moves each weight by lr, against the sign
    >>> [round(v, 6) for v in w.tolist()]
    [0.9, -0.9]
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        super().__init__(params, adam_defaults(
            type(self).__name__, lr, betas, eps, weight_decay, amsgrad=amsgrad,
            decoupled_weight_decay=decoupled_weight_decay,
            **options(maximize, foreach, capturable=capturable, differentiable=differentiable,
                      fused=fused)))

    def kernel(self, group, w, g, s):
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        step = s["step"] = s.get("step", 0) + 1
        g = decay(group, w, g, group["decoupled_weight_decay"])
        m, v = moments(group, w, g, s)
        if group["amsgrad"]:
            v = np.maximum(zeros(s, "max_exp_avg_sq", w), v, out=s["max_exp_avg_sq"])
        denom = np.sqrt(v, out=np.empty_like(v))   # an array at 0-d too, for out= below
        denom /= (1 - beta2 ** step) ** 0.5
        denom += eps
        step_ = np.divide(m, denom, out=denom)
        step_ *= -(lr / (1 - beta1 ** step))
        w += step_


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

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    """Adam with the infinity norm: ``u = max(b2 u, |g| + eps)``,
    ``w = w - lr / (1-b1^t) * m / u`` (PyTorch's arithmetic).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = cr.optim.Adamax([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> [round(v, 6) for v in w.tolist()]
    [0.9, -0.9]
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        super().__init__(params, adam_defaults(
            "Adamax", lr, betas, eps, weight_decay,
            **options(maximize, foreach, differentiable=differentiable,
                      capturable=capturable)))

    def kernel(self, group, w, g, s):
        beta1, beta2 = group["betas"]
        step = s["step"] = s.get("step", 0) + 1
        g = decay(group, w, g, decoupled=False)
        m = zeros(s, "exp_avg", w)
        u = zeros(s, "exp_inf", w)
        lerp_(m, g, 1 - beta1)
        u *= beta2
        np.maximum(u, np.abs(g) + group["eps"], out=u)
        w += -(group["lr"] / (1 - beta1 ** step)) * (m / u)


class NAdam(Optimizer):
    """Adam with Nesterov momentum: the momentum coefficient
    ``mu_t = b1 (1 - 0.96^(t momentum_decay) / 2)`` and its running product weight the
    gradient and the running mean (PyTorch's arithmetic; ``decoupled_weight_decay`` decays
    the weights as AdamW does).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = cr.optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                    # 1 - 0.1 (the gradient's part) - 0.0056 (the mean's)
    >>> round(w.item(), 4)
    0.8944
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_positive("momentum_decay", momentum_decay, "NAdam")
        super().__init__(params, adam_defaults(
            "NAdam", lr, betas, eps, weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            **options(maximize, foreach, capturable=capturable,
                      differentiable=differentiable)))

    def kernel(self, group, w, g, s):
        lr, beta1 = group["lr"], group["betas"][0]
        beta2, momentum_decay = group["betas"][1], group["momentum_decay"]
        step = s["step"] = s.get("step", 0) + 1
        g = decay(group, w, g, group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = s["mu_product"] = scalar_product(s.get("mu_product", 1.0), mu)
        m, v = moments(group, w, g, s)
        denom = np.sqrt(v / (1 - beta2 ** step))
        denom += group["eps"]
        w += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        w += ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * (m / denom)


class RAdam(Optimizer):
    """Rectified Adam: plain momentum SGD while the variance estimate is unreliable
    (``rho_t <= 5``), then Adam scaled by the rectification term (PyTorch's arithmetic;
    ``decoupled_weight_decay`` decays the weights as AdamW does).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = cr.optim.RAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()                    # rho_1 = 1: w - lr * m / (1 - b1) = 1 - 0.1 * 2
    >>> round(w.item(), 6)
    0.8
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        super().__init__(params, adam_defaults(
            "RAdam", lr, betas, eps, weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            **options(maximize, foreach, capturable=capturable,
                      differentiable=differentiable)))

    def kernel(self, group, w, g, s):
        lr, (beta1, beta2) = group["lr"], group["betas"]
        step = s["step"] = s.get("step", 0) + 1
        g = decay(group, w, g, group["decoupled_weight_decay"])
        m, v = moments(group, w, g, s)
        bias_correction2 = 1 - beta2 ** step
        corrected = m / (1 - beta1 ** step)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            root = np.sqrt(v)
            root += group["eps"]
            adaptive = (1.0 / root) * bias_correction2 ** 0.5   # PyTorch's scalar / tensor
            w -= corrected * lr * adaptive * rect
        else:
            w -= corrected * lr
