"""A TransformerEncoder classifier: is there a 7 among the tokens? Token embeddings plus a
learned position embedding, two nn.TransformerEncoderLayer (batch_first, no dropout) in an
nn.TransformerEncoder with a padding mask, mean pooling over the real tokens, a Linear head,
cross-entropy and Adam."""
import numpy as np
import torch
import torch.nn as nn

VOCAB, PAD, LENGTH, WIDTH = 10, 0, 8, 16


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, WIDTH, padding_idx=PAD)
        self.position = nn.Parameter(torch.zeros(1, LENGTH, WIDTH))
        layer = nn.TransformerEncoderLayer(WIDTH, nhead=2, dim_feedforward=32, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(WIDTH, 2)

    def forward(self, tokens):
        padding = tokens == PAD
        x = self.encoder(self.embed(tokens) + self.position, src_key_padding_mask=padding)
        keep = (~padding).unsqueeze(-1).float()
        return self.head((x * keep).sum(1) / keep.sum(1))


def build():
    return Classifier()


def batch(rng, n=32):
    tokens = rng.integers(1, VOCAB, (n, LENGTH))
    lengths = rng.integers(3, LENGTH + 1, n)
    tokens[np.arange(LENGTH)[None, :] >= lengths[:, None]] = PAD
    labels = (tokens == 7).any(1).astype(np.int64)
    return torch.tensor(tokens), torch.tensor(labels)


def run(model):
    rng = np.random.default_rng(8)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for step in range(15):
        tokens, labels = batch(rng)
        loss = criterion(model(tokens), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
