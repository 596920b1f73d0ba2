"""A convolutional autoencoder: Conv2d layers with stride 2 encode 1x16x16 blobs down to
8x4x4, ConvTranspose2d layers decode them back, MSE between input and reconstruction, Adam."""
import numpy as np
import torch
import torch.nn as nn
from torch import optim


def blobs(n, rng):
    grid = np.arange(16)
    centers = rng.uniform(4, 12, (n, 2))
    widths = rng.uniform(1.5, 3.5, (n, 1, 1))
    dy = (grid[None, :, None] - centers[:, 0, None, None]) ** 2
    dx = (grid[None, None, :] - centers[:, 1, None, None]) ** 2
    return np.exp(-(dx + dy) / (2 * widths ** 2))[:, None].astype(np.float32)


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.ConvTranspose2d(4, 1, 2, stride=2), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def build():
    return AutoEncoder()


def run(model):
    images = torch.from_numpy(blobs(96, np.random.default_rng(6)))
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for epoch in range(3):
        for batch in images.split(32):
            reconstruction = model(batch)
            assert reconstruction.shape == batch.shape
            loss = criterion(reconstruction, batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses
