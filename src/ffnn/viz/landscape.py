"""The loss landscape around a model's weights: a 1-D slice from the initial to the final
weights, and a surface along two filter-normalised random directions (Li et al. 2018,
"Visualizing the Loss Landscape of Neural Nets").

Filter normalisation: each random direction ``d`` is drawn from a standard normal and then,
for every neuron ``j`` of every dense layer, its column ``d[:, j]`` (the neuron's incoming
weights) is rescaled to the norm of the model's ``W[:, j]``, so that a step of 1 moves each
neuron as far as its own weights are long, whatever the layer's scale. Biases and RMSNorm
scales get no direction (zero), as in the paper. The loss at a point is
``model.evaluate(X, y)["loss"]`` (data loss plus any penalty) on a fixed subsample.

Cost: ``resolution**2`` forward passes over ``min(len(X), max_samples)`` rows for the
surface (``resolution`` for one direction), ``resolution`` (+2) more for the 1-D slice and
one per point of a training path. The model's parameters are restored afterwards.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._common import finish, new_figure

__all__ = ["LossLandscape", "loss_landscape", "plot_loss_landscape", "filter_normalised_direction", "pca_directions"]

_T_RANGE = (-0.25, 1.25)  # the 1-D slice: a little before the initial and past the final weights


@dataclass
class LossLandscape:
    """The computed losses. Surface ``losses[i, j]`` is at ``alphas[i]`` along direction 1 and
    ``betas[j]`` along direction 2 (``losses`` is 1-D with one direction, ``None`` with none)."""

    alphas: np.ndarray | None
    betas: np.ndarray | None
    losses: np.ndarray | None
    center_loss: float  # the loss at the model's own weights
    t: np.ndarray | None  # 1-D slice: theta(t) = initial + t (final - initial)
    slice_losses: np.ndarray | None
    path: np.ndarray | None  # (m, n_directions) coordinates of the training path
    path_losses: np.ndarray | None  # the path's real losses
    path_captured: float | None  # share of the path's squared displacement that the projection keeps
    sample_index: np.ndarray  # rows of X used
    evaluations: int
    seconds: float
    plane: str = "random"  # or "pca": the directions of the training path


def filter_normalised_direction(params: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A random direction shaped like ``params``: per neuron (column) of each dense weight
    matrix, a normal vector scaled to the norm of that neuron's weights; zero elsewhere."""
    direction = {}
    for name, value in params.items():
        if name.endswith(".weight") and value.ndim == 2:
            d = rng.standard_normal(value.shape)
            d_norm = np.linalg.norm(d, axis=0)
            d *= np.linalg.norm(value.astype(np.float64), axis=0) / np.where(d_norm > 0, d_norm, 1.0)
            direction[name] = d
        else:
            direction[name] = np.zeros(value.shape)
    return direction


def pca_directions(
    final: dict[str, np.ndarray], path_params: Sequence[dict[str, Any]], k: int
) -> tuple[list[dict[str, np.ndarray]], list[float]]:
    """The ``k`` unit directions through ``final`` that hold most of the path's movement (the
    leading right singular vectors of the matrix of ``theta_t - final``, Li et al. section 7),
    and for each the path's largest coordinate along it (times 1.2, a margin)."""
    flat_final = np.concatenate([v.ravel() for v in final.values()])
    M = np.stack([np.concatenate([np.asarray(p[n], dtype=np.float64).ravel() for n in final]) - flat_final
                  for p in path_params])
    _, sv, Vt = np.linalg.svd(M, full_matrices=False)
    if len(sv) < k or sv[k - 1] <= 1e-12 * max(sv[0], 1e-300):
        raise ValueError(f"plane='pca' needs a training path that moves in {k} directions; this one has "
                         f"{int(np.sum(sv > 1e-12 * max(sv[0], 1e-300)))} (pass more path points)")
    dirs, radii = [], []
    for v in Vt[:k]:
        d, offset = {}, 0
        for name, value in final.items():
            d[name] = v[offset : offset + value.size].reshape(value.shape)
            offset += value.size
        dirs.append(d)
        radii.append(1.2 * float(np.abs(M @ v).max()))
    return dirs, radii


