"""An MLP on two interleaved spirals: BatchNorm1d between Linear layers, batches chosen by a
BatchSampler over a SequentialSampler, Adam driven per batch by OneCycleLR (which also
cycles beta1), accuracy in eval mode."""
import numpy as np
import torch
import torch.nn as nn
from torch import optim
from torch.utils.data import BatchSampler, DataLoader, SequentialSampler, TensorDataset


def spirals(n, rng):
    t = np.sqrt(rng.uniform(0, 1, n)) * 3 * np.pi
    labels = rng.integers(0, 2, n)
    sign = np.where(labels == 1, 1.0, -1.0)
    points = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], 1) / 10
    return (points + rng.normal(0, 0.05, points.shape)).astype(np.float32), labels


def build():
    return nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(),
                         nn.Linear(32, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 2))


def run(model):
    points, labels = spirals(384, np.random.default_rng(9))
    dataset = TensorDataset(torch.from_numpy(points), torch.from_numpy(labels))
    batches = BatchSampler(SequentialSampler(dataset), batch_size=48, drop_last=False)
    loader = DataLoader(dataset, batch_sampler=batches)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    epochs = 5
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.05, epochs=epochs,
                                              steps_per_epoch=len(loader))
    criterion = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(epochs):
        model.train()
        for xb, yb in loader:
            loss = criterion(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        accuracy = (model(dataset.tensors[0]).argmax(1) == dataset.tensors[1]).float().mean()
    print(f"accuracy {accuracy.item():.3f}")
    return losses
