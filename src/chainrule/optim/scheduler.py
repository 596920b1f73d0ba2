"""The learning-rate scheduler base class, with PyTorch's chainable arithmetic.

Each ``step()`` moves ``last_epoch`` on and sets every group's ``lr`` from ``get_lr()``,
which, as in PyTorch, mostly scales the group's *current* ``lr`` (so several schedulers on
one optimizer compose, and ``ChainedScheduler`` multiplies their effects); the closed forms
(``closed_form_lr``) serve ``step(epoch)``, which PyTorch deprecates but still honours.
"""
import warnings

from .optimizer import Optimizer

EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` was not necessary and is being "
                     "deprecated where possible. Please use `scheduler.step()` to step the "
                     "scheduler. During the deprecation, if epoch is different from None, the "
                     "closed form is used instead of the new chainable form, where available.")

STEP_ORDER = ("Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 "
              "and later, you should call them in the opposite order: `optimizer.step()` before "
              "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the "
              "first value of the learning rate schedule.")


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and sets each group's ``lr`` to
    ``get_lr()``; ``get_last_lr()`` gives what the last step set.

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> optimizer = cr.optim.SGD([w], lr=1.0)
    >>> scheduler = cr.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    >>> isinstance(scheduler, cr.optim.lr_scheduler.LRScheduler)
    True
    >>> for epoch in range(4):
    ...     optimizer.step()
    ...     scheduler.step()
    ...
    >>> scheduler.get_last_lr()
    [0.25]
    """

    closed_form_lr = None   # a method giving the closed form, where the schedule has one

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{type(self).__name__}: param 'initial_lr' is not specified in "
                               f"param_groups[{i}] when resuming at last_epoch={last_epoch}; "
                               f"load the optimizer's state_dict first, or start with "
                               f"last_epoch=-1")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """The step made by the constructor: ``get_lr`` sees ``_is_initial`` and mostly
        leaves the rates as they are."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr")

    def step(self, epoch=None):
        if self._step_count == 1 and not getattr(self.optimizer, "step_called", False):
            warnings.warn(STEP_ORDER, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self.closed_form_lr() if self.closed_form_lr else self.get_lr()
        self.set_lrs(values)

    def set_lrs(self, values):
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = current_lrs(self.optimizer)

    def get_last_lr(self):
        """The learning rates set by the last ``step()``, one per parameter group."""
        return self._last_lr

    def state_dict(self):
        """Everything but the optimizer (PyTorch's keys)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


def current_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def per_group(name, optimizer, value):
    """One value per parameter group: a list or tuple of that length, or one for all."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {groups}.")
        return list(value)
    return [value] * groups


def set_momentum(optimizer, group, momentum):
    """Write a cycled momentum: ``betas[0]`` for the Adam family, else ``momentum``."""
    if "betas" in optimizer.defaults:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def check_momentum(optimizer):
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                         "option enabled")
