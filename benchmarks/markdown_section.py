"""Rewrite one marked section of a Markdown file with a benchmark's fresh table."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, marker: str, text: str) -> None:
    """Replace the text between ``<!-- MARKER:start -->`` and ``<!-- MARKER:end -->`` in ``path``
    (or append it between new markers when they are missing)."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    block = f"{start}\n{text}\n{end}"
    old = path.read_text() if path.exists() else ""
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end):]
    else:
        new = old + ("\n" if old else "") + block + "\n"
    path.write_text(new)
