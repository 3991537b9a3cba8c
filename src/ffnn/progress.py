"""Progress reporting for long work: a tqdm bar on a terminal, one plain line per task elsewhere.

``mode="auto"`` draws a tqdm bar when standard error is a terminal or in a Jupyter kernel (a
widget where ipywidgets is installed, tqdm's text bar otherwise, without tqdm's warning about
the missing widgets) and otherwise writes only the task's final line, so
logs and CI output get no carriage-return spam; ``mode="line"`` always writes just that
line (``fit(verbose=2)``). The core stays importable with NumPy alone: tqdm is optional.
"""

from __future__ import annotations

import sys
import time
from typing import Any


class ProgressBar:
    """A minimal progress bar: ``update(n)``, ``set_postfix(text)``, ``close()``."""

    def __init__(self, total: int, desc: str = "", enabled: bool = True, unit: str = "batch",
                 mode: str = "auto") -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._fallback = self._line_only = False
        self.total, self.desc, self.n, self._postfix = total, desc, 0, ""
        self._last = 0.0
        if not enabled:
            return
        tqdm = _tqdm_class() if mode == "auto" else None
        if tqdm is None:
            self._line_only = mode == "line" or not _is_terminal()
            self._fallback = True
        else:
            self._bar = tqdm(total=total, desc=desc, unit=unit, leave=True, dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)
        elif self._line_only:
            self.n += n
        elif self._fallback:
            self.n += n
            now = time.monotonic()
            if now - self._last > 0.5 or self.n >= self.total:
                self._last = now
                self._write()

    def set_postfix(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)
        elif self._fallback:
            self._postfix = text

    def _write(self) -> None:
        width = 30
        done = int(width * self.n / max(self.total, 1))
        bar = "#" * done + "-" * (width - done)
        sys.stderr.write(f"\r{self.desc} [{bar}] {self.n}/{self.total} {self._postfix}")
        sys.stderr.flush()

    def close(self, final: str | None = None) -> None:
        if final is not None:
            self.set_postfix(final)
        if self._bar is not None:
            self._bar.refresh()
            self._bar.close()
        elif self._line_only:
            sys.stderr.write(f"{self.desc}: {self._postfix}\n")
            sys.stderr.flush()
        elif self._fallback:
            self._write()
            sys.stderr.write("\n")
            sys.stderr.flush()


def _is_terminal() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def _tqdm_class() -> Any:
    """tqdm's bar for this output: a widget in a notebook with ipywidgets, the text bar on a
    terminal or in a notebook without them, ``None`` (plain lines) elsewhere or without tqdm."""
    try:
        from .summary import in_notebook

        if in_notebook():
            import importlib.util

            if importlib.util.find_spec("ipywidgets") is not None:
                from tqdm.notebook import tqdm
                return tqdm
            from tqdm.std import tqdm  # redrawn in place with "\r", which notebooks honour
            return tqdm
        if not _is_terminal():
            return None
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm
