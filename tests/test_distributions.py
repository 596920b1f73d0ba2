"""chainrule.distributions against torch.distributions: log_prob, entropy, cdf, the KL
divergences and their gradients with respect to the parameters; sample shapes, dtypes and
the means of many draws; repr; the refusals."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.distributions as D

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
LOC = RNG.normal(size=(2, 3))
SCALE = RNG.uniform(0.5, 2.0, (2, 3))
PROBS = RNG.uniform(0.05, 1.0, (2, 4))
LOGITS = RNG.normal(size=(2, 4))
VALUE = RNG.normal(size=(2, 3))
INDEX = np.array([[0, 3], [2, 1]])


def params(library, *arrays):
    return [library.tensor(a, dtype=library.float64, requires_grad=True) for a in arrays]


# name: (build(library, dist module, params), what(dist, library) -> tensor, arrays)
CASES = {
    "normal log_prob": (lambda L, M, p: M.Normal(*p), lambda d, L: d.log_prob(L.tensor(VALUE)),
                        (LOC, SCALE)),
    "normal entropy": (lambda L, M, p: M.Normal(*p), lambda d, L: d.entropy(), (LOC, SCALE)),
    "normal cdf": (lambda L, M, p: M.Normal(*p), lambda d, L: d.cdf(L.tensor(VALUE)),
                   (LOC, SCALE)),
    "normal number scale": (lambda L, M, p: M.Normal(p[0], 2.0),
                            lambda d, L: d.log_prob(L.tensor(VALUE)), (LOC,)),
    "uniform log_prob": (lambda L, M, p: M.Uniform(p[0], p[0] + 3.0),
                         lambda d, L: d.log_prob(L.tensor(LOC + 1.0)), (LOC,)),
    "uniform entropy": (lambda L, M, p: M.Uniform(p[0], p[0] + p[1]),
                        lambda d, L: d.entropy(), (LOC, SCALE)),
    "categorical probs log_prob": (lambda L, M, p: M.Categorical(probs=p[0]),
                                   lambda d, L: d.log_prob(L.tensor(INDEX)), (PROBS,)),
    "categorical logits log_prob": (lambda L, M, p: M.Categorical(logits=p[0]),
                                    lambda d, L: d.log_prob(L.tensor(INDEX)), (LOGITS,)),
    "categorical entropy": (lambda L, M, p: M.Categorical(logits=p[0]),
                            lambda d, L: d.entropy(), (LOGITS,)),
    "categorical probs entropy": (lambda L, M, p: M.Categorical(probs=p[0]),
                                  lambda d, L: d.entropy(), (PROBS,)),
    "categorical probs property": (lambda L, M, p: M.Categorical(logits=p[0]),
                                   lambda d, L: d.probs, (LOGITS,)),
    "bernoulli log_prob": (lambda L, M, p: M.Bernoulli(probs=p[0]),
                           lambda d, L: d.log_prob(L.tensor((PROBS > 0.5) * 1.0)),
                           (PROBS * 0.9,)),
    "bernoulli logits entropy": (lambda L, M, p: M.Bernoulli(logits=p[0]),
                                 lambda d, L: d.entropy(), (LOGITS,)),
    "kl normal": (lambda L, M, p: (M.Normal(p[0], p[1]), M.Normal(p[1], p[0] ** 2 + 0.5)),
                  lambda d, L: L.distributions.kl_divergence(*d), (LOC, SCALE)),
    "kl categorical": (lambda L, M, p: (M.Categorical(probs=p[0]), M.Categorical(logits=p[1])),
                       lambda d, L: L.distributions.kl_divergence(*d), (PROBS, LOGITS)),
    "kl uniform": (lambda L, M, p: (M.Uniform(p[0], p[0] + 1.0), M.Uniform(p[0] - 1.0, p[0] + 3)),
                   lambda d, L: L.distributions.kl_divergence(*d), (LOC,)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_gradients_are_pytorchs(case):
    build, what, arrays = CASES[case]
    results = []
    for L, M in ((torch, torch.distributions), (cr, D)):
        p = params(L, *arrays)
        value = what(build(L, M, p), L)
        weights = L.tensor(np.linspace(0.5, 1.5, value.numel()).reshape(tuple(value.shape)),
                           dtype=L.float64)
        (value * weights).sum().backward()
        results.append((value.detach().numpy(),
                        [None if x.grad is None else x.grad.numpy() for x in p]))
    (theirs, their_grads), (ours, our_grads) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    for g_ours, g_theirs in zip(our_grads, their_grads):
        if g_theirs is None:   # a parameter the value does not depend on
            assert g_ours is None or not g_ours.any()
            continue
        np.testing.assert_allclose(g_ours, g_theirs, rtol=1e-9, atol=1e-12)


def test_samples_have_pytorchs_shapes_dtypes_and_means():
    cr.manual_seed(0)
    n = D.Normal(cr.tensor([1.0, -2.0]), cr.tensor([0.5, 2.0]))
    c = D.Categorical(probs=cr.tensor([[0.1, 0.9, 0.0], [0.5, 0.25, 0.25]]))
    b = D.Bernoulli(probs=cr.tensor([0.2, 0.7]))
    u = D.Uniform(-1.0, 3.0)
    tn = torch.distributions.Normal(torch.tensor([1.0, -2.0]), torch.tensor([0.5, 2.0]))
    tc = torch.distributions.Categorical(probs=torch.tensor([[0.1, 0.9, 0.0], [0.5, 0.25, 0.25]]))
    for ours, theirs in ((n, tn), (c, tc), (b, torch.distributions.Bernoulli(
            probs=torch.tensor([0.2, 0.7]))), (u, torch.distributions.Uniform(-1.0, 3.0))):
        for shape in ((), (5,), (2, 3)):
            s, t = ours.sample(shape), theirs.sample(shape)
            assert tuple(s.shape) == tuple(t.shape) and str(s.dtype)[10:] == str(t.dtype)[6:]
        assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
        assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    draws = 20000
    np.testing.assert_allclose(n.sample((draws,)).mean(0).numpy(), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(n.sample((draws,)).std(0).numpy(), [0.5, 2.0], rtol=0.03)
    counts = np.stack([np.bincount(row, minlength=3) for row in c.sample((draws,)).numpy().T])
    np.testing.assert_allclose(counts / draws, [[0.1, 0.9, 0.0], [0.5, 0.25, 0.25]], atol=0.015)
    assert counts[0, 2] == 0   # a zero probability is never drawn
    np.testing.assert_allclose(b.sample((draws,)).mean(0).numpy(), [0.2, 0.7], atol=0.015)
    assert u.sample((draws,)).min() >= -1.0 and u.sample((draws,)).max() < 3.0


def test_rsample_carries_the_gradient_and_sample_does_not():
    loc = cr.tensor([0.5], requires_grad=True)
    m = D.Normal(loc, 1.0)
    assert not m.sample().requires_grad
    m.rsample((4,)).sum().backward()
    assert loc.grad.tolist() == [4.0]
    with pytest.raises(NotImplementedError, match="rsample"):
        D.Categorical(probs=cr.tensor([0.5, 0.5])).rsample()


def test_a_reinforce_step_as_the_policy_gradient_example_takes_it():
    """sample an action, keep log_prob, then -(log_prob * return).sum().backward()."""
    logits = cr.tensor([[0.2, -0.1], [0.0, 0.3]], requires_grad=True)
    m = D.Categorical(logits=logits)
    action = m.sample()
    loss = -(m.log_prob(action) * cr.tensor([1.0, 2.0])).sum()
    loss.backward()
    probs = cr.softmax(logits.detach(), -1).numpy()
    expected = -(np.eye(2)[action.numpy()] - probs) * np.array([[1.0], [2.0]])
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-6)


def test_repr_and_refusals_as_pytorchs():
    for L, M in ((torch, torch.distributions), (cr, D)):
        text = (repr(M.Normal(0.0, 1.0)), repr(M.Categorical(probs=L.ones(3))))
        assert text[0] == "Normal(loc: 0.0, scale: 1.0)"
        assert text[1].startswith("Categorical(probs: ") and "Size([3])" in text[1]
        with pytest.raises(ValueError, match="(?i)either `probs` or `logits`"):
            M.Categorical(probs=L.ones(2), logits=L.ones(2))
    with pytest.raises(NotImplementedError, match="kl_divergence: no closed form"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))
