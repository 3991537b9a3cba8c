"""The PyTorch side of the comparisons: the same ReLU/softmax MLP, trained the way PyTorch users do."""

from __future__ import annotations

from typing import Any


def build_mlp(torch: Any, sizes: list[int]) -> Any:
    """``nn.Sequential`` of ``Linear`` layers with ReLU between them, for ``sizes`` (inputs to
    classes), drawn with ``torch.manual_seed(0)``."""
    nn = torch.nn
    torch.manual_seed(0)
    layers: list[Any] = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def train_epochs(torch: Any, model: Any, X: Any, y: Any, batch_size: int, epochs: int, learning_rate: float) -> None:
    """Plain ``optim.SGD`` on ``CrossEntropyLoss`` (softmax and cross-entropy from the logits,
    batch mean); each epoch walks a shuffled index whose batches are gathered from ``X``, ``y``."""
    opt = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.0)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(X)
    for _ in range(epochs):
        order = torch.randperm(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            opt.zero_grad()
            loss_fn(model(X[idx]), y[idx]).backward()
            opt.step()
