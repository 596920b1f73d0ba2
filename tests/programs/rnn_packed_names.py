"""Which of two made-up languages does a name come from? Names of different lengths as index
sequences, padded with pad_sequence, packed with pack_padded_sequence for an nn.RNN (so the
padding never reaches it), the last hidden state into a Linear layer; RMSprop."""
import numpy as np
import torch
import torch.nn as nn
from torch import optim
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def names(n, rng):
    """Language 0 ends its names in vowels and likes 'k'; language 1 ends in consonants."""
    out, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        letters = list("kaeiou" if label == 0 else "bdfgmnrst")
        body = "".join(rng.choice(letters, rng.integers(2, 8)))
        out.append(body + ("a" if label == 0 else "n"))
        labels.append(label)
    return out, labels


class NameClassifier(nn.Module):
    def __init__(self, hidden=24):
        super().__init__()
        self.embed = nn.Embedding(len(LETTERS) + 1, 8, padding_idx=0)
        self.rnn = nn.RNN(8, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 2)

    def forward(self, padded, lengths):
        packed = pack_padded_sequence(self.embed(padded), lengths, batch_first=True,
                                      enforce_sorted=False)
        _, hidden = self.rnn(packed)
        return self.out(hidden[-1])


def build():
    return NameClassifier()


def run(model):
    words, labels = names(64, np.random.default_rng(10))
    sequences = [torch.tensor([LETTERS.index(c) + 1 for c in w]) for w in words]
    padded = pad_sequence(sequences, batch_first=True)
    lengths = torch.tensor([len(s) for s in sequences])
    targets = torch.tensor(labels)
    optimizer = optim.RMSprop(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for step in range(20):
        loss = criterion(model(padded, lengths), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
