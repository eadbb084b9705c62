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

/**
 * Read a typed temperature: {value} for a positive finite number, else
 * {error} saying what is wrong (the box never keeps a value the maths refuses).
 */
export function parseTemperature(text) {
  const trimmed = String(text).trim();
  if (trimmed === "") return { error: "T is empty: type a positive number such as 0.5 or 2" };
  const T = Number(trimmed);
  if (!Number.isFinite(T)) return { error: `T = ${trimmed} is not a number: type a positive number such as 0.5` };
  if (T <= 0) return { error: `T = ${trimmed} is refused: the temperature must be > 0 (T \u2192 0 is the red one-hot tick)` };
  return { value: T };
}

/** Read a typed logit: {value} for a finite number, else {error}. */
export function parseLogit(text, i) {
  const trimmed = String(text).trim();
  const x = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(x)) return { error: `logit ${i + 1} must be a number, got "${trimmed}"` };
  return { value: x };
}

/** Everything the view shows for one state. */
export function compute({ logits, temperature }) {
  const p = softmaxT(logits, temperature);
  const [cold, hot] = softmaxLimits(logits);
  return { probabilities: p, entropy: entropy(p), maxEntropy: Math.log(logits.length), cold, hot, coldEntropy: entropy(cold) };
}

// ------------------------------------------------------- accessibility ----

