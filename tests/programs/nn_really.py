"""The "what is torch.nn really?" walk-through on small synthetic digits: first from scratch
(weights from randn / sqrt(n) with requires_grad_(), a hand-written log_softmax and nll with
input[range(n), target], manual updates under no_grad), then refactored step by step with
F.cross_entropy, nn.Module with nn.Parameter, nn.Linear, optim, TensorDataset, DataLoader,
a fit() with loss_batch returning (loss, len) and np.sum(np.multiply(losses, nums)), a
Lambda module for the view, a CNN ending in AdaptiveAvgPool2d(1), and a WrappedDataLoader."""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
LOSS_FALLS = False   # the history joins five models' losses, each falling on its own
bs, lr = 16, 0.5


def make_data(rng):
    x = rng.normal(0, 0.3, (96, 64)).astype(np.float32)
    y = rng.integers(0, 10, 96)
    for row, label in zip(x, y):
        row[label * 6: label * 6 + 6] += 1.0
    return x[:64], y[:64], x[64:], y[64:]


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(64, 10) / math.sqrt(64))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x, y):
    return x.view(-1, 1, 8, 8).to(dev), y.to(dev)


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))


class Models(nn.Module):
    def __init__(self):
        super().__init__()
        self.logistic = Mnist_Logistic()
        self.linear = nn.Linear(64, 10)
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), Lambda(lambda x: x.view(x.size(0), -1)))


def build():
    return Models()


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl, history):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print(epoch, val_loss)
        history.append(float(val_loss))


def run(models):
    rng = np.random.default_rng(0)
    x_train, y_train, x_valid, y_valid = map(torch.tensor, make_data(rng))
    n, c = x_train.shape
    print(x_train.shape, y_train.min(), y_train.max())
    history = []

    weights = torch.tensor(rng.normal(size=(64, 10)) / math.sqrt(64), dtype=torch.float32)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    history.append(nll(model(x_train), y_train).item())   # before any training
    for epoch in range(2):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            xb, yb = x_train[start_i:start_i + bs], y_train[start_i:start_i + bs]
            loss = nll(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
        history.append(loss.item())
    print(loss_func_value := F.cross_entropy(xb @ weights + bias, yb).item(), accuracy(model(xb), yb))
    history.append(loss_func_value)

    loss_func = F.cross_entropy
    logistic = models.logistic
    for epoch in range(2):
        for i in range((n - 1) // bs + 1):
            xb, yb = x_train[i * bs:i * bs + bs], y_train[i * bs:i * bs + bs]
            loss = loss_func(logistic(xb), yb)
            loss.backward()
            with torch.no_grad():
                for p in logistic.parameters():
                    p -= p.grad * lr
                logistic.zero_grad()
        history.append(loss.item())

    train_ds, valid_ds = TensorDataset(x_train, y_train), TensorDataset(x_valid, y_valid)
    train_dl = DataLoader(train_ds, batch_size=bs)
    valid_dl = DataLoader(valid_ds, batch_size=bs * 2)
    fit(2, models.linear, loss_func, optim.SGD(models.linear.parameters(), lr=lr), train_dl,
        valid_dl, history)
    train_dl = WrappedDataLoader(train_dl, preprocess)
    valid_dl = WrappedDataLoader(valid_dl, preprocess)
    cnn = models.cnn.to(dev)
    fit(3, cnn, loss_func, optim.SGD(cnn.parameters(), lr=0.1, momentum=0.9), train_dl,
        valid_dl, history)
    return history
