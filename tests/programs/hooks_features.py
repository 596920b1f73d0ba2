"""Feature extraction and inspection with hooks: register_forward_hook storing activations
in a dict, a backward hook on a tensor, register_full_backward_hook on a module, removing
the handles, named_modules to find layers, and a frozen backbone with a new head."""
import numpy as np
import torch
import torch.nn as nn

activation = {}


def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.pool = nn.AdaptiveMaxPool2d(2)
        self.fc = nn.Linear(16, 8)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(x))), 1))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.backbone(x))


def build():
    return Model()


def run(model):
    rng = np.random.default_rng(10)
    x = torch.from_numpy(rng.normal(size=(16, 1, 6, 6)).astype(np.float32))
    y = torch.from_numpy((rng.random(16) > 0.5).astype(np.int64))
    handles = [model.backbone.conv.register_forward_hook(get_activation('conv')),
               model.backbone.fc.register_forward_hook(get_activation('fc'))]
    grads = {}
    handles.append(model.head.register_full_backward_hook(
        lambda module, grad_input, grad_output: grads.__setitem__('head', grad_output[0].detach())))
    for param in model.backbone.parameters():
        param.requires_grad = False
    names = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    assert names == ['backbone.fc', 'head'], names
    optimizer = torch.optim.SGD(model.head.parameters(), lr=0.1)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for step in range(6):
        optimizer.zero_grad()
        out = model(x)
        out.register_hook(lambda g: g * 1.0)
        loss = criterion(out, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert activation['conv'].shape == (16, 4, 4, 4) and activation['fc'].shape == (16, 8)
    assert grads['head'].shape == (16, 2)
    for h in handles:
        h.remove()
    activation.clear()
    model(x)
    assert not activation
    return losses
