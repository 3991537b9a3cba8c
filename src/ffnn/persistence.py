"""Saving and loading whole models: an ``FFNN`` to and from the plain data of ``ffnn.io``.

Both work on any object with the model interface (``get_config``, ``get_params``, ``network``,
``optimizer``, ``history``, ``rng``; ``from_config`` on its class), so this module does not
import ``ffnn.model``: ``FFNN.save`` and ``FFNN.load`` call it.

``save_model`` collects what a model holds (config, parameters and buffers, last gradients,
history, optimiser state, generator state); ``load_model`` rebuilds the model from a file that
``ffnn.io.read_model_file`` has already checked member by member, so a model that loads is
bit-for-bit the one saved and continues training where it stopped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from . import optimizers as _optimizers
from .io.errors import ModelFileError
from .io.model_file import (
    FORMAT_NAME,
    FORMAT_VERSION,
    GRADS,
    OPTIM,
    PARAMS,
    file_guard,
    read_model_file,
    write_model_file,
)
from .targets import TargetCoder
from .version import __version__

__all__ = ["save_model", "load_model"]


def save_model(model: Any, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` (one ``.npz`` file, no pickle), atomically.

    The file holds the architecture, every parameter and buffer, the last gradients, the
    training history, the optimiser state and the generator state, so ``load_model(path)``
    gives identical predictions and continues training bit for bit. An interrupted save
    leaves any previous file at ``path`` untouched; a model with NaN/inf parameters is refused.
    """
    config = model.get_config()
    arrays = {PARAMS + name: value for name, value in model.get_params().items()}
    arrays.update({GRADS + name: value for name, value in model.get_grads().items()})
    opt_meta = None
    if model.optimizer is not None:
        state = {key: np.asarray(value) for key, value in model.optimizer.state_dict().items()}
        arrays.update({OPTIM + key: value for key, value in state.items()})
        opt_meta = {"config": model.optimizer.get_config(), "state": sorted(state)}
    meta = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION if "layers" in config else 1,
        "ffnn_version": __version__,
        "config": config,
        "params": list(model.get_params()),
        "grads": True,
        "history": None if model.history is None else model.history.to_dict(),
        "optimizer": opt_meta,
        "rng_state": model.rng.bit_generator.state,
        "data": {"targets": model.targets.to_dict(), "feature_names": model.feature_names},
    }
    write_model_file(path, meta, arrays)


def load_model(path: str | os.PathLike, model_class: Any) -> Any:
    """Read a model written by ``save_model`` as ``model_class`` (``FFNN``: use ``ffnn.load``).

    Raises :class:`ffnn.ModelFileError` if the file is missing, not an ffnn model file,
    truncated or corrupted, written by a newer ffnn, or inconsistent with its own architecture.
    """
    path = Path(path)
    contents = read_model_file(path)
    model = file_guard(path, "config", lambda: model_class.from_config(contents.config))
    try:
        model.set_params(contents.state)
    except (KeyError, ValueError) as err:
        raise ModelFileError(f"{path}: bad parameters ({err})") from None
    if contents.grads is not None:
        for name, param in model.network.named_parameters():
            param.grad[...] = contents.grads[name]
    model.history = contents.history
    if contents.optimizer_config is not None:
        model.optimizer = _restore_optimizer(contents.optimizer_config, contents.optimizer_state, model, path)
    if contents.rng_state is not None:
        file_guard(path, "rng_state", lambda: setattr(model.rng.bit_generator, "state", contents.rng_state))
    data = contents.meta.get("data") or {}
    if not isinstance(data, dict):
        raise ModelFileError(f"{path}: metadata field 'data' is malformed")
    if data.get("targets") is not None:
        model.targets = file_guard(path, "targets", lambda: TargetCoder.from_dict(data["targets"]))
    names = data.get("feature_names")
    if names is not None:
        if not isinstance(names, list) or len(names) != model.network.n_in or not all(isinstance(n, str) for n in names):
            raise ModelFileError(f"{path}: feature_names must be {model.network.n_in} strings")
        model.feature_names = names
    return model


def _restore_optimizer(config: dict[str, Any], state: dict[str, np.ndarray], model: Any,
                       path: Path) -> _optimizers.Optimizer:
    """Rebuild the optimiser from its config, bind it to the model, restore its state arrays."""
    optimizer = file_guard(path, "optimizer config", lambda: _optimizers.get(config))
    optimizer.bind(model.network.flat_params, model.network.flat_grads)
    file_guard(path, "optimizer state", lambda: optimizer.load_state_dict(state))
    return optimizer
