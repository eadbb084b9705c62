// Softmax temperature explorer: the front end of coursekit.widgets.TemperatureExplorer.
//
// The maths (exported, no DOM) mirrors coursekit/temperature.py:
// softmaxT(logits, T) = softmax(logits / T) with the max subtracted before
// dividing by T, its T -> 0 / T -> inf limits, and the entropy in nats.

/** Softmax of logits / T (T >= 0; T = 0 and T = Infinity give the limits). */
export function softmaxT(logits, T) {
  if (!(T >= 0)) throw new RangeError(`temperature must be >= 0, got ${T}`);
  const [cold, hot] = softmaxLimits(logits);
  if (T === 0) return cold;
  if (T === Infinity) return hot;
  const top = Math.max(...logits);
  const e = logits.map((v) => Math.exp((v - top) / T));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** [cold, hot]: one-hot on the argmax (ties share the mass) and uniform 1/k. */
export function softmaxLimits(logits) {
  const top = Math.max(...logits);
  const isTop = logits.map((v) => (v === top ? 1 : 0));
  const ties = isTop.reduce((a, b) => a + b, 0);
  return [isTop.map((v) => v / ties), logits.map(() => 1 / logits.length)];
}

/** Shannon entropy -sum p log p in nats, with 0 log 0 = 0. */
export function entropy(p) {
  return p.reduce((acc, v) => (v > 0 ? acc - v * Math.log(v) : acc), 0);
}

/** Temperature at slider position u in [0, 1] on a log scale from tMin to tMax. */
export function temperatureAt(u, tMin, tMax) {
  return Math.exp(Math.log(tMin) + u * (Math.log(tMax) - Math.log(tMin)));
}

/** Slider position in [0, 1] of temperature T (the inverse of temperatureAt). */
export function sliderPosition(T, tMin, tMax) {
  return (Math.log(T) - Math.log(tMin)) / (Math.log(tMax) - Math.log(tMin));
}

/** Everything the view shows for one state. */
export function compute({ logits, temperature }) {
  const p = softmaxT(logits, temperature);
  const [cold, hot] = softmaxLimits(logits);
  return { probabilities: p, entropy: entropy(p), maxEntropy: Math.log(logits.length), cold, hot, coldEntropy: entropy(cold) };
}

// ---------------------------------------------------------------- view ----

const STYLE = `
.ck-temp { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 640px; }
.ck-temp .ck-row { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin: 4px 0; }
.ck-temp input[type=number] { width: 64px; }
.ck-temp input[type=range] { width: 260px; }
.ck-temp .ck-num { font-variant-numeric: tabular-nums; }
.ck-temp .ck-note { color: #555; }
.ck-temp button { padding: 0 6px; }
`;

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function trySave(model) {
  try {
    model.save_changes();
  } catch (err) {
    /* static page: no kernel to sync with */
  }
}

function drawBars(box, result, logits, temperature) {
  const k = logits.length;
  const W = 560;
  const H = 230;
  const left = 40;
  const bottom = 40;
  const top = 20;
  const plotH = H - bottom - top;
  const slot = (W - left - 10) / k;
  const barW = Math.min(60, slot * 0.6);
  const Y = (p) => top + plotH * (1 - p);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img" });
  root.append(svg("title", {}, `softmax probabilities at T = ${temperature}`));
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg("line", { x1: left, x2: W - 10, y1: Y(p), y2: Y(p), stroke: "#e4e4e4" }));
    root.append(svg("text", { x: left - 6, y: Y(p) + 4, "text-anchor": "end", "font-size": 11, fill: "#555" }, p.toFixed(2)));
  }
  result.probabilities.forEach((p, i) => {
    const cx = left + slot * (i + 0.5);
    root.append(svg("rect", { x: cx - barW / 2, y: Y(p), width: barW, height: Math.max(0, Y(0) - Y(p)), fill: "#4c72b0" }));
    root.append(svg("text", { x: cx, y: Y(p) - 4, "text-anchor": "middle", "font-size": 11 }, p.toFixed(3)));
    // The limits as ticks on each bar: T -> 0 (solid red), T -> inf (dashed grey).
    root.append(svg("line", { x1: cx - barW / 2 - 4, x2: cx + barW / 2 + 4, y1: Y(result.cold[i]), y2: Y(result.cold[i]), stroke: "#c0392b", "stroke-width": 2 }));
    root.append(svg("line", { x1: cx - barW / 2 - 4, x2: cx + barW / 2 + 4, y1: Y(result.hot[i]), y2: Y(result.hot[i]), stroke: "#555", "stroke-width": 2, "stroke-dasharray": "4 3" }));
    root.append(svg("text", { x: cx, y: H - bottom + 16, "text-anchor": "middle", "font-size": 12 }, `\u03b7${i + 1} = ${logits[i]}`));
  });
  root.append(svg("line", { x1: left, x2: W - 10, y1: Y(0), y2: Y(0), stroke: "#333" }));
  const legend = svg("g", { "font-size": 11 });
  legend.append(svg("line", { x1: left, x2: left + 18, y1: H - 8, y2: H - 8, stroke: "#c0392b", "stroke-width": 2 }));
  legend.append(svg("text", { x: left + 22, y: H - 4 }, "T \u2192 0: one-hot on the largest logit"));
  legend.append(svg("line", { x1: left + 250, x2: left + 268, y1: H - 8, y2: H - 8, stroke: "#555", "stroke-width": 2, "stroke-dasharray": "4 3" }));
  legend.append(svg("text", { x: left + 272, y: H - 4 }, `T \u2192 \u221e: uniform 1/${k}`));
  root.append(legend);
  box.replaceChildren(root);
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "ck-temp";
  const style = document.createElement("style");
  style.textContent = STYLE;

  const logitRow = document.createElement("div");
  logitRow.className = "ck-row";
  const tempRow = document.createElement("div");
  tempRow.className = "ck-row";
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.max = "1000";
  slider.step = "1";
  const tInput = document.createElement("input");
  tInput.type = "number";
  tInput.step = "any";
  tInput.min = "0";
  const tLabel = document.createElement("span");
  tLabel.textContent = "temperature T";
  tempRow.append(tLabel, slider, tInput);
  const bars = document.createElement("div");
  const entropyRow = document.createElement("div");
  entropyRow.className = "ck-row";
  const entropyBar = svg("svg", { width: 260, height: 14 });
  const entropyText = document.createElement("span");
  entropyText.className = "ck-num";
  entropyRow.append(entropyText, entropyBar);
  const note = document.createElement("div");
  note.className = "ck-note";
  root.append(style, logitRow, tempRow, bars, entropyRow, note);
  el.append(root);

  const setLogits = (values) => {
    model.set("logits", values);
    trySave(model);
  };
  const setT = (T) => {
    model.set("temperature", T);
    trySave(model);
  };
  slider.addEventListener("input", () => {
    const T = temperatureAt(Number(slider.value) / 1000, model.get("t_min"), model.get("t_max"));
    setT(Number(T.toPrecision(4)));
  });
  tInput.addEventListener("change", () => {
    const T = Number(tInput.value);
    if (T > 0 && Number.isFinite(T)) setT(T);
  });

  const buildLogitInputs = (logits) => {
    const label = document.createElement("span");
    label.textContent = "logits \u03b7";
    const inputs = logits.map((v, i) => {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "0.5";
      input.value = String(v);
      input.setAttribute("aria-label", `logit ${i + 1}`);
      input.addEventListener("change", () => {
        const x = Number(input.value);
        if (!Number.isFinite(x) || input.value === "") return;
        const next = model.get("logits").slice();
        next[i] = x;
        setLogits(next);
      });
      return input;
    });
    const add = document.createElement("button");
    add.textContent = "+";
    add.title = "add a class";
    add.disabled = logits.length >= 10;
    add.addEventListener("click", () => setLogits([...model.get("logits"), 0]));
    const remove = document.createElement("button");
    remove.textContent = "\u2212";
    remove.title = "remove the last class";
    remove.disabled = logits.length <= 2;
    remove.addEventListener("click", () => setLogits(model.get("logits").slice(0, -1)));
    logitRow.replaceChildren(label, ...inputs, add, remove);
  };

  let shownLogits = null;
  const update = () => {
    const logits = model.get("logits");
    const T = model.get("temperature");
    const tMin = model.get("t_min");
    const tMax = model.get("t_max");
    if (JSON.stringify(logits) !== shownLogits) {
      // Rebuild only when the logits change, so a focused input keeps focus while typing.
      shownLogits = JSON.stringify(logits);
      buildLogitInputs(logits);
    }
    slider.value = String(Math.round(1000 * Math.min(1, Math.max(0, sliderPosition(T, tMin, tMax)))));
    if (document.activeElement !== tInput) tInput.value = String(T);
    const result = compute({ logits, temperature: T });
    drawBars(bars, result, logits, T);
    const frac = result.maxEntropy > 0 ? result.entropy / result.maxEntropy : 0;
    entropyBar.replaceChildren(
      svg("rect", { x: 0, y: 2, width: 260, height: 10, fill: "#eee" }),
      svg("rect", { x: 0, y: 2, width: 260 * frac, height: 10, fill: "#dd8452" }),
    );
    entropyText.textContent =
      `entropy H(p) = ${result.entropy.toFixed(4)} nats ` +
      `(T \u2192 0: ${result.coldEntropy.toFixed(4)}, T \u2192 \u221e: log ${logits.length} = ${result.maxEntropy.toFixed(4)})`;
    note.textContent =
      "p_i = exp(\u03b7_i / T) / \u03a3_j exp(\u03b7_j / T). Low T sharpens the distribution towards the " +
      "largest logit (red ticks); high T flattens it towards uniform (dashed ticks). T = 1 is the plain softmax.";
  };
  const names = ["logits", "temperature", "t_min", "t_max"];
  for (const name of names) model.on(`change:${name}`, update);
  update();
  return () => {
    for (const name of names) model.off(`change:${name}`, update);
  };
}

export default { render };