def loss_landscape(
    model: Any,
    X: Any,
    y: Any,
    *,
    initial_params: dict[str, Any] | None = None,
    directions: int = 2,
    resolution: int = 21,
    span: float = 1.0,
    max_samples: int | None = 1000,
    seed: int = 0,
    plane: str = "random",
    path_params: Sequence[dict[str, Any]] | None = None,
) -> LossLandscape:
    """Compute the landscape that ``plot_loss_landscape`` draws (same arguments, same cost)."""
    directions, resolution, span = _check_options(directions, resolution, span, initial_params, path_params)
    if plane not in ("random", "pca"):
        raise ValueError(f"plane must be 'random' (filter-normalised) or 'pca' (of the training path), got {plane!r}")
    if plane == "pca" and (not path_params or directions == 0):
        raise ValueError("plane='pca' takes its directions from the training path: pass path_params and directions >= 1")
    if initial_params is None and path_params:
        initial_params = path_params[0]
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match")
    rng = np.random.default_rng(seed)
    index = _subsample(len(X), max_samples, rng)
    Xs, ys = X[index], y[index]
    final = {k: v.astype(np.float64) for k, v in model.get_params().items()}
    if plane == "pca":
        dirs, radii = pca_directions(final, path_params, directions)
        radii = [span * r for r in radii]
    else:
        dirs, radii = [filter_normalised_direction(final, rng) for _ in range(directions)], [span] * directions
    saved = model.get_params()
    start, count = time.perf_counter(), [0]

    def loss_at(params: dict[str, np.ndarray]) -> float:
        model.set_params(params)
        count[0] += 1
        return float(model.evaluate(Xs, ys)["loss"])

    try:
        center = loss_at(final)
        alphas, betas, surface = _surface(final, dirs, resolution, radii, loss_at)
        t, slice_losses = _slice(final, initial_params, resolution, loss_at)
        path, path_losses, captured = _path(final, dirs, path_params, loss_at)
    finally:
        model.set_params(saved)
    return LossLandscape(alphas, betas, surface, center, t, slice_losses, path, path_losses, captured,
                         index, count[0], time.perf_counter() - start, plane)


def _check_options(directions: Any, resolution: Any, span: Any, initial: Any, path: Any) -> tuple[int, int, float]:
    if directions not in (0, 1, 2) or isinstance(directions, bool):
        raise ValueError(f"directions must be 0, 1 or 2 (random directions to explore), got {directions!r}")
    if directions == 0 and initial is None and not path:
        raise ValueError("directions=0 draws only the slice from the initial weights: pass initial_params")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 3:
        raise ValueError(f"resolution must be an integer >= 3 (points per axis), got {resolution!r}")
    if not isinstance(span, (int, float, np.floating)) or not np.isfinite(span) or span <= 0:
        raise ValueError(f"span must be a positive number (how far along each direction), got {span!r}")
    if path is not None and (isinstance(path, dict) or not all(isinstance(p, dict) for p in path)):
        raise ValueError("path_params must be a list of parameter dicts like model.get_params()")
    return int(directions), int(resolution), float(span)


def _subsample(n: int, max_samples: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_samples is not None and (
        isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)) or max_samples < 1
    ):
        raise ValueError(f"max_samples must be a positive integer or None (all rows), got {max_samples!r}")
    if max_samples is None or n <= max_samples:
        return np.arange(n)
    return np.sort(rng.choice(n, size=int(max_samples), replace=False))


def _axis(resolution: int, span: float) -> np.ndarray:
    """``resolution`` points on ``[-span, span]``, 0 always among them."""
    return np.union1d(np.linspace(-span, span, resolution), [0.0])


