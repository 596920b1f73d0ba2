"""A character-level bigram model of names, twice: counted (a table of pair counts,
normalised into probabilities) and learned (a 27x27 weight matrix trained by gradient descent
on the same pairs, with one-hot inputs and a softmax); then names sampled with multinomial."""
import numpy as np
import torch
import torch.nn.functional as F

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia",
         "harper", "evelyn", "abigail", "emily", "elizabeth", "mila", "ella", "avery",
         "sofia", "camila", "aria", "scarlett", "victoria", "madison", "luna", "grace"]


def run(model=None):
    chars = sorted(set("".join(WORDS)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    size = len(stoi)
    xs, ys = [], []
    for word in WORDS:
        letters = ["."] + list(word) + ["."]
        for ch1, ch2 in zip(letters, letters[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    xs, ys = torch.tensor(xs), torch.tensor(ys)

    counts = torch.zeros((size, size), dtype=torch.int32)
    for ix1, ix2 in zip(xs.tolist(), ys.tolist()):
        counts[ix1, ix2] += 1
    P = (counts + 1).float()
    P /= P.sum(1, keepdim=True)
    counted = -P[xs, ys].log().mean().item()

    W = torch.tensor(np.random.default_rng(4).standard_normal((size, size)),
                     dtype=torch.float32, requires_grad=True)
    xenc = F.one_hot(xs, num_classes=size).float()
    losses = []
    for step in range(60):
        logits = xenc @ W
        counts_hat = logits.exp()
        probs = counts_hat / counts_hat.sum(1, keepdims=True)
        loss = -probs[torch.arange(len(xs)), ys].log().mean() + 0.01 * (W ** 2).mean()
        if step % 5 == 0:
            losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -10 * W.grad
    assert losses[-1] < losses[0] and counted < losses[0]

    g = torch.Generator().manual_seed(2147483647)
    for _ in range(3):
        out, ix = [], 0
        while True:
            ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
            if ix == 0 or len(out) > 20:
                break
            out.append(itos[ix])
        assert all(ch in stoi for ch in out)
    return losses
