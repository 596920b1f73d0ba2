"""Grad modes: whether new operations record a graph (thread-local, like PyTorch)."""
import functools
import inspect
import threading


class _State(threading.local):
    enabled = True
    inference = False   # inside inference_mode (is_inference_mode_enabled)


state = _State()


class _InplaceClock:
    """Counts in-place changes, process-wide. A gate notes the count when it saves its
    inputs; a tensor notes it when changed in place; backward compares the two."""

    now = 0


inplace_clock = _InplaceClock()


class _AnomalyMode:
    """Whether anomaly mode is on: process-wide, as in PyTorch (and a plain attribute is
    read four times faster than a thread-local one, on every operation). ``check_nan``:
    whether backward then raises at the first NaN gradient (``detect_anomaly(check_nan=)``)."""

    enabled = False
    check_nan = True


anomaly_mode = _AnomalyMode()


def is_grad_enabled():
    """True when operations record the graph for backward.

    >>> import chainrule as cr
    >>> cr.is_grad_enabled()
    True
    >>> with cr.no_grad():
    ...     cr.is_grad_enabled()
    ...
    False
    """
    return state.enabled


class _GradMode:
    """Base of the three grad-mode switches: a context manager and a decorator, of plain
    functions and of generator functions (the mode holds inside the generator's body, across
    its yields, and the caller's mode outside, as in PyTorch)."""

    mode = True

    def __new__(cls, fn=None):
        """``@no_grad`` and ``@enable_grad`` also work without parentheses, as in PyTorch."""
        if fn is None:
            return super().__new__(cls)
        return cls()(fn)

    def __enter__(self):
        self.prev = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc):
        state.enabled = self.prev

    def __call__(self, fn):
        return decorate(fn, self.mode)


def decorate(fn, mode, context=None):
    """``fn`` run with grad mode ``mode``, the caller's mode restored after; or, given
    ``context``, inside a fresh ``context()`` (a context manager) each time."""
    if inspect.isgeneratorfunction(fn):
        return decorate_generator(fn, mode, context)
    if context is not None:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with context():
                return fn(*args, **kwargs)
        return wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        prev, state.enabled = state.enabled, mode
        try:
            return fn(*args, **kwargs)
        finally:
            state.enabled = prev
    return wrapper


def decorate_generator(fn, mode, context):
    """A generator function whose body runs with grad mode ``mode`` (or in ``context()``):
    each resumption (next, send, throw, close) sets it, each yield gives the caller back its
    own (PyTorch's ``_wrap_generator``). Calling the function alone runs nothing, as for any
    generator."""

    def resume(method, *args):
        if context is not None:
            with context():
                return method(*args)
        prev, state.enabled = state.enabled, mode
        try:
            return method(*args)
        finally:
            state.enabled = prev

    @functools.wraps(fn)
    def generator(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            response = resume(gen.send, None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    resume(gen.close)
                    raise
                except BaseException as error:
                    response = resume(gen.throw, error)
                else:
                    response = resume(gen.send, request)
        except StopIteration as stop:
            return stop.value
    return generator


class no_grad(_GradMode):
    """Operations inside record no graph (inference, optimizer updates).

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0], requires_grad=True)
    >>> with cr.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
    """Record the graph again inside a `no_grad` block.

    >>> import chainrule as cr
    >>> with cr.no_grad():
    ...     with cr.enable_grad():
    ...         y = cr.tensor(2.0, requires_grad=True) * 3
    ...
    >>> y.requires_grad
    True
    """

    mode = True


class set_grad_enabled(_GradMode):
    """Switch graph recording on or off: `set_grad_enabled(False)` is `no_grad()`.

    Like PyTorch, calling it outside a `with` sets the mode at once.

    >>> import chainrule as cr
    >>> x = cr.tensor(2.0, requires_grad=True)
    >>> with cr.set_grad_enabled(False):
    ...     y = x * 3
    ...
    >>> y.requires_grad, cr.is_grad_enabled()
    (False, True)
    """

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = state.enabled
        state.enabled = self.mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        """As a decorator it sets nothing now (``__init__`` did: undone here, as PyTorch
        does), only while ``fn`` runs."""
        state.enabled = self.prev
        return decorate(fn, self.mode)

    def __exit__(self, *exc):
        state.enabled = self.prev


class inference_mode(_GradMode):
    """PyTorch's ``inference_mode``: as `no_grad` here (no graph is recorded inside), as a
    context manager or a decorator, with or without parentheses. ``inference_mode(False)``
    changes nothing. PyTorch also marks the tensors made inside as inference tensors, which
    autograd later refuses to save; chainrule does not, so code that PyTorch refuses runs.

    >>> import chainrule as cr
    >>> with cr.inference_mode():
    ...     y = cr.tensor([1.0], requires_grad=True) * 2
    >>> y.requires_grad, cr.is_inference_mode_enabled()
    (False, False)
    """

    def __new__(cls, mode=True):
        if callable(mode):   # @inference_mode without parentheses
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode=True):
        self.on = bool(mode)
        self.mode = False

    def __enter__(self):
        self.prev = state.enabled
        self.was_inference = state.inference
        if self.on:
            state.enabled = False
            state.inference = True

    def __exit__(self, *exc):
        state.enabled = self.prev
        state.inference = self.was_inference

    def __call__(self, fn):
        return decorate(fn, None, context=lambda: inference_mode(self.on))


def is_inference_mode_enabled():
    """True inside `inference_mode`.

    >>> import chainrule as cr
    >>> with cr.inference_mode():
    ...     cr.is_inference_mode_enabled()
    True
    >>> cr.is_inference_mode_enabled()
    False
    """
    return state.inference
