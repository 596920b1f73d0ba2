"""A custom optimizer written the way PyTorch's docs show: a subclass of optim.Optimizer with
defaults, a step() under no_grad that walks param_groups, keeps per-parameter state in
self.state[p] (created on first use) and takes a closure; here momentum SGD with a
trust ratio, training a small regression MLP; and a custom LRScheduler (linear warm-up, then
inverse square root) defined by its get_lr()."""
import numpy as np
import torch
import torch.nn as nn


class TrustSGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.9, trust=0.02):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        super().__init__(params, dict(lr=lr, momentum=momentum, trust=trust))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["momentum_buffer"] = torch.zeros_like(p)
                state["step"] += 1
                buf = state["momentum_buffer"]
                buf.mul_(group["momentum"]).add_(p.grad)
                ratio = p.norm() / (buf.norm() + 1e-8)
                scale = min(float(ratio) * group["trust"], 1.0)
                p.add_(buf, alpha=-group["lr"] * scale)
        return loss


class WarmupInverseSqrt(torch.optim.lr_scheduler.LRScheduler):
    def __init__(self, optimizer, warmup=5, last_epoch=-1):
        self.warmup = warmup
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        step = max(self.last_epoch, 1)
        factor = min(step / self.warmup, (self.warmup / step) ** 0.5)
        return [base_lr * factor for base_lr in self.base_lrs]


def build():
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))


def run(model):
    rng = np.random.default_rng(11)
    x = torch.tensor(rng.standard_normal((128, 4)), dtype=torch.float32)
    y = (x[:, :1] * 2 - x[:, 1:2] + 0.5 * x[:, 2:3] ** 2)
    optimizer = TrustSGD(model.parameters(), lr=0.5, momentum=0.8, trust=0.1)
    scheduler = WarmupInverseSqrt(optimizer, warmup=5)
    losses = []
    for step in range(25):
        def closure():
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            return loss
        losses.append(optimizer.step(closure).item())
        scheduler.step()
    assert optimizer.state[next(model.parameters())]["step"] == 25
    assert scheduler.get_last_lr()[0] < 0.5 and scheduler.last_epoch == 25
    return losses
