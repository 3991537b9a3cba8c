"""``NotebookFigure``: a matplotlib ``Figure`` that Jupyter shows as a picture by itself.

The pictures are built on ``matplotlib.figure.Figure`` without pyplot (no global state, no
backend), and Jupyter only knows how to draw such a figure once pyplot's inline backend is
loaded; before that a cell shows ``<Figure size ...>``. This subclass answers Jupyter's
``_repr_png_`` itself, so a returned figure displays whether or not pyplot was imported
(where the inline backend is loaded, its own formatter is used instead: one picture either way).
This module imports matplotlib: ``_common.new_figure`` imports it only when drawing.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["NotebookFigure"]


class NotebookFigure(Figure):
    """A ``Figure`` with a PNG representation for IPython and Jupyter."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=self.dpi, facecolor="white", bbox_inches="tight")
        return buffer.getvalue()
