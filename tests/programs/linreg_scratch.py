"""Linear regression from scratch: synthetic data y = X w + b + noise, a hand-written
minibatch iterator, squared loss, and minibatch SGD written out (no nn, no optim)."""
import numpy as np
import torch


def synthetic_data(w, b, num_examples, rng):
    X = torch.tensor(rng.standard_normal((num_examples, len(w))), dtype=torch.float32)
    y = torch.matmul(X, w) + b
    y += torch.tensor(rng.normal(0, 0.01, num_examples), dtype=torch.float32)
    return X, y.reshape((-1, 1))


def data_iter(batch_size, features, labels, order):
    for i in range(0, len(features), batch_size):
        batch = torch.tensor(order[i: i + batch_size])
        yield features[batch], labels[batch]


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def run(model=None):
    rng = np.random.default_rng(0)
    true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
    features, labels = synthetic_data(true_w, true_b, 1000, rng)
    w = torch.tensor(rng.normal(0, 0.01, (2, 1)), dtype=torch.float32, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    lr, batch_size, losses = 0.03, 10, []
    for epoch in range(3):
        for X, y in data_iter(batch_size, features, labels, rng.permutation(len(features))):
            loss = squared_loss(linreg(X, w, b), y)
            loss.sum().backward()
            sgd([w, b], lr, batch_size)
        with torch.no_grad():
            losses.append(float(squared_loss(linreg(features, w, b), labels).mean()))
        print(f"epoch {epoch + 1}, loss {losses[-1]:f}")
    assert abs(b.item() - true_b) < 0.05
    return losses
