"""A VAE on binary 4x4 patterns: encoder to mu and logvar, the reparameterisation trick
(the noise drawn once from a seeded NumPy generator so both runs agree; randn_like used when
generating), BCE with reduction='sum' plus the KL term."""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self, latent=2):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc21 = nn.Linear(32, latent)
        self.fc22 = nn.Linear(32, latent)
        self.fc3 = nn.Linear(latent, 32)
        self.fc4 = nn.Linear(32, 16)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps=None):
        std = torch.exp(0.5 * logvar)
        if eps is None:
            eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps=None):
        mu, logvar = self.encode(x.view(-1, 16))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 16), reduction='sum')
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def build():
    return VAE()


def run(model):
    rng = np.random.default_rng(7)
    protos = (rng.random((4, 4, 4)) > 0.5).astype(np.float32)
    data = torch.from_numpy(protos[rng.integers(0, 4, 64)])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for epoch in range(10):
        model.train()
        optimizer.zero_grad()
        eps = torch.from_numpy(rng.standard_normal((64, 2)).astype(np.float32))
        recon_batch, mu, logvar = model(data, eps)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        optimizer.step()
        losses.append(loss.item() / len(data))
        print('Epoch: {} Average loss: {:.4f}'.format(epoch, loss.item() / len(data)))
    with torch.no_grad():
        sample = torch.randn(8, 2)
        sample = model.decode(sample).cpu()
        assert sample.shape == (8, 16) and bool(((sample >= 0) & (sample <= 1)).all())
        z = model.reparameterize(torch.zeros(3, 2), torch.zeros(3, 2))
        assert z.shape == torch.Size([3, 2])
    return losses
