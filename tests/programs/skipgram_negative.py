"""Word2vec skip-gram with negative sampling: center and context Embeddings, scores by
torch.bmm of (B, 1, D) and (B, D, K), F.logsigmoid of positive and negated negative scores,
SparseAdam's usual stand-in Adam, then the learnt vectors put into a classifier through
nn.Embedding.from_pretrained(freeze=True) and compared with F.cosine_similarity."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, DIM, NEG = 20, 8, 4


class SkipGram(nn.Module):
    def __init__(self):
        super().__init__()
        self.u_embeddings = nn.Embedding(VOCAB, DIM)
        self.v_embeddings = nn.Embedding(VOCAB, DIM)
        initrange = 1.0 / DIM
        nn.init.uniform_(self.u_embeddings.weight.data, -initrange, initrange)
        nn.init.uniform_(self.v_embeddings.weight.data, -initrange, initrange)

    def forward(self, pos_u, pos_v, neg_v):
        emb_u = self.u_embeddings(pos_u)
        emb_v = self.v_embeddings(pos_v)
        emb_neg_v = self.v_embeddings(neg_v)
        score = torch.sum(torch.mul(emb_u, emb_v), dim=1)
        score = torch.clamp(score, max=10, min=-10)
        score = -F.logsigmoid(score)
        neg_score = torch.bmm(emb_neg_v, emb_u.unsqueeze(2)).squeeze()
        neg_score = torch.clamp(neg_score, max=10, min=-10)
        neg_score = -torch.sum(F.logsigmoid(-neg_score), dim=1)
        return torch.mean(score + neg_score)


def build():
    return SkipGram()


def run(model):
    rng = np.random.default_rng(21)
    corpus = np.concatenate([(np.arange(10) + s) % 10 + 10 * (s % 2) for s in range(40)])
    pairs = np.array([(corpus[i], corpus[i + d]) for i in range(2, len(corpus) - 2)
                      for d in (-2, -1, 1, 2)])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for step in range(12):
        batch = pairs[rng.integers(0, len(pairs), 64)]
        pos_u = torch.LongTensor(batch[:, 0])
        pos_v = torch.LongTensor(batch[:, 1])
        neg_v = torch.from_numpy(rng.integers(0, VOCAB, (64, NEG)))
        optimizer.zero_grad()
        loss = model(pos_u, pos_v, neg_v)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    vectors = model.u_embeddings.weight.detach()
    frozen = nn.Embedding.from_pretrained(vectors, freeze=True)
    assert not frozen.weight.requires_grad
    sims = F.cosine_similarity(frozen(torch.tensor([1])), frozen.weight, dim=1)
    nearest = sims.topk(3).indices
    print("nearest to 1:", nearest.tolist())
    assert nearest[0].item() == 1   # a vector is nearest to itself
    return losses
