"""Stochastic gradient descent: plain, with momentum (dampening, Nesterov), and averaged."""
import numpy as np

from .optimizer import Optimizer, check_positive, options, scalar_state, zeros


class SGD(Optimizer):
    """``w = w - lr * g``, where ``g`` is the gradient (plus ``weight_decay * w``), or with
    momentum the running sum ``b = momentum * b + (1 - dampening) * g`` (PyTorch's arithmetic).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = cr.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()      # dC/dw = 2w
    >>> opt.step()                    # w - 0.1 * 2w = 0.8w
    >>> [round(v, 6) for v in w.tolist()]
    [0.8, 1.6]
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            check_positive(name, value, "SGD")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, **options(maximize, foreach, differentiable=differentiable,
                                         fused=fused)))

    def kernel(self, group, w, g, s):
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay:
            g = g + weight_decay * w
        if momentum:
            buf = s.get("momentum_buffer")
            if buf is None:   # the first step starts the sum at g itself, undamped
                buf = s["momentum_buffer"] = np.copy(g)   # an array at 0-d too, on any backend
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        w -= lr * g


class ASGD(Optimizer):
    """Averaged SGD: ``w = w (1 - lambd eta) - eta g`` with ``eta = lr / (1 + lambd lr t)^alpha``,
    and ``ax``, the average of the weights since step ``t0`` (PyTorch's arithmetic; ``eta``
    and ``mu`` kept in the default dtype's precision, as PyTorch keeps them).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = cr.optim.ASGD([w], lr=0.1, lambd=0.0)
    >>> (w * w).sum().backward()
    >>> opt.step()                    # 1 - 0.1 * 2
    >>> round(w.item(), 6), round(opt.state[w]["ax"].item(), 6)
    (0.8, 0.8)
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        for name, value in (("lr", lr), ("weight_decay", weight_decay)):
            check_positive(name, value, "ASGD")
        super().__init__(params, dict(
            lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
            **options(maximize, foreach, differentiable=differentiable,
                      capturable=capturable)))

    def kernel(self, group, w, g, s):
        lr, lambd = group["lr"], group["lambd"]
        step = s["step"] = s.get("step", 0) + 1
        eta, mu = s.get("eta", scalar_state(lr)), s.get("mu", 1.0)
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        w *= 1 - lambd * eta
        w += -eta * g
        ax = zeros(s, "ax", w)
        if mu != 1:
            ax += (w - ax) * mu
        else:
            ax[...] = w
        s["eta"] = scalar_state(lr / ((1 + lambd * lr * step) ** group["alpha"]))
        s["mu"] = scalar_state(1 / max(1, step - group["t0"]))
