"""``ffnn train``'s defaults: one set for image data, one for tables.

Image data (MNIST, Fashion-MNIST, digits, IDX files: pixels already in [0, 1]) keep the origin
report's settings: a 64-64 network trained with plain SGD at 0.01, batch 32, 10 epochs.

Tables (a user's CSV, .npz or .npy file) get scikit-learn's ``MLPClassifier`` /
``MLPRegressor`` recipe, which reaches it on ordinary tables (``benchmarks/bench_tables.py``):
inputs standardised (a ``Normalization`` layer learnt from the training rows; regression
targets too), one hidden layer of 100 ReLU units initialised by scikit-learn's rule, Adam at
0.001, batch 32, up to 200 epochs, stopped when the loss on a 10 % validation split has not
improved for 20 epochs, with the weights of the best epoch restored. Chosen on the mean of ten
split seeds of iris, wine, breast cancer, digits and diabetes (He initialisation did as well
on the classes and worse on diabetes: R² 0.42 against 0.46).

Both hold out a validation split of the training rows: the test rows are scored only at the end.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

__all__ = ["Profile", "IMAGES", "TABLES", "profile_for", "settle", "both"]


@dataclass(frozen=True)
class Profile:
    """The value of each tunable option when the command line does not give it."""

    name: str
    hidden: tuple[int, ...]
    init: str
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    validation_split: float
    early_stopping: int  # patience in epochs; 0 is off
    standardize: bool


IMAGES = Profile("image data", (64, 64), "he", "sgd", 0.01, 32, 10, 0.1, 0, False)
TABLES = Profile("tables", (100,), "sklearn", "adam", 0.001, 32, 200, 0.1, 20, True)

_SETTINGS = ("hidden", "init", "optimizer", "learning_rate", "batch_size", "epochs", "validation_split",
             "early_stopping", "standardize")


def profile_for(images: bool) -> Profile:
    return IMAGES if images else TABLES


def settle(args: argparse.Namespace, images: bool) -> dict[str, object]:
    """``{option: value}``: what the command line gave, else the profile's value."""
    profile = profile_for(images)
    out: dict[str, object] = {}
    for key in _SETTINGS:
        given = getattr(args, key, None)
        out[key] = given if given is not None else getattr(profile, key)
    out["hidden"] = list(out["hidden"])  # type: ignore[call-overload]
    return out


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return "off" if value == 0 and not isinstance(value, float) else str(value)


def both(key: str) -> str:
    """``"(default: 10 for image data, 200 for tables)"`` for an option's help."""
    a, b = _show(getattr(IMAGES, key)), _show(getattr(TABLES, key))
    if a == b:
        return f"(default: {a})"
    return f"(default: {a} for image data, {b} for tables)"
