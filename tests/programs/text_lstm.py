"""A text classifier: a tiny vocabulary, sentences padded with pad_sequence, nn.Embedding
with padding_idx=0, pack_padded_sequence(enforce_sorted=False) into a bidirectional LSTM,
the last hidden states of both directions joined, CrossEntropyLoss with label smoothing."""
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

POS = "good great fine nice love happy best".split()
NEG = "bad awful poor hate sad worst terrible".split()
FILL = "the a movie was it is and this film".split()


def sentences(n, rng):
    out = []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(FILL, rng.integers(2, 6)))
        words.insert(int(rng.integers(0, len(words))), str(rng.choice(POS if label else NEG)))
        out.append((words, label))
    return out


class Classifier(nn.Module):
    def __init__(self, vocab_size, embed_dim=8, hidden_dim=12, num_class=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_dim, num_class)

    def forward(self, text, lengths):
        embedded = self.embedding(text)
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_output, (hidden, cell) = self.lstm(packed)
        output, output_lengths = pad_packed_sequence(packed_output, batch_first=True)
        assert torch.equal(output_lengths, lengths)
        hidden = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        return self.fc(hidden)


counter = Counter(w for w in FILL + POS + NEG)
vocab = {"<pad>": 0, "<unk>": 1}
for word, _ in counter.most_common():
    vocab[word] = len(vocab)


def build():
    return Classifier(len(vocab))


def encode(batch):
    seqs = [torch.tensor([vocab.get(w, 1) for w in words], dtype=torch.long) for words, _ in batch]
    lengths = torch.tensor([len(s) for s in seqs])
    labels = torch.tensor([label for _, label in batch], dtype=torch.int64)
    return pad_sequence(seqs, batch_first=True, padding_value=0), lengths, labels


def run(model):
    rng = np.random.default_rng(1)
    train = sentences(64, rng)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for epoch in range(3):
        for i in range(0, len(train), 16):
            text, lengths, labels = encode(train[i:i + 16])
            optimizer.zero_grad()
            predicted = model(text, lengths)
            loss = criterion(predicted, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1 * 10)
            optimizer.step()
            losses.append(loss.item())
    assert model.embedding.weight.grad[0].abs().sum() == 0
    text, lengths, labels = encode(sentences(32, rng))
    with torch.no_grad():
        acc = (model(text, lengths).argmax(1) == labels).sum().item() / len(labels)
    print(f"accuracy {acc:.2f}")
    return losses
