"""A WGAN-GP style gradient penalty: torch.autograd.grad with create_graph=True on an
interpolate between real and fake points, the penalty ((norm - 1) ** 2).mean() backpropagated
into the critic, Adam with betas=(0.5, 0.9)."""
import numpy as np
import torch
import torch.nn as nn
from torch import autograd


def build():
    return nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))


def gradient_penalty(critic, real, fake, alpha):
    interpolates = alpha * real + (1 - alpha) * fake
    interpolates.requires_grad_(True)
    out = critic(interpolates)
    gradients = autograd.grad(outputs=out, inputs=interpolates,
                              grad_outputs=torch.ones(out.size()),
                              create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


def run(critic):
    rng = np.random.default_rng(8)
    optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    losses = []
    for it in range(10):
        real = torch.from_numpy(rng.normal(2, 0.5, (32, 2)).astype(np.float32))
        fake = torch.from_numpy(rng.normal(-1, 1, (32, 2)).astype(np.float32))
        alpha = torch.from_numpy(rng.random((32, 1)).astype(np.float32)).expand(real.size())
        optimizer.zero_grad()
        d_loss = critic(fake).mean() - critic(real).mean()
        gp = gradient_penalty(critic, real, fake, alpha)
        loss = d_loss + 10 * gp
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
