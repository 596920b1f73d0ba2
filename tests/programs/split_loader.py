"""Data plumbing: a TensorDataset split with random_split, a shuffled DataLoader for
training, an evaluation loss summed over a shuffled loader (independent of the order),
torch.save / torch.load of a state_dict to a file and a fresh model loading it."""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, random_split


def build():
    return nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))


def run(model):
    torch.manual_seed(42)
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.uniform(-1, 1, (100, 3)), dtype=torch.float32)
    y = (X[:, 0] * 2 - X[:, 1] ** 2 + 0.5 * X[:, 2]).unsqueeze(1)
    dataset = TensorDataset(X, y)
    train_set, val_set = random_split(dataset, [80, 20], generator=torch.Generator().manual_seed(1))
    assert len(train_set) == 80 and len(val_set) == 20
    val_loader = DataLoader(dataset, batch_size=25, shuffle=True)
    loss_fn = nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.005, momentum=0.5)
    losses = []
    for epoch in range(6):
        model.train()
        for i in range(0, 100, 20):
            optimizer.zero_grad()
            loss = loss_fn(model(X[i:i + 20]), y[i:i + 20])
            loss.backward()
            optimizer.step()
        model.eval()
        total = 0.0
        with torch.no_grad():
            for xb, yb in val_loader:
                total += loss_fn(model(xb), yb).item()
        losses.append(total / len(dataset))
    seen = 0
    for xb, yb in DataLoader(train_set, batch_size=32, shuffle=True, drop_last=False):
        seen += xb.shape[0]
    assert seen == 80
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "model.pth")
        torch.save(model.state_dict(), path)
        fresh = build()
        result = fresh.load_state_dict(torch.load(path))
        print(result)
        fresh.eval()
        with torch.no_grad():
            losses.append(loss_fn(fresh(X), y).item() / len(dataset))
    return losses
