"""The same cubic fit with nn: features (x, x^2, x^3), a Linear layer flattened to a
vector, MSELoss with reduction="sum", and an SGD optimizer."""
import math

import torch
from torch import optim


def build():
    return torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))


def run(model):
    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)
    powers = torch.tensor([1, 2, 3])
    features = x.unsqueeze(-1).pow(powers)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)
    losses = []
    for step in range(200):
        loss = loss_fn(model(features), y)
        if step % 10 == 0:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear = model[0]
    print(f"y = {linear.bias.item():.3f} + {linear.weight[:, 0].item():.3f} x + ...")
    return losses