def _surface(final, dirs, resolution, radii, loss_at):
    if not dirs:
        return None, None, None
    alphas = _axis(resolution, radii[0])
    if len(dirs) == 1:
        losses = np.array([loss_at(_moved(final, dirs, (a,))) for a in alphas])
        return alphas, None, losses
    betas = _axis(resolution, radii[1])
    losses = np.array([[loss_at(_moved(final, dirs, (a, b))) for b in betas] for a in alphas])
    return alphas, betas, losses


def _moved(final: dict, dirs: list[dict], coords: Sequence[float]) -> dict[str, np.ndarray]:
    """``final + sum_k coords[k] * dirs[k]``, parameter by parameter."""
    out = {}
    for name, value in final.items():
        moved = value.copy()
        for c, d in zip(coords, dirs):
            if c != 0:
                moved += c * d[name]
        out[name] = moved
    return out


def _slice(final, initial, resolution, loss_at):
    if initial is None:
        return None, None
    initial = {k: np.asarray(initial[k], dtype=np.float64) for k in final}
    t = np.union1d(np.linspace(*_T_RANGE, resolution), [0.0, 1.0])
    losses = np.array([loss_at({k: initial[k] + s * (final[k] - initial[k]) for k in final}) for s in t])
    return t, losses


def _path(final, dirs, path_params, loss_at):
    """Least-squares coordinates of each path point in the directions, and its real loss."""
    if not path_params or not dirs:
        return None, None, None
    D = np.column_stack([np.concatenate([d[k].ravel() for k in final]) for d in dirs])
    flat_final = np.concatenate([v.ravel() for v in final.values()])
    coords, kept, total = [], 0.0, 0.0
    for params in path_params:
        delta = np.concatenate([np.asarray(params[k], dtype=np.float64).ravel() for k in final]) - flat_final
        c = np.linalg.lstsq(D, delta, rcond=None)[0]
        coords.append(c)
        kept += float(np.sum((D @ c) ** 2))
        total += float(delta @ delta)
    losses = np.array([loss_at({k: np.asarray(p[k], dtype=np.float64) for k in final}) for p in path_params])
    return np.array(coords), losses, (kept / total if total > 0 else 1.0)


def plot_loss_landscape(
    model: Any,
    X: Any,
    y: Any,
    *,
    initial_params: dict[str, Any] | None = None,
    directions: int = 2,
    resolution: int = 21,
    span: float = 1.0,
    max_samples: int | None = 1000,
    seed: int = 0,
    plane: str = "random",
    path_params: Sequence[dict[str, Any]] | None = None,
    path: str | os.PathLike | None = None,
    dpi: float = 100,
) -> Any:
    """Draw the loss around the model's current (final) weights.

    * with ``initial_params`` (a dict like ``model.get_params()``, e.g. saved before ``fit``):
      the 1-D slice ``theta(t) = initial + t (final - initial)`` for t in [-0.25, 1.25];
    * with ``directions=2`` (default): contours of the loss on the plane
      ``final + alpha d1 + beta d2``, alpha and beta in ``[-span, span]``, d1 and d2
      filter-normalised random directions (``directions=1``: one curve along d1).
    * ``path_params``: parameter dicts recorded during training, projected onto d1, d2 by
      least squares and drawn as a line (the panel says how much of the path's movement the
      plane holds: random directions in many dimensions hold almost none of it).
    * ``plane="pca"``: d1, d2 are instead the two directions that hold most of the path's
      movement (unit vectors, not filter-normalised; Li et al. section 7), and each axis
      reaches ``span`` times 1.2 times the path's extent along it, so the path is seen.

    Cost: ``resolution**2`` evaluations (``model.evaluate``) on ``min(len(X), max_samples)``
    rows chosen with ``seed``, plus ``resolution`` for the slice and one per path point; the
    figure states the count and time. The model's parameters are restored afterwards.

    >>> import ffnn
    >>> model = ffnn.FFNN([2, 4, 2], ["tanh", "softmax"], "cce", seed=0)
    >>> fig = plot_loss_landscape(model, [[0, 1], [1, 0]], [0, 1], resolution=5)
    """
    land = loss_landscape(model, X, y, initial_params=initial_params, directions=directions,
                          resolution=resolution, span=span, max_samples=max_samples, seed=seed,
                          path_params=path_params, plane=plane)
    panels = (land.t is not None) + (land.losses is not None)
    fig = new_figure(5.2 * panels + (0.8 if land.betas is not None else 0), 4.4)
    axes = list(fig.subplots(1, panels, squeeze=False)[0])
    if land.t is not None:
        _draw_slice(axes.pop(0), land)
    if land.betas is not None:
        _draw_surface(fig, axes.pop(0), land)
    elif land.losses is not None:
        _draw_curve(axes.pop(0), land)
    fig.suptitle(f"Loss landscape: {land.evaluations} evaluations on {len(land.sample_index)} samples, "
                 f"{land.seconds:.1f} s", fontsize=11, fontweight="bold")
    return finish(fig, path, dpi)


