"""PyTorch as an independent oracle for forward, loss and gradients (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn

torch = pytest.importorskip("torch")

TORCH_ACTS = {
    "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "linear": lambda z: z,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "elu": torch.nn.functional.elu, "silu": torch.nn.functional.silu,
    "gelu": lambda z: torch.nn.functional.gelu(z, approximate="tanh"),
    "gaussian": lambda z: torch.exp(-z * z), "softplus": torch.nn.functional.softplus,
    "softmax": lambda z: torch.softmax(z, dim=1),
    "selu": torch.nn.functional.selu, "mish": torch.nn.functional.mish,
}


def _torch_loss(model, X, Y, loss):
    params = {n: torch.tensor(v, requires_grad=True) for n, v in model.get_params().items()}
    h = torch.tensor(X)
    n_layers = len(model.layers)
    for i in range(n_layers):
        h = h @ params[f"layers.{i}.weight"] + params[f"layers.{i}.bias"]
        if f"layers.{i}.norm.scale" in params:
            h = h * torch.rsqrt((h * h).mean(dim=1, keepdim=True) + 1e-6) * params[f"layers.{i}.norm.scale"]
        h = TORCH_ACTS[model.activations[i].name](h)
    Yt = torch.tensor(Y)
    if loss == "cce":
        value = -(Yt * torch.log(h)).sum(dim=1).mean()
    elif loss == "bce":
        value = torch.nn.functional.binary_cross_entropy(h, Yt)
    else:
        value = ((h - Yt) ** 2).mean()
    value.backward()
    return float(value.detach()), {n: p.grad.numpy() for n, p in params.items()}


@pytest.mark.parametrize("hidden", [a for a in TORCH_ACTS if a != "softmax"])
@pytest.mark.parametrize("head", [("softmax", "cce"), ("sigmoid", "bce"), ("linear", "mse")])
@pytest.mark.parametrize("rmsnorm", [False, True])
def test_matches_pytorch(hidden, head, rmsnorm):
    rng = np.random.default_rng(0)
    out_act, loss = head
    m = ffnn.FFNN([5, 6, 4, 3], [hidden, hidden, out_act], loss, seed=1, rmsnorm=rmsnorm, dtype="float64")
    X = rng.normal(size=(7, 5))
    Y = np.eye(3)[rng.integers(0, 3, 7)] if loss == "cce" else rng.random((7, 3))
    ours, grads = m.compute_gradients(X, Y)
    theirs, tgrads = _torch_loss(m, X, Y, loss)
    assert ours == pytest.approx(theirs, rel=1e-10)
    for name in grads:
        np.testing.assert_allclose(grads[name], tgrads[name], rtol=1e-8, atol=1e-12, err_msg=name)


def test_every_trainable_activation_has_a_pytorch_oracle():
    from ffnn.activations import ACTIVATIONS

    trainable = [n for n in ACTIVATIONS.names() if not getattr(ACTIVATIONS.get_class(n), "zero_gradient", False)]
    missing = sorted(set(trainable) - set(TORCH_ACTS))
    assert not missing, f"add these activations to TORCH_ACTS: {missing}"
