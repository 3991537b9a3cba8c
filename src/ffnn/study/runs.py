"""One study run: a pure function of its config (seeded), returning a plain-data result.

``execute(config)`` loads the split the config names, trains ffnn or scikit-learn's
``MLPClassifier``, and returns the test accuracy, the per-epoch losses, the seconds per epoch
and histograms of every dense layer's final weights and gradients. ffnn runs train with the
training monitor on (``ffnn.monitor``): ``monitor`` keeps, per dense layer and epoch (and
before the first step), the nine percentiles of weights, gradients and activations, the share
of near-zero weights, norms, update ratios and dead or saturated shares, and ``health`` the
findings of the health rules (histograms and graphs are left out to keep results small). It
runs BLAS on one thread, so the numbers do not depend on which worker (a local process, a Dask
or Ray worker) runs it.

Losses: ``loss`` is the training loss as each library reports it (mean over the epoch's
batches, penalty included); ``val_loss`` is the cross-entropy on the test set, penalty
excluded, computed the same way for both implementations. Gradients are those of the final
weights on a fixed probe batch (the first 256 training images of the split), penalty included,
so ffnn and scikit-learn are measured alike.
"""

from __future__ import annotations

import contextlib
import functools
import time
import warnings
from typing import Any

import numpy as np

from ..diagnostics import TrainingWarning
from ..monitor import Monitor

__all__ = ["execute", "load_split", "monitor_summary", "PROBE_SIZE", "HIST_BINS"]

PROBE_SIZE = 256
HIST_BINS = 40


@functools.lru_cache(maxsize=2)
def _mnist_70k() -> tuple[np.ndarray, np.ndarray]:
    """All 70,000 images as uint8 (the IDX training file, then the test file) and labels."""
    from ..datasets import load_mnist_all

    X, y = load_mnist_all()
    return np.rint(X * 255).astype(np.uint8), y.astype(np.int64)


@functools.lru_cache(maxsize=4)
def load_split(name: str, test_size: float, random_state: int, n_train: int | None, n_test: int | None):
    """``(X_train, y_train, X_test, y_test)`` as uint8 pixels, split like the origin report.

    ``train_test_split(test_size=0.2, random_state=42)`` of scikit-learn over all 70,000
    images, as the origin did with OpenML's ``mnist_784`` (the same images in the same order:
    the IDX training set, then the test set). ``n_train``/``n_test`` keep the first rows of each.
    """
    if name != "mnist_70k":
        raise ValueError(f"unknown study data {name!r}; the study knows 'mnist_70k'")
    from sklearn.model_selection import train_test_split

    X, y = _mnist_70k()
    idx_train, idx_test = train_test_split(np.arange(len(X)), test_size=test_size, random_state=random_state)
    idx_train, idx_test = idx_train[:n_train], idx_test[:n_test]
    return X[idx_train], y[idx_train], X[idx_test], y[idx_test]


def _split(config: dict[str, Any]):
    d = config["data"]
    return load_split(d["name"], d["test_size"], d["random_state"], d["n_train"], d["n_test"])


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without threadpoolctl, BLAS keeps its own thread count
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def execute(config: dict[str, Any]) -> dict[str, Any]:
    """Run one experiment; see the module docstring for what comes back."""
    start = time.perf_counter()
    with _one_thread(), np.errstate(all="ignore"):  # zero init, divergent rates: reported, not raised
        if config["implementation"] == "ffnn":
            result = _run_ffnn(config)
        elif config["implementation"] == "sklearn":
            result = _run_sklearn(config)
        else:
            raise ValueError(f"unknown implementation {config['implementation']!r}; use 'ffnn' or 'sklearn'")
    _, _, _, y_test = _split(config)
    result["majority_fraction"] = float(np.bincount(y_test).max() / len(y_test))
    result["run_seconds"] = time.perf_counter() - start  # data loading and evaluation included
    return result


