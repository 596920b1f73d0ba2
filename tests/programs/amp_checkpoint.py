"""Modern training-loop boilerplate: a device chosen with cuda.is_available, use_amp on that
device only, torch.autocast(device_type=..., enabled=use_amp), torch.amp.GradScaler(enabled=
use_amp), a checkpoint dict holding the model, optimizer and
scheduler state with the epoch, and training resumed from it in a fresh model, optimizer
and scheduler, giving the same losses as if it never stopped."""
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
use_amp = device.type == "cuda"


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 32), nn.SiLU(), nn.LayerNorm(32), nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def build():
    return MLP()


def data(rng):
    x = rng.normal(size=(64, 4)).astype(np.float32)
    return torch.from_numpy(x), torch.from_numpy(np.sin(x[:, 0]) + x[:, 1] * x[:, 2])


def make_optim(model):
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=8, eta_min=1e-4)
    return optimizer, scheduler


def train_epoch(model, optimizer, scheduler, scaler, x, y):
    model.train()
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=use_amp):
        loss = F.mse_loss(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    return loss.item()


def run(model):
    rng = np.random.default_rng(2)
    x, y = data(rng)
    x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
    model = model.to(device)
    optimizer, scheduler = make_optim(model)
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp)
    losses = [train_epoch(model, optimizer, scheduler, scaler, x, y) for _ in range(4)]
    buffer = io.BytesIO()
    torch.save({"epoch": 4, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(),
                "scheduler_state_dict": scheduler.state_dict(),
                "scaler": scaler.state_dict(), "loss": losses[-1]}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, map_location=device, weights_only=False)
    fresh = build().to(device)
    fresh.load_state_dict(checkpoint["model_state_dict"])
    optimizer, scheduler = make_optim(fresh)
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    scheduler.load_state_dict(checkpoint["scheduler_state_dict"])
    scaler.load_state_dict(checkpoint["scaler"])
    assert checkpoint["epoch"] == 4 and abs(checkpoint["loss"] - losses[-1]) < 1e-12
    for epoch in range(checkpoint["epoch"], 8):
        losses.append(train_epoch(fresh, optimizer, scheduler, scaler, x, y))
    print(f"lr {scheduler.get_last_lr()[0]:.6f} {optimizer.param_groups[0]['lr']:.6f}")
    return losses
