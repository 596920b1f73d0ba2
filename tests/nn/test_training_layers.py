"""The new layers together in a model trained for a few steps, in chainrule and in PyTorch
from the same weights: the losses and the final weights agree (float64)."""
import numpy as np

import chainrule as cr
from nn_helpers import torch


def autoencoder(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, padding_mode="reflect"),
                                        nn.GroupNorm(2, 4), nn.SiLU())
            self.pool = nn.MaxPool2d(2, return_indices=True)
            self.unpool = nn.MaxUnpool2d(2)
            self.decode = nn.Sequential(nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1,
                                                           output_padding=1), nn.Hardswish(),
                                        nn.Upsample(scale_factor=0.5, mode="bilinear"),
                                        nn.Identity(),
                                        nn.InstanceNorm2d(4, affine=True), nn.Mish(),
                                        nn.Conv2d(4, 1, 1))
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(),
                                      nn.Unflatten(1, (4, 4)), nn.Flatten(), nn.Linear(16, 2))

        def forward(self, x):
            h = self.encode(x)
            pooled, index = self.pool(h)
            restored = self.unpool(pooled, index)
            return self.decode(restored + h), self.head(pooled)

    return Net()


def train(lib, state, images, targets, steps=3):
    model = autoencoder(lib).double()
    model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = lib.tensor(images), lib.tensor(targets)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        recon, logits = model(x)
        loss = (lib.nn.functional.smooth_l1_loss(recon, x)
                + lib.nn.functional.cross_entropy(logits, y)
                + lib.nn.functional.kl_div(logits.log_softmax(1), lib.ones(4, 2, dtype=lib.float64) / 2,
                                           reduction="batchmean"))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def test_autoencoder_trains_as_in_torch():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # PyTorch's threads on a shared machine: seconds, not ms
    try:
        compare_training()
    finally:
        torch.set_num_threads(threads)


def compare_training():
    torch.manual_seed(0)
    state = {k: v.double().numpy().copy() for k, v in autoencoder(torch).state_dict().items()}
    rng = np.random.default_rng(0)
    images, targets = rng.standard_normal((4, 1, 8, 8)), np.array([0, 1, 1, 0])
    ours, our_state = train(cr, state, images, targets)
    theirs, their_state = train(torch, state, images, targets)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    assert ours[-1] < ours[0]
    for key, value in their_state.items():
        np.testing.assert_allclose(our_state[key], value, rtol=1e-8, atol=1e-10, err_msg=key)
