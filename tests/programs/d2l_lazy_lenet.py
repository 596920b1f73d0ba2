"""LeNet with batch normalization as the textbook's later edition writes it: nn.LazyConv2d,
nn.LazyBatchNorm2d, nn.LazyLinear and nn.LazyBatchNorm1d, the shapes found by a dry run on a
small batch (apply_init), init_cnn applied by type(module) == nn.Linear, a layer_summary
loop over the Sequential printing each output shape, and training with SGD."""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def init_cnn(module):
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


class BNLeNet(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), nn.LazyBatchNorm2d(), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
            nn.LazyLinear(32), nn.LazyBatchNorm1d(), nn.Sigmoid(),
            nn.LazyLinear(num_classes))

    def forward(self, X):
        return self.net(X)

    def apply_init(self, inputs, init=None):
        self.forward(*inputs)
        if init is not None:
            self.net.apply(init)

    def layer_summary(self, X_shape):
        X = torch.randn(*X_shape)
        for layer in self.net:
            X = layer(X)
            print(layer.__class__.__name__, 'output shape:\t', X.shape)


def build():
    model = BNLeNet()
    model.apply_init([torch.zeros(2, 1, 20, 20)], init_cnn)
    return model


def run(model):
    model.layer_summary((2, 1, 20, 20))
    rng = np.random.default_rng(9)
    X = rng.normal(0, 1, (48, 1, 20, 20)).astype(np.float32)
    y = rng.integers(0, 4, 48)
    for img, label in zip(X, y):
        img[0, 4 * label:4 * label + 4, :] += 2.0
    X, y = torch.tensor(X), torch.tensor(y)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for epoch in range(3):
        model.train()
        for i in range(0, 48, 16):
            loss = F.cross_entropy(model(X[i:i + 16]), y[i:i + 16])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
