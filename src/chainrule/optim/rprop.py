"""Rprop: each weight moves by its own step size, grown while its gradient keeps its sign
and shrunk when the sign flips; the gradient's size is never used."""
import numpy as np

from .optimizer import Optimizer, check_positive, options, zeros


class Rprop(Optimizer):
    """``step *= etaplus`` where ``g`` kept its sign, ``etaminus`` where it flipped (and
    that gradient is then taken as 0), clamped to ``step_sizes``; ``w -= sign(g) * step``
    (PyTorch's arithmetic).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = cr.optim.Rprop([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> [round(v, 6) for v in w.tolist()]
    [0.9, -0.9]
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_positive("lr", lr, "Rprop")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: invalid eta values {etas}; they must satisfy "
                             f"0 < etaminus < 1 < etaplus")
        super().__init__(params, dict(
            lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
            **options(maximize, foreach, capturable=capturable,
                      differentiable=differentiable)))

    def kernel(self, group, w, g, s):
        etaminus, etaplus = group["etas"]
        s["step"] = s.get("step", 0) + 1
        prev = zeros(s, "prev", w)
        step_size = zeros(s, "step_size", w, group["lr"])
        sign = np.multiply(g, prev, out=np.empty_like(prev))   # an array even at 0-d
        np.sign(sign, out=sign)
        sign[sign > 0] = etaplus
        sign[sign < 0] = etaminus
        sign[sign == 0] = 1
        step_size *= sign
        np.clip(step_size, *group["step_sizes"], out=step_size)
        g = np.copy(g)
        g[sign == etaminus] = 0
        w -= np.sign(g) * step_size
        prev[...] = g
