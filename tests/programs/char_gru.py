"""A character-level GRU language model trained with truncated BPTT: hidden state carried
between chunks with hidden.detach(), clip_grad_norm_, then sampling with torch.multinomial
from softmax(logits / temperature)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

text = "hello world. the quick brown fox jumps over the lazy dog. " * 4
chars = sorted(list(set(text)))
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for ch, i in stoi.items()}


class CharRNN(nn.Module):
    def __init__(self, vocab_size, hidden_size=24, n_layers=2):
        super().__init__()
        self.hidden_size, self.n_layers = hidden_size, n_layers
        self.encoder = nn.Embedding(vocab_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, n_layers, dropout=0.0)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, input, hidden):
        output, hidden = self.gru(self.encoder(input), hidden)
        return self.decoder(output), hidden

    def init_hidden(self, batch_size):
        return torch.zeros(self.n_layers, batch_size, self.hidden_size)


def build():
    return CharRNN(len(chars))


def run(model):
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    batch, bptt = 4, 10
    nb = data.size(0) // batch
    data = data.narrow(0, 0, nb * batch).view(batch, -1).t().contiguous()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(2):
        hidden = model.init_hidden(batch)
        for i in range(0, data.size(0) - 1, bptt):
            seq_len = min(bptt, len(data) - 1 - i)
            inp, target = data[i:i + seq_len], data[i + 1:i + 1 + seq_len].reshape(-1)
            hidden = hidden.detach()
            model.zero_grad()
            output, hidden = model(inp, hidden)
            loss = criterion(output.view(-1, len(chars)), target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25 * 4)
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        hidden = model.init_hidden(1)
        inp = torch.tensor([[stoi['t']]])
        out = 't'
        for _ in range(20):
            logits, hidden = model(inp, hidden)
            probs = F.softmax(logits.squeeze() / 0.8, dim=-1)
            idx = torch.multinomial(probs, num_samples=1).item()
            out += itos[idx]
            inp.fill_(idx)
    assert len(out) == 21
    return losses
