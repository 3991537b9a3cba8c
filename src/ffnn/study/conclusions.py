"""Sentences of conclusion, written from the numbers of a study (never kept as text).

Each function takes the family's run entries (as in ``results.json``) and returns a few
sentences. Whatever they claim ("faster", "within 0.5 points", "matches the origin") is
decided here from the results, so the report cannot go stale when the numbers change.
"""

from __future__ import annotations

from typing import Any

__all__ = ["conclude", "origin_tolerance", "matches_origin", "pp", "acc"]

Entry = dict[str, Any]
SKLEARN_TOLERANCE = 0.005  # "matches scikit-learn": within 0.5 percentage points


def acc(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def pp(delta: float) -> str:
    """A difference of accuracies in percentage points, signed."""
    return f"{delta * 100:+.2f} pp"


def origin_tolerance(figure: float) -> float:
    """Half a unit of the figure's last printed digit: 0.952 is matched by 0.9515 and up."""
    text = repr(figure)
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0 ** (-decimals)


def matches_origin(ours: float, figure: float) -> bool:
    return ours >= figure - origin_tolerance(figure)


def _first_loss(e: Entry) -> float | None:
    loss = e["history"]["loss"]
    return loss[0] if loss else None


def _layer0(e: Entry, kind: str, stat: str) -> float:
    return e["distributions"][0][kind][stat]


def _best_worst(entries: list[Entry]) -> tuple[Entry, Entry]:
    ranked = sorted(entries, key=lambda e: e["test_accuracy"])
    return ranked[-1], ranked[0]


def _origin_sentence(entries: list[Entry]) -> str:
    with_fig = [e for e in entries if e.get("origin_accuracy") is not None and e["implementation"] == "ffnn"]
    if not with_fig:
        return ""
    deltas = [e["test_accuracy"] - e["origin_accuracy"] for e in with_fig]
    behind = [e for e in with_fig if not matches_origin(e["test_accuracy"], e["origin_accuracy"])]
    span = f"({pp(min(deltas))} to {pp(max(deltas))})" if len(deltas) > 1 else f"({pp(deltas[0])})"
    if not behind:
        return f"Every run with a figure in the origin report matches or beats it {span}."
    names = ", ".join(f"{e['name']} ({acc(e['test_accuracy'])} against {e['origin_accuracy']})" for e in behind)
    return f"{len(with_fig) - len(behind)} of {len(with_fig)} runs match or beat the origin's figure {span}; behind it: {names}."


def _depth_width(entries: list[Entry]) -> list[str]:
    by = {e["name"]: e for e in entries}
    out = []
    widths = [by[n] for n in ("2x32", "2x64", "2x128") if n in by]
    depths = [by[n] for n in ("1x64", "2x64", "3x64") if n in by]
    if len(widths) > 1:
        out.append(f"At depth 2, widening from {widths[0]['name'].split('x')[1]} to {widths[-1]['name'].split('x')[1]} "
                   f"units took test accuracy from {acc(widths[0]['test_accuracy'])} to "
                   f"{acc(widths[-1]['test_accuracy'])} ({pp(widths[-1]['test_accuracy'] - widths[0]['test_accuracy'])}).")
    if len(depths) > 1:
        out.append(f"At width 64, going from {depths[0]['name'][0]} to {depths[-1]['name'][0]} hidden layers took it "
                   f"from {acc(depths[0]['test_accuracy'])} to {acc(depths[-1]['test_accuracy'])} "
                   f"({pp(depths[-1]['test_accuracy'] - depths[0]['test_accuracy'])}), and the final training loss "
                   f"from {depths[0]['history']['loss'][-1]:.3f} to {depths[-1]['history']['loss'][-1]:.3f}.")
    best, worst = _best_worst(entries)
    out.append(f"The best network here is {best['name']} ({acc(best['test_accuracy'])}), the weakest {worst['name']} "
               f"({acc(worst['test_accuracy'])}).")
    return out


def _activation(entries: list[Entry]) -> list[str]:
    best, worst = _best_worst(entries)
    out = [f"{best['name']} gave the highest test accuracy ({acc(best['test_accuracy'])}) and {worst['name']} the "
           f"lowest ({acc(worst['test_accuracy'])})."]
    linear = next((e for e in entries if e["name"] == "linear"), None)
    if linear is not None and best is not linear:
        out.append(f"A network of linear layers is a linear classifier however deep: it reached "
                   f"{acc(linear['test_accuracy'])}, and the best non-linearity adds "
                   f"{pp(best['test_accuracy'] - linear['test_accuracy'])}.")
    first = [(e, _first_loss(e)) for e in entries if _first_loss(e) is not None]
    if first:
        slow = max(first, key=lambda t: t[1])
        fast = min(first, key=lambda t: t[1])
        out.append(f"After the first epoch the training loss ranged from {fast[1]:.3f} ({fast[0]['name']}) to "
                   f"{slow[1]:.3f} ({slow[0]['name']}): the slowest start.")
    return out


def _learning_rate(entries: list[Entry]) -> list[str]:
    ranked = sorted(entries, key=lambda e: float(e["name"]))
    accs = ", ".join(f"{e['name']}: {acc(e['test_accuracy'])}" for e in ranked)
    out = [f"Test accuracy by learning rate: {accs}."]
    firsts = [_first_loss(e) for e in ranked]
    if all(f is not None for f in firsts):
        order = "fell faster with every larger rate" if all(a > b for a, b in zip(firsts, firsts[1:])) else \
            "did not fall monotonically faster with the rate"
        out.append(f"The training loss {order}: after the first epoch it was "
                   + ", ".join(f"{f:.3f}" for f in firsts) + " respectively.")
    stds = [_layer0(e, "weight", "std") for e in ranked]
    out.append("The first layer's weight spread (standard deviation) ended at "
               + ", ".join(f"{s:.4f}" for s in stds) + ": larger steps move the weights further from their start.")
    diverged = [e["name"] for e in entries if e.get("diverged")]
    if diverged:
        out.append(f"Training diverged at {', '.join(diverged)}.")
    return out


def _init(entries: list[Entry]) -> list[str]:
    out = []
    zero = next((e for e in entries if e["name"] == "zero"), None)
    rest = [e for e in entries if e is not zero]
    if zero is not None:
        share = zero["majority_fraction"]
        close = abs(zero["test_accuracy"] - share) < 0.01
        out.append(f"Zero initialisation gives every hidden unit the same value and the same gradient (zero, under "
                   f"ReLU), so only the output biases learn: {acc(zero['test_accuracy'])}"
                   + (f", the share of the most frequent digit in the test set ({acc(share)})." if close else
                      f", against {acc(share)} for always answering the most frequent digit."))
    if rest:
        best, worst = _best_worst(rest)
        out.append(f"Among the others, {best['name']} reached {acc(best['test_accuracy'])} and {worst['name']} "
                   f"{acc(worst['test_accuracy'])} ({pp(best['test_accuracy'] - worst['test_accuracy'])} apart); "
                   "after the first epoch their training losses were "
                   + ", ".join(f"{e['name']} {_first_loss(e):.3f}" for e in rest if _first_loss(e) is not None) + ".")
    return out


def _regularization(entries: list[Entry]) -> list[str]:
    by = {e["name"]: e for e in entries}
    none = by.get("none")
    if none is None:
        return []
    out = []
    if "l1" in by:
        l1 = by["l1"]
        out.append(f"L1 (lambda {l1['config']['reg_lambda']:g}) changed accuracy by "
                   f"{pp(l1['test_accuracy'] - none['test_accuracy'])} and left "
                   f"{_layer0(l1, 'weight', 'near_zero') * 100:.0f}% of the first layer's weights within 0.001 of zero, "
                   f"against {_layer0(none, 'weight', 'near_zero') * 100:.0f}% without a penalty: the sparsity L1 is for "
                   "(the weights of pixels that are blank in every image have nothing pulling them back).")
    if "l2" in by:
        l2 = by["l2"]
        s0, s2 = _layer0(none, "weight", "std"), _layer0(l2, "weight", "std")
        out.append(f"L2 (lambda {l2['config']['reg_lambda']:g}) changed accuracy by "
                   f"{pp(l2['test_accuracy'] - none['test_accuracy'])} and shrank the first layer's weight standard "
                   f"deviation from {s0:.4f} to {s2:.4f} ({(s2 / s0 - 1) * 100:+.0f}%), without making weights exactly zero.")
    gap = [(e["name"], e["history"]["val_loss"][-1] - e["history"]["loss"][-1]) for e in entries if e["history"]["val_loss"]]
    if gap:
        out.append("Test minus training loss at the end (penalty included in training): "
                   + ", ".join(f"{n} {g:+.3f}" for n, g in gap) + ".")
    return out


def _rmsnorm(entries: list[Entry]) -> list[str]:
    by = {e["name"]: e for e in entries}
    if not {"off", "on"} <= set(by):
        return []
    off, on = by["off"], by["on"]
    g_off, g_on = _layer0(off, "gradient", "std"), _layer0(on, "gradient", "std")
    out = [f"RMSNorm changed test accuracy by {pp(on['test_accuracy'] - off['test_accuracy'])} "
           f"({acc(off['test_accuracy'])} to {acc(on['test_accuracy'])}) and the first epoch's training loss from "
           f"{_first_loss(off):.3f} to {_first_loss(on):.3f}."]
    if g_off > 0:
        ratio = g_on / g_off
        shape = "wider" if ratio > 1.25 else "narrower" if ratio < 0.8 else "about as wide"
        out.append(f"The first layer's weight gradients on the probe batch are {shape} with it (standard deviation "
                   f"{g_on:.2e} against {g_off:.2e}, {ratio:.2f} times)"
                   + ("." if shape == "wider" else "; the origin saw a much wider gradient range with RMSNorm, "
                      "which this run does not show for the dense weights."))
    return out


def sklearn_pairs(entries: list[Entry]) -> list[dict[str, Any]]:
    """One row per architecture and setting: the ffnn entry and the scikit-learn entry."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for e in entries:
        row = rows.setdefault((e["name"], e["setting"]), {"name": e["name"], "setting": e["setting"]})
        row[e["implementation"]] = e
    return [r for r in rows.values() if "ffnn" in r and "sklearn" in r]


def _sklearn(entries: list[Entry]) -> list[str]:
    out = []
    pairs = sklearn_pairs(entries)
    for setting, label in (("like_for_like", "Like for like (plain SGD, same batch, no penalty)"),
                           ("origin", "At the origin's setting (Nesterov momentum 0.9, batch 200, alpha 1e-4)")):
        rows = [r for r in pairs if r["setting"] == setting]
        if not rows:
            continue
        deltas = [r["ffnn"]["test_accuracy"] - r["sklearn"]["test_accuracy"] for r in rows]
        within = sum(abs(d) <= SKLEARN_TOLERANCE for d in deltas)
        speed = [r["sklearn"]["seconds_per_epoch"] / r["ffnn"]["seconds_per_epoch"] for r in rows
                 if r["ffnn"]["seconds_per_epoch"] and r["sklearn"]["seconds_per_epoch"]]
        text = (f"{label}, ffnn minus scikit-learn is {pp(min(deltas))} to {pp(max(deltas))}: "
                f"{within} of {len(rows)} architectures within 0.5 points")
        if speed:
            text += f"; an ffnn epoch takes {1 / max(speed):.2f} to {1 / min(speed):.2f} times scikit-learn's time"
        out.append(text + ".")
    origin_rows = [r for r in pairs if r["setting"] == "origin" and r["sklearn"].get("origin_accuracy") is not None]
    if origin_rows:
        exact = [r for r in origin_rows if r["sklearn"]["test_accuracy"] == r["sklearn"]["origin_accuracy"]]
        if len(exact) == len(origin_rows):
            out.append("scikit-learn at the origin's setting reproduces the origin's scikit-learn column to every digit, "
                       "which identifies that setting: MLPClassifier's defaults, momentum included. So the origin "
                       "compared its plain-SGD network against scikit-learn with Nesterov momentum 0.9 and batch 200: "
                       "the gap it reported is the optimiser's, not the implementation's.")
        else:
            out.append(f"scikit-learn at the origin's setting reproduces {len(exact)} of {len(origin_rows)} of the "
                       "origin's scikit-learn figures exactly (the full setting reproduces all four).")
    return out


_FAMILY_FUNCS = {"depth_width": _depth_width, "activation": _activation, "learning_rate": _learning_rate,
                 "init": _init, "regularization": _regularization, "rmsnorm": _rmsnorm, "sklearn": _sklearn}


def conclude(family: str, entries: list[Entry]) -> str:
    """Two or three (sometimes four) sentences on the family, from its entries."""
    sentences = _FAMILY_FUNCS[family](entries) if entries else []
    if family != "sklearn":
        sentences.append(_origin_sentence(entries))
    else:
        like = [e for e in entries if e["implementation"] == "ffnn" and e["setting"] == "like_for_like"]
        sentences.append(_origin_sentence(like).replace("Every run", "Every ffnn run"))
    return " ".join(s for s in sentences if s)
