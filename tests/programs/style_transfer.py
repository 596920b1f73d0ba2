"""Optimising an input image as neural style transfer does: a frozen feature extractor
(requires_grad_(False) on its parameters, eval()), Gram matrices with mm / view, content and
style losses as modules holding detached targets, LBFGS over [input_img], and
input_img.data.clamp_(0, 1) under no_grad in the closure. In float64: LBFGS's stopping tests
(changes below 1e-9) meet these small losses, and float32 rounding would decide them."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def gram_matrix(input):
    a, b, c, d = input.size()
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


class ContentLoss(nn.Module):
    def __init__(self, target):
        super(ContentLoss, self).__init__()
        self.target = target.detach()

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


class StyleLoss(nn.Module):
    def __init__(self, target_feature):
        super(StyleLoss, self).__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        self.loss = F.mse_loss(gram_matrix(input), self.target)
        return input


def build():
    return nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 8, 3, padding=1), nn.ReLU())


def run(cnn):
    cnn = cnn.double().eval()
    for p in cnn.parameters():
        p.requires_grad_(False)
    rng = np.random.default_rng(12)
    content_img = torch.from_numpy(rng.random((1, 3, 10, 10)).astype(np.float64))
    style_img = torch.from_numpy(rng.random((1, 3, 10, 10)).astype(np.float64))
    model = nn.Sequential()
    content_losses, style_losses = [], []
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = 'conv_{}'.format(i)
        elif isinstance(layer, nn.ReLU):
            name = 'relu_{}'.format(i)
            layer = nn.ReLU(inplace=False)
        model.add_module(name, layer)
        if name == 'conv_2':
            target = model(content_img).detach()
            content_loss = ContentLoss(target)
            model.add_module("content_loss_{}".format(i), content_loss)
            content_losses.append(content_loss)
        if name.startswith('conv'):
            target_feature = model(style_img).detach()
            style_loss = StyleLoss(target_feature)
            model.add_module("style_loss_{}".format(i), style_loss)
            style_losses.append(style_loss)
    input_img = content_img.clone()
    input_img.requires_grad_(True)
    model.eval()
    model.requires_grad_(False)
    optimizer = torch.optim.LBFGS([input_img])
    losses = []
    for step in range(3):
        def closure():
            with torch.no_grad():
                input_img.clamp_(0, 1)
            optimizer.zero_grad()
            model(input_img)
            style_score = sum(sl.loss for sl in style_losses) * 1000
            content_score = sum(cl.loss for cl in content_losses)
            loss = style_score + content_score
            loss.backward()
            return style_score + content_score
        losses.append(optimizer.step(closure).item())
    with torch.no_grad():
        input_img.data.clamp_(0, 1)
    assert input_img.min() >= 0 and input_img.max() <= 1
    return losses