def _cross_entropy(p: np.ndarray, labels: np.ndarray) -> float:
    """Mean of -log p[label] (p clipped at 1e-12, like scikit-learn's log loss)."""
    picked = p[np.arange(len(labels)), labels].astype(np.float64)
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def _run_ffnn(config: dict[str, Any]) -> dict[str, Any]:
    from ..model import FFNN
    from ..training import TrainingDivergedError

    X8, y, X8_test, y_test = _split(config)
    X, X_test = X8.astype(np.float32) / 255, X8_test.astype(np.float32) / 255
    hidden = list(config["hidden"])
    model = FFNN([X.shape[1], *hidden, 10], [config["activation"]] * len(hidden) + ["softmax"],
                 "categorical_crossentropy", init=config["init"], seed=config["seed"],
                 rmsnorm=config["rmsnorm"], regularization=config["regularization"],
                 reg_lambda=config["reg_lambda"], dtype=config["dtype"])

    def val_loss(epoch: int, logs: dict[str, float]) -> None:
        logs["val_loss"] = _cross_entropy(model.predict(X_test), y_test)  # after the epoch's timing

    diverged = None
    watch = Monitor(bins=HIST_BINS, graph_neurons=1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TrainingWarning)  # the findings are kept and reported
            history = model.fit(X, y, epochs=config["epochs"], batch_size=config["batch_size"],
                                learning_rate=config["learning_rate"], optimizer=config["optimizer"],
                                callbacks=[val_loss], verbose=0, monitor=watch)
    except TrainingDivergedError as err:
        history, diverged = model.history, str(err)
    h = history.history if history is not None else {}
    _, grads = model.compute_gradients(X[:PROBE_SIZE], y[:PROBE_SIZE])
    params = model.get_params()
    n_dense = len(model.layers)
    return {
        "test_accuracy": float(model.evaluate(X_test, y_test)["accuracy"]),
        "history": {"loss": h.get("loss", []), "val_loss": h.get("val_loss", [])},
        "epoch_seconds": list(history.epoch_seconds) if history is not None else [],
        "seconds_per_epoch": _per_epoch(history.epoch_seconds if history is not None else []),
        "distributions": _distributions(
            [params[f"layers.{i}.weight"] for i in range(n_dense)],
            [grads[f"layers.{i}.weight"] for i in range(n_dense)],
        ),
        "diverged": diverged,
        "monitor": monitor_summary(watch.data),
        "health": [{k: f[k] for k in ("rule", "layer", "epoch", "value")} for f in watch.findings],
    }


