"""The study's report: ``report.md``, a self-contained ``report.html`` and ``results.json``.

Both documents are rendered from one list of blocks (headings, paragraphs, tables, figures),
so they say the same thing. Figures are drawn from the results alone (losses per epoch,
histograms of weights and gradients), never by retraining; the HTML embeds them as base64
PNGs and links nothing outside itself, the Markdown points at ``report_files/``.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_text
from .conclusions import SKLEARN_TOLERANCE, acc, conclude, matches_origin, pp, sklearn_pairs
from .families import FAMILIES, FAMILY_TITLES, L1_LAMBDA, L2_LAMBDA

__all__ = ["write_report", "render_report"]

Entry = dict[str, Any]


@dataclass
class _Block:
    kind: str  # "h1", "h2", "p", "table", "figure"
    text: str = ""
    headers: list[str] | None = None
    rows: list[list[str]] | None = None
    png: bytes = b""
    name: str = ""


def write_report(study, out: str | Path) -> dict[str, Path]:
    """Write ``results.json``, ``report.md``, ``report.html`` (and ``report_files/*.png``)."""
    from .runner import results_document

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    doc = results_document(study)
    doc["study"].update(computed=study.computed, cached=study.cached, wall_seconds=round(study.wall_seconds, 1))
    atomic_write_text(out / "results.json", json.dumps(doc, indent=1))
    return render_report(doc, out)


def render_report(doc: dict[str, Any], out: str | Path) -> dict[str, Path]:
    """Render the report of a ``results.json`` document into ``out``."""
    out = Path(out)
    blocks = _blocks(doc)
    files = out / "report_files"
    files.mkdir(parents=True, exist_ok=True)
    for b in blocks:
        if b.kind == "figure":
            (files / b.name).write_bytes(b.png)
    atomic_write_text(out / "report.md", _markdown(blocks))
    atomic_write_text(out / "report.html", _html(blocks))
    return {"results": out / "results.json", "markdown": out / "report.md", "html": out / "report.html"}


# ---------------------------------------------------------------------------- content
def _blocks(doc: dict[str, Any]) -> list[_Block]:
    runs = doc["runs"]
    st = doc["study"]
    s = st["setting"]
    data = "all 56,000 / 14,000 images" if s["n_train"] is None else f"the first {s['n_train']:,} / {s['n_test']:,} images"
    blocks = [
        _Block("h1", "The MNIST study"),
        _Block("p", (
            "The origin report's experiments on MNIST, run by `ffnn study`. Data: the origin's split, "
            "scikit-learn's `train_test_split(test_size=0.2, random_state=42)` over all 70,000 images "
            f"(training then test IDX files), of which {data} of the training / test parts. Controls, unless a "
            "family varies them: 784 inputs, 10 softmax outputs, categorical cross-entropy, He initialisation, "
            f"ReLU, learning rate 0.01, plain SGD, batch {s['batch_size']}, {s['epochs']} epochs, seed 42 "
            f"(setting `{s['name']}`). Origin figures are from section 2.2 of the origin report; Δ is ours minus "
            "theirs in percentage points, and a figure counts as matched when ours reaches it to the digits it "
            "was printed with. `loss` is the training loss per epoch as each library reports it (penalty "
            "included), `val_loss` the cross-entropy on the test images. Seconds per epoch are medians over the "
            f"epochs, measured with one BLAS thread per run and {st['jobs']} runs at a time "
            f"(executor `{st['executor']}`), so they compare runs with each other, not machines."
        )),
    ]
    distinct = {json.dumps(e["config"], sort_keys=True): e.get("run_seconds") or 0.0 for e in runs}
    text = (f"{len(runs)} runs, {len(distinct)} distinct configurations (the 1x64 ReLU network, for one, serves five "
            f"families); computing them took {sum(distinct.values()) / 60:.1f} minutes of worker time in all.")
    if "wall_seconds" in st:
        text += (f" This invocation computed {st['computed']} and took {st['cached']} from the cache, in "
                 f"{st['wall_seconds']:.0f} s of wall time.")
    blocks.append(_Block("p", text))
    blocks += _summary(runs)
    for fam in FAMILIES:
        entries = [e for e in runs if e["family"] == fam]
        if entries:
            blocks += _family(fam, entries, s)
    return blocks


def _summary(runs: list[Entry]) -> list[_Block]:
    rows = []
    for e in runs:
        if e["implementation"] != "ffnn" or e.get("origin_accuracy") is None:
            continue
        ok = matches_origin(e["test_accuracy"], e["origin_accuracy"])
        rows.append([FAMILY_TITLES[e["family"]].split(". ", 1)[1], _run_label(e), acc(e["test_accuracy"]),
                     str(e["origin_accuracy"]), pp(e["test_accuracy"] - e["origin_accuracy"]),
                     "yes" if ok else "**no**"])
    blocks = [_Block("h2", "Summary")]
    if runs and runs[0]["config"]["data"]["n_train"] is not None:
        blocks.append(_Block("p", "**This is a reduced run (a subset of the data, fewer epochs): a smoke test of the "
                                  "study, not its result.** The origin's figures below are for full training."))
    if rows:
        blocks.append(_Block("p", "Ours against every accuracy the origin report gives for its own network:"))
        blocks.append(_Block("table", headers=["family", "run", "ours", "origin", "Δ", "matches or beats"], rows=rows))
    pairs = sklearn_pairs([e for e in runs if e["family"] == "sklearn"])
    if pairs:
        blocks.append(_Block("p", "ffnn against scikit-learn's `MLPClassifier` at the same settings:"))
        blocks.append(_sklearn_table(pairs))
    return blocks


def _run_label(e: Entry) -> str:
    return f"{e['name']} ({e['setting'].replace('_', ' ')})" if e.get("setting") else e["name"]


def _regularization_controls(s: dict[str, Any]) -> str:
    steps = math.ceil((s["n_train"] or 56000) / s["batch_size"]) * s["epochs"]
    return (f"One hidden layer of 64 ReLU units, He, learning rate 0.01. L1 adds λ Σ|w| with λ = {L1_LAMBDA:g}, L2 adds "
            f"λ/2 Σw² with λ = {L2_LAMBDA:g}, to the mean batch loss, over the dense weights. Over {steps:,} steps of "
            f"0.01, L1 moves a weight that no image supports by 0.01 λ · {steps:,} = {0.01 * L1_LAMBDA * steps:.4f} "
            f"towards zero (He's standard deviation for 784 inputs is 0.05), and L2 shrinks it by a factor "
            f"exp(-0.01 λ · {steps:,}) = {math.exp(-0.01 * L2_LAMBDA * steps):.2f}: strong enough to show in the "
            "distributions, mild enough to cost little accuracy (the origin's unstated L1 strength cost it ten points).")


_CONTROLS = {
    "depth_width": "ReLU, He, learning rate 0.01; widths 32, 64, 128 at depth 2 and depths 1, 2, 3 at width 64.",
    "activation": "One hidden layer of 64 units with the named activation; He, learning rate 0.01.",
    "learning_rate": "One hidden layer of 64 ReLU units, He; the learning rate varies.",
    "init": ("One hidden layer of 64 ReLU units, learning rate 0.01. `uniform` is U(-0.05, 0.05) and `normal` "
             "N(0, 0.05²), biases drawn too (the origin assignment's rule); `xavier` is Glorot uniform, `he` "
             "He normal, both with zero biases."),
    "regularization": _regularization_controls,
    "rmsnorm": "One hidden layer of 64 ReLU units, He, learning rate 0.01; RMSNorm (learned scale, ε 1e-6) between the dense layer and its ReLU.",
    "sklearn": ("The origin's four architectures, ReLU, learning rate 0.01, in two settings. *Like for like*: plain "
                "SGD (momentum 0), the study's batch size and epochs, no penalty, in both libraries (scikit-learn "
                "keeps its Glorot-uniform initialisation, ffnn uses He). *Origin*: what the origin ran, "
                "`MLPClassifier(hidden_layer_sizes=..., solver=\"sgd\", learning_rate_init=0.01, max_iter=10, "
                "random_state=42)` on `X / 255` (so Nesterov momentum 0.9, batch 200, alpha 1e-4), and ffnn with "
                "its Nesterov momentum (`convention=\"sklearn\"`), batch 200 and L2 with λ = alpha / 200, since "
                "scikit-learn divides its penalty by the batch size. The origin's own network trained with plain "
                "SGD: its figures stand beside our like-for-like ffnn rows."),
}


def _family(fam: str, entries: list[Entry], setting: dict[str, Any]) -> list[_Block]:
    from . import figures

    controls = _CONTROLS[fam]
    blocks = [_Block("h2", FAMILY_TITLES[fam]), _Block("p", controls(setting) if callable(controls) else controls)]
    if fam == "sklearn":
        blocks.append(_sklearn_table(sklearn_pairs(entries)))
    else:
        blocks.append(_family_table(entries))
    blocks.append(_Block("p", "**Conclusion.** " + conclude(fam, entries)))
    blocks.append(_Block("figure", f"{FAMILY_TITLES[fam]}: loss per epoch", png=figures.losses(fam, entries),
                         name=f"{fam}_loss.png"))
    blocks.append(_Block("figure", f"{FAMILY_TITLES[fam]}: final weights and gradients of each dense layer",
                         png=figures.distributions(fam, entries), name=f"{fam}_distributions.png"))
    if fam != "sklearn":
        blocks += _movement(fam, entries)
    return blocks


def _movement(fam: str, entries: list[Entry]) -> list[_Block]:
    """How the distributions moved over the epochs (the training monitor's records)."""
    from . import movement

    said = movement.sentences(fam, entries)
    png = movement.figure(fam, entries)
    if not said or png is None:
        return []
    return [_Block("p", "**Over the epochs** (the training monitor, `ffnn.monitor`). " + " ".join(said)),
            _Block("figure", f"{FAMILY_TITLES[fam]}: how the distributions moved, epoch by epoch (0: before "
                             "training)", png=png, name=f"{fam}_movement.png")]


def _family_table(entries: list[Entry]) -> _Block:
    rows = []
    for e in entries:
        o = e.get("origin_accuracy")
        h = e["history"]
        rows.append([
            e["name"], acc(e["test_accuracy"]), "" if o is None else str(o),
            "" if o is None else pp(e["test_accuracy"] - o),
            f"{h['loss'][-1]:.4f}" if h["loss"] else "", f"{h['val_loss'][-1]:.4f}" if h["val_loss"] else "",
            _seconds(e["seconds_per_epoch"]), f"{e['distributions'][0]['weight']['std']:.4f}",
            f"{e['distributions'][0]['gradient']['std']:.2e}",
        ])
    headers = ["run", "test accuracy", "origin", "Δ", "final loss", "final val loss", "s/epoch",
               "layer 0 weight std", "layer 0 grad std"]
    return _Block("table", headers=headers, rows=rows)


def _sklearn_table(pairs: list[dict[str, Any]]) -> _Block:
    rows = []
    for r in pairs:
        f, s = r["ffnn"], r["sklearn"]
        d = f["test_accuracy"] - s["test_accuracy"]
        origin_f = f.get("origin_accuracy")  # the origin's plain-SGD network
        rows.append([
            r["name"], r["setting"].replace("_", " "), f"batch {f['config']['batch_size']}",
            acc(f["test_accuracy"]), acc(s["test_accuracy"]), pp(d),
            "yes" if abs(d) <= SKLEARN_TOLERANCE else "**no**",
            _seconds(f["seconds_per_epoch"]), _seconds(s["seconds_per_epoch"]),
            "" if origin_f is None else str(origin_f),
            "" if s.get("origin_accuracy") is None else str(s["origin_accuracy"]),
        ])
    headers = ["net", "setting", "batch", "ffnn", "sklearn", "Δ", "within 0.5 pp", "ffnn s/epoch",
               "sklearn s/epoch", "origin's ffnn", "origin's sklearn"]
    return _Block("table", headers=headers, rows=rows)


def _seconds(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


# ---------------------------------------------------------------------------- rendering
def _markdown(blocks: list[_Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            lines += [f"# {b.text}", ""]
        elif b.kind == "h2":
            lines += [f"## {b.text}", ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "table":
            lines.append("| " + " | ".join(b.headers) + " |")
            lines.append("|" + "|".join("---" for _ in b.headers) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in b.rows]
            lines.append("")
        elif b.kind == "figure":
            lines += [f"![{b.text}](report_files/{b.name})", ""]
    return "\n".join(lines)


def _inline(text: str) -> str:
    """Escape, then the two bits of Markdown the report uses: `code` and **bold** (and *em*)."""
    t = html.escape(text, quote=False)
    t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
    t = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", t)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", t)


_CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}code{background:#f3f3f3;padding:0 3px}
img{max-width:100%;height:auto;display:block;margin:1em 0}h2{margin-top:2em;border-bottom:1px solid #ddd}
"""


def _html(blocks: list[_Block]) -> str:
    body: list[str] = []
    for b in blocks:
        if b.kind in ("h1", "h2"):
            body.append(f"<{b.kind}>{_inline(b.text)}</{b.kind}>")
        elif b.kind == "p":
            body.append(f"<p>{_inline(b.text)}</p>")
        elif b.kind == "table":
            head = "".join(f"<th>{_inline(h)}</th>" for h in b.headers)
            rows = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif b.kind == "figure":
            data = base64.b64encode(b.png).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(b.text)}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{_inline(b.text)}</figcaption></figure>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>The MNIST study</title>"
            f"<style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
