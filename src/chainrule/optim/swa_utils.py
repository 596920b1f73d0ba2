"""``torch.optim.swa_utils``: stochastic weight averaging and exponential moving averages of
a model's weights (``AveragedModel``, the ``get_*_avg_fn`` helpers, ``SWALR``, ``update_bn``),
with PyTorch's arithmetic on the CPU: the default average is ``avg + (p - avg) / (n + 1)``
per tensor, the multi-tensor helpers use ``lerp_`` (weight ``1 - decay`` for an EMA,
``1 / (n + 1)`` for SWA).

>>> import chainrule as cr
>>> model = cr.nn.Linear(1, 1, bias=False)
>>> swa = cr.optim.swa_utils.AveragedModel(model)
>>> for value in (1.0, 2.0, 6.0):
...     with cr.no_grad():
...         _ = model.weight.fill_(value)
...     swa.update_parameters(model)
>>> swa.module.weight.item(), swa.n_averaged.item()
(3.0, 3)
"""
import copy
import math

from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..dtypes import int64
from ..nn.module import Module
from ..nn.norm import BatchNorm, InstanceNorm
from .scheduler import LRScheduler, per_group


def get_ema_multi_avg_fn(decay=0.999):
    """An EMA over lists of tensors: ``ema.lerp_(current, 1 - decay)`` for each."""
    check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with no_grad():
            for ema, current in zip(ema_param_list, current_param_list):
                if ema.is_floating_point():
                    ema.lerp_(current, 1 - decay)
                else:
                    ema.copy_(ema * decay + current * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """SWA over lists of tensors: ``avg.lerp_(current, 1 / (n + 1))`` for each."""
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with no_grad():
            # PyTorch's weight: 1 / (n + 1) of the n_averaged tensor, so in the default float
            weight = float(1 / (num_averaged + 1))
            for averaged, current in zip(averaged_param_list, current_param_list):
                if averaged.is_floating_point():
                    averaged.lerp_(current, weight)
                else:
                    averaged.add_(current - averaged, alpha=weight)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An EMA of one tensor: ``decay * ema + (1 - decay) * current``."""
    check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """SWA of one tensor: ``avg + (current - avg) / (n + 1)``."""
    def swa_update(averaged_param, current_param, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         f"[0,1] range.")


class AveragedModel(Module):
    """A copy of ``model`` whose weights average the model's over ``update_parameters``
    calls (the first copies them); calling it runs the copy."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=int64))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        """Average ``model``'s parameters (and buffers with ``use_buffers``) into the copy."""
        mine = list(self.module.parameters()) + (list(self.module.buffers())
                                                  if self.use_buffers else [])
        theirs = list(model.parameters()) + (list(model.buffers()) if self.use_buffers else [])
        mine = [p.detach() for p in mine]
        theirs = [p.detach() for p in theirs]
        with no_grad():
            if self.n_averaged.item() == 0:
                for averaged, current in zip(mine, theirs):
                    averaged.copy_(current)
            elif self.multi_avg_fn is not None:
                self.multi_avg_fn(mine, theirs, self.n_averaged)
            else:
                avg_fn = self.avg_fn or get_swa_avg_fn()
                for averaged, current in zip(mine, theirs):
                    averaged.copy_(avg_fn(averaged, current, self.n_averaged))
            if not self.use_buffers:   # buffers follow the model's (BatchNorm statistics)
                for mine_buffer, their_buffer in zip(self.module.buffers(), model.buffers()):
                    mine_buffer.detach().copy_(their_buffer.detach())
            self.n_averaged += 1


def update_bn(loader, model, device=None):
    """One pass over ``loader`` in training mode with each BatchNorm's running statistics
    reset and averaged over the batches (momentum None), as PyTorch's ``update_bn``."""
    momenta = {m: m.momentum for m in model.modules()
               if isinstance(m, BatchNorm) and not isinstance(m, InstanceNorm)}
    if not momenta:
        return
    for module in momenta:
        module.reset_running_stats()
        module.momentum = None
    was_training = model.training
    model.train()
    with no_grad():
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            model(input if device is None else input.to(device))
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's rate to ``swa_lr`` over ``anneal_epochs`` steps ("cos" or
    "linear"), then holds it, with PyTorch's arithmetic."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for value, group in zip(per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must by one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self._anneal_strategy, self.anneal_epochs = anneal_strategy, anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t):
        return (1 - math.cos(math.pi * t)) / 2 if self._anneal_strategy == "cos" else t

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [group["swa_lr"] if prev_alpha == 1 else
                    (group["lr"] - prev_alpha * group["swa_lr"]) / (1 - prev_alpha)
                    for group in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs)]