def monitor_summary(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the report draws of a monitor's records: per record its epoch and batch; per dense
    layer the percentiles of weights, gradients and activations, the near-zero share of the
    weights, gradient norms, update ratios and the dead or saturated shares."""
    if data is None or not data["records"]["epoch"]:
        return None
    keep = ("grad_norm", "update_ratio", "dead", "saturated", "saturated_outputs")
    return {
        "epoch": list(data["records"]["epoch"]), "batch": list(data["records"]["batch"]),
        "percentiles": list(data["percentiles"]),
        "layers": [{"name": e["name"], "activation": e["activation"], "units": e["units"],
                    "weight": e["weight"]["percentiles"], "gradient": e["gradient"]["percentiles"],
                    "activations": e["activations"]["percentiles"], "weight_near_zero": e["weight"]["near_zero"],
                    **{k: e[k] for k in keep}} for e in data["layers"]],
    }


def _per_epoch(seconds: list[float]) -> float | None:
    return float(np.median(seconds)) if len(seconds) else None


def _sklearn_class():
    """``MLPClassifier`` that records the test loss and the time of every epoch.

    It hooks ``_update_no_improvement_count``, which scikit-learn calls once at the end of every
    epoch; recording reads the weights and draws no random numbers, so the fit is exactly the
    plain one (the origin's accuracies reproduce to every digit). ``partial_fit`` per epoch
    would not: each call restarts the shuffling generator.
    """
    from sklearn.neural_network import MLPClassifier

    class RecordingMLP(MLPClassifier):
        def _update_no_improvement_count(self, *args, **kwargs):
            now = time.perf_counter()
            self.epoch_seconds_.append(now - self._epoch_start)
            self.val_loss_.append(_cross_entropy(self.predict_proba(self._X_probe), self._y_probe))
            self._epoch_start = time.perf_counter()
            return super()._update_no_improvement_count(*args, **kwargs)

    return RecordingMLP


def _run_sklearn(config: dict[str, Any]) -> dict[str, Any]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X8, y, X8_test, y_test = _split(config)
    X, X_test = X8 / 255.0, X8_test / 255.0  # float64, as the origin's X / 255
    params = dict(config["params"])
    params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    clf = _sklearn_class()(**params)
    clf.epoch_seconds_, clf.val_loss_ = [], []
    clf._X_probe, clf._y_probe = X_test, y_test
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=10 is the point
        clf._epoch_start = time.perf_counter()
        clf.fit(X, y)
    weights, grads = _sklearn_weights_and_gradients(clf, X[:PROBE_SIZE], y[:PROBE_SIZE])
    return {
        "test_accuracy": float(clf.score(X_test, y_test)),
        "history": {"loss": [float(v) for v in clf.loss_curve_], "val_loss": list(clf.val_loss_)},
        "epoch_seconds": list(clf.epoch_seconds_),
        "seconds_per_epoch": _per_epoch(clf.epoch_seconds_),
        "distributions": _distributions(weights, grads),
        "diverged": None,
        "monitor": None,  # scikit-learn's loop has no monitor
        "health": [],
    }


def _sklearn_weights_and_gradients(clf, X: np.ndarray, y: np.ndarray):
    """The classifier's weights, and their gradients on ``X`` computed by an ffnn twin.

    The twin has the same architecture, weights and loss (softmax + cross-entropy, with
    scikit-learn's penalty ``alpha / (2 n) * sum w^2`` as ffnn's L2 with ``alpha / n``).
    """
    from ..model import FFNN

    sizes = [clf.coefs_[0].shape[0], *[w.shape[1] for w in clf.coefs_]]
    n_hidden = len(sizes) - 2
    alpha = float(clf.alpha)
    twin = FFNN(sizes, [clf.activation.replace("logistic", "sigmoid").replace("identity", "linear")] * n_hidden
                + ["softmax"], "cce", dtype="float64", regularization="l2" if alpha else None,
                reg_lambda=alpha / len(X) if alpha else 0.0)
    params = {}
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        params[f"layers.{i}.weight"], params[f"layers.{i}.bias"] = w, b
    twin.set_params(params)
    _, grads = twin.compute_gradients(X, y)
    return list(clf.coefs_), [grads[f"layers.{i}.weight"] for i in range(len(clf.coefs_))]


def _distributions(weights: list[np.ndarray], grads: list[np.ndarray]) -> list[dict[str, Any]]:
    """Per dense layer: histograms and a few statistics of its weights and their gradients."""
    return [{"layer": i, "weight": _histogram(w), "gradient": _histogram(g)}
            for i, (w, g) in enumerate(zip(weights, grads))]


def _histogram(a: np.ndarray) -> dict[str, Any]:
    """Counts over the central 99 % of the values (0.5th to 99.5th percentile), so a few
    outlying gradients do not squeeze the rest into one bin; the statistics use every value."""
    a = np.asarray(a, dtype=np.float64).ravel()
    finite = a[np.isfinite(a)]
    lo, hi = (float(v) for v in np.percentile(finite, [0.5, 99.5])) if finite.size else (0.0, 0.0)
    if hi <= lo:  # (nearly) constant, as under zero initialisation: one range around it
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(finite, bins=HIST_BINS, range=(lo, hi))
    return {
        "counts": counts.tolist(), "edges": edges.tolist(),
        "outside": int(finite.size - counts.sum()),
        "mean": float(finite.mean()) if finite.size else None,
        "std": float(finite.std()) if finite.size else None,
        "abs_mean": float(np.abs(finite).mean()) if finite.size else None,
        "near_zero": float(np.mean(np.abs(finite) < 1e-3)) if finite.size else None,  # |x| < 0.001
        "size": int(a.size),
    }
