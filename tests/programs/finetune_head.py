"""Transfer learning as the fine-tuning tutorial does it: a "pretrained" backbone whose
state_dict is saved and loaded, its classifier head replaced by item assignment
(model.classifier[-1] = nn.Linear(...)), the features frozen with requires_grad = False, two
parameter groups with their own learning rates, an lr_scheduler, and the best weights kept
with copy.deepcopy(model.state_dict())."""
import copy
import io

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim import lr_scheduler


class TinyVGG(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((2, 2)))
        self.classifier = nn.Sequential(
            nn.Linear(8 * 2 * 2, 16), nn.ReLU(True), nn.Dropout(p=0.0), nn.Linear(16, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def build():
    pretrained = TinyVGG()
    buffer = io.BytesIO()
    torch.save(pretrained.state_dict(), buffer)
    buffer.seek(0)
    model = TinyVGG()
    model.load_state_dict(torch.load(buffer))
    for param in model.features.parameters():
        param.requires_grad = False
    num_ftrs = model.classifier[-1].in_features
    model.classifier[-1] = nn.Linear(num_ftrs, 3)
    return model


def run(model):
    rng = np.random.default_rng(17)
    x = torch.from_numpy(rng.normal(size=(48, 1, 8, 8)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 3, 48))
    x[y == 0, :, :4] += 1.5
    x[y == 2, :, :, 4:] -= 1.5
    optimizer = optim.SGD([
        {"params": model.classifier[:-1].parameters()},
        {"params": model.classifier[-1].parameters(), "lr": 0.05},
    ], lr=0.01, momentum=0.9)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.1)
    criterion = nn.CrossEntropyLoss()
    best_acc, best_model_wts = 0.0, copy.deepcopy(model.state_dict())
    losses = []
    for epoch in range(5):
        model.train()
        optimizer.zero_grad()
        with torch.set_grad_enabled(True):
            outputs = model(x[:32])
            _, preds = torch.max(outputs, 1)
            loss = criterion(outputs, y[:32])
            loss.backward()
            optimizer.step()
        exp_lr_scheduler.step()
        losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            running_corrects = torch.sum(model(x[32:]).argmax(1) == y[32:].data)
        epoch_acc = running_corrects.double() / 16
        if epoch_acc > best_acc:
            best_acc = epoch_acc
            best_model_wts = copy.deepcopy(model.state_dict())
        print(f"epoch {epoch} loss {loss.item():.4f} acc {epoch_acc:.4f} lrs {[g['lr'] for g in optimizer.param_groups]}")
    model.load_state_dict(best_model_wts)
    assert model.features[0].weight.grad is None
    return losses
