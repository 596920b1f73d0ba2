"""L-BFGS: quasi-Newton steps from the last ``history_size`` changes of weights and
gradients (the two-loop recursion), with a fixed step or a strong-Wolfe line search.
PyTorch's algorithm: every parameter of the one group taken as one flat vector, several
closure evaluations per ``step(closure)``."""
import numpy as np

from ..autograd.grad_mode import enable_grad
from ..ops.inplace import mark_changed
from ..tensor import Tensor, new_tensor
from .optimizer import Optimizer, check_positive


class LBFGS(Optimizer):
    """``step(closure)`` runs up to ``max_iter`` iterations (``max_eval`` closure calls);
    it stops early when the largest gradient entry is at most ``tolerance_grad`` or the
    loss or the step changes by less than ``tolerance_change``. ``line_search_fn`` is None
    (step ``lr``) or ``"strong_wolfe"``.

    >>> import chainrule as cr
    >>> w = cr.tensor([3.0, -2.0], requires_grad=True)
    >>> opt = cr.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 4) for v in w.tolist()]
    [1.0, 1.0]
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        check_positive("lr", lr, "LBFGS")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        super().__init__(params, dict(
            lr=lr, max_iter=max_iter, max_eval=max_iter * 5 // 4 if max_eval is None else max_eval,
            tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
            history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self.params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def state_dict(self):
        """PyTorch's layout: the flat vectors (``d``, ``prev_flat_grad``, the history in
        ``old_dirs``/``old_stps``) as tensors."""
        saved = super().state_dict()
        for state in saved["state"].values():
            state.update({k: as_tensors(v) for k, v in state.items()})
        return saved

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        dtype = self.params[0]._data.dtype
        for state in self.state.values():
            state.update({k: as_arrays(v, dtype) for k, v in state.items()})

    def flat_grad(self):
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else p.grad._data for p in self.params], axis=None)

    def add_step(self, t, d):
        """``w += t * d`` for the flat direction ``d``, parameter by parameter."""
        offset = 0
        for p in self.params:
            n = p._data.size
            p._data += t * d[offset:offset + n].reshape(p._data.shape)
            offset += n

    def evaluate(self, closure):
        with enable_grad():
            return float(closure()), self.flat_grad()

    def directional_evaluate(self, closure, x, t, d):
        """The loss and gradient at ``x + t d``; the weights are put back to ``x``."""
        self.add_step(t, d)
        loss, grad = self.evaluate(closure)
        for p, saved in zip(self.params, x):
            p._data[...] = saved
        return loss, grad

    def step(self, closure=None):
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that zeroes the gradients, "
                               "computes the loss, calls backward() and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_change = group["tolerance_change"]
        state = self.state_of(self.params[0])
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with enable_grad():
            orig_loss = closure()
        loss, flat_grad = float(orig_loss), self.flat_grad()
        current_evals = 1
        state["func_evals"] += 1
        if np.abs(flat_grad).max() <= group["tolerance_grad"]:
            return orig_loss
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            d = self.direction(state, flat_grad, group["history_size"])
            state["prev_flat_grad"] = flat_grad.copy()
            state["prev_loss"] = prev_loss = loss
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            state["d"], state["t"] = d, t   # kept even when no step is taken, as PyTorch does
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:
                break
            evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x = [p._data.copy() for p in self.params]
                loss, flat_grad, t, evals = strong_wolfe(
                    lambda x_, t_, d_: self.directional_evaluate(closure, x_, t_, d_),
                    x, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self.add_step(t, d)
                optimal = np.abs(flat_grad).max() <= group["tolerance_grad"]
            else:
                self.add_step(t, d)
                optimal = False
                if n_iter != max_iter:
                    loss, flat_grad = self.evaluate(closure)
                    optimal = np.abs(flat_grad).max() <= group["tolerance_grad"]
                    evals = 1
            state["t"] = t
            current_evals += evals
            state["func_evals"] += evals
            if (n_iter == max_iter or current_evals >= max_eval or optimal
                    or np.abs(d * t).max() <= tolerance_change
                    or abs(loss - prev_loss) < tolerance_change):
                break
        for p in self.params:
            mark_changed(p)   # a graph built before the step cannot backward silently
        return orig_loss

    @staticmethod
    def direction(state, flat_grad, history_size):
        """The search direction: ``-g`` at first, then ``-H g`` with ``H`` the L-BFGS
        inverse-Hessian estimate from the stored pairs (the two-loop recursion)."""
        if state["n_iter"] == 1:
            state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
            return -flat_grad
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        y = flat_grad - state["prev_flat_grad"]
        s = state["d"] * state["t"]
        ys = float(y @ s)
        if ys > 1e-10:   # keep only pairs that keep H positive definite
            if len(old_dirs) == history_size:
                del old_dirs[0], old_stps[0], ro[0]
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            state["H_diag"] = ys / float(y @ y)
        al = [0.0] * len(old_dirs)
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = float(old_stps[i] @ q) * ro[i]
            q += -al[i] * old_dirs[i]
        r = q * state["H_diag"]
        for i in range(len(old_dirs)):
            be_i = float(old_dirs[i] @ r) * ro[i]
            r += (al[i] - be_i) * old_stps[i]
        return r


def as_tensors(value):
    """Arrays (and lists of them) as tensors, for ``state_dict``."""
    if isinstance(value, list):
        return [as_tensors(v) for v in value]
    return new_tensor(value, None) if isinstance(value, np.ndarray) else value


def as_arrays(value, dtype):
    """Tensors or arrays (and lists of them) as arrays of ``dtype``; numbers as they are."""
    if isinstance(value, list):
        return [as_arrays(v, dtype) for v in value]
    if isinstance(value, Tensor):
        value = value._data
    elif hasattr(value, "detach") and hasattr(value, "numpy"):   # another library's tensor
        value = value.detach().numpy()
    if not isinstance(value, np.ndarray):
        return value
    array = np.array(value, dtype=dtype)
    return array.item() if array.ndim == 0 else array


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through two points with their values and slopes, kept
    within ``bounds`` (the bisection when the cubic has no minimum)."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = d2_square ** 0.5
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, lo), hi)


def strong_wolfe(evaluate, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                 max_ls=25):
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions (sufficient decrease,
    ``f(t) <= f + c1 t gtd``, and curvature, ``|g(t).d| <= -c2 gtd``): grow ``t`` until a
    bracket holds a minimum, then zoom in by cubic interpolation. Returns the loss, the
    gradient, ``t`` and the number of evaluations."""
    d_norm = float(np.abs(d).max())
    f_new, g_new = evaluate(x, t, d)
    evals, ls_iter, done = 1, 0, False
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g.copy(), gtd
    while ls_iter < max_ls:
        decreased = not (f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev))
        if decreased and abs(gtd_new) <= -c2 * gtd:
            bracket, done = [[t, f_new, g_new, gtd_new]], True
            break
        if not decreased or gtd_new >= 0:
            bracket = [[t_prev, f_prev, g_prev, gtd_prev], [t, f_new, g_new.copy(), gtd_new]]
            break
        t_next = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                   bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new.copy(), gtd_new
        t = t_next
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [[0, f, g, None], [t, f_new, g_new, None]]
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    insufficient = False
    while not done and ls_iter < max_ls:   # zoom: shrink the bracket around a minimum
        if abs(bracket[1][0] - bracket[0][0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0][0], bracket[0][1], bracket[0][3],
                              bracket[1][0], bracket[1][1], bracket[1][3])
        t, insufficient = keep_inside(t, bracket[0][0], bracket[1][0], insufficient)
        f_new, g_new = evaluate(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new.copy(), gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = list(bracket[low])
            bracket[low] = [t, f_new, g_new.copy(), gtd_new]
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


def keep_inside(t, a, b, insufficient):
    """Move a trial step that lands within 10% of the bracket's ends back inside, as
    PyTorch does (at once when it is outside or the last move made too little progress)."""
    lo, hi = min(a, b), max(a, b)
    eps = 0.1 * (hi - lo)
    if min(hi - t, t - lo) >= eps:
        return t, False
    if insufficient or t >= hi or t <= lo:
        return (hi - eps if abs(t - hi) < abs(t - lo) else lo + eps), False
    return t, True
