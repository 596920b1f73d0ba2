"""A small GAN on a 1-D mixture of two Gaussians: a generator and a discriminator, each with
its own Adam optimizer, BCEWithLogitsLoss, the generator's samples detach()-ed for the
discriminator's step, noise drawn with NumPy so both libraries see the same. Both players'
losses are compared; a GAN's losses oscillate rather than fall, so LOSS_FALLS is False."""
import numpy as np
import torch
import torch.nn as nn

LOSS_FALLS = False


class GAN(nn.Module):
    def __init__(self):
        super().__init__()
        self.generator = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
        self.discriminator = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2),
                                           nn.Linear(16, 1))


def build():
    return GAN()


def run(model):
    rng = np.random.default_rng(15)
    G, D = model.generator, model.discriminator
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)
    losses = []
    for step in range(30):
        centers = rng.choice([-2.0, 2.0], (64, 1))
        real = torch.tensor(centers + 0.3 * rng.standard_normal((64, 1)), dtype=torch.float32)
        noise = torch.tensor(rng.standard_normal((64, 4)), dtype=torch.float32)
        fake = G(noise)
        loss_d = criterion(D(real), ones) + criterion(D(fake.detach()), zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = criterion(D(fake), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        losses += [loss_d.item(), loss_g.item()]
    return losses
