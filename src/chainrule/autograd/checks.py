"""``torch.autograd.gradcheck`` and ``gradgradcheck`` with PyTorch's signatures, over
chainrule's ``gradcheck`` (``chainrule.check``): backward against central differences, and
for ``gradgradcheck`` the gradient's own gradient (double backward). The options that tune
checks chainrule does not make (undefined gradients, batched gradients, nondeterminism) are
accepted; forward-mode checks, which need forward AD, are refused by name."""
from ..check.gradcheck import gradcheck as check
from ..tensor import Tensor
from .engine import grad
from .grad_mode import enable_grad


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """True when ``func``'s gradients at ``inputs`` (float64) match central differences.

    >>> import chainrule as cr
    >>> from chainrule.autograd import gradcheck
    >>> x = cr.randn(3, dtype=cr.float64, requires_grad=True)
    >>> gradcheck(lambda t: (t.sin() * t).sum(), (x,), eps=1e-6, atol=1e-4)
    True
    """
    refuse_forward_ad(check_forward_ad or check_batched_forward_grad, "gradcheck")
    if not check_backward_ad:
        return True
    return check(func, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode=False, masked=False):
    """True when the gradient of ``func`` (weighted by ``grad_outputs``, ones when None)
    itself has gradients that match central differences.

    >>> import chainrule as cr
    >>> from chainrule.autograd import gradgradcheck
    >>> x = cr.randn(3, dtype=cr.float64, requires_grad=True)
    >>> gradgradcheck(lambda t: (t ** 3).sum(), (x,))
    True
    """
    refuse_forward_ad(check_fwd_over_rev, "gradgradcheck")
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wanted = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_derivatives(*xs):
        # the central differences call this on perturbed copies, outside grad mode
        xs = [x if i not in wanted or x.requires_grad else x.detach().requires_grad_()
              for i, x in enumerate(xs)]
        with enable_grad():
            outs = func(*xs)
            outs = (outs,) if isinstance(outs, Tensor) else tuple(outs)
            weights = grad_outputs if grad_outputs is not None else [o.new_ones(o.shape)
                                                                     for o in outs]
            weights = (weights,) if isinstance(weights, Tensor) else tuple(weights)
            found = grad(outs, [xs[i] for i in wanted], weights, create_graph=True,
                         allow_unused=True)
        return tuple(g for g in found if g is not None)

    if not (check_rev_over_rev and wanted):
        return True
    return check(first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol,
                 raise_exception=raise_exception)


def refuse_forward_ad(asked, op):
    if asked:
        raise NotImplementedError(f"{op}: forward-mode checks need forward-mode AD, which "
                                  f"chainrule does not have; leave check_forward_ad and "
                                  f"check_fwd_over_rev False")
