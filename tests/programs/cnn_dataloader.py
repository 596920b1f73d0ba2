"""A small CNN classifier: 1x12x12 images of bars (horizontal, vertical, diagonal) with noise,
two conv + ReLU + max-pool stages, a Linear head, CrossEntropyLoss, Adam, batches from a
DataLoader, and the accuracy in eval mode under no_grad."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, TensorDataset


def bars(n, rng):
    images = rng.normal(0, 0.3, (n, 1, 12, 12)).astype(np.float32)
    labels = rng.integers(0, 3, n)
    for image, label, at in zip(images, labels, rng.integers(2, 10, n)):
        if label == 0:
            image[0, at, :] += 1.0
        elif label == 1:
            image[0, :, at] += 1.0
        else:
            image[0] += np.eye(12, dtype=np.float32)
    return images, labels


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 3 * 3, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


def build():
    return Net()


def run(model):
    rng = np.random.default_rng(2)
    images, labels = bars(192, rng)
    train = TensorDataset(torch.tensor(images), torch.tensor(labels))
    loader = DataLoader(train, batch_size=32, shuffle=False, drop_last=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for epoch in range(3):
        model.train()
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    test_images, test_labels = bars(128, rng)
    with torch.no_grad():
        predicted = model(torch.tensor(test_images)).argmax(dim=1)
        accuracy = (predicted == torch.tensor(test_labels)).float().mean().item()
    print(f"accuracy {accuracy:.3f}")
    assert accuracy > 0.5   # three classes: chance is 1/3
    return losses
