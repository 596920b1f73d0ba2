"""A seq2seq GRU that learns to reverse short digit sequences: an Embedding and a GRU encoder,
a GRU decoder started from the encoder's last hidden state and fed the target shifted right
(teacher forcing), a Linear layer over the vocabulary, cross-entropy, Adam with gradient
clipping; then greedy decoding."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, START, LENGTH, HIDDEN = 10, 10, 5, 32


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB + 1, 16)
        self.encoder = nn.GRU(16, HIDDEN, batch_first=True)
        self.decoder = nn.GRU(16, HIDDEN, batch_first=True)
        self.out = nn.Linear(HIDDEN, VOCAB)

    def forward(self, source, target_in):
        _, hidden = self.encoder(self.embed(source))
        output, _ = self.decoder(self.embed(target_in), hidden)
        return self.out(output)

    @torch.no_grad()
    def greedy(self, source):
        _, hidden = self.encoder(self.embed(source))
        token = torch.full((source.shape[0], 1), START, dtype=torch.long)
        result = []
        for _ in range(LENGTH):
            output, hidden = self.decoder(self.embed(token), hidden)
            token = self.out(output).argmax(-1)
            result.append(token)
        return torch.cat(result, dim=1)


def build():
    return Seq2Seq()


def run(model):
    rng = np.random.default_rng(7)
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    losses = []
    for step in range(15):
        source = torch.tensor(rng.integers(0, VOCAB, (32, LENGTH)))
        target = torch.flip(source, dims=[1])
        target_in = torch.cat([torch.full((32, 1), START, dtype=torch.long), target[:, :-1]], 1)
        logits = model(source, target_in)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    decoded = model.greedy(torch.tensor(rng.integers(0, VOCAB, (4, LENGTH))))
    assert decoded.shape == (4, LENGTH)
    return losses
