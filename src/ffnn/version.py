"""The library's version, in a module of its own so that any module can read it without
importing the ``ffnn`` package (and with it the model) first."""

__version__ = "0.1.0"
