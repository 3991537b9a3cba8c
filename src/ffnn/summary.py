"""``ModelSummary``: a model's layers as a table, printed as text or rendered in a notebook."""

from __future__ import annotations

import html
import sys
from typing import Any

__all__ = ["ModelSummary", "in_notebook", "history_html"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a returned object is displayed, not printed)."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class ModelSummary(str):
    """The text table (Keras-like), as a string, with ``rows`` kept as data; in Jupyter it
    renders as an HTML table."""

    rows: list[tuple[str, str, int, int]]
    total: int
    buffers: int
    dtype: str

    @classmethod
    def of(cls, model: Any) -> ModelSummary:
        rows = []
        for name, layer in zip(model.network.names, model.network):
            n = sum(p.data.size for p in layer.parameters().values())
            rows.append((name, layer.describe(), int(layer.n_out), int(n)))
        buffers = sum(int(a.size) for _, a in model.network.named_buffers())
        total, dtype = model.count_params(), model.dtype.name
        w = max([len(r[0]) for r in rows] + [5]) + 2
        t = max([len(r[1]) for r in rows] + [5]) + 2
        lines = [f"{'layer':<{w}}{'type':<{t}}{'output':>8}{'params':>10}"]
        lines += [f"{name:<{w}}{kind:<{t}}{width:>8}{n:>10}" for name, kind, width, n in rows]
        lines.append(f"total parameters: {total}  (dtype {dtype})")
        if buffers:
            lines.append(f"buffers (state, not trained): {buffers}")
        out = cls("\n".join(lines))
        out.rows, out.total, out.buffers, out.dtype = rows, total, buffers, dtype
        return out

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(n)}</td><td>{html.escape(k)}</td><td>{w}</td><td>{p}</td></tr>"
            for n, k, w, p in self.rows
        )
        extra = f", {self.buffers} buffer values" if self.buffers else ""
        return (
            "<table><thead><tr><th>layer</th><th>type</th><th>output</th><th>params</th></tr></thead>"
            f"<tbody>{cells}</tbody></table><p>{self.total} parameters ({html.escape(self.dtype)}){extra}</p>"
        )


_HEAD = _TAIL = 10  # a long history shows its first and last epochs


def history_html(history: Any) -> str:
    """A ``History`` as an HTML table: one row per epoch (the first and last ten of a long run),
    one column per metric, and the settings that matter in a line below."""
    keys = list(history.history)
    n = len(history.epoch)
    rows = list(range(n)) if n <= _HEAD + _TAIL else [*range(_HEAD), -1, *range(n - _TAIL, n)]
    head = "".join(f"<th>{html.escape(k)}</th>" for k in ["epoch", *keys])
    body = []
    for i in rows:
        if i < 0:
            body.append(f"<tr><td colspan='{len(keys) + 1}'>… {n - _HEAD - _TAIL} more epochs …</td></tr>")
            continue
        cells = [str(history.epoch[i] + 1)] + [
            f"{history.history[k][i]:.4g}" if i < len(history.history[k]) else "" for k in keys]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    params = history.params or {}
    optimizer = params.get("optimizer") or {}
    said = [f"{n} epoch{'s' if n != 1 else ''}"]
    if isinstance(optimizer, dict) and optimizer.get("name"):
        said.append(f"{optimizer['name']} at {optimizer.get('learning_rate')}")
    if params.get("batch_size"):
        said.append(f"batch {params['batch_size']}")
    warned = "".join(f"<li>{html.escape(w)}</li>" for w in getattr(history, "warnings", []))
    return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>History: {html.escape(', '.join(said))}</p>" + (f"<p>Warnings:</p><ul>{warned}</ul>" if warned else ""))
