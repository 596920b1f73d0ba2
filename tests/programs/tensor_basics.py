"""Tensor basics from a "tensors tutorial": creation, dtypes, indexing, reductions, sorting,
one_hot, where, clamp, in-place ops, NumPy round trips, then a logistic regression in raw
tensors with manual gradient descent under torch.no_grad()."""
import numpy as np
import torch
import torch.nn.functional as F


def run(model):
    torch.set_printoptions(precision=3)
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    print(f"Ones Tensor: \n {x_ones} \n")
    shape = (2, 3,)
    zeros_tensor = torch.zeros(shape)
    print(f"Shape of tensor: {zeros_tensor.shape}")
    print(f"Datatype of tensor: {zeros_tensor.dtype}")
    print(f"Device tensor is stored on: {zeros_tensor.device}")
    tensor = torch.ones(4, 4)
    print(f"First row: {tensor[0]}")
    print(f"Last column: {tensor[..., -1]}")
    tensor[:, 1] = 0
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    z1 = tensor * tensor
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    agg = tensor.sum()
    agg_item = agg.item()
    print(agg_item, type(agg_item))
    tensor.add_(5)
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    assert n[0] == 2.0
    np.add(n, 1, out=n)
    assert t[0].item() == 3.0

    a = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    lin = torch.linspace(0, 1, steps=5)
    vals, idx = torch.max(a, 1)
    s, order = torch.sort(torch.tensor([3.0, 1.0, 2.0]), descending=True)
    top = torch.topk(a.flatten(), 3)
    oh = F.one_hot(torch.tensor([0, 2, 1]), num_classes=3)
    w = torch.where(a > 5, a, torch.zeros_like(a))
    c = torch.clamp(a, min=2, max=8)
    print(vals, idx, s, order, top.values, top.indices, oh, lin, sep="\n")
    print(a.mean(dim=0, keepdim=True), a.std(), a.var(unbiased=False), a.t().shape, a.size(-1))
    print(w.sum(), c.max(), a.float().long().dtype, torch.stack([a, a]).shape)
    print(torch.zeros(3, dtype=torch.long), a.view(a.size(0), -1).shape, a.shape[0])
    print(x_np.dtype, x_rand.dtype, t1.shape, z1.sum(), y2.sum(), y1.equal(y2), agg)
    b = torch.empty(2, 3).uniform_(-1, 1)
    b.zero_()
    b.mul_(3).add_(torch.ones(2, 3), alpha=2)
    print(b, b.dtype, b.numel(), b.dim(), b.ndim, b.is_contiguous())
    print(torch.tensor([1.5, 2.25], requires_grad=True) * 2)

    rng = np.random.default_rng(9)
    X = torch.from_numpy(rng.normal(size=(60, 2))).float()
    Y = ((X[:, 0] - X[:, 1]) > 0).float()
    w = torch.zeros(2, 1, requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    losses = []
    for epoch in range(20):
        p = torch.sigmoid(X @ w + bias).squeeze()
        loss = -(Y * torch.log(p + 1e-8) + (1 - Y) * torch.log(1 - p + 1e-8)).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.5 * w.grad
            bias -= 0.5 * bias.grad
            w.grad.zero_()
            bias.grad.zero_()
        losses.append(loss.item())
    print(f"w = {w.detach().numpy().ravel()}, loss {loss:.4f}")
    torch.set_printoptions(profile="default")   # the print options are global: put them back
    return losses
