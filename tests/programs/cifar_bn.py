"""A CIFAR-style CNN: conv + BatchNorm2d + ReLU blocks, Dropout, nn.Flatten, SGD with
momentum and weight decay, a StepLR schedule, accuracy as correct / total."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, num_classes=4):
        super(Net, self).__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(inplace=True),
            nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.0), nn.Linear(16 * 2 * 2, 32), nn.ReLU(),
            nn.Linear(32, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def build():
    return Net()


def data(n, rng):
    x = rng.normal(0, 1, (n, 3, 8, 8)).astype(np.float32)
    y = rng.integers(0, 4, n)
    for i in range(n):
        x[i, y[i] % 3, :, :] += 1.5 if y[i] < 3 else -1.5
    return torch.from_numpy(x), torch.from_numpy(y)


def run(model):
    rng = np.random.default_rng(3)
    xtr, ytr = data(128, rng)
    xte, yte = data(64, rng)
    trainloader = DataLoader(TensorDataset(xtr, ytr), batch_size=32, shuffle=False)
    testloader = DataLoader(TensorDataset(xte, yte), batch_size=16)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    print(model)
    losses = []
    for epoch in range(4):
        model.train()
        running_loss = 0.0
        for i, (inputs, labels) in enumerate(trainloader, 0):
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            losses.append(loss.item())
        scheduler.step()
        print(f"[{epoch + 1}] loss: {running_loss / len(trainloader):.3f} lr {scheduler.get_last_lr()[0]:.4f}")
        correct = 0
        total = 0
        model.eval()
        with torch.no_grad():
            for images, labels in testloader:
                outputs = model(images)
                _, predicted = torch.max(outputs.data, 1)
                total += labels.size(0)
                correct += (predicted == labels).sum().item()
        print(f"Accuracy: {100 * correct // total} %  {correct / total:.2f}")
        losses.append(correct / total)
    return losses
