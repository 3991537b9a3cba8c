"""Property-based: any sizes, batch sizes and activations give consistent shapes and gradients."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import ffnn
from conftest import numerical_gradient, relative_error

HIDDEN = [a for a in ffnn.activations.ACTIVATIONS.names() if a != "softmax"]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    n_classes=st.integers(2, 4),
    batch=st.integers(1, 9),
    act=st.sampled_from(HIDDEN),
    rmsnorm=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_shapes_and_gradients_for_any_architecture(sizes, n_classes, batch, act, rmsnorm, seed):
    layer_sizes = [*sizes, n_classes]
    acts = [act] * (len(layer_sizes) - 2) + ["softmax"]
    m = ffnn.FFNN(layer_sizes, acts, "cce", seed=seed, rmsnorm=rmsnorm, dtype="float64")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0]))
    y = rng.integers(0, n_classes, batch)
    p = m.predict(X)
    assert p.shape == (batch, n_classes)
    np.testing.assert_allclose(p.sum(axis=1), 1)
    loss, grads = m.compute_gradients(X, y)
    assert np.isfinite(loss)
    params = m.get_params()
    assert list(grads) == list(params)
    for name in params:
        assert grads[name].shape == params[name].shape
    # spot-check the last layer's weights by finite differences
    name = f"layers.{len(layer_sizes) - 2}.weight"
    w = dict(m.network.named_parameters())[name].data
    numeric = numerical_gradient(lambda: m.evaluate(X, y)["loss"], w)
    assert relative_error(grads[name], numeric) < 1e-6
