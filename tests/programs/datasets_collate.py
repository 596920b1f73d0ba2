"""Data pipelines of one's own: a map-style Dataset of variable-length token sequences batched
by a collate_fn that pads them (pad_sequence) and returns the lengths too, and an
IterableDataset streaming the validation set; a bag-of-embeddings classifier with a masked
mean, Adam, validation loss under no_grad."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader, Dataset, IterableDataset

VOCAB, PAD = 20, 0


def sequences(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        tokens = rng.integers(1, 10, rng.integers(2, 9)) + (10 if label else 0)
        tokens[rng.random(len(tokens)) < 0.3] = rng.integers(1, VOCAB)   # noise tokens
        out.append((tokens.tolist(), label))
    return out


class Sequences(Dataset):
    def __init__(self, n, seed):
        self.items = sequences(n, seed)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        tokens, label = self.items[index]
        return torch.tensor(tokens), label


class Stream(IterableDataset):
    def __init__(self, n, seed):
        self.n, self.seed = n, seed

    def __iter__(self):
        for tokens, label in sequences(self.n, self.seed):
            yield torch.tensor(tokens), label


def pad_batch(batch):
    tokens, labels = zip(*batch)
    lengths = torch.tensor([len(t) for t in tokens])
    return pad_sequence(list(tokens), batch_first=True, padding_value=PAD), lengths, \
        torch.tensor(labels)


class BagOfEmbeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 12, padding_idx=PAD)
        self.out = nn.Linear(12, 2)

    def forward(self, tokens, lengths):
        mask = (tokens != PAD).unsqueeze(-1).float()
        mean = (self.embed(tokens) * mask).sum(1) / lengths.unsqueeze(-1).float()
        return self.out(mean)


def build():
    return BagOfEmbeddings()


def run(model):
    train = DataLoader(Sequences(160, 12), batch_size=16, shuffle=False, collate_fn=pad_batch)
    valid = DataLoader(Stream(48, 13), batch_size=16, collate_fn=pad_batch)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for epoch in range(3):
        model.train()
        for tokens, lengths, labels in train:
            loss = F.cross_entropy(model(tokens, lengths), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            total = sum(F.cross_entropy(model(t, n), y, reduction="sum").item()
                        for t, n, y in valid)
        losses.append(total / 48)
    return losses
