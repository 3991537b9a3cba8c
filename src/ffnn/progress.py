"""Progress reporting for long work: a tqdm bar when tqdm is installed, a plain line otherwise.

The core stays importable with NumPy alone, so tqdm is imported lazily and optional.
"""

from __future__ import annotations

import sys
import time
from typing import Any


class ProgressBar:
    """A minimal progress bar: ``update(n)``, ``set_postfix(text)``, ``close()``."""

    def __init__(self, total: int, desc: str = "", enabled: bool = True, unit: str = "batch") -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._fallback = False
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:  # the plain fallback below
            self._fallback = True
            self.total, self.desc, self.n, self._postfix = total, desc, 0, ""
            self._last = 0.0
        else:
            self._bar = tqdm(total=total, desc=desc, unit=unit, leave=True, dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)
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
        elif self._fallback:
            self._write()
            sys.stderr.write("\n")
            sys.stderr.flush()
