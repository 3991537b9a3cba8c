"""One small registry mechanism shared by activations, losses, initialisers and regularisers.

Each concept keeps a ``Registry`` of classes under a canonical snake_case name plus aliases.
``get()`` accepts a name, an instance, a class or ``None`` and always returns an instance, so
every public argument such as ``activations=["relu", Sigmoid()]`` goes through one path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Configurable:
    """A registered component: ``get_config()`` gives its name and parameters (plain data that
    ``Registry.get`` turns back into an equal object), and ``repr`` shows them."""

    name: str = "component"

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def __repr__(self) -> str:
        params = {k: v for k, v in self.get_config().items() if k != "name"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})"


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


class Registry(Generic[T]):
    """Maps canonical names and aliases to classes of one kind (e.g. activations)."""

    def __init__(self, kind: str, base: type) -> None:
        self.kind = kind
        self.base = base
        self._classes: dict[str, type] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, *aliases: str) -> Callable[[type], type]:
        """Class decorator: register ``cls`` as ``name`` (its canonical name) and ``aliases``."""

        def decorator(cls: type) -> type:
            canonical = _normalise(name)
            if canonical in self._aliases:
                raise ValueError(f"{self.kind} {canonical!r} is already registered")
            cls.name = canonical
            self._classes[canonical] = cls
            for key in (canonical, *map(_normalise, aliases)):
                self._aliases[key] = canonical
            return cls

        return decorator

    def names(self) -> list[str]:
        """Canonical names, in registration order."""
        return list(self._classes)

    def aliases(self) -> dict[str, str]:
        """Every accepted spelling mapped to its canonical name."""
        return dict(self._aliases)

    def get_class(self, name: str) -> type:
        key = _normalise(name)
        if key not in self._aliases:
            valid = ", ".join(sorted(self._aliases))
            raise ValueError(f"unknown {self.kind} {name!r}; valid names are: {valid}")
        return self._classes[self._aliases[key]]

    def get(self, spec: Any, **kwargs: Any) -> T:
        """Return an instance for ``spec``: a name, an instance, a class, or a config dict.

        ``kwargs`` are passed to the constructor when ``spec`` is a name or a class. A dict
        ``{"name": ..., **params}`` (as written by ``get_config()``) is accepted as well.
        """
        if isinstance(spec, self.base):
            if kwargs:
                raise TypeError(f"cannot pass parameters with an already built {self.kind}")
            return spec  # type: ignore[return-value]
        if isinstance(spec, dict):
            params = dict(spec)
            name = params.pop("name", None)
            if name is None:
                raise ValueError(f"a {self.kind} config dict needs a 'name' key, got {spec!r}")
            return self.get(name, **params, **kwargs)
        if isinstance(spec, str):
            cls = self.get_class(spec)
        elif isinstance(spec, type) and issubclass(spec, self.base):
            cls = spec
        else:
            valid = ", ".join(self.names())
            raise TypeError(
                f"expected a {self.kind} name, instance or class, got {type(spec).__name__} "
                f"({spec!r}); valid names are: {valid}"
            )
        try:
            return cls(**kwargs)  # type: ignore[return-value]
        except TypeError as err:
            raise TypeError(f"bad parameters for {self.kind} {cls.name!r}: {err}") from None
