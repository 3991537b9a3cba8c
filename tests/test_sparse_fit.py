"""``FFNN.fit``/``predict``/``evaluate`` take SciPy sparse inputs (CSR, CSC, COO) without
densifying them: the first Dense layer runs scipy.sparse's products on each batch. The numbers
equal a dense run's up to the summation order of those products."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn

sp = pytest.importorskip("scipy.sparse")


def _data(n=240, d=30, seed=0):
    X = sp.random(n, d, density=0.15, format="csr", random_state=seed, dtype=np.float64) * 3
    y = (np.asarray(X.sum(axis=1)).ravel() > np.median(np.asarray(X.sum(axis=1)))).astype(int)
    y[::7] = 2
    return X, y


def _model(engine="backprop", **kwargs):
    return ffnn.FFNN([30, 16, 3], ["relu", "softmax"], "cce", seed=1, dtype="float64", engine=engine, **kwargs)


@pytest.mark.parametrize("engine", ["backprop", "autograd"])
def test_sparse_fit_matches_the_dense_fit(engine):
    X, y = _data()
    sparse, dense = _model(engine), _model(engine)
    hs = sparse.fit(X, y, epochs=4, batch_size=16, validation_split=0.25, verbose=0)
    hd = dense.fit(X.toarray(), y, epochs=4, batch_size=16, validation_split=0.25, verbose=0)
    np.testing.assert_allclose(sparse.network.flat_params, dense.network.flat_params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hs.history["loss"], hd.history["loss"], rtol=1e-9)
    np.testing.assert_allclose(hs.history["val_loss"], hd.history["val_loss"], rtol=1e-9)
    assert hs.history["loss"][-1] < hs.history["loss"][0]  # it learnt something


def test_predict_evaluate_and_validation_data_take_sparse_inputs_of_any_format():
    X, y = _data()
    m = _model()
    m.fit(X, y, epochs=2, batch_size=32, validation_data=(X.tocsc(), y), verbose=0)
    expected = m.predict(X.toarray())
    for fmt in ("csr", "csc", "coo"):
        np.testing.assert_allclose(m.predict(X.asformat(fmt)), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.predict_proba(X), expected, rtol=1e-12, atol=1e-15)
    assert m.evaluate(X, y) == pytest.approx(m.evaluate(X.toarray(), y), rel=1e-12)
    ints = sp.csr_matrix((np.ones(X.nnz, dtype=np.int64), X.indices, X.indptr), shape=X.shape)
    np.testing.assert_allclose(m.predict(ints), m.predict(ints.toarray()), rtol=1e-12)


def test_bad_sparse_inputs_are_named():
    X, y = _data()
    m = _model()
    bad = X.copy()
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite"):
        m.fit(bad, y, epochs=1, verbose=0)
    bad.data[3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        m.predict(bad)
    with pytest.raises(ValueError, match="29 features per sample"):
        m.fit(X[:, :29], y, epochs=1, verbose=0)
    with pytest.raises(TypeError, match="real numbers"):
        m.fit(X.astype(np.complex128), y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="no samples"):
        m.predict(X[:0])
    huge = X.copy()
    huge.data[0] = 1e300  # finite in float64, infinite once cast to the model's float32
    with pytest.raises(ValueError, match="NaN or infinite"):
        ffnn.FFNN([30, 4, 3], ["relu", "softmax"], "cce", seed=0).fit(huge, y, epochs=1, verbose=0)


def test_a_network_that_does_not_start_with_dense_refuses_sparse_inputs_clearly():
    X, y = _data()
    m = _model(standardize=True)  # a Normalization layer first
    with pytest.raises(TypeError, match="sparse X needs a Dense first layer .*Normalization"):
        m.fit(X, y, epochs=1, verbose=0)
    m.fit(X.toarray(), y, epochs=1, verbose=0)
    with pytest.raises(TypeError, match="sparse X needs a Dense first layer"):
        m.predict(X)


def test_explain_traces_rows_of_a_sparse_matrix():
    from ffnn.explain import backprop

    X, y = _data()
    m = _model()
    m.fit(X, y, epochs=1, verbose=0)
    sparse, dense = backprop(m, X[:3], y[:3]), backprop(m, X[:3].toarray(), y[:3])
    assert sparse.loss == pytest.approx(dense.loss, rel=1e-12)


MALFORMED = r"""
import sys, numpy as np, scipy.sparse as sp
import ffnn
data, indptr = np.ones(3), np.array([0, 2, 3], np.int32)
indices = np.array([0, 5_000_000, 2], np.int32)  # a column far outside the width: SciPy does not check
case = sys.argv[1]
bad = {"csr": lambda: sp.csr_matrix((data, indices, indptr), shape=(2, 4)),
       "csc": lambda: sp.csc_matrix((data, indices, indptr), shape=(4, 2)).T,
       "coo": lambda: sp.coo_matrix((np.ones(2), (np.array([0, 1]), np.array([0, 1]))), shape=(2, 4))}[case]()
if case == "coo":
    bad.col[1] = 10**6  # edited after construction
try:
    if sys.argv[2] == "fit":
        ffnn.FFNN([4, 3, 2], ["relu", "softmax"], "cce").fit(bad, [0, 1], epochs=1, verbose=0)
    elif sys.argv[2] == "predict":
        ffnn.FFNN([4, 3, 2], ["relu", "softmax"], "cce").predict(bad)
    else:
        from ffnn.sklearn import FFNNClassifier
        FFNNClassifier(max_iter=2).fit(bad, [0, 1])
except ValueError as err:
    print(err)
"""


@pytest.mark.parametrize("case", ["csr", "csc", "coo"])
@pytest.mark.parametrize("call", ["fit", "predict", "sklearn"])
def test_a_malformed_sparse_matrix_is_refused_before_scipy_reads_outside_it(case, call):
    """SciPy's compiled products crash the process on out-of-range indices, so this runs in a
    child process: it must exit normally with our message."""
    import subprocess
    import sys

    if call == "sklearn":
        pytest.importorskip("sklearn")
    out = subprocess.run([sys.executable, "-c", MALFORMED, case, call], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "X is a malformed sparse" in out.stdout and ("index" in out.stdout or "indices" in out.stdout), (
        out.stdout + out.stderr[-2000:])
