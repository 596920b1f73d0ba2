"""An LSTM sequence predictor trained with L-BFGS: sine waves of random phase, the model reads
each wave and predicts its next value at every step, and the optimizer calls a closure
several times per step (with the strong-Wolfe line search)."""
import numpy as np
import torch
import torch.nn as nn
from torch import optim


class Predictor(nn.Module):
    def __init__(self, hidden=12):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.linear(out)


def build():
    return Predictor()


def run(model):
    rng = np.random.default_rng(3)
    t = np.arange(30) * 0.3 + rng.uniform(0, 2 * np.pi, (16, 1))
    waves = torch.tensor(np.sin(t)[..., None], dtype=torch.float32)
    inputs, targets = waves[:, :-1], waves[:, 1:]
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(model.parameters(), lr=0.8, max_iter=5, history_size=10,
                            line_search_fn="strong_wolfe")
    losses = []
    for step in range(3):
        def closure():
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            return loss
        losses.append(optimizer.step(closure).item())
    with torch.no_grad():
        future = model(inputs)[:, -1]
    assert future.shape == (16, 1)
    return losses
