"""Datasets: IDX files (MNIST, Fashion-MNIST, any other), scikit-learn's digits, the user's own
CSV / ``.npz`` / ``.npy`` files, and the splits and scalings around them.

``load_dataset(name_or_path)`` reads any of them as ``(X_train, y_train, X_test, y_test)``.
"""

from .arrays import load_npy, load_npz
from .catalog import DATASET_NAMES, Dataset, load_dataset, load_split, load_table, read_table
from .digits import load_digits
from .fashion import FASHION_MNIST_CLASSES, FASHION_MNIST_SHA256, find_fashion_mnist, load_fashion_mnist
from .idx import DatasetError, find_idx_files, load_idx, parse_idx, read_idx
from .mnist import MNIST_SHA256, find_mnist, load_mnist, load_mnist_80_20, load_mnist_all
from .split import Scaling, minmax_scale, one_hot, split_train_test, split_train_val_test, standardize
from .tabular import Table, csv_header, load_csv, read_csv_table
from .task import TaskChoice, choose_task

__all__ = [
    "DatasetError",
    "load_dataset",
    "load_table",
    "load_split",
    "read_table",
    "read_csv_table",
    "csv_header",
    "Dataset",
    "Table",
    "TaskChoice",
    "choose_task",
    "DATASET_NAMES",
    # IDX
    "parse_idx",
    "read_idx",
    "find_idx_files",
    "load_idx",
    "MNIST_SHA256",
    "find_mnist",
    "load_mnist",
    "load_mnist_all",
    "load_mnist_80_20",
    "FASHION_MNIST_SHA256",
    "FASHION_MNIST_CLASSES",
    "find_fashion_mnist",
    "load_fashion_mnist",
    "load_digits",
    # the user's files
    "load_csv",
    "load_npz",
    "load_npy",
    # splits and scaling
    "split_train_test",
    "split_train_val_test",
    "one_hot",
    "Scaling",
    "minmax_scale",
    "standardize",
]
