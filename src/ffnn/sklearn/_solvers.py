"""The solvers, with scikit-learn's arithmetic and bookkeeping, on ffnn's network.

``fit_stochastic`` is ``MLPClassifier``'s SGD/Adam loop: the same batches (``gen_batches``
order, shuffles drawn from the same ``RandomState`` by ``sklearn.utils.shuffle``), each batch's
loss and gradient as scikit-learn defines them (sample weights normalised within the batch, the
penalty divided by the batch's weight sum), its learning-rate schedules, its stopping rule, its
verbose lines and its attributes. ``fit_lbfgs`` hands the flat parameter and gradient buffers
to ``scipy.optimize.minimize(method="L-BFGS-B")``.

Unlike ``FFNN.fit``, a non-finite loss does not stop training: scikit-learn trains on, and so do
we (the estimator then raises scikit-learn's error, or early stopping restores the best weights).
The estimator is the state (``n_iter_``, ``loss_curve_``...), as in scikit-learn.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import shuffle

from .. import schedules as _schedules
from ..optimizers import SGD, Adam, Momentum, Optimizer
from ..sparse import is_sparse, take_rows
from ..threads import blas_threads, choose_threads

__all__ = ["BatchStep", "Batches", "batch_size", "make_optimizer", "snapshot", "restore", "fit_stochastic",
           "fit_lbfgs"]


def batch_size(requested: Any, n_samples: int, warn: bool = True) -> int:
    """scikit-learn's batch size: ``"auto"`` is ``min(200, n)``; larger than ``n`` is clipped."""
    if requested == "auto":
        return min(200, n_samples)
    if requested > n_samples and warn:
        warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped",
                      stacklevel=4)
    return int(np.clip(requested, 1, n_samples))


class BatchStep:
    """Loss and gradients of one batch in scikit-learn's arithmetic, written into the network's
    flat gradient buffer; returns scikit-learn's loss of the batch.

    scikit-learn's batch objective is ``c * ours + alpha / (2 s_w) * ||W||^2`` with gradient
    ``s * (our data gradient) + alpha W / s_w`` (``c``, ``s``: the head's ``loss_scale`` and
    ``grad_scale``; ``s_w``: the batch's weight sum, or its size). ffnn's penalty
    ``lam R(W)`` with ``lam = alpha / (s s_w)``, and the whole gradient times ``s``, give it.
    """

    def __init__(self, model: Any, head: Any, alpha: float) -> None:
        self.objective, self.regularizer = model.objective, model.regularizer
        self.grads, self.dtype = model.network.flat_grads, model.dtype
        self.alpha, self.c, self.s = float(alpha), head.loss_scale, head.grad_scale

    def __call__(self, x: Any, Y: np.ndarray, sw: np.ndarray | None) -> float:
        m = x.shape[0]
        if sw is None:
            sw_sum, w = float(m), None
        else:  # np.float64: a zero sum gives inf and NaN (as scikit-learn), not ZeroDivisionError
            sw_sum = sw.sum(dtype=np.float64)
            w = (sw * (m / sw_sum)).astype(self.dtype, copy=False)  # mean 1 over the batch
        if self.regularizer is not None:
            self.regularizer.lam = self.alpha / (self.s * sw_sum)
        loss, _ = self.objective.loss_and_gradients(x, Y, w)
        if self.s != 1.0:
            self.grads *= self.s
        if self.c == self.s:
            return self.s * loss
        penalty = self.objective.penalty()
        return self.c * (loss - penalty) + self.s * penalty


class Batches:
    """``(x, Y, sample_weight)`` batches in ``gen_batches`` order: slices (views) without a
    shuffled index, else rows of the index gathered into reused buffers (sparse rows: CSR)."""

    def __init__(self, X: Any, Y: np.ndarray, sw: np.ndarray | None, size: int) -> None:
        self.X, self.Y, self.sw, self.size = X, Y, sw, size
        self._x = None if is_sparse(X) else np.empty((size, X.shape[1]), dtype=X.dtype)
        self._y = np.empty((size, Y.shape[1]), dtype=Y.dtype)
        self._w = None if sw is None else np.empty(size, dtype=sw.dtype)

    def iterate(self, order: np.ndarray | None):
        X, Y, sw, n = self.X, self.Y, self.sw, self.X.shape[0]
        for start in range(0, n, self.size):
            stop = min(start + self.size, n)
            if order is None:
                yield X[start:stop], Y[start:stop], None if sw is None else sw[start:stop]
                continue
            idx, m = order[start:stop], stop - start
            yield (take_rows(X, idx, None if self._x is None else self._x[:m]),
                   Y.take(idx, axis=0, out=self._y[:m], mode="clip"),
                   None if sw is None else sw.take(idx, out=self._w[:m], mode="clip"))


