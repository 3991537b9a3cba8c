"""A small reverse-mode automatic differentiation engine on NumPy arrays.

>>> from ffnn.autograd import Tensor
>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
array([2., 4., 6.])

``Tensor`` (``tensor.py``) holds the primitive operations, each with its backward rule, and
``graph.py`` the walk behind ``backward()``;
``functional`` composes them (softmax, log-softmax, softplus, the losses). A model runs on
the engine with ``engine="autograd"``: ``ffnn.objective`` then builds the graph from each
layer's, loss's and regulariser's own ``tensor_*`` form. See ``docs/autograd.md``.
"""

from . import functional
from .functional import log_softmax, logsumexp, maximum, softmax, softplus, where
from .tensor import Tensor, is_grad_enabled, no_grad

__all__ = [
    "Tensor",
    "no_grad",
    "is_grad_enabled",
    "functional",
    "log_softmax",
    "logsumexp",
    "maximum",
    "softmax",
    "softplus",
    "where",
]