let idCounter = 0;
/** A page-unique id for `<label for>` (several widgets can share a page). */
function uniqueId(prefix) {
  idCounter += 1;
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}-${idCounter}`;
}

/**
 * A polite live region that says in words what the chart shows. Writes are
 * throttled (at most one every `ms`, the last text wins), so a screen reader
 * is not flooded while a slider moves.
 */
export function throttledAnnouncer(region, ms = 600) {
  let timer = null;
  let next = null;
  return (text) => {
    next = text;
    if (timer !== null) return;
    if (region.textContent === "") {  // the first description: at once
      region.textContent = next;
      next = null;
    }
    timer = setTimeout(function flush() {
      timer = null;
      if (next !== null && next !== region.textContent) region.textContent = next;
      next = null;
    }, ms);
  };
}

/** The chart in words: the temperature, each class's probability and the entropy. */
export function describe(logits, temperature, result) {
  const probs = result.probabilities.map((p, i) => `class ${i + 1} (logit ${logits[i]}): ${p.toFixed(3)}`).join(", ");
  return `Temperature T = ${temperature}. Softmax probabilities: ${probs}. Entropy ${result.entropy.toFixed(3)} of at most ${result.maxEntropy.toFixed(3)} nats.`;
}

// ---------------------------------------------------------------- view ----

const STYLE = `
.ck-temp { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 640px; min-width: 0; }
.ck-temp .ck-row { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin: 4px 0; }
.ck-temp input[type=number] { width: 64px; }
.ck-temp input[type=range] { width: 260px; max-width: 100%; flex: 0 1 260px; min-width: 120px; }
.ck-temp input[aria-invalid=true] { outline: 2px solid #c0392b; }
.ck-temp .ck-num { font-variant-numeric: tabular-nums; }
.ck-temp .ck-note { color: #555; }
.ck-temp .ck-error { color: #b03a2e; font-weight: 600; min-height: 1.4em; }
.ck-temp .ck-legend { display: flex; flex-wrap: wrap; gap: 4px 16px; color: #333; font-size: 12px; }
.ck-temp .ck-legend span::before { content: ""; display: inline-block; width: 18px; vertical-align: middle; margin-right: 4px; }
.ck-temp .ck-legend .ck-cold::before { border-top: 2px solid #c0392b; }
.ck-temp .ck-legend .ck-hot::before { border-top: 2px dashed #555; }
.ck-temp svg.ck-bars { display: block; max-width: 100%; }
.ck-temp :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.ck-temp .ck-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
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

/** The bar chart at width W (CSS pixels): the container's width, so a phone shows every bar. */
function drawBars(box, result, logits, temperature, W) {
  const k = logits.length;
  const H = 200;
  const left = 36;
  const right = 8;
  const bottom = 24;
  const top = 18;
  const plotH = H - bottom - top;
  const slot = (W - left - right) / k;
  const barW = Math.min(60, slot * 0.6);
  const small = slot < 44; // narrow bars: shorter labels
  const Y = (p) => top + plotH * (1 - p);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "ck-bars" });
  root.append(svg("title", {}, `softmax probabilities at T = ${temperature}`));
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg("line", { x1: left, x2: W - right, y1: Y(p), y2: Y(p), stroke: "#e4e4e4" }));
    root.append(svg("text", { x: left - 5, y: Y(p) + 4, "text-anchor": "end", "font-size": 11, fill: "#555" }, p.toFixed(2)));
  }
  result.probabilities.forEach((p, i) => {
    const cx = left + slot * (i + 0.5);
    root.append(svg("rect", { x: cx - barW / 2, y: Y(p), width: barW, height: Math.max(0, Y(0) - Y(p)), fill: "#4c72b0" }));
    root.append(svg("text", { x: cx, y: Y(p) - 4, "text-anchor": "middle", "font-size": small ? 9 : 11 }, p.toFixed(small ? 2 : 3)));
    // The limits as ticks on each bar: T -> 0 (solid red), T -> inf (dashed grey).
    const tick = Math.min(4, slot * 0.15);
    root.append(svg("line", { x1: cx - barW / 2 - tick, x2: cx + barW / 2 + tick, y1: Y(result.cold[i]), y2: Y(result.cold[i]), stroke: "#c0392b", "stroke-width": 2 }));
    root.append(svg("line", { x1: cx - barW / 2 - tick, x2: cx + barW / 2 + tick, y1: Y(result.hot[i]), y2: Y(result.hot[i]), stroke: "#555", "stroke-width": 2, "stroke-dasharray": "4 3" }));
    root.append(svg("text", { x: cx, y: H - bottom + 16, "text-anchor": "middle", "font-size": small ? 10 : 12 }, small ? `\u03b7${i + 1}` : `\u03b7${i + 1} = ${logits[i]}`));
  });
  root.append(svg("line", { x1: left, x2: W - right, y1: Y(0), y2: Y(0), stroke: "#333" }));
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
  slider.id = uniqueId("ck-temp-slider");
  const tInput = document.createElement("input");
  tInput.type = "number";
  tInput.step = "any";
  tInput.min = "0";
  tInput.setAttribute("aria-label", "temperature T");
  const tLabel = document.createElement("label");
  tLabel.textContent = "temperature T";
  tLabel.htmlFor = slider.id;
  tempRow.append(tLabel, slider, tInput);
  const error = document.createElement("div");
  error.className = "ck-error";
  error.setAttribute("role", "alert");
  const bars = document.createElement("div");
  const legend = document.createElement("div");
  legend.className = "ck-legend";
  const coldKey = document.createElement("span");
  coldKey.className = "ck-cold";
  coldKey.textContent = "T \u2192 0: one-hot on the largest logit";
  const hotKey = document.createElement("span");
  hotKey.className = "ck-hot";
  legend.append(coldKey, hotKey);
  const entropyRow = document.createElement("div");
  entropyRow.className = "ck-row";
  const entropyBar = svg("svg", { width: 260, height: 14, viewBox: "0 0 260 14", style: "max-width: 100%" });
  const entropyText = document.createElement("span");
  entropyText.className = "ck-num";
  entropyRow.append(entropyText, entropyBar);
  const note = document.createElement("div");
  note.className = "ck-note";
  // The chart's text alternative (the SVG points here with aria-describedby).
  const summary = document.createElement("div");
  summary.className = "ck-sr";
  summary.id = uniqueId("ck-temp-summary");
  summary.setAttribute("aria-live", "polite");
  const announce = throttledAnnouncer(summary);
  root.append(style, logitRow, tempRow, error, bars, legend, entropyRow, note, summary);
  el.append(root);

  // One message line for refused input; each box that is wrong is marked until it is fixed.
  const problems = new Map();
  const showProblems = () => {
    error.textContent = [...problems.values()].join("; ");
  };
  const refuse = (input, key, message) => {
    input.setAttribute("aria-invalid", "true");
    problems.set(key, message);
    showProblems();
  };
  const accept = (input, key) => {
    input.removeAttribute("aria-invalid");
    if (problems.delete(key)) showProblems();
  };

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
    accept(tInput, "T");
    setT(Number(T.toPrecision(4)));
  });
  // While typing: a valid value applies at once, a bad one is named under the box.
  // On leaving the box (change): a bad value is put back to the T in use.
  tInput.addEventListener("input", () => {
    const parsed = parseTemperature(tInput.value);
    if (parsed.error) refuse(tInput, "T", parsed.error);
    else {
      accept(tInput, "T");
      setT(parsed.value);
    }
  });
  tInput.addEventListener("change", () => {
    const parsed = parseTemperature(tInput.value);
    if (parsed.error) {
      refuse(tInput, "T", `${parsed.error}; still using T = ${model.get("temperature")}`);
      tInput.value = String(model.get("temperature"));
    }
  });

  let logitInputs = [];
  const buildLogitInputs = (logits) => {
    const label = document.createElement("span");
    label.textContent = "logits \u03b7";
    for (const key of [...problems.keys()]) if (key !== "T") problems.delete(key);
    showProblems();
    logitInputs = logits.map((v, i) => {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "0.5";
      input.value = String(v);
      input.setAttribute("aria-label", `logit ${i + 1}`);
      const apply = (final) => {
        const parsed = parseLogit(input.value, i);
        if (parsed.error) {
          refuse(input, i, final ? `${parsed.error}; still using ${model.get("logits")[i]}` : parsed.error);
          if (final) input.value = String(model.get("logits")[i]);
          return;
        }
        accept(input, i);
        const next = model.get("logits").slice();
        if (next[i] === parsed.value) return;
        next[i] = parsed.value;
        setLogits(next);
      };
      input.addEventListener("input", () => apply(false));
      input.addEventListener("change", () => apply(true));
      return input;
    });
    const add = document.createElement("button");
    add.textContent = "+";
    add.title = "add a class";
    add.setAttribute("aria-label", "+ add a class");
    add.disabled = logits.length >= 10;
    add.addEventListener("click", () => setLogits([...model.get("logits"), 0]));
    const remove = document.createElement("button");
    remove.textContent = "\u2212";
    remove.title = "remove the last class";
    remove.setAttribute("aria-label", "\u2212 remove the last class");
    remove.disabled = logits.length <= 2;
    remove.addEventListener("click", () => setLogits(model.get("logits").slice(0, -1)));
    logitRow.replaceChildren(label, ...logitInputs, add, remove);
  };

  let shownCount = -1;
  let lastWidth = 0;
  const chartWidth = () => Math.max(200, Math.min(560, Math.floor(root.clientWidth || 560)));
  const update = () => {
    const logits = model.get("logits");
    const T = model.get("temperature");
    const tMin = model.get("t_min");
    const tMax = model.get("t_max");
    if (logits.length !== shownCount) {
      // Rebuild only when classes are added or removed; otherwise update the boxes in
      // place, so the box being typed in keeps its focus and text.
      shownCount = logits.length;
      buildLogitInputs(logits);
    } else {
      logitInputs.forEach((input, i) => {
        if (document.activeElement !== input) input.value = String(logits[i]);
      });
    }
    slider.value = String(Math.round(1000 * Math.min(1, Math.max(0, sliderPosition(T, tMin, tMax)))));
    if (document.activeElement !== tInput) tInput.value = String(T);
    const result = compute({ logits, temperature: T });
    lastWidth = chartWidth();
    drawBars(bars, result, logits, T, lastWidth);
    bars.firstChild.setAttribute("aria-describedby", summary.id);
    slider.setAttribute("aria-valuetext", `T = ${T} (log scale)`);
    announce(describe(logits, T, result));
    hotKey.textContent = `T \u2192 \u221e: uniform 1/${logits.length}`;
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
  // Redraw the chart when the page's column changes width (phone rotation, side bar).
  const resize = typeof ResizeObserver === "function"
    ? new ResizeObserver(() => {
        if (chartWidth() !== lastWidth) update();
      })
    : null;
  resize?.observe(root);
  update();
  return () => {
    resize?.disconnect();
    for (const name of names) model.off(`change:${name}`, update);
  };
}

export default { render };
