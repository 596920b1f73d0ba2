"""Weight averaging as the SWA tutorial and EMA-of-weights training code do it: an
AveragedModel for stochastic weight averaging started after a few epochs with a SWALR
schedule (CosineAnnealingLR before), another AveragedModel keeping an exponential moving
average through get_ema_multi_avg_fn, update_bn over the loader for the averaged BatchNorm
statistics, and both averages evaluated under no_grad."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn
from torch.utils.data import DataLoader, TensorDataset


def build():
    return nn.Sequential(nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 1))


def run(model):
    rng = np.random.default_rng(31)
    x = rng.normal(size=(96, 5)).astype(np.float32)
    y = (x[:, :1] * 1.5 - x[:, 1:2] ** 2 + 0.3).astype(np.float32)
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=24)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    swa_model = AveragedModel(model)
    ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    swa_start, swa_scheduler = 4, SWALR(optimizer, swa_lr=0.02, anneal_epochs=2)
    losses = []
    for epoch in range(8):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            optimizer.step()
            ema_model.update_parameters(model)
        losses.append(loss.item())
        if epoch > swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
    update_bn(loader, swa_model)
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    with torch.no_grad():
        for averaged in (swa_model, ema_model):
            averaged.eval()
            losses.append(F.mse_loss(averaged(xs), ys).item())
    print(f"swa averaged {int(swa_model.n_averaged)} models; lr {optimizer.param_groups[0]['lr']:.4f}")
    return losses
