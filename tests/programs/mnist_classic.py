"""The classic MNIST example of the early PyTorch releases, on 16x16 synthetic digits:
Conv2d / max_pool2d / relu chains, F.dropout(x, training=self.training), x.view(-1, n),
F.log_softmax(x) without dim (the implicit choice, with its warning), Adadelta with a
StepLR(gamma=0.7), the test loop's nll_loss(reduction='sum').item() and
pred.eq(target.view_as(pred)).sum().item(), and the log line's format. Dropout's p is 0 so
that both runs draw nothing."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR


class Net(nn.Module):
    def __init__(self, p=0.0):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=3)
        self.conv2 = nn.Conv2d(6, 8, kernel_size=3)
        self.conv2_drop = nn.Dropout2d(p)
        self.fc1 = nn.Linear(32, 20)
        self.fc2 = nn.Linear(20, 4)
        self.p = p

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 32)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, p=self.p, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x)


def build():
    return Net()


def digits(n, rng):
    x = rng.normal(0, 0.5, (n, 1, 16, 16)).astype(np.float32)
    y = rng.integers(0, 4, n)
    for img, label in zip(x, y):
        img[0, 2 + 3 * label: 5 + 3 * label, 2:14] += 2.0
    return torch.from_numpy(x), torch.from_numpy(y)


def train(model, device, batches, optimizer, epoch, losses, log_interval=2):
    model.train()
    for batch_idx, (data, target) in enumerate(batches):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if batch_idx % log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), 64, 100. * batch_idx / len(batches), loss.item()))


def test(model, device, data, target, losses):
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        output = model(data.to(device))
        test_loss += F.nll_loss(output, target, reduction='sum').item()
        pred = output.argmax(dim=1, keepdim=True)
        correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(data)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(data), 100. * correct / len(data)))
    losses.append(test_loss)


def run(model):
    torch.manual_seed(1)
    device = torch.device("cpu")
    rng = np.random.default_rng(4)
    x, y = digits(64, rng)
    batches = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)]
    x_test, y_test = digits(32, rng)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses = []
    for epoch in range(1, 4):
        train(model, device, batches, optimizer, epoch, losses)
        test(model, device, x_test, y_test, losses)
        scheduler.step()
    return losses