def make_optimizer(est: Any) -> Optimizer:
    """scikit-learn's ``SGDOptimizer`` / ``AdamOptimizer`` update rules (``convention="sklearn"``)."""
    lr = est.learning_rate_init
    if est.solver == "adam":
        return Adam(lr, est.beta_1, est.beta_2, est.epsilon, convention="sklearn")
    if est.momentum == 0:
        return SGD(lr)  # scikit-learn's 0 * v - lr * g: the same numbers
    mu = float(est.momentum)
    opt = Momentum(lr, mu if mu < 1 else 0.0, est.nesterovs_momentum, convention="sklearn")
    opt.momentum = mu  # scikit-learn allows momentum=1 (a velocity that never decays); ours stops below 1
    return opt


def snapshot(model: Any) -> tuple[np.ndarray, list[np.ndarray]]:
    """Copies of the parameters and buffers (running statistics): the state early stopping keeps."""
    return model.network.flat_params.copy(), [b.copy() for _, b in model.network.named_buffers()]


def restore(model: Any, state: tuple[np.ndarray, list[np.ndarray]]) -> None:
    params, buffers = state
    model.network.flat_params[...] = params
    for (_, target), value in zip(model.network.named_buffers(), buffers):
        target[...] = value


# ---------------------------------------------------------------------------- stochastic
def _split(est: Any, X: Any, Y: np.ndarray, sw: np.ndarray | None):
    """scikit-learn's validation split (stratified for single-output classification only)."""
    stratify = Y.astype(bool) if est._stratify_split() else None
    arrays = (X, Y) if sw is None else (X, Y, sw)
    parts = train_test_split(*arrays, random_state=est._random_state, test_size=est.validation_fraction,
                             stratify=stratify)
    X_train, X_val, Y_train, Y_val = parts[:4]
    sw_train, sw_val = (parts[4], parts[5]) if sw is not None else (None, None)
    if X_val.shape[0] < 2:
        raise ValueError("The validation set is too small. Increase 'validation_fraction' or the size of your "
                         "dataset.")
    return X_train, Y_train, sw_train, (X_val, est._validation_targets(Y_val), sw_val)


def _verbose_line(est: Any, text: str) -> None:
    """With ``verbose``, one of scikit-learn's progress lines on standard output, as
    ``MLPClassifier`` writes them (byte for byte: scripts parse them), not a log record."""
    if est.verbose:
        sys.stdout.write(text + "\n")


def _update_no_improvement_count(est: Any, validation: tuple | None, logs: dict[str, float]) -> None:
    if validation is not None:
        score = est._validation_score(*validation)  # can be NaN
        est.validation_scores_.append(score)
        logs["val_score"] = score
        _verbose_line(est, f"Validation score: {score:f}")
        if score < est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            est._best_state = snapshot(est.model_)
    else:
        loss = est.loss_curve_[-1]
        if loss > est.best_loss_ - est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if loss < est.best_loss_:
            est.best_loss_ = loss


def _adaptive_sgd(est: Any, schedule: str) -> bool:
    return est.solver != "adam" and est.learning_rate == schedule


def _trigger_stopping(est: Any, opt: Optimizer) -> bool:
    """Stop, or (``learning_rate="adaptive"`` with SGD) divide the rate by 5 and go on."""
    what = "Validation score" if est.early_stopping else "Training loss"
    msg = f"{what} did not improve more than tol={est.tol:f} for {est.n_iter_no_change:d} consecutive epochs."
    if not _adaptive_sgd(est, "adaptive"):
        _verbose_line(est, msg + " Stopping.")
        return True
    if opt.learning_rate <= 1e-6:
        _verbose_line(est, msg + " Learning rate too small. Stopping.")
        return True
    opt.learning_rate /= 5.0
    _verbose_line(est, msg + f" Setting learning rate to {opt.learning_rate:f}")
    return False


def _check_schedules(est: Any) -> Any:
    """ffnn's per-epoch ``lr_schedule``, which replaces scikit-learn's SGD schedules."""
    if est.lr_schedule is None:
        return None
    if est.solver != "adam" and est.learning_rate != "constant":
        raise ValueError(f"lr_schedule and learning_rate={est.learning_rate!r} both set the SGD learning rate; "
                         "use one of them (learning_rate='constant' with lr_schedule)")
    return _schedules.get(est.lr_schedule)


