"""The HTML page of ``network_html``: CSS, an empty SVG and the script that draws into it.

``__TITLE__`` and ``__DATA__`` (the graphs as JSON) are filled in by ``html.py``. Nothing is
loaded from the network: the page works from a file, offline.
"""

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__ · ffnn</title>
<style>
  html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
               color: #222; background: #fff; overflow: hidden; }
  body { display: flex; flex-direction: column; }
  header { flex: none; padding: 8px 14px; background: #fff; border-bottom: 1px solid #ddd; display: flex; gap: 14px;
           align-items: center; flex-wrap: wrap; z-index: 2; }
  header h1 { font-size: 16px; margin: 0; }
  header button { font: inherit; padding: 3px 10px; border: 1px solid #888; background: #f4f4f4; border-radius: 4px;
                  cursor: pointer; }
  header button[aria-pressed="true"] { background: #2166ac; color: #fff; border-color: #2166ac; }
  header .help { color: #666; font-size: 12.5px; }
  #graph { flex: 1; width: 100%; min-height: 0; cursor: grab; touch-action: none; }
  #graph.dragging { cursor: grabbing; }
  .edge { pointer-events: none; }
  .hit { stroke: transparent; stroke-width: 7; pointer-events: stroke; cursor: pointer; }
  .hit:hover + .glow, .glow.on { stroke: #000 !important; stroke-opacity: .9 !important; }
  .node { stroke: #333; stroke-width: 1; cursor: pointer; }
  .node:hover { stroke: #000; stroke-width: 2.5; }
  .label { font-size: 9px; pointer-events: none; text-anchor: middle; dominant-baseline: central; }
  .label.dark { fill: #fff; }
  .label.pixel { text-anchor: end; fill: #444; }
  .title { font-size: 13px; font-weight: 600; text-anchor: middle; }
  .caption { font-size: 11px; fill: #555; text-anchor: middle; }
  .summary rect { fill: #f2f2f2; stroke: #777; stroke-dasharray: 4 3; }
  .summary text { font-size: 11px; text-anchor: middle; fill: #333; }
  #tooltip { position: absolute; pointer-events: none; background: #fffff4; border: 1px solid #999; border-radius: 4px;
             padding: 6px 9px; font-size: 12.5px; box-shadow: 0 2px 6px rgba(0,0,0,.2); white-space: pre;
             display: none; z-index: 3; font-variant-numeric: tabular-nums; }
  #notice { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); background: #fff7e0;
            border: 1px solid #c08000; border-radius: 6px; padding: 10px 16px; display: none; z-index: 2; }
</style>
</head>
<body>
<header>
  <h1>__TITLE__</h1>
  <button id="by-weight" aria-pressed="true">weights w</button>
  <button id="by-grad" aria-pressed="false">gradients ∂L/∂w</button>
  <span class="help">drag to pan · wheel to zoom · double-click to reset · hover a neuron or connection for its
    values · blue = positive, red = negative, width ∝ |value| within each layer · node fill = bias</span>
</header>
<svg id="graph"></svg>
<div id="tooltip"></div>
<div id="notice">All gradients are zero: no backward pass since this model was built or loaded.<br>
  Write the page with <code>data=(X, y)</code> (CLI: <code>--data</code>) to compute them on a batch.</div>
<script type="application/json" id="ffnn-data">__DATA__</script>
<script>
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("ffnn-data").textContent);
  const svg = document.getElementById("graph");
  const SVG_NS = svg.namespaceURI;  // an inline <svg> in HTML gets the SVG namespace
  const tip = document.getElementById("tooltip");
  const notice = document.getElementById("notice");
  const COL_W = 260, ROW_H = 26, TOP = 110, LEFT = 110;
  let box = null, home = null;

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG_NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function hex(c) { return [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16)); }
  const POS = hex(DATA.colors.positive), NEG = hex(DATA.colors.negative);
  function diverging(t) {  // t in [-1, 1]: red ... white ... blue
    const c = t < 0 ? NEG : POS, a = Math.min(1, Math.abs(t));
    return "rgb(" + c.map(v => Math.round(255 + (v - 255) * a)).join(",") + ")";
  }
  function fmt(v) { return v === null || v === undefined ? "–" : (v >= 0 ? "+" : "") + Number(v).toPrecision(4); }
  function maxAbs(a) { let m = 0; for (const v of a || []) m = Math.max(m, Math.abs(v)); return m || 1; }
  function xOf(c) { return LEFT + c * COL_W; }
  function yOf(row) { return TOP + row * ROW_H; }
  function neuronName(col, i) {
    if (col.layer === 0) {
      const lab = col.labels[i];
      return "input " + col.shown[i] + (lab.startsWith("(") ? " = pixel " + lab : lab === "x" + col.shown[i] ? "" : ": " + lab);
    }
    return col.title + ", neuron " + col.shown[i];
  }

  function showTip(evt, text) {
    tip.textContent = text;
    tip.style.display = "block";
    const x = Math.min(evt.clientX + 14, window.innerWidth - tip.offsetWidth - 4);
    const y = Math.min(evt.clientY + 14, window.innerHeight - tip.offsetHeight - 4);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.style.display = "none"; }

  function draw(by) {
    const g = DATA.views[by];
    svg.textContent = "";
    hideTip();
    const root = el("g", {id: "root"}, svg);
    const edgeLayer = el("g", {id: "edges"}, root), nodeLayer = el("g", {id: "nodes"}, root);
    let nEdges = 0, nNodes = 0;
    g.edges.forEach(function (e) {
      const left = g.columns[e.layer], right = g.columns[e.layer + 1];
      const vals = by === "weight" ? e.weight : e.grad, m = maxAbs(vals);
      vals.forEach(function (v, k) {
        const a = left.y[e.srcRow[k]], b = right.y[e.dstRow[k]], s = Math.abs(v) / m;
        const pos = {x1: xOf(e.layer), y1: yOf(a), x2: xOf(e.layer + 1), y2: yOf(b)};
        const hit = el("line", Object.assign({class: "hit", "data-k": k, "data-layer": e.layer}, pos), edgeLayer);
        el("line", Object.assign({class: "edge glow", stroke: v >= 0 ? DATA.colors.positive : DATA.colors.negative,
          "stroke-width": (0.4 + 3.2 * s).toFixed(2), "stroke-opacity": (0.2 + 0.8 * s).toFixed(3),
          "stroke-linecap": "round"}, pos), edgeLayer);
        const src = left.shown[e.srcRow[k]], dst = right.shown[e.dstRow[k]];
        hit.dataset.tip = e.name + ".weight[" + src + ", " + dst + "]\n" +
          neuronName(left, e.srcRow[k]) + "  →  " + neuronName(right, e.dstRow[k]) + "\n" +
          "weight    w     = " + fmt(e.weight[k]) + "\n" +
          "gradient  ∂L/∂w = " + fmt(e.grad[k]);
        nEdges++;
      });
      const cap = e.allZero ? "all " + e.total.toLocaleString("en") + (by === "grad" ? " gradients" : " weights") + " are zero"
        : (vals.length === e.total ? "all " + e.total.toLocaleString("en") + " shown"
           : "strongest " + vals.length + " of " + e.total.toLocaleString("en")) +
          " · max |" + (by === "weight" ? "w" : "∂L/∂w") + "| = " + Number(m).toPrecision(3);
      const parts = cap.split(" · "), xm = (xOf(e.layer) + xOf(e.layer + 1)) / 2;
      el("text", {class: "caption", x: xm, y: yOf(g.rows) + 36}, root).textContent = e.name + ": " + parts[0];
      if (parts[1]) el("text", {class: "caption", x: xm, y: yOf(g.rows) + 50}, root).textContent = parts[1];
    });
    g.columns.forEach(function (col) {
      const vals = col.bias === null ? null : (by === "weight" ? col.bias : col.gradBias), m = maxAbs(vals);
      const x = xOf(col.layer);
      const t = el("text", {class: "title", x: x, y: yOf(0) - 42}, root);
      t.textContent = col.title;
      const t2 = el("text", {class: "caption", x: x, y: yOf(0) - 26}, root);
      t2.textContent = col.size.toLocaleString("en") + " " + col.noun;
      col.shown.forEach(function (n, i) {
        const c = el("circle", {class: "node", cx: x, cy: yOf(col.y[i]), r: 9,
          fill: vals === null ? "#f4f4f4" : diverging(vals[i] / m)}, nodeLayer);
        c.dataset.tip = neuronName(col, i) + (col.bias === null ? "\n(an input: no bias)" :
          "\nbias      b     = " + fmt(col.bias[i]) + "\ngradient  ∂L/∂b = " + fmt(col.gradBias[i]));
        const dark = vals !== null && Math.abs(vals[i] / m) > 0.6;
        const lab = el("text", {class: "label" + (col.layer === 0 ? " pixel" : dark ? " dark" : ""),
          x: col.layer === 0 ? x - 14 : x, y: yOf(col.y[i])}, nodeLayer);
        lab.textContent = col.labels[i];
        nNodes++;
      });
      if (col.summaryY !== null) {
        const s = el("g", {class: "summary"}, nodeLayer), y = yOf(col.summaryY) + 14;
        el("rect", {x: x - 62, y: y - 17, width: 124, height: 34, rx: 6}, s);
        const a = el("text", {x: x, y: y - 3}, s);
        a.textContent = "+ " + col.hidden.toLocaleString("en") + " more";
        const b = el("text", {x: x, y: y + 11}, s);
        b.textContent = col.noun;
      }
    });
    notice.style.display = by === "grad" && g.allZero ? "block" : "none";
    const bb = root.getBBox();
    box = home = {x: bb.x - 30, y: bb.y - 70, w: bb.width + 60, h: bb.height + 100};
    fit();
    document.getElementById("by-weight").setAttribute("aria-pressed", by === "weight");
    document.getElementById("by-grad").setAttribute("aria-pressed", by === "grad");
    document.body.dataset.drawn = by;
    document.body.dataset.nodes = nNodes;
    document.body.dataset.edges = nEdges;
  }

  function fit() {
    svg.setAttribute("viewBox", [box.x, box.y, box.w, box.h].join(" "));
  }
  function scale() {  // SVG units per screen pixel (preserveAspectRatio "meet")
    return Math.max(box.w / svg.clientWidth, box.h / svg.clientHeight);
  }
  function toSvg(evt) {
    const p = svg.createSVGPoint();
    p.x = evt.clientX; p.y = evt.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  svg.addEventListener("wheel", function (evt) {
    evt.preventDefault();
    const p = toSvg(evt), f = Math.exp(evt.deltaY * 0.0015);
    box = {x: p.x - (p.x - box.x) * f, y: p.y - (p.y - box.y) * f, w: box.w * f, h: box.h * f};
    fit();
  }, {passive: false});
  let drag = null;
  svg.addEventListener("pointerdown", function (evt) {
    drag = {x: evt.clientX, y: evt.clientY, box: Object.assign({}, box), s: scale()};
    svg.classList.add("dragging");
  });
  window.addEventListener("pointermove", function (evt) {
    if (!drag) return;
    box = Object.assign({}, drag.box, {x: drag.box.x - (evt.clientX - drag.x) * drag.s,
                                        y: drag.box.y - (evt.clientY - drag.y) * drag.s});
    fit();
  });
  window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("dragging"); });
  svg.addEventListener("dblclick", function () { box = home; fit(); });

  svg.addEventListener("mouseover", function (evt) {
    const t = evt.target;
    if (t.dataset && t.dataset.tip) {
      showTip(evt, t.dataset.tip);
      if (t.classList.contains("hit")) t.nextSibling.classList.add("on");
    }
  });
  svg.addEventListener("mousemove", function (evt) {
    if (tip.style.display === "block" && evt.target.dataset && evt.target.dataset.tip) showTip(evt, evt.target.dataset.tip);
  });
  svg.addEventListener("mouseout", function (evt) {
    hideTip();
    if (evt.target.classList && evt.target.classList.contains("hit")) evt.target.nextSibling.classList.remove("on");
  });
  document.getElementById("by-weight").addEventListener("click", function () { draw("weight"); });
  document.getElementById("by-grad").addEventListener("click", function () { draw("grad"); });
  window.addEventListener("resize", fit);
  draw("weight");
})();
</script>
</body>
</html>
"""
