"""The seeds' worked examples: their numbers on the structured steps, checked against the
seeds' own figures, against closed forms computed here with NumPy, and against PyTorch."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import examples


def steps(name):
    return examples.explain(name)


def test_circuit_matches_seeds_001_002():
    e = steps("circuit")
    assert e.forward[-1].value == -12.0
    assert (e.grad("x"), e.grad("y"), e.grad("z"), e.grad("q")) == (-4.0, -4.0, 3.0, -4.0)
    assert e.step("q").formula == "df/dq = df/df * z"   # upstream x local, the first line too
    assert e.step("x").formula == "df/dx = df/dq * 1"


NEURON_SEED_001 = {"d": -0.53, "e": -0.53, "n": -0.20, "z": 0.20, "w2": 0.20, "w0": -0.20,
                   "x0": 0.39, "w1": -0.39, "x1": -0.59}


def test_neuron_walkthrough_matches_seed_001():
    e = steps("neuron")
    for name, seed_value in NEURON_SEED_001.items():
        assert round(e.grad(name), 2) == seed_value, name
    (term,) = e.step("d").terms
    assert term.formula == "df/df * (-1 / d**2)"
    assert term.local_value == pytest.approx(-1 / (1 + np.exp(-1.0)) ** 2)
    (term,) = e.step("n").terms                         # "exp(-1) (cached input) * -0.53"
    assert term.local_value == pytest.approx(np.exp(-1.0))
    assert term.upstream_value == pytest.approx(-0.5344, abs=1e-4)


def test_fused_neuron_has_the_same_gradients_in_fewer_steps():
    primitive, fused = steps("neuron"), steps("neuron_fused")
    for name in ("w0", "x0", "w1", "x1", "w2"):
        assert fused.grad(name) == pytest.approx(primitive.grad(name))
    (term,) = fused.step("z").terms
    f = 1 / (1 + np.exp(-1.0))
    assert term.formula == "df/df * (f * (1 - f))"
    assert term.local_value == pytest.approx(f * (1 - f))
    assert len(fused.backward) == len(primitive.backward) - 3


def softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def test_dnn_backward_table_shows_y_hat_minus_y():
    e = steps("dnn")
    data = examples.dnn_inputs()
    z1 = data["W1"] @ data["x"]
    a1 = np.maximum(z1, 0)
    y_hat = softmax(data["W2"] @ a1)
    dz2 = y_hat - data["y"]
    assert e.step("z2").formula == "dL/dz2 = dL/dL * (y_hat - y)"
    np.testing.assert_allclose(e.grad("z2"), dz2)
    np.testing.assert_allclose(e.grad("W2"), dz2 @ a1.T)           # W2's shape (3, 4)
    assert e.step("W2").formula.startswith("dL/dW2 = dL/dz2 @ a1.T")
    np.testing.assert_allclose(e.grad("W1"), ((data["W2"].T @ dz2) * (z1 > 0)) @ data["x"].T)
    assert any("a1 (y_hat - y)" in note for note in e.notes)
    assert "\\hat{y} - y" in e.to_markdown()


def test_dnn_agrees_with_torch():
    torch = pytest.importorskip("torch")
    data = {k: torch.tensor(v, requires_grad=k.startswith("W")) for k, v in
            examples.dnn_inputs().items()}
    z2 = data["W2"] @ torch.relu(data["W1"] @ data["x"])
    loss = -(data["y"] * torch.log_softmax(z2, 0)).sum()
    loss.backward()
    e = steps("dnn")
    assert e.forward[-1].value == pytest.approx(loss.item())
    for name in ("W1", "W2"):
        np.testing.assert_allclose(e.grad(name), data[name].grad.detach().numpy(), rtol=1e-12)


def test_sigmoid_net_sums_two_paths_and_fixes_dj_dx():
    e = steps("sigmoid_net")
    y = e.forward[[s.name for s in e.forward].index("y")].value[0][0]
    y_star = 0.8
    terms = e.step("y").terms
    assert len(terms) == 2
    by_consumer = {t.consumer: t.value[0][0] for t in terms}
    assert by_consumer["log_y"] == pytest.approx(y_star / y)
    assert by_consumer["not_y"] == pytest.approx((1 - y_star) / (y - 1))
    assert e.grad("y")[0][0] == pytest.approx(y_star / y + (1 - y_star) / (y - 1))
    alpha = np.array([[0.4, -0.6, 0.2], [0.3, 0.8, -0.5]])
    np.testing.assert_allclose(e.grad("x"), alpha.T @ np.array(e.grad("a")))
    assert e.step("x").formula.startswith("dJ/dx = alpha.T @ dJ/da")


def test_regressions_average_over_m_examples():
    e = steps("regression")
    X = np.array(examples.REGRESSION_X)
    a = X @ np.array([0.3, -0.2]) + 0.1
    err = a - np.array(examples.REGRESSION_Y)
    np.testing.assert_allclose(e.grad("w"), X.T @ err / len(X))
    assert e.grad("b") == pytest.approx(err.mean())


def test_two_layer_regression_agrees_with_torch():
    torch = pytest.importorskip("torch")
    e = steps("regression2")
    leaves = {s.name: torch.tensor(s.value, dtype=torch.float64, requires_grad=s.requires_grad)
              for s in e.forward if s.gate == "input"}
    a1 = torch.relu(leaves["X"] @ leaves["W1"] + leaves["b1"])
    loss = (0.5 * (a1 @ leaves["W2"] + leaves["b2"] - leaves["y"]) ** 2).mean()
    loss.backward()
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(e.grad(name), leaves[name].grad.detach().numpy(), rtol=1e-12)


def test_chain_uses_f_prime_of_z_not_of_o():
    e = steps("chain")
    values = {s.name: s.value for s in e.forward}
    o1, o2 = values["o1"], values["o2"]
    (term,) = e.step("z2").terms
    assert term.local_value == pytest.approx(o2 * (1 - o2))       # f'(z2), seed 004: f'(o2)
    assert e.grad("w2") == pytest.approx(o1 * o2 * (1 - o2) * 2 * (o2 - 1.0))
    assert any("f'(z^L)" in note for note in e.notes)


@pytest.mark.parametrize("name", examples.names())
def test_every_example_agrees_with_the_engine(name):
    e = steps(name)
    out = examples.get(name).build()
    leaves = {}
    stack = [out]
    while stack:
        t = stack.pop()
        if t.grad_fn is None:
            leaves[t.name] = t
        else:
            stack.extend(x for x in t.grad_fn.tensors if isinstance(x, cr.Tensor))
    out.sum().backward()
    for leaf_name, leaf in leaves.items():
        if leaf.requires_grad:
            np.testing.assert_allclose(e.grad(leaf_name), leaf.grad.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", examples.names())
def test_every_example_renders_in_four_formats(name):
    e = steps(name)
    last = e.backward[-1].value
    last = f"{last:.4g}" if isinstance(last, float) else f"{np.ravel(last)[0]:.4g}"
    for text in (str(e), e.to_markdown(), e.to_latex(), e.to_html(), e._repr_html_(),
                 e._repr_markdown_()):
        assert f"({len(e.forward)})" in text and last in text
    assert e.to_latex().count("{") == e.to_latex().count("}")