def _draw_slice(ax: Any, land: LossLandscape) -> None:
    ax.set_label("landscape:slice")
    ax.plot(land.t, land.slice_losses, color="#2166ac", lw=1.8)
    for t0, name in ((0.0, "initial"), (1.0, "final")):
        value = land.slice_losses[np.searchsorted(land.t, t0)]
        ax.scatter([t0], [value], color="#b2182b" if t0 else "#555", zorder=5, s=25)
        ax.annotate(f"{name}\n{value:.4g}", (t0, value), textcoords="offset points", xytext=(5, 6), fontsize=8)
    ax.set_xlabel("t:  θ = θ_initial + t (θ_final − θ_initial)", fontsize=9)
    ax.set_ylabel("loss", fontsize=9)
    ax.set_title("from the initial to the final weights", fontsize=10)
    ax.grid(alpha=0.3)


def _draw_curve(ax: Any, land: LossLandscape) -> None:
    ax.set_label("landscape:direction")
    ax.plot(land.alphas, land.losses, color="#2166ac", lw=1.8)
    ax.scatter([0.0], [land.center_loss], color="#b2182b", zorder=5, s=25, label="final weights")
    if land.path is not None:
        ax.plot(land.path[:, 0], land.path_losses, "o-", color="#d9822b", ms=3, lw=1,
                label=f"training path ({land.path_captured:.1%} of its movement)")
    ax.set_xlabel("α along the path's principal direction" if land.plane == "pca"
                  else "α along a filter-normalised random direction", fontsize=9)
    ax.set_ylabel("loss", fontsize=9)
    ax.set_title("around the final weights", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)


def _draw_surface(fig: Any, ax: Any, land: LossLandscape) -> None:
    ax.set_label("landscape:surface")
    Z = np.ma.masked_invalid(land.losses.T)  # rows: beta, columns: alpha
    log = Z.count() > 0 and Z.min() > 0 and Z.max() / Z.min() > 20
    values = np.ma.log10(Z) if log else Z
    filled = ax.contourf(land.alphas, land.betas, values, levels=20, cmap="viridis")
    ax.contour(land.alphas, land.betas, values, levels=20, colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(filled, ax=ax, label="log10 loss" if log else "loss")
    ax.scatter([0.0], [0.0], marker="*", s=120, color="#b2182b", zorder=5, label=f"final ({land.center_loss:.4g})")
    if land.path is not None:
        ax.plot(land.path[:, 0], land.path[:, 1], "o-", color="#f4a582", ms=3, lw=1.2,
                label=f"training path ({land.path_captured:.1%} of its movement)")
    pca = land.plane == "pca"
    ax.set_xlabel("α (1st principal direction of the path)" if pca else "α (direction 1)", fontsize=9)
    ax.set_ylabel("β (2nd principal direction of the path)" if pca else "β (direction 2)", fontsize=9)
    ax.set_title("the plane of the training path" if pca else "two filter-normalised random directions",
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
