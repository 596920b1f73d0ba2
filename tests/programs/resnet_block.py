"""A tiny ResNet: BasicBlocks with identity and 1x1-projection shortcuts, kaiming init via
model.apply, AdaptiveAvgPool2d((1, 1)), torch.flatten(x, 1), freezing the stem with
requires_grad_(False), counting parameters, Adam with amsgrad."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.layer1 = BasicBlock(8, 8)
        self.layer2 = BasicBlock(8, 16, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16 * BasicBlock.expansion, num_classes)

    def forward(self, x):
        x = self.stem(x)
        x = self.layer2(self.layer1(x))
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def init_weights(m):
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
        nn.init.constant_(m.weight, 1)
        nn.init.constant_(m.bias, 0)
    elif isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


def build():
    model = ResNet()
    model.apply(init_weights)
    return model


def run(model):
    rng = np.random.default_rng(5)
    x = torch.tensor(rng.normal(size=(48, 1, 8, 8)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 3, 48))
    x[y == 1, :, :4, :] += 1.0
    x[y == 2, :, :, :4] -= 1.0
    total = sum(p.numel() for p in model.parameters())
    for param in model.stem.parameters():
        param.requires_grad_(False)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"params: {total:,} trainable: {trainable:,}")
    for name, param in model.named_parameters():
        if not param.requires_grad:
            print("frozen", name, tuple(param.shape))
    optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()),
                                 lr=3e-3, amsgrad=True, weight_decay=1e-4)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for step in range(8):
        model.train()
        optimizer.zero_grad()
        loss = criterion(model(x[:32]), y[:32])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        assert model.stem[0].weight.grad is None
    model.eval()
    with torch.no_grad():
        logits = model(x[32:])
        acc = (torch.argmax(logits, 1) == y[32:]).float().mean()
        losses.append(criterion(logits, y[32:]).item())
    print(f"acc {acc.item():.2f}")
    return losses
