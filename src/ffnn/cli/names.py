"""Names given on the command line (activations, loss, initialisation) checked before any work:
a typo is named, with the closest valid name and the list of valid ones, in one line."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

__all__ = ["check_names", "check_name"]


def check_name(registry: Any, name: str, option: str) -> None:
    """Raise ``ValueError("--activations: unknown activation 'reul' (did you mean 'relu'?); valid: ...")``."""
    try:
        registry.get_class(name)
    except ValueError:
        canonical = registry.names()
        close = difflib.get_close_matches(name.strip().lower(), list(registry.aliases()), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{option}: unknown {registry.kind} {name!r}{hint}; valid: {', '.join(canonical)}") from None


def check_names(activations: Sequence[str] | None = None, loss: str | None = None, init: str | None = None) -> None:
    """Every name that the ``train`` options give exists."""
    from ..activations import ACTIVATIONS
    from ..initializers import INITIALIZERS
    from ..losses import LOSSES, HalfPoissonLogLink

    for name in activations or ():
        check_name(ACTIVATIONS, name, "--activations")
    if loss is not None:
        check_name(LOSSES, loss, "--loss")
        if issubclass(LOSSES.get_class(loss), HalfPoissonLogLink):  # its outputs are log-means, not predictions
            raise ValueError(
                f"--loss: {loss!r} is the loss of ffnn.sklearn.FFNNRegressor(loss='poisson'), whose network "
                "outputs log-means; train Poisson counts with that estimator (here: mse, mae or huber)"
            )
    if init is not None:
        check_name(INITIALIZERS, init, "--init")
