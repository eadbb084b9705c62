#!/usr/bin/env node
// Call the pure maths exported by the widgets' ESM files, for the tests and the benchmark.
//
//   node tests/js/run_widget_maths.mjs < calls.json > results.json
//
// Input: a JSON list of calls {"module": "regions", "fn": "linearRegions",
// "args": [...], "pick": ["count"]?, "time": repeats?}.  "module" names a file
// coursekit/widgets/<module>.js; "pick" keeps only these keys of the result (a
// key may be a dotted path); "time" runs the call that many times (after one
// warm-up) and returns {"ms": [per-run milliseconds], "result": ...}.
// "fn": "__exports__" returns {names, defaultRender} for the module instead.
// Output: a JSON list of results in the same order.  BigInt becomes a decimal
// string, typed arrays become lists, and non-finite numbers become the
// strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const widgets = resolve(here, "..", "..", "coursekit", "widgets");

function plain(value) {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  if (ArrayBuffer.isView(value)) return Array.from(value, plain);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function pick(value, keys) {
  if (!keys) return value;
  return Object.fromEntries(keys.map((k) => [k, k.split(".").reduce((v, part) => v?.[part], value)]));
}

const calls = JSON.parse(readFileSync(0, "utf8"));
const modules = {};
const results = [];
for (const call of calls) {
  modules[call.module] ??= await import(pathToFileURL(resolve(widgets, `${call.module}.js`)).href);
  if (call.fn === "__exports__") {
    // The module's export names, and whether it has anywidget's `export default { render }`.
    const mod = modules[call.module];
    results.push({ names: Object.keys(mod).sort(), defaultRender: typeof mod.default?.render === "function" });
    continue;
  }
  const fn = modules[call.module][call.fn];
  if (typeof fn !== "function") throw new Error(`${call.module}.js exports no function ${call.fn}`);
  if (call.time) {
    let result = fn(...call.args);
    const ms = [];
    for (let k = 0; k < call.time; k++) {
      const t = performance.now();
      result = fn(...call.args);
      ms.push(performance.now() - t);
    }
    results.push({ ms, result: plain(pick(result, call.pick)) });
  } else {
    results.push(plain(pick(fn(...call.args), call.pick)));
  }
}
process.stdout.write(JSON.stringify(results));
