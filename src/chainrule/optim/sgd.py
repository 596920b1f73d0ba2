"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""
from ..tensor import new_tensor
from .optimizer import Optimizer, check_positive


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
                 nesterov=False):
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            check_positive(name, value, "SGD")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def update(self, group):
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        for p, g in self.gradients(group, weight_decay):
            if momentum:
                g = self.momentum_step(p, g, momentum, group["dampening"], group["nesterov"])
            p._data -= lr * g

    def momentum_step(self, p, g, momentum, dampening, nesterov):
        state = self.state_of(p)
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = new_tensor(g.copy(), None)
        else:
            buf._data *= momentum
            buf._data += (1 - dampening) * g
        return g + momentum * buf._data if nesterov else buf._data
