"""Fit sin(x) on [-pi, pi] with a cubic a + b x + c x^2 + d x^3: four tensors that require
gradients, the loss's backward(), and a hand-written gradient step under no_grad."""
import math

import numpy as np
import torch


def run(model=None):
    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)
    start = np.random.default_rng(0).standard_normal(4)
    a, b, c, d = (torch.tensor(v, dtype=torch.float32, requires_grad=True) for v in start)
    learning_rate = 1e-6
    losses = []
    for step in range(300):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if step % 20 == 0:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    print(f"y = {a.item():.3f} + {b.item():.3f} x + {c.item():.3f} x^2 + {d.item():.3f} x^3")
    return losses
