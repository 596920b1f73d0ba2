"""RMSprop and Adagrad: steps divided by the root of accumulated squared gradients."""
import numpy as np

from .optimizer import Optimizer, buffer, check_positive


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
                 centered=False):
        for name, value in (("lr", lr), ("alpha", alpha), ("eps", eps),
                            ("weight_decay", weight_decay), ("momentum", momentum)):
            check_positive(name, value, "RMSprop")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def update(self, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        for p, g in self.gradients(group, weight_decay):
            state = self.state_of(p)
            state["step"] = state.get("step", 0) + 1
            square_avg = buffer(state, "square_avg", p)
            square_avg *= alpha
            square_avg += (1 - alpha) * (g * g)
            if group["centered"]:
                grad_avg = buffer(state, "grad_avg", p)
                grad_avg += (1 - alpha) * (g - grad_avg)
                avg = np.sqrt(square_avg - grad_avg * grad_avg)
            else:
                avg = np.sqrt(square_avg)
            avg += eps
            if momentum:
                buf = buffer(state, "momentum_buffer", p)
                buf *= momentum
                buf += g / avg
                p._data -= lr * buf
            else:
                p._data -= lr * (g / avg)


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
                 initial_accumulator_value=0, eps=1e-10):
        for name, value in (("lr", lr), ("lr_decay", lr_decay), ("weight_decay", weight_decay),
                            ("initial_accumulator_value", initial_accumulator_value),
                            ("eps", eps)):
            check_positive(name, value, "Adagrad")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def update(self, group):
        lr, lr_decay, weight_decay = group["lr"], group["lr_decay"], group["weight_decay"]
        for p, g in self.gradients(group, weight_decay):
            state = self.state_of(p)
            step = state["step"] = state.get("step", 0) + 1
            total = buffer(state, "sum", p, group["initial_accumulator_value"])
            total += g * g
            std = np.sqrt(total)
            std += group["eps"]
            p._data -= lr / (1 + (step - 1) * lr_decay) * (g / std)