def fit_stochastic(est: Any, X: Any, Y: np.ndarray, sw: np.ndarray | None, incremental: bool) -> None:
    """Up to ``max_iter`` epochs (one for ``partial_fit``) of SGD or Adam, as scikit-learn runs them."""
    model = est.model_
    net = model.network
    if not incremental or not hasattr(est, "_optimizer"):
        est._optimizer = make_optimizer(est)
    opt = est._optimizer
    opt.bind(net.flat_params, net.flat_grads)
    if est.early_stopping and incremental:
        raise ValueError("partial_fit does not support early_stopping=True")
    schedule = _check_schedules(est)
    validation = None
    if est.early_stopping:
        X, Y, sw, validation = _split(est, X, Y, sw)
    size = batch_size(est.batch_size, X.shape[0])
    batches, step = Batches(X, Y, sw, size), BatchStep(model, est._head, est.alpha)
    order = np.arange(X.shape[0])
    last = len(est.history_.epoch) + est.max_iter  # for an ffnn lr_schedule
    est.n_iter_ = 0
    try:
        with blas_threads(choose_threads(size, model.layer_sizes)):  # one thread for small products
            for _ in range(est.max_iter):
                epoch, started = len(est.history_.epoch), time.perf_counter()
                if schedule is not None:
                    opt.learning_rate = schedule(epoch, est.learning_rate_init, last)
                if est.shuffle:  # shuffle the index, not the data (scikit-learn's draws)
                    order = shuffle(order, random_state=est._random_state)
                logs = _one_epoch(est, opt, batches, step, order if est.shuffle else None)
                _update_no_improvement_count(est, validation, logs)
                if _adaptive_sgd(est, "invscaling") and schedule is None:
                    opt.learning_rate = float(est.learning_rate_init) / (est.t_ + 1) ** est.power_t
                est.history_.append(epoch, logs, time.perf_counter() - started)
                if est._no_improvement_count > est.n_iter_no_change:
                    if _trigger_stopping(est, opt):
                        break
                    est._no_improvement_count = 0
                if incremental:
                    break
                if est.n_iter_ == est.max_iter:
                    warnings.warn(f"Stochastic Optimizer: Maximum iterations ({est.max_iter:d}) reached and the "
                                  "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=4)
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.", stacklevel=4)
    if est.early_stopping:
        restore(model, est._best_state)


def _one_epoch(est: Any, opt: Optimizer, batches: Batches, step: BatchStep, order: np.ndarray | None) -> dict:
    """One pass: a step per batch; records ``loss_`` (the size-weighted mean of the batch losses)."""
    total = 0.0
    for xb, yb, wb in batches.iterate(order):
        total += step(xb, yb, wb) * xb.shape[0]
        opt.step()
    n = batches.X.shape[0]
    est.n_iter_ += 1
    est.loss_ = np.float64(total / n)
    est.t_ += n
    est.loss_curve_.append(est.loss_)
    _verbose_line(est, f"Iteration {est.n_iter_:d}, loss = {est.loss_:.8f}")
    return {"loss": float(est.loss_), "learning_rate": opt.learning_rate}


# ---------------------------------------------------------------------------- L-BFGS
def _lbfgs_options(est: Any) -> dict[str, Any]:
    import scipy

    options = {"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol}
    if tuple(int(p) for p in scipy.__version__.split(".")[:2]) < (1, 15):  # iprint went away in 1.15
        options["iprint"] = 1 if est.verbose is True or est.verbose >= 1 else -1
    return options


def _check_lbfgs_result(result: Any, max_iter: int) -> int:
    """The iterations run, and scikit-learn's ``ConvergenceWarning`` when L-BFGS did not converge."""
    n_iter = min(result.nit, max_iter)
    if result.status != 0:
        msg = f"lbfgs failed to converge after {n_iter} iteration(s) (status={result.status}):\n{result.message}\n"
        if n_iter == max_iter:
            msg += f"\nIncrease the number of iterations to improve the convergence (max_iter={max_iter})."
        msg += ("\nYou might also want to scale the data as shown in:\n"
                "    https://scikit-learn.org/stable/modules/preprocessing.html")
        warnings.warn(msg, ConvergenceWarning, stacklevel=4)
    return n_iter


def fit_lbfgs(est: Any, X: Any, Y: np.ndarray, sw: np.ndarray | None) -> None:
    """Full-batch L-BFGS-B on the flat parameter vector, with ``max_iter``, ``max_fun``, ``tol``."""
    import scipy.optimize

    net = est.model_.network
    step = BatchStep(est.model_, est._head, est.alpha)

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        net.flat_params[...] = theta
        loss = step(X, Y, sw)
        return loss, net.flat_grads.astype(np.float64)  # a copy: the buffer changes at the next call

    with blas_threads(choose_threads(X.shape[0], est.model_.layer_sizes)):
        result = scipy.optimize.minimize(loss_and_gradient, net.flat_params.astype(np.float64),
                                         method="L-BFGS-B", jac=True, options=_lbfgs_options(est))
    est.n_iter_ = _check_lbfgs_result(result, est.max_iter)
    est.loss_ = result.fun
    net.flat_params[...] = result.x
