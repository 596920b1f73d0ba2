"""Softmax regression from scratch, as textbook chapters write it: parameters drawn with
torch.normal(0, 0.01, size=...), a data_iter that shuffles indices with random.shuffle (seeded
identically in both runs), softmax by exp and sum(1, keepdim=True), cross-entropy by
y_hat[range(len(y_hat)), y], accuracy with argmax(axis=1) and .type(y.dtype), a hand-written
sgd under torch.no_grad(), and an Accumulator of float sums."""
import random

import numpy as np
import torch

num_inputs, num_outputs = 12, 3


def synthetic(n, rng):
    centers = rng.normal(0, 2, (num_outputs, num_inputs))
    y = rng.integers(0, num_outputs, n)
    X = centers[y] + rng.normal(0, 1, (n, num_inputs))
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y)


def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def run(model):
    rng = np.random.default_rng(13)
    random.seed(0)
    features, labels = synthetic(120, rng)
    W = torch.tensor(rng.normal(0, 0.01, (num_inputs, num_outputs)), dtype=torch.float32,
                     requires_grad=True)
    b = torch.zeros(num_outputs, requires_grad=True)
    assert torch.normal(0, 0.01, size=(num_inputs, num_outputs)).shape == W.shape

    def net(X):
        return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

    losses = []
    for epoch in range(3):
        metric = Accumulator(3)
        for X, y in data_iter(20, features, labels):
            y_hat = net(X)
            l = cross_entropy(y_hat, y)
            l.sum().backward()
            sgd([W, b], 0.1, X.shape[0])
            metric.add(float(l.sum()), accuracy(y_hat, y), y.numel())
        losses.append(metric[0] / metric[2])
        print(f"epoch {epoch + 1}, loss {metric[0] / metric[2]:f}, acc {metric[1] / metric[2]:.3f}")
    return losses
