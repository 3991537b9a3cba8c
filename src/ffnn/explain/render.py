"""A page as a list of blocks, written out as Markdown or as one self-contained HTML document.

The page is built once (``page.build_page``) from four kinds of block; both writers read the
same list, so the Markdown and the HTML always say the same thing.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Heading", "Text", "Formulas", "Table", "to_markdown", "to_html", "write_text"]


@dataclass
class Heading:
    level: int  # 1, 2 or 3
    text: str


@dataclass
class Text:
    text: str  # may hold `code` spans


@dataclass
class Formulas:
    """Lines of arithmetic, shown in a fixed-width font."""

    lines: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    index_header: bool = field(default=True)  # the first column names the row


def to_markdown(blocks: list) -> str:
    """The blocks as Markdown (formulas in fenced code blocks, tables as pipe tables)."""
    parts = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Text):
            parts.append(block.text)
        elif isinstance(block, Formulas):
            parts.append("```text\n" + "\n".join(block.lines) + "\n```")
        elif isinstance(block, Table):
            parts.append(_markdown_table(block))
    return "\n\n".join(parts) + "\n"


def _markdown_table(table: Table) -> str:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    lines = [f"*{table.caption}*", ""] if table.caption else []
    lines += [row(table.header), "|" + "---|" * len(table.header)]
    lines += [row(r) for r in table.rows]
    return "\n".join(lines)


_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ddd; margin-top: 1.8em; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
pre { background: #f6f8fa; padding: .7em 1em; overflow-x: auto; font-size: 13px; line-height: 1.45; }
code { background: #f0f0f0; padding: 0 .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; font: 13px monospace; }
th, td { border: 1px solid #ccc; padding: .15em .6em; text-align: right; }
th { background: #f0f3f7; } td.name { background: #f7f7f7; text-align: left; }
caption { text-align: left; font: italic 13px system-ui, sans-serif; padding-bottom: .2em; }
"""


def to_html(blocks: list, title: str = "Backpropagation, step by step") -> str:
    """The blocks as one HTML document with inline CSS: no script, nothing fetched."""
    body = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Text):
            body.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Formulas):
            body.append("<pre>" + html.escape("\n".join(block.lines)) + "</pre>")
        elif isinstance(block, Table):
            body.append(_html_table(block))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _inline(text: str) -> str:
    """Escape ``text`` and turn `code` and **bold** spans into tags."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _html_table(table: Table) -> str:
    rows = ["<table>"]
    if table.caption:
        rows.append(f"<caption>{_inline(table.caption)}</caption>")
    rows.append("<tr>" + "".join(f"<th>{_inline(h)}</th>" for h in table.header) + "</tr>")
    for r in table.rows:
        cells = [
            f"<td class=\"name\">{_inline(c)}</td>" if k == 0 and table.index_header else f"<td>{_inline(c)}</td>"
            for k, c in enumerate(r)
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` (parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
