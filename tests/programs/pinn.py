"""A physics-informed network for u'' = -u on [0, pi] with u(0) = 0, u'(0) = 1: derivatives
of the output with respect to the input by torch.autograd.grad(create_graph=True),
twice, the residual and boundary terms in the loss, Adam then a few LBFGS steps."""
import numpy as np
import torch
import torch.nn as nn


def build():
    return nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))


def run(net):
    x = torch.linspace(0, np.pi, 32).view(-1, 1).requires_grad_(True)
    x0 = torch.zeros(1, 1, requires_grad=True)

    def loss_fn():
        u = net(x)
        du = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
        d2u = torch.autograd.grad(du, x, grad_outputs=torch.ones_like(du), create_graph=True)[0]
        residual = d2u + u
        u0 = net(x0)
        du0, = torch.autograd.grad(u0.sum(), x0, create_graph=True)
        return residual.pow(2).mean() + (u0 ** 2).sum() + ((du0 - 1) ** 2).sum()

    losses = []
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for it in range(15):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    lbfgs = torch.optim.LBFGS(net.parameters(), lr=0.5, max_iter=5, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    for it in range(2):
        losses.append(lbfgs.step(closure).item())
    return losses
