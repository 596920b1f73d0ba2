"""Grad modes: whether new operations record a graph (thread-local, like PyTorch)."""
import functools
import threading


class _State(threading.local):
    enabled = True


state = _State()


class _InplaceClock:
    """Counts in-place changes, process-wide. A gate notes the count when it saves its
    inputs; a tensor notes it when changed in place; backward compares the two."""

    now = 0


inplace_clock = _InplaceClock()


class _AnomalyMode:
    """Whether anomaly mode is on: process-wide, as in PyTorch (and a plain attribute is
    read four times faster than a thread-local one, on every operation)."""

    enabled = False


anomaly_mode = _AnomalyMode()


def is_grad_enabled():
    """True when operations record the graph for backward."""
    return state.enabled


class _GradMode:
    """Base of the three grad-mode switches: a context manager and a decorator."""

    mode = True

    def __enter__(self):
        self.prev = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc):
        state.enabled = self.prev

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev, state.enabled = state.enabled, mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.enabled = prev
        return wrapper


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
    """Record the graph again inside a `no_grad` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """Switch graph recording on or off: `set_grad_enabled(False)` is `no_grad()`.

    Like PyTorch, calling it outside a `with` sets the mode at once.
    """

    def __init__(self, mode):
        self.mode = bool(mode)
        self.prev = state.enabled
        state.enabled = self.mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.enabled = self.prev
