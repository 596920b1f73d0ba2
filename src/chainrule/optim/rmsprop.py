"""Steps divided by the root of accumulated squared gradients: RMSprop (a running mean),
Adagrad (a running sum) and Adadelta (running means of gradients and of steps)."""
import numpy as np

from .optimizer import Optimizer, check_positive, lerp_, options, zeros


class RMSprop(Optimizer):
    """``v = alpha v + (1-alpha) g^2``, ``w = w - lr * g / (sqrt(v) + eps)`` (PyTorch's
    arithmetic; ``centered`` subtracts the squared running mean of ``g`` from ``v``,
    ``momentum`` keeps a running sum of the steps).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = cr.optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward()          # g = 2, v = 0.25 * 4 = 1
    >>> opt.step()                        # 1 - 0.01 * 2 / 1
    >>> round(w.item(), 6)
    0.98
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        for name, value in (("lr", lr), ("alpha", alpha), ("eps", eps),
                            ("weight_decay", weight_decay), ("momentum", momentum)):
            check_positive(name, value, "RMSprop")
        super().__init__(params, dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, **options(maximize, foreach, capturable=capturable,
                                         differentiable=differentiable)))

    def kernel(self, group, w, g, s):
        lr, alpha, momentum = group["lr"], group["alpha"], group["momentum"]
        s["step"] = s.get("step", 0) + 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        square_avg = zeros(s, "square_avg", w)
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = zeros(s, "grad_avg", w)
            lerp_(grad_avg, g, 1 - alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if momentum > 0:
            buf = zeros(s, "momentum_buffer", w)
            buf *= momentum
            buf += g / avg
            w += -lr * buf
        else:
            w += -lr * (g / avg)


class Adagrad(Optimizer):
    """``s = s + g^2``, ``w = w - lr_t * g / (sqrt(s) + eps)`` with
    ``lr_t = lr / (1 + (t-1) lr_decay)`` (PyTorch's arithmetic).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = cr.optim.Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward()          # g = 2, s = 4
    >>> opt.step()                        # 1 - 0.5 * 2 / 2
    >>> round(w.item(), 6)
    0.5
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        for name, value in (("lr", lr), ("lr_decay", lr_decay), ("weight_decay", weight_decay),
                            ("initial_accumulator_value", initial_accumulator_value),
                            ("eps", eps)):
            check_positive(name, value, "Adagrad")
        super().__init__(params, dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps,
            **options(maximize, foreach, differentiable=differentiable, fused=fused)))

    def kernel(self, group, w, g, s):
        step = s["step"] = s.get("step", 0) + 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        total = zeros(s, "sum", w, group["initial_accumulator_value"])
        total += g * g
        std = np.sqrt(total)
        std += group["eps"]
        w += -(group["lr"] / (1 + (step - 1) * group["lr_decay"])) * (g / std)


class Adadelta(Optimizer):
    """``v = rho v + (1-rho) g^2``, ``d = sqrt(u + eps) / sqrt(v + eps) * g``,
    ``u = rho u + (1-rho) d^2``, ``w = w - lr d`` (PyTorch's arithmetic).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = cr.optim.Adadelta([w], lr=1.0, rho=0.0, eps=0.0)
    >>> (w * w).sum().backward()          # v = 4, u = 0: no step until u grows
    >>> opt.step(); w.item()
    1.0
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        for name, value in (("lr", lr), ("eps", eps), ("weight_decay", weight_decay)):
            check_positive(name, value, "Adadelta")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho {rho}; it must be in [0, 1]")
        super().__init__(params, dict(
            lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
            **options(maximize, foreach, capturable=capturable,
                      differentiable=differentiable)))

    def kernel(self, group, w, g, s):
        rho, eps = group["rho"], group["eps"]
        s["step"] = s.get("step", 0) + 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        square_avg = zeros(s, "square_avg", w)
        acc_delta = zeros(s, "acc_delta", w)
        square_avg *= rho
        square_avg += (1 - rho) * g * g
        delta = np.sqrt(acc_delta + eps)
        delta /= np.sqrt(square_avg + eps)
        delta *= g
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        w += -group["lr"] * delta
