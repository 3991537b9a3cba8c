"""The one error a model file can raise."""

from __future__ import annotations

__all__ = ["ModelFileError"]


class ModelFileError(ValueError):
    """A model file is missing, truncated, corrupted, of another kind, or from a newer ffnn.

    The message names the file and the problem. Loading never executes code from the file.
    """
