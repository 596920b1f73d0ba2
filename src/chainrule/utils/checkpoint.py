"""``torch.utils.checkpoint``: activation checkpointing trades memory for a second forward
pass in backward; the gradients are the same as without it. chainrule keeps the activations
(there is no recomputation), so ``checkpoint(fn, *args)`` is ``fn(*args)``: same values, same
gradients, the memory of the plain forward."""


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check=None,
               debug=None, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, its activations kept.

    >>> import chainrule as cr
    >>> from chainrule.utils.checkpoint import checkpoint
    >>> x = cr.tensor([1.0, 2.0], requires_grad=True)
    >>> checkpoint(lambda t: (t * t).sum(), x, use_reentrant=False).backward()
    >>> x.grad.tolist()
    [2.0, 4.0]
    """
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """The modules of ``functions`` (an ``nn.Sequential`` or a list) applied in order."""
    for function in (functions if isinstance(functions, (list, tuple)) else functions.children()):
        input = function(input)
    return input
