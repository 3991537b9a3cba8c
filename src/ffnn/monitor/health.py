"""Health checks as data: rules with stated thresholds and sources, applied to a monitor's
records at each epoch's end.

A finding is a plain dict: ``rule``, ``layer`` (a dense layer's name, or ``"network"``),
``epoch`` (0-based, as in ``history.epoch``), ``value``, ``threshold``, ``cause``, ``fix``,
``reference`` and ``message`` (the sentence shown as a ``TrainingWarning``). Each rule fires
at most once per layer and ``fit``. ``RULES`` lists the rules; ``docs/monitor.md`` explains them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Rule", "RULES", "check", "VANISHING", "EXPLODING", "UPDATE_LOW", "UPDATE_HIGH", "DEAD", "SATURATED",
           "PLATEAU_EPOCHS", "PLATEAU_GAIN"]

VANISHING = 1e-2  # first layer's gradient RMS below 1/100 of the last layer's
EXPLODING = 1e2  # ... or above 100 times it
UPDATE_LOW, UPDATE_HIGH = 1e-4, 1e-1  # ||dw|| / ||w|| of one step; about 1e-3 is healthy
DEAD = 0.5  # half of a ReLU-family layer's units never positive over an epoch
SATURATED = 0.5  # half of a sigmoid/tanh layer's outputs beyond 99 % of the range over an epoch
PLATEAU_EPOCHS = 3  # the training loss of the last 3 epochs ...
PLATEAU_GAIN = 0.01  # ... is not 1 % below the best before them


@dataclass(frozen=True)
class Rule:
    """One health rule: what it measures, when it fires, and where the threshold comes from."""

    name: str
    measures: str
    fires_when: str
    reference: str


RULES = (
    Rule("vanishing_gradients",
         "the first monitored layer's gradient RMS (Frobenius norm / sqrt(size)) over the last one's, "
         "in the epoch's last step",
         f"below {VANISHING:g}",
         "Glorot & Bengio (2010), Understanding the difficulty of training deep feedforward neural networks, "
         "AISTATS (back-propagated gradients shrink layer by layer under saturating activations); "
         "Hochreiter (1991), Bengio, Simard & Frasconi (1994)"),
    Rule("exploding_gradients",
         "the same ratio of gradient RMS, first layer over last",
         f"above {EXPLODING:g}",
         "Pascanu, Mikolov & Bengio (2013), On the difficulty of training recurrent neural networks, ICML; "
         "Glorot & Bengio (2010)"),
    Rule("update_ratio_low",
         "||Δw|| / ||w|| of a layer's weight matrix in the epoch's last step",
         f"below {UPDATE_LOW:g}",
         "Karpathy, CS231n notes, Neural Networks Part 3 ('ratio of the update magnitudes to the value "
         "magnitudes ... should be somewhere around 1e-3'); the band [1e-4, 1e-1] is issue 17's"),
    Rule("update_ratio_high", "the same ratio", f"above {UPDATE_HIGH:g}", "Karpathy, CS231n notes (as above)"),
    Rule("dead_units",
         "share of a ReLU-family layer's units whose output was never positive for any training sample of the epoch",
         f"at least {DEAD:.0%}",
         "Maas, Hannun & Ng (2013), Rectifier nonlinearities improve neural network acoustic models "
         "(leaky ReLU against units that never activate); Lu et al. (2020), Dying ReLU and initialization, "
         "Communications in Computational Physics"),
    Rule("saturated_units",
         "share of a sigmoid/tanh layer's outputs, over the epoch's training samples, beyond 99 % of the "
         "activation's range",
         f"at least {SATURATED:.0%}",
         "LeCun, Bottou, Orr & Müller (1998), Efficient BackProp (normalised inputs, tanh, avoiding "
         "saturation); Glorot & Bengio (2010) (saturated top hidden layer of sigmoid networks)"),
    Rule("loss_not_falling",
         f"the best training loss of the last {PLATEAU_EPOCHS} epochs against the best before them",
         f"less than {PLATEAU_GAIN:.0%} lower",
         "Prechelt (1998), Early stopping - but when?, in Neural Networks: Tricks of the Trade "
         "(progress measured over a strip of epochs)"),
)
_REFERENCE = {r.name: r.reference for r in RULES}


def _finding(rule: str, layer: str, epoch: int, value: float, threshold: float, cause: str, fix: str) -> dict:
    where = "the network" if layer == "network" else layer
    message = f"{rule.replace('_', ' ')} in {where} at epoch {epoch + 1}: {cause}; {fix}"
    return {"rule": rule, "layer": layer, "epoch": int(epoch), "value": value, "threshold": threshold,
            "cause": cause, "fix": fix, "reference": _REFERENCE[rule], "message": message}


def _last(values: list | None) -> float | None:
    if not values:
        return None
    v = values[-1]
    return None if v is None or not math.isfinite(v) else float(v)


def _rms(entry: dict[str, Any]) -> float | None:
    g = _last(entry["grad_norm"])
    return None if g is None else g / math.sqrt(entry["n_in"] * entry["units"])


def _gradient_flow(layers: list[dict], epoch: int) -> list[dict]:
    if len(layers) < 2:
        return []
    first, last = _rms(layers[0]), _rms(layers[-1])
    if first is None or last is None or last == 0:
        return []
    ratio = first / last
    a, b = layers[0]["name"], layers[-1]["name"]
    if ratio < VANISHING:
        return [_finding("vanishing_gradients", a, epoch, ratio, VANISHING,
                         f"its gradients are {ratio:.2g}x the size of {b}'s (per weight), so it barely learns",
                         "use ReLU-family activations, He or Xavier initialisation, fewer layers, or RMSNorm")]
    if ratio > EXPLODING:
        return [_finding("exploding_gradients", a, epoch, ratio, EXPLODING,
                         f"its gradients are {ratio:.3g}x the size of {b}'s (per weight)",
                         "lower the learning rate, use a smaller initialisation, or add RMSNorm")]
    return []


def _layer_rules(entry: dict[str, Any], epoch: int) -> list[dict]:
    found, name = [], entry["name"]
    ratio = _last(entry["update_ratio"])
    if ratio is not None and ratio < UPDATE_LOW:
        found.append(_finding("update_ratio_low", name, epoch, ratio, UPDATE_LOW,
                              f"a step changes its weights by {ratio:.2g} of their size (healthy: about 1e-3)",
                              "raise the learning rate (ffnn lr-find suggests one) or check for vanishing gradients"))
    elif ratio is not None and ratio > UPDATE_HIGH:
        found.append(_finding("update_ratio_high", name, epoch, ratio, UPDATE_HIGH,
                              f"a step changes its weights by {ratio:.2g} of their size (healthy: about 1e-3)",
                              "lower the learning rate (e.g. by 10x)"))
    dead = _last(entry.get("dead"))
    if dead is not None and dead >= DEAD:
        found.append(_finding("dead_units", name, epoch, dead, DEAD,
                              f"{dead:.0%} of its {entry['units']} {entry['activation']} units were never "
                              "positive for any training sample this epoch and pass no gradient",
                              "lower the learning rate, standardise the inputs, start biases slightly positive, "
                              "or use leaky_relu"))
    saturated = _last(entry.get("saturated_outputs"))
    if saturated is not None and saturated >= SATURATED:
        found.append(_finding("saturated_units", name, epoch, saturated, SATURATED,
                              f"{saturated:.0%} of its {entry['activation']} outputs this epoch were beyond 99 % "
                              "of the range, where the derivative is almost 0",
                              "standardise the inputs, use Xavier initialisation, a smaller learning rate, "
                              "or ReLU-family activations"))
    return found


def _plateau(losses: list[float], epoch: int) -> list[dict]:
    if len(losses) <= PLATEAU_EPOCHS or not all(math.isfinite(v) for v in losses):
        return []
    before, recent = min(losses[:-PLATEAU_EPOCHS]), min(losses[-PLATEAU_EPOCHS:])
    if before > 0 and recent > (1 - PLATEAU_GAIN) * before:
        gain = 1 - recent / before
        return [_finding("loss_not_falling", "network", epoch, gain, PLATEAU_GAIN,
                         f"the training loss fell by {gain:.2%} in the last {PLATEAU_EPOCHS} epochs "
                         f"(best {recent:.4g} against {before:.4g} before)",
                         "stop here (early_stopping=True), or try another learning rate (ffnn lr-find)")]
    return []


def check(data: dict[str, Any], losses: list[float], epoch: int, said: set[tuple[str, str]]) -> list[dict]:
    """The findings of ``epoch`` (its record is the last in ``data``) not yet in ``said``
    (``(rule, layer)`` pairs, updated)."""
    layers = data["layers"]
    found = _gradient_flow(layers, epoch)
    for entry in layers:
        found += _layer_rules(entry, epoch)
    found += _plateau(losses, epoch)
    new = [f for f in found if (f["rule"], f["layer"]) not in said]
    said.update((f["rule"], f["layer"]) for f in new)
    return new
