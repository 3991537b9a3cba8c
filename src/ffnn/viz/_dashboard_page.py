"""The HTML page of ``training_dashboard``: CSS, empty SVG panels and the script that draws them.

``__TITLE__`` and ``__DATA__`` (the history and monitor records as JSON) are filled in by
``dashboard.py``. Nothing is loaded from the network: the page works from a file, offline.
"""

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__ · ffnn</title>
<style>
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; background: #f6f6f4; }
  header { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #ddd; padding: 8px 14px;
           display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0; }
  header button { font: inherit; padding: 2px 9px; border: 1px solid #888; background: #f4f4f4; border-radius: 4px; cursor: pointer; }
  header button[aria-pressed="true"] { background: #2166ac; color: #fff; border-color: #2166ac; }
  #record { width: 260px; }
  #record-label { font-variant-numeric: tabular-nums; min-width: 190px; }
  main { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px; padding: 10px 14px; }
  section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 6px 8px; min-width: 0; }
  section.wide { grid-column: span 3; }
  section.double { grid-column: span 2; }
  h2 { font-size: 13px; margin: 0 0 2px; }
  .note { color: #666; font-size: 11.5px; margin: 0; }
  svg.plot { width: 100%; height: auto; display: block; }
  svg text { font-size: 10px; fill: #333; }
  .axis line, .axis path { stroke: #999; stroke-width: 1; fill: none; }
  .grid { stroke: #eee; stroke-width: 1; }
  .marker { stroke: #d62728; stroke-width: 1.2; stroke-dasharray: 4 3; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  th, td { border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left; vertical-align: top; }
  th { background: #f3f3f3; }
  tr.finding-now td { background: #fff4e0; }
  #graph-svg { width: 100%; height: 430px; display: block; }
  .gnode { stroke: #333; stroke-width: 0.8; }
  .glabel { font-size: 9px; text-anchor: middle; }
</style>
</head>
<body>
<header>
  <h1>__TITLE__</h1>
  <span>layer <span id="layer-buttons"></span></span>
  <label>record <input type="range" id="record" min="0" max="0" step="1" value="0"></label>
  <span id="record-label"></span>
</header>
<main>
  <section><h2>Loss</h2><p class="note">training (solid) and validation (dashed) per epoch</p><svg class="plot" id="loss"></svg></section>
  <section><h2>Learning rate</h2><p class="note">at each record</p><svg class="plot" id="lr"></svg></section>
  <section><h2>Health findings</h2><div id="health"></div></section>
  <section><h2 id="t-weight">Weights</h2><p class="note">percentile bands over time (0–100, 7–93, 16–84, 31–69, median)</p><svg class="plot" id="band-weight"></svg></section>
  <section><h2 id="t-gradient">Gradients</h2><p class="note">of the step just taken</p><svg class="plot" id="band-gradient"></svg></section>
  <section><h2 id="t-activations">Activations</h2><p class="note">on the probe rows, in inference mode</p><svg class="plot" id="band-activations"></svg></section>
  <section><h2>Weight histogram</h2><p class="note" id="n-weight"></p><svg class="plot" id="hist-weight"></svg></section>
  <section><h2>Gradient histogram</h2><p class="note" id="n-gradient"></p><svg class="plot" id="hist-gradient"></svg></section>
  <section><h2>Activation histogram</h2><p class="note" id="n-activations"></p><svg class="plot" id="hist-activations"></svg></section>
  <section><h2>Gradient norm</h2><p class="note">‖∂L/∂W‖ per layer (log scale)</p><svg class="plot" id="gnorm"></svg></section>
  <section><h2>Update ratio</h2><p class="note">‖Δw‖/‖w‖ of the step; shaded: the healthy band 1e-4 … 1e-1</p><svg class="plot" id="ratio"></svg></section>
  <section><h2>Dead and saturated units</h2><p class="note">share of units dead (ReLU family, solid) or outputs saturated (sigmoid/tanh, dashed) over the samples since the previous record</p><svg class="plot" id="dead"></svg></section>
  <section class="wide"><h2>Network at the chosen record <button id="by-weight" aria-pressed="true">weights</button> <button id="by-grad" aria-pressed="false">gradients</button></h2>
    <p class="note" id="graph-note"></p><svg id="graph-svg"></svg></section>
</main>
<script type="application/json" id="ffnn-data">__DATA__</script>
<script>
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("ffnn-data").textContent);
  const M = D.monitor, R = M.records, X = D.x, LAYERS = M.layers, N = X.length;
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
  const NS = document.getElementById("loss").namespaceURI;  // an inline <svg> in HTML gets the SVG namespace
  const W = 420, H = 210;
  let layer = 0, rec = N - 1, by = "weight";

  function el(name, attrs, parent, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1).replace("e+", "e").replace(".0e", "e");
    return String(Number(v.toPrecision(3)));
  }
  function ok(v, log) { return v !== null && v !== undefined && isFinite(v) && (!log || v > 0); }
  function extent(arrays, log) {
    let lo = Infinity, hi = -Infinity;
    arrays.forEach(a => (a || []).forEach(v => { if (ok(v, log)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }));
    if (lo === Infinity) return log ? [1e-3, 1] : [0, 1];
    if (lo === hi) return log ? [lo / 2, hi * 2] : [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
    return [lo, hi];
  }
  function ticks(lo, hi, log) {
    if (log) {
      const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi)), k = Math.max(1, Math.ceil((b - a) / 6));
      let out = [];
      for (let e = a; e <= b; e += k) out.push(Math.pow(10, e));
      if (b - a <= 2) out = [].concat.apply([], out.map(v => [v, 2 * v, 5 * v]));  // a narrow range: 1, 2, 5 per decade
      out = out.filter(v => v >= lo * 0.999 && v <= hi * 1.001);
      return out.length >= 3 ? out : ticks(lo, hi, false).filter(v => v > 0);  // narrower still: plain steps
    }
    const raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => raw <= s);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }

  // A plot: axes, ticks, and the scales sx, sy (log on y when asked).
  function plot(svg, o) {
    svg.textContent = "";
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    const L = 50, Rm = 10, T = 16, B = 28, log = !!o.logY;
    const ty = v => log ? Math.log10(v) : v, y0 = ty(o.y[0]), y1 = ty(o.y[1]);
    const p = {svg: svg, log: log, L: L, T: T, B: B, Rm: Rm,
      sx: v => L + (v - o.x[0]) / ((o.x[1] - o.x[0]) || 1) * (W - L - Rm),
      sy: v => H - B - (ty(v) - y0) / ((y1 - y0) || 1) * (H - T - B)};
    const axis = el("g", {class: "axis"}, svg);
    ticks(o.y[0], o.y[1], log).forEach(v => {
      const y = p.sy(v);
      el("line", {class: "grid", x1: L, x2: W - Rm, y1: y, y2: y}, axis);
      el("text", {x: L - 4, y: y + 3, "text-anchor": "end"}, axis, fmt(v));
    });
    (o.xTicks || ticks(o.x[0], o.x[1], false)).forEach(v => {
      const x = p.sx(v);
      el("line", {x1: x, x2: x, y1: H - B, y2: H - B + 4}, axis);
      el("text", {x: x, y: H - B + 14, "text-anchor": "middle"}, axis, fmt(v));
    });
    el("path", {d: "M" + L + "," + T + "V" + (H - B) + "H" + (W - Rm)}, axis);
    if (o.xLabel) el("text", {x: (L + W - Rm) / 2, y: H - 2, "text-anchor": "middle"}, axis, o.xLabel);
    return p;
  }
  function segments(xs, ys, log) {  // runs of consecutive usable points
    const out = [];
    let cur = [];
    xs.forEach((x, i) => { if (ok(ys[i], log) && ok(x)) cur.push(i); else if (cur.length) { out.push(cur); cur = []; } });
    if (cur.length) out.push(cur);
    return out;
  }
  function line(p, xs, ys, attrs) {
    segments(xs, ys, p.log).forEach(seg => {
      const d = seg.map((i, k) => (k ? "L" : "M") + p.sx(xs[i]).toFixed(1) + "," + p.sy(ys[i]).toFixed(1)).join("");
      el("path", Object.assign({d: d, fill: "none", "stroke-width": 1.6}, attrs), p.svg);
      if (seg.length === 1) el("circle", {cx: p.sx(xs[seg[0]]), cy: p.sy(ys[seg[0]]), r: 2.2, fill: attrs.stroke}, p.svg);
    });
  }
  function band(p, xs, lo, hi, attrs) {
    const both = xs.map((_, i) => ok(lo[i], p.log) && ok(hi[i], p.log) ? 1 : null);
    segments(xs, both, false).forEach(seg => {
      const top = seg.map(i => p.sx(xs[i]).toFixed(1) + "," + p.sy(hi[i]).toFixed(1));
      const bottom = seg.slice().reverse().map(i => p.sx(xs[i]).toFixed(1) + "," + p.sy(lo[i]).toFixed(1));
      if (seg.length === 1) {  // one record: a short vertical bar
        const x = p.sx(xs[seg[0]]);
        el("rect", Object.assign({x: x - 3, width: 6, y: p.sy(hi[seg[0]]), height: Math.max(0.5, p.sy(lo[seg[0]]) - p.sy(hi[seg[0]]))}, attrs), p.svg);
      } else el("polygon", Object.assign({points: top.concat(bottom).join(" ")}, attrs), p.svg);
    });
  }
  function marker(p, x) { el("line", {class: "marker", x1: p.sx(x), x2: p.sx(x), y1: p.T, y2: H - p.B}, p.svg); }
  function legend(p, items) {
    let x = p.L + 6;
    items.forEach(it => {
      el("line", {x1: x, x2: x + 14, y1: 9, y2: 9, stroke: it.color, "stroke-width": 2, "stroke-dasharray": it.dash || ""}, p.svg);
      el("text", {x: x + 17, y: 12}, p.svg, it.label);
      x += 24 + 5.6 * it.label.length;
    });
  }
  const XR = [Math.min.apply(null, X.concat(D.epochX)), Math.max.apply(null, X.concat(D.epochX))];

  // ---------------------------------------------------------------- panels over the whole run
  function drawLoss() {
    const h = D.history, keys = ["loss", "val_loss"].filter(k => h[k]);
    const p = plot(document.getElementById("loss"), {x: XR, y: extent(keys.map(k => h[k]), false), xLabel: "epoch"});
    keys.forEach(k => line(p, D.epochX, h[k], {stroke: "#2166ac", "stroke-dasharray": k === "val_loss" ? "5 3" : ""}));
    legend(p, keys.map(k => ({label: k, color: "#2166ac", dash: k === "val_loss" ? "5 3" : ""})));
    marker(p, X[rec]);
  }
  function drawLR() {
    const p = plot(document.getElementById("lr"), {x: XR, y: extent([R.learning_rate], true), logY: true, xLabel: "epoch"});
    line(p, X, R.learning_rate, {stroke: "#444"});
    marker(p, X[rec]);
  }
  function perLayer(id, key, log, extra) {
    const arrays = LAYERS.map(e => e[key] || []);
    const ext = extent(arrays.concat(extra ? [extra.range] : []), log);
    const p = plot(document.getElementById(id), {x: XR, y: ext, logY: log, xLabel: "epoch"});
    if (extra) extra.draw(p);
    LAYERS.forEach((e, i) => { if (e[key]) line(p, X, e[key], {stroke: COLORS[i % COLORS.length]}); });
    legend(p, LAYERS.map((e, i) => ({label: e.name, color: COLORS[i % COLORS.length]})));
    marker(p, X[rec]);
    return p;
  }
  function drawGlobal() {
    drawLoss();
    drawLR();
    perLayer("gnorm", "grad_norm", true);
    perLayer("ratio", "update_ratio", true, {range: [1e-4, 1e-1], draw: p => {
      el("rect", {x: p.L, width: W - p.L - p.Rm, y: p.sy(1e-1), height: p.sy(1e-4) - p.sy(1e-1), fill: "#2ca02c", opacity: 0.08}, p.svg);
    }});
    const p = plot(document.getElementById("dead"), {x: XR, y: [0, 1], xLabel: "epoch"});
    LAYERS.forEach((e, i) => {
      const c = COLORS[i % COLORS.length];
      if (e.dead) line(p, X, e.dead, {stroke: c});
      if (e.saturated_outputs) line(p, X, e.saturated_outputs, {stroke: c, "stroke-dasharray": "5 3"});
    });
    legend(p, LAYERS.filter(e => e.dead || e.saturated_outputs).map(e => ({label: e.name,
      color: COLORS[LAYERS.indexOf(e) % COLORS.length], dash: e.dead ? "" : "5 3"})));
    if (!LAYERS.some(e => e.dead || e.saturated_outputs))
      el("text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, p.svg, "no ReLU-family or sigmoid/tanh hidden layer watched");
    marker(p, X[rec]);
  }

  // ---------------------------------------------------------------- the chosen layer
  const QUANTITIES = ["weight", "gradient", "activations"];
  function drawBands(q) {
    const e = LAYERS[layer], P = e[q].percentiles, col = k => P.map(r => r ? r[k] : null);
    const k = M.percentiles.length, mid = (k - 1) / 2;
    const p = plot(document.getElementById("band-" + q), {x: XR, y: extent([col(0), col(k - 1)], false), xLabel: "epoch"});
    for (let j = 0; j < mid; j++) band(p, X, col(j), col(k - 1 - j), {fill: "#2166ac", "fill-opacity": 0.16});
    line(p, X, col(mid), {stroke: "#08306b"});
    marker(p, X[rec]);
  }
  function drawHistogram(q) {
    const e = LAYERS[layer], svg = document.getElementById("hist-" + q);
    const counts = e[q].histogram[rec], pct = e[q].percentiles[rec];
    const note = document.getElementById("n-" + q);
    if (!counts || !pct) {
      plot(svg, {x: [0, 1], y: [0, 1]});
      el("text", {x: W / 2, y: H / 2, "text-anchor": "middle"}, svg, "not recorded at this record (before the first step)");
      svg.dataset.counts = "";
      note.textContent = "";
      return;
    }
    let lo = pct[0], hi = pct[pct.length - 1];
    if (hi <= lo) { lo -= 0.5; hi += 0.5; }
    const n = counts.length, step = (hi - lo) / n, top = Math.max.apply(null, counts) || 1;
    const p = plot(svg, {x: [lo, hi], y: [0, top * 1.05], xTicks: ticks(lo, hi, false)});
    counts.forEach((c, i) => {
      const x0 = p.sx(lo + i * step), x1 = p.sx(lo + (i + 1) * step);
      const r = el("rect", {class: "bar", x: x0, width: Math.max(0.5, x1 - x0 - 0.6), y: p.sy(c), height: p.sy(0) - p.sy(c),
        fill: q === "gradient" ? "#b2182b" : q === "weight" ? "#2166ac" : "#2ca02c"}, svg);
      r.dataset.count = c;
      el("title", {}, r, "[" + fmt(lo + i * step) + ", " + fmt(lo + (i + 1) * step) + "): " + c);
    });
    svg.dataset.counts = counts.join(",");
    const total = counts.reduce((a, b) => a + b, 0), nz = e[q].near_zero[rec];
    note.textContent = total.toLocaleString("en") + " values · median " + fmt(pct[(pct.length - 1) / 2]) +
      (nz !== null ? " · |x| < 0.001: " + (100 * nz).toFixed(1) + " %" : "");
  }
  function drawLayer() {
    const e = LAYERS[layer];
    document.getElementById("t-activations").textContent = "Activations (" + e.activation + ", " + e.activation_layer + ")";
    document.getElementById("t-weight").textContent = "Weights of " + e.name + " (" + e.n_in + "×" + e.units + ")";
    document.getElementById("t-gradient").textContent = "Gradients of " + e.name;
    QUANTITIES.forEach(drawBands);
    QUANTITIES.forEach(drawHistogram);
    document.querySelectorAll("#layer-buttons button").forEach((b, i) => b.setAttribute("aria-pressed", i === layer));
    document.body.dataset.layer = e.name;
  }

  // ---------------------------------------------------------------- health
  function drawHealth() {
    const box = document.getElementById("health");
    box.textContent = "";
    if (!D.health.length) {
      box.appendChild(document.createTextNode("No findings: every rule passed at every epoch."));
      return;
    }
    const t = document.createElement("table"), head = t.insertRow();
    ["epoch", "layer", "finding"].forEach(h => { const th = document.createElement("th"); th.textContent = h; head.appendChild(th); });
    D.health.forEach(f => {
      const row = t.insertRow();
      row.className = f.epoch + 1 <= X[rec] + 1e-9 ? "finding-now" : "";
      row.insertCell().textContent = f.epoch + 1;
      row.insertCell().textContent = f.layer;
      const c = row.insertCell();
      const b = document.createElement("b"); b.textContent = f.rule.replace(/_/g, " ") + ": ";
      c.appendChild(b);
      c.appendChild(document.createTextNode(f.cause + "; " + f.fix));
      c.title = f.reference;
    });
    box.appendChild(t);
  }

  // ---------------------------------------------------------------- the network graph
  function drawGraph() {
    const svg = document.getElementById("graph-svg"), G = M.graph;
    svg.textContent = "";
    let s = -1;
    G.record.forEach((r, i) => { if (r <= rec) s = i; });
    const note = document.getElementById("graph-note");
    if (s < 0) { note.textContent = "no picture recorded yet"; return; }
    const snap = G.snapshots[s], r = G.record[s];
    note.textContent = "as at epoch " + (R.epoch[r] + 1) + (R.batch[r] ? ", batch " + R.batch[r] : ", before its first step") +
      ": the " + snap.neurons.map(n => n.length).join("-") + " most strongly connected neurons of each column (by |w|), " +
      "the 60 strongest connections between them by " + (by === "weight" ? "|w|" : "|∂L/∂w|") +
      "; blue positive, red negative; node fill = " + (by === "weight" ? "bias" : "its gradient") + ". Hover for values.";
    const cols = snap.neurons.length, box = svg.getBoundingClientRect(), Wg = Math.max(600, box.width), Hg = 430;
    svg.setAttribute("viewBox", "0 0 " + Wg + " " + Hg);
    const xOf = c => 90 + c * (Wg - 180) / Math.max(1, cols - 1);
    const yOf = (c, i) => { const n = snap.neurons[c].length; return 40 + (i + 0.5) * (Hg - 80) / Math.max(n, 1); };
    snap.layers.forEach((l, k) => {
      const vals = by === "weight" ? l.weight : l.grad, nOut = snap.neurons[k + 1].length;
      const order = vals.map((v, i) => i).filter(i => vals[i] !== null && vals[i] !== 0)
        .sort((a, b) => Math.abs(vals[a]) - Math.abs(vals[b])).slice(-60);
      const m = Math.max.apply(null, order.map(i => Math.abs(vals[i])).concat([1e-30]));
      order.forEach(i => {
        const a = Math.floor(i / nOut), b = i % nOut, v = vals[i], t = Math.abs(v) / m;
        const ln = el("line", {class: "gedge", x1: xOf(k), y1: yOf(k, a), x2: xOf(k + 1), y2: yOf(k + 1, b),
          stroke: v >= 0 ? "#2166ac" : "#b2182b", "stroke-width": (0.3 + 3 * t).toFixed(2), "stroke-opacity": (0.15 + 0.8 * t).toFixed(2)}, svg);
        el("title", {}, ln, "w[" + snap.neurons[k][a] + ", " + snap.neurons[k + 1][b] + "] = " + fmt(l.weight[i]) +
          "\n∂L/∂w = " + fmt(l.grad[i]));
      });
    });
    snap.neurons.forEach((ids, c) => {
      const x = xOf(c), l = c > 0 ? snap.layers[c - 1] : null, fill = l ? (by === "weight" ? l.bias : l.grad_bias) : null;
      const m = fill ? Math.max.apply(null, fill.map(v => Math.abs(v || 0)).concat([1e-30])) : 1;
      el("text", {class: "glabel", x: x, y: 18, "font-weight": 600}, svg, c === 0 ? "input" : ((G.names || [])[c - 1] || "layer " + c));
      el("text", {class: "glabel", x: x, y: 30}, svg, snap.sizes[c] + (c === 0 ? " inputs" : " units") +
        (snap.sizes[c] > ids.length ? " (" + ids.length + " shown)" : ""));
      ids.forEach((id, i) => {
        const v = fill ? fill[i] || 0 : 0, t = Math.min(1, Math.abs(v) / m), base = v >= 0 ? [33, 102, 172] : [178, 24, 43];
        const rgb = base.map(ch => Math.round(255 + (ch - 255) * t)).join(",");
        const node = el("circle", {class: "gnode", cx: x, cy: yOf(c, i), r: 6, fill: fill ? "rgb(" + rgb + ")" : "#f4f4f4"}, svg);
        el("title", {}, node, (c === 0 ? "input " : "unit ") + id + (l ? "\nbias = " + fmt(l.bias[i]) + "\n∂L/∂b = " + fmt(l.grad_bias[i]) : ""));
      });
    });
    document.body.dataset.graphEdges = svg.querySelectorAll(".gedge").length;
    document.getElementById("by-weight").setAttribute("aria-pressed", by === "weight");
    document.getElementById("by-grad").setAttribute("aria-pressed", by === "grad");
  }

  // ---------------------------------------------------------------- wiring
  function label() {
    const e = R.epoch[rec], b = R.batch[rec];
    document.getElementById("record-label").textContent = (b === 0 ? "before training (epoch " + (e + 1) + ")"
      : "epoch " + (e + 1) + ", batch " + b) + " · record " + (rec + 1) + " of " + N;
  }
  function update() {
    label();
    drawGlobal();
    drawLayer();
    drawHealth();
    drawGraph();
    document.body.dataset.record = rec;
    document.body.dataset.drawn = "1";
  }
  const slider = document.getElementById("record");
  slider.max = N - 1;
  slider.value = rec;
  slider.addEventListener("input", function () { rec = Number(slider.value); update(); });
  const buttons = document.getElementById("layer-buttons");
  LAYERS.forEach((e, i) => {
    const b = document.createElement("button");
    b.textContent = e.name;
    b.addEventListener("click", function () { layer = i; drawLayer(); });
    buttons.appendChild(b);
    buttons.appendChild(document.createTextNode(" "));
  });
  document.getElementById("by-weight").addEventListener("click", function () { by = "weight"; drawGraph(); });
  document.getElementById("by-grad").addEventListener("click", function () { by = "grad"; drawGraph(); });
  update();
})();
</script>
</body>
</html>
"""
