"""Datasets: IDX files, MNIST from the repository copy."""

from .idx import DatasetError, parse_idx, read_idx
from .mnist import MNIST_SHA256, find_mnist, load_mnist

__all__ = ["DatasetError", "parse_idx", "read_idx", "MNIST_SHA256", "find_mnist", "load_mnist"]
