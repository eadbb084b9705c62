// Linear regions explorer: the front end of coursekit.widgets.RegionsExplorer.
//
// The top half is plain maths with no DOM access (node imports it for the tests
// and the benchmark); `export default { render }` at the bottom draws it.
//
// * MT19937 reproduces NumPy's legacy `np.random.RandomState(seed).random_sample()`
//   bit for bit, so Python and JS build the same network from a seed
//   (coursekit/widgets/networks.py is the Python side).
// * `linearRegions` ports coursekit.regions.linear_regions (exact activation
//   regions on an interval or a box, by splitting cells one unit at a time),
//   with the same tolerances, so the page shows coursekit's exact count live.
// * `gridRegions` counts activation patterns on the drawing grid (cell centres,
//   as coursekit.regions.grid_points; points on a boundary are skipped): a
//   lower bound on the exact count, and the picture.
// * The bounds use BigInt, like Python's exact integers.

// ---------------------------------------------------------------- PRNG ----

const N = 624;
const M = 397;

/** Mersenne Twister MT19937 seeded like NumPy's legacy RandomState(seed) (init_genrand). */
export class MT19937 {
  constructor(seed) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    }
    const mt = new Uint32Array(N);
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mt = mt;
    this.index = N;
  }

  /** Next 32-bit output, an integer in [0, 2**32). */
  nextUint32() {
    const mt = this.mt;
    if (this.index >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) from 53 random bits, as NumPy's random_sample (genrand_res53). */
  random() {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** The first n doubles of RandomState(seed).random_sample(n). */
export function randomSample(seed, n) {
  const rng = new MT19937(seed);
  return Array.from({ length: n }, () => rng.random());
}

// ------------------------------------------------------------ networks ----

/** One layer (W of shape (out, in), b of shape (out,)) drawn from `rng`, row by row. */
function uniformLayer(rng, nIn, nOut, weightBound, biasBound) {
  const W = [];
  for (let o = 0; o < nOut; o++) {
    const row = [];
    for (let i = 0; i < nIn; i++) row.push((2 * rng.random() - 1) * weightBound);
    W.push(row);
  }
  const b = [];
  for (let o = 0; o < nOut; o++) b.push((2 * rng.random() - 1) * biasBound);
  return { W, b };
}

/**
 * The seeded random network of coursekit.widgets.networks.random_network.
 *
 * Hidden layer l: W_l ~ U(-a, a) with a = scale * sqrt(6 / n_in) (He-uniform
 * times the weight scale), b_l ~ U(-biasBound, biasBound); then a read-out
 * (1, width) drawn the same way.  Draw order: W row by row, then b, layer by
 * layer, read-out last.
 */
export function randomNetwork({ seed, depth, width, scale = 1, inputDim = 2, biasBound = 1 }) {
  const rng = new MT19937(seed);
  const layers = [];
  let nIn = inputDim;
  for (let l = 0; l < depth; l++) {
    layers.push(uniformLayer(rng, nIn, width, scale * Math.sqrt(6 / nIn), biasBound));
    nIn = width;
  }
  const readout = uniformLayer(rng, nIn, 1, scale * Math.sqrt(6 / nIn), biasBound);
  return { layers, readout };
}

/**
 * Telgarsky's L-fold tent map as in coursekit.regions.sawtooth_layers.
 * With inputDim = 2 the first layer reads x_1 only (a zero column for x_2).
 */
export function sawtoothNetwork(L, inputDim = 1) {
  const split = [0, -0.5];
  const first = inputDim === 1 ? [[1], [1]] : [[1, 0], [1, 0]];
  const layers = [{ W: first, b: split.slice() }];
  for (let l = 1; l < L; l++) layers.push({ W: [[2, -4], [2, -4]], b: split.slice() });
  return { layers, readout: { W: [[2, -4]], b: [0] } };
}

/** The network, its domain and widths for the explorer's state (Python: RegionsExplorer). */
export function networkFor(state) {
  const inputDim = state.mode === "1d" ? 1 : 2;
  let net;
  let domain;
  if (state.preset === "sawtooth") {
    net = sawtoothNetwork(state.depth, inputDim);
    domain = inputDim === 1 ? [0, 1] : [[0, 1], [0, 1]];
  } else {
    net = randomNetwork({ ...state, inputDim });
    const r = state.extent;
    domain = inputDim === 1 ? [-r, r] : [[-r, r], [-r, r]];
  }
  return { ...net, domain, inputDim, widths: net.layers.map((layer) => layer.b.length) };
}

// ------------------------------------------------------- forward pass ----

/** Pre-activations of every hidden layer at the points X (array of input vectors). */
export function preActivations(layers, X) {
  return X.map((x) => {
    let h = x;
    const out = [];
    for (const { W, b } of layers) {
      const z = W.map((row, o) => row.reduce((acc, w, i) => acc + w * h[i], 0) + b[o]);
      out.push(z);
      h = z.map((v) => (v > 0 ? v : 0));
    }
    return out;
  });
}

/** Boolean activation patterns (unit active where z > 0), one array per point. */
export function activationPatterns(layers, X) {
  return preActivations(layers, X).map((zs) => zs.flat().map((z) => z > 0));
}

/** The read-out W_out h_L(x) + b_out at each point (the 1-D picture's function). */
export function evaluate(net, X) {
  return X.map((x) => {
    let h = x;
    for (const { W, b } of net.layers) {
      h = W.map((row, o) => Math.max(row.reduce((acc, w, i) => acc + w * h[i], 0) + b[o], 0));
    }
    const { W, b } = net.readout;
    return W[0].reduce((acc, w, i) => acc + w * h[i], 0) + b[0];
  });
}

/** Cell centres of an n-per-axis grid along [lo, hi], as coursekit.regions.grid_points. */
export function gridAxis(lo, hi, n) {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = lo + ((k + 0.5) * (hi - lo)) / n;
  return out;
}

/**
 * Region ids of the grid points (2-D: n*n points, index ix * n + iy as
 * grid_points' "ij" order; 1-D: n points), and the number of distinct
 * activation patterns among them (coursekit.regions.count_regions_by_sampling).
 * A point on a boundary (some |z| <= relTol (|W| |h| + |b|), see
 * coursekit.regions.interior_patterns) gets id -1 and is not counted: its
 * pattern is the boundary's, not a region's, and counting it could exceed
 * the exact count (a sawtooth's breakpoints fall on grid points).
 */
export function gridRegions(layers, domain, n, relTol = 1e-9) {
  const twoD = Array.isArray(domain[0]);
  const sizes = layers.map((layer) => layer.b.length);
  const H = sizes.reduce((a, b) => a + b, 0);
  const L = sizes.length;
  const xs = twoD ? gridAxis(domain[0][0], domain[0][1], n) : gridAxis(domain[0], domain[1], n);
  const ys = twoD ? gridAxis(domain[1][0], domain[1][1], n) : new Float64Array(1);
  const ids = new Int32Array(twoD ? n * n : n);
  if (L === 0) return { count: 1, ids, n, twoD };
  // Weights and biases flat; activations of all layers in one array.
  const Wflat = Float64Array.from(layers.flatMap(({ W }) => W.flat()));
  const bflat = Float64Array.from(layers.flatMap(({ b }) => b));
  const act = new Float64Array(H);
  const words = Math.max(1, Math.ceil(H / 32));
  const key = new Int32Array(words);
  const n1 = sizes[0];
  const d = twoD ? 2 : 1;
  // First layer, z = (W[o][0] x + W[o][1] y) + b[o] as NumPy's H @ W.T + b: the x
  // products are the same for a whole column of the grid, so they are made once.
  const px = new Float64Array(n1);
  const wy = new Float64Array(n1);
  const ax = new Float64Array(n1); // |W[o][0] x|, for the boundary test's scale
  if (twoD) for (let o = 0; o < n1; o++) wy[o] = Wflat[2 * o + 1];
  const seen = new Map();
  let lastKey = null;
  let lastId = -1;
  for (let ix = 0; ix < xs.length; ix++) {
    for (let o = 0; o < n1; o++) {
      px[o] = Wflat[d * o] * xs[ix];
      ax[o] = Math.abs(Wflat[d * o]) * Math.abs(xs[ix]);
    }
    for (let iy = 0; iy < ys.length; iy++) {
      const y = ys[iy];
      key.fill(0);
      let inside = true;
      for (let o = 0; o < n1; o++) {
        const z = (twoD ? px[o] + wy[o] * y : px[o]) + bflat[o];
        const scale = (twoD ? ax[o] + Math.abs(wy[o]) * Math.abs(y) : ax[o]) + Math.abs(bflat[o]);
        if (Math.abs(z) <= relTol * scale) inside = false;
        if (z > 0) {
          act[o] = z;
          key[o >>> 5] |= 1 << (o & 31);
        } else act[o] = 0;
      }
      let inStart = 0;
      let nIn = n1;
      let w = d * n1;
      let bit = n1;
      for (let l = 1; l < L; l++) {
        const nOut = sizes[l];
        const outStart = inStart + nIn;
        for (let o = 0; o < nOut; o++) {
          let z = 0;
          let scale = 0;
          for (let i = 0; i < nIn; i++) {
            z += Wflat[w] * act[inStart + i];
            scale += Math.abs(Wflat[w++]) * act[inStart + i];
          }
          z += bflat[bit];
          scale += Math.abs(bflat[bit]);
          // A unit whose terms all vanish is zero on a neighbourhood: inactive, not a boundary.
          if (scale > 0 && Math.abs(z) <= relTol * scale) inside = false;
          if (z > 0) {
            act[outStart + o] = z;
            key[bit >>> 5] |= 1 << (bit & 31);
          } else act[outStart + o] = 0;
          bit++;
        }
        inStart = outStart;
        nIn = nOut;
      }
      if (!inside) {
        ids[twoD ? ix * n + iy : ix] = -1;
        continue;
      }
      const k = words === 1 ? key[0] : key.join(",");
      if (k !== lastKey) {
        // Neighbours along a column mostly share a region: look up only on a change.
        lastKey = k;
        lastId = seen.get(k);
        if (lastId === undefined) {
          lastId = seen.size;
          seen.set(k, lastId);
        }
      }
      ids[twoD ? ix * n + iy : ix] = lastId;
    }
  }
  return { count: seen.size, ids, n, twoD };
}

// ------------------------------------------------------- exact regions ----

function polygonArea(xs, ys) {
  // Shoelace measured from the first vertex, as coursekit.regions.polygons.polygon_areas.
  const m = xs.length;
  let sum = 0;
  for (let k = 0; k < m; k++) {
    const k1 = k + 1 === m ? 0 : k + 1;
    const rx = xs[k] - xs[0];
    const ry = ys[k] - ys[0];
    const nx = xs[k1] - xs[0];
    const ny = ys[k1] - ys[0];
    sum += rx * ny - nx * ry;
  }
  return 0.5 * sum;
}

/** Cut one convex polygon by the zero line of s (values at its vertices): [neg, pos] or [whole]. */
function splitPolygon(xs, ys, s, relTol) {
  const m = xs.length;
  let big = 0;
  for (let k = 0; k < m; k++) big = Math.max(big, Math.abs(s[k]));
  const eps = relTol * big;
  const side = s.map((v) => (v > eps ? 1 : v < -eps ? -1 : 0));
  const hasPos = side.some((v) => v > 0);
  const hasNeg = side.some((v) => v < 0);
  if (!(hasPos && hasNeg)) return [{ xs, ys, positive: hasPos }];
  const neg = { xs: [], ys: [], positive: false };
  const pos = { xs: [], ys: [], positive: true };
  for (let k = 0; k < m; k++) {
    const k1 = k + 1 === m ? 0 : k + 1;
    if (side[k] <= 0) {
      neg.xs.push(xs[k]);
      neg.ys.push(ys[k]);
    }
    if (side[k] >= 0) {
      pos.xs.push(xs[k]);
      pos.ys.push(ys[k]);
    }
    if (side[k] * side[k1] === -1) {
      const t = s[k] / (s[k] - s[k1]);
      const px = xs[k] + t * (xs[k1] - xs[k]);
      const py = ys[k] + t * (ys[k1] - ys[k]);
      neg.xs.push(px);
      neg.ys.push(py);
      pos.xs.push(px);
      pos.ys.push(py);
    }
  }
  return [neg, pos];
}

/** Cut one interval [a, b] at the zero of s (values sa, sb at its ends), as split_intervals. */
function splitInterval(xs, s, relTol) {
  const [a, b] = xs;
  const [sa, sb] = s;
  const eps = relTol * Math.max(Math.abs(sa), Math.abs(sb));
  const sideA = sa > eps ? 1 : sa < -eps ? -1 : 0;
  const sideB = sb > eps ? 1 : sb < -eps ? -1 : 0;
  if (sideA * sideB !== -1) return [{ xs, positive: sideA > 0 || sideB > 0 }];
  const x = a + (sa / (sa - sb)) * (b - a);
  return [
    { xs: [a, x], positive: sideA > 0 },
    { xs: [x, b], positive: sideB > 0 },
  ];
}

/**
 * Exact activation regions on an interval [lo, hi] or a box [[x0, x1], [y0, y1]]:
 * the algorithm, order and tolerances of coursekit.regions.linear_regions.
 * Returns [{vertices, pattern}], vertices [[x], ...] in 1-D or [[x, y], ...]
 * (counter-clockwise) in 2-D, pattern an array of booleans.
 */
export function linearRegions(layers, domain, relTol = 1e-9, relMeasureTol = 1e-14) {
  const twoD = Array.isArray(domain[0]);
  const d = twoD ? 2 : 1;
  if (layers.length && layers[0].W[0].length !== d) {
    throw new Error(`the network takes ${layers[0].W[0].length} inputs but the domain is ${d}-D`);
  }
  let cells;
  let minMeasure;
  if (twoD) {
    const [[x0, x1], [y0, y1]] = domain;
    cells = [{ xs: [x0, x1, x1, x0], ys: [y0, y0, y1, y1] }];
    minMeasure = relMeasureTol * polygonArea(cells[0].xs, cells[0].ys);
  } else {
    cells = [{ xs: [domain[0], domain[1]] }];
    minMeasure = relMeasureTol * (domain[1] - domain[0]);
  }
  // Each cell: its vertices, the layer input on it h(x) = A x + c (A: rows of
  // length d, flat), the patterns of the finished layers, and for the current
  // layer z = G x + e (shared by the pieces of a cell: they do not change
  // within a layer) and the bits decided so far.
  for (const cell of cells) {
    cell.A = new Float64Array(d * d);
    for (let j = 0; j < d; j++) cell.A[j * d + j] = 1;
    cell.c = new Float64Array(d);
    cell.pattern = [];
  }
  let nIn = d;
  for (const { W, b } of layers) {
    const nOut = b.length;
    for (const cell of cells) {
      const G = new Float64Array(nOut * d);
      const e = new Float64Array(nOut);
      for (let o = 0; o < nOut; o++) {
        const row = W[o];
        for (let j = 0; j < d; j++) {
          let acc = 0;
          for (let i = 0; i < nIn; i++) acc += row[i] * cell.A[i * d + j];
          G[o * d + j] = acc;
        }
        let acc = 0;
        for (let i = 0; i < nIn; i++) acc += cell.c[i] * row[i];
        e[o] = acc + b[o];
      }
      cell.G = G;
      cell.e = e;
      cell.bits = new Uint8Array(nOut);
    }
    for (let i = 0; i < nOut; i++) {
      const next = [];
      for (const cell of cells) {
        const g0 = cell.G[i * d];
        const g1 = twoD ? cell.G[i * d + 1] : 0;
        const e = cell.e[i];
        const xs = cell.xs;
        let pieces;
        if (twoD) {
          const ys = cell.ys;
          const s = new Array(xs.length);
          for (let k = 0; k < xs.length; k++) s[k] = g0 * xs[k] + g1 * ys[k] + e;
          pieces = splitPolygon(xs, ys, s, relTol);
        } else {
          pieces = splitInterval(xs, [g0 * xs[0] + e, g0 * xs[1] + e], relTol);
        }
        if (pieces.length === 1) {
          // Uncut: same cell, already measured when it was made.
          cell.bits[i] = pieces[0].positive ? 1 : 0;
          next.push(cell);
          continue;
        }
        for (const piece of pieces) {
          const measure = twoD ? polygonArea(piece.xs, piece.ys) : piece.xs[1] - piece.xs[0];
          if (!(measure > minMeasure)) continue;
          const bits = cell.bits.slice();
          bits[i] = piece.positive ? 1 : 0;
          next.push({ xs: piece.xs, ys: piece.ys, A: cell.A, c: cell.c, pattern: cell.pattern, G: cell.G, e: cell.e, bits });
        }
      }
      cells = next;
    }
    for (const cell of cells) {
      const A = new Float64Array(nOut * d);
      const c = new Float64Array(nOut);
      for (let o = 0; o < nOut; o++) {
        if (!cell.bits[o]) continue;
        for (let j = 0; j < d; j++) A[o * d + j] = cell.G[o * d + j];
        c[o] = cell.e[o];
      }
      cell.A = A;
      cell.c = c;
      cell.pattern = cell.pattern.concat(Array.from(cell.bits, (v) => v === 1));
    }
    nIn = nOut;
  }
  return cells.map((cell) => ({
    vertices: twoD ? cell.xs.map((x, k) => [x, cell.ys[k]]) : cell.xs.map((x) => [x]),
    pattern: cell.pattern,
  }));
}

// -------------------------------------------------------------- bounds ----

function comb(n, k) {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
}

/** 2**H activation patterns (coursekit.regions.bound_trivial). */
export function boundTrivial(H) {
  return 2n ** BigInt(H);
}

/** sum_{i <= dim} C(n, i): n hyperplanes in general position (coursekit.regions.zaslavsky). */
export function zaslavsky(n, dim) {
  let total = 0n;
  for (let i = 0; i <= dim; i++) total += comb(n, i);
  return total;
}

/** Montufar et al.'s lower bound, or null when a width is below the input dimension. */
export function montufarLowerBound(widths, inputDim) {
  if (widths.some((n) => n < inputDim)) return null;
  let total = zaslavsky(widths[widths.length - 1], inputDim);
  for (const n of widths.slice(0, -1)) total *= BigInt(Math.floor(n / inputDim)) ** BigInt(inputDim);
  return total;
}

/** Serra et al.'s upper bound, by the same dynamic programme as coursekit.regions.serra_upper_bound. */
export function serraUpperBound(widths, inputDim) {
  let totals = new Map([[inputDim, 1n]]);
  for (const n of widths) {
    const next = new Map();
    for (const [m, total] of totals) {
      for (let j = 0; j <= Math.min(m, n); j++) {
        const key = Math.min(m, n - j);
        next.set(key, (next.get(key) ?? 0n) + total * comb(n, j));
      }
    }
    totals = next;
  }
  let sum = 0n;
  for (const v of totals.values()) sum += v;
  return sum;
}

/** All bounds for these widths, as BigInt (montufar may be null). */
export function bounds(widths, inputDim) {
  const H = widths.reduce((a, b) => a + b, 0);
  return {
    trivial: boundTrivial(H),
    serra: serraUpperBound(widths, inputDim),
    montufar: montufarLowerBound(widths, inputDim),
    zaslavsky_one_layer: zaslavsky(H, inputDim),
  };
}

// ------------------------------------------------------ one full update ----

/** Slopes of the read-out on each 1-D region, and which region ends are true kinks. */
function breakpoints(net, regions) {
  const ends = regions.map((r) => [r.vertices[0][0], r.vertices[1][0]]);
  const values = evaluate(net, ends.map(([a]) => [a]).concat([[ends[ends.length - 1][1]]]));
  const slopes = ends.map(([a, b], k) => (values[k + 1] - values[k]) / (b - a));
  const points = ends.slice(1).map(([a], k) => {
    const s0 = slopes[k];
    const s1 = slopes[k + 1];
    const kink = Math.abs(s1 - s0) > 1e-9 * Math.max(Math.abs(s0), Math.abs(s1), 1e-300);
    return { x: a, y: values[k + 1], kink };
  });
  return { xs: ends.map(([a]) => a).concat([ends[ends.length - 1][1]]), ys: values, points };
}

/** Everything the view draws for one state: network, exact regions, grid regions, bounds. */
export function compute(state) {
  const net = networkFor(state);
  const regions = linearRegions(net.layers, net.domain);
  const samples = net.inputDim === 2 ? state.grid : state.grid * state.grid;
  const grid = gridRegions(net.layers, net.domain, samples);
  const out = { net, regions, grid, exactCount: regions.length, gridCount: grid.count, bounds: bounds(net.widths, net.inputDim) };
  if (net.inputDim === 1) out.graph = breakpoints(net, regions);
  return out;
}

// ------------------------------------------------------- accessibility ----

let idCounter = 0;
/** A page-unique id for `<label for>` (several widgets can share a page). */
function uniqueId(prefix) {
  idCounter += 1;
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}-${idCounter}`;
}

/**
 * A polite live region that says in words what the drawing shows. Writes are
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

// ---------------------------------------------------------------- view ----

const STYLE = `
.ck-regions { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; min-width: 0; }
.ck-regions > div { min-width: 0; max-width: 100%; }
.ck-regions .ck-controls { display: grid; grid-template-columns: auto minmax(0, 140px) auto; gap: 4px 8px; align-items: center; }
.ck-regions input[type=range] { width: 140px; max-width: 100%; }
.ck-regions select { max-width: 100%; }
.ck-regions .ck-controls select { grid-column: span 2; width: auto; }
.ck-regions :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.ck-regions .ck-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.ck-regions input[type=number] { width: 90px; }
.ck-regions table { border-collapse: collapse; margin-top: 8px; }
.ck-regions td { padding: 1px 8px 1px 0; }
.ck-regions td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ck-regions .ck-hl { font-weight: 600; }
.ck-regions .ck-note { color: #555; max-width: 330px; margin-top: 6px; }
.ck-regions canvas { display: block; box-sizing: content-box; border: 1px solid #ccc; }
`;

function hue(id) {
  return ((id * 0.6180339887498949) % 1) * 360;
}

function hslToRgb(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  const f = (n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function fmt(big) {
  if (big === null) return "n/a";
  const s = big.toString();
  return s.length > 12 ? `${s[0]}.${s.slice(1, 4)}e${s.length - 1}` : s.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

function trySave(model) {
  // On a static page there is no kernel: the model has no comm and saving may
  // throw; the local change events (which redraw) have already fired.
  try {
    model.save_changes();
  } catch (err) {
    /* static page: nothing to sync */
  }
}

/** Thickness of a convex polygon, 2 area / perimeter (between its inradius and twice it). */
function thickness(vertices) {
  const xs = vertices.map((v) => v[0]);
  const ys = vertices.map((v) => v[1]);
  let perimeter = 0;
  for (let k = 0; k < xs.length; k++) {
    const k1 = (k + 1) % xs.length;
    perimeter += Math.hypot(xs[k1] - xs[k], ys[k1] - ys[k]);
  }
  return perimeter > 0 ? (2 * Math.abs(polygonArea(xs, ys))) / perimeter : 0;
}

/**
 * The 2-D picture in device pixels: grid colours by region, then the outlines of
 * the exact regions at least MIN_OUTLINE CSS pixels thick (thinner ones would merge
 * into a solid block of ink). Returns how many regions were too thin to outline.
 */
const MIN_OUTLINE = 3;
function draw2d(ctx, result, dpr) {
  const { grid, regions, net } = result;
  const n = grid.n;
  const image = ctx.createImageData(n, n);
  const palette = new Uint8Array(3 * grid.count);
  for (let id = 0; id < grid.count; id++) palette.set(hslToRgb(hue(id), 0.55, 0.72), 3 * id);
  const data = image.data;
  for (let ix = 0; ix < n; ix++) {
    for (let iy = 0; iy < n; iy++) {
      const id = grid.ids[ix * n + iy];
      const q = 4 * ((n - 1 - iy) * n + ix); // y up
      if (id < 0) {
        data.set([90, 90, 90, 255], q); // a grid point on a boundary
        continue;
      }
      data[q] = palette[3 * id];
      data[q + 1] = palette[3 * id + 1];
      data[q + 2] = palette[3 * id + 2];
      data[q + 3] = 255;
    }
  }
  const off = scratchCanvas(n);
  off.ctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off.canvas, 0, 0, ctx.canvas.width, ctx.canvas.height);
  // Exact region outlines on top, where a region is thick enough to show one.
  const [[x0, x1], [y0, y1]] = net.domain;
  const W = ctx.canvas.width;
  const H = ctx.canvas.height;
  const px = (x) => ((x - x0) / (x1 - x0)) * W;
  const py = (y) => H - ((y - y0) / (y1 - y0)) * H;
  ctx.strokeStyle = "rgba(0, 0, 0, 0.55)";
  ctx.lineWidth = 0.8 * dpr;
  ctx.beginPath();
  let thin = 0;
  for (const r of regions) {
    const pixels = r.vertices.map(([x, y]) => [px(x), py(y)]);
    if (thickness(pixels) < MIN_OUTLINE * dpr) {
      thin++;
      continue;
    }
    pixels.forEach(([x, y], k) => (k === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
    ctx.closePath();
  }
  ctx.stroke();
  return thin;
}

function scratchCanvas(n) {
  const canvas = document.createElement("canvas");
  canvas.width = n;
  canvas.height = n;
  return { canvas, ctx: canvas.getContext("2d") };
}

/** The 1-D picture in CSS pixels (context scaled by the pixel ratio); returns the regions too thin to mark. */
function draw1d(ctx, result, W, H) {
  const { graph, regions, net } = result;
  const [lo, hi] = net.domain;
  const finite = graph.ys.filter(Number.isFinite);
  let ymin = Math.min(...finite);
  let ymax = Math.max(...finite);
  if (!(ymax > ymin)) {
    ymin -= 1;
    ymax += 1;
  }
  const pad = 0.08 * (ymax - ymin);
  ymin -= pad;
  ymax += pad;
  const X = (x) => ((x - lo) / (hi - lo)) * W;
  const Y = (y) => H - ((y - ymin) / (ymax - ymin)) * H;
  ctx.clearRect(0, 0, W, H);
  regions.forEach((r, k) => {
    const [rgb0, rgb1, rgb2] = hslToRgb(hue(k), 0.55, 0.85);
    ctx.fillStyle = `rgb(${rgb0},${rgb1},${rgb2})`;
    const a = X(r.vertices[0][0]);
    ctx.fillRect(a, 0, X(r.vertices[1][0]) - a, H);
  });
  if (ymin < 0 && ymax > 0) {
    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, Y(0));
    ctx.lineTo(W, Y(0));
    ctx.stroke();
  }
  ctx.strokeStyle = "#1f3b73";
  ctx.lineWidth = regions.length > W / 2 ? 1 : 2;
  ctx.beginPath();
  graph.xs.forEach((x, k) => (k ? ctx.lineTo(X(x), Y(graph.ys[k])) : ctx.moveTo(X(x), Y(graph.ys[k]))));
  ctx.stroke();
  // Boundary dots only while they stay apart; closer ones would cover the curve.
  const minGap = Math.min(...regions.map((r) => X(r.vertices[1][0]) - X(r.vertices[0][0])));
  const dots = minGap >= 8;
  if (dots) {
    for (const p of graph.points) {
      ctx.beginPath();
      ctx.arc(X(p.x), Y(p.y), 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = p.kink ? "#c0392b" : "#fff";
      ctx.strokeStyle = "#c0392b";
      ctx.lineWidth = 1.5;
      ctx.fill();
      ctx.stroke();
    }
  }
  ctx.fillStyle = "#333";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(String(lo), 3, H - 4);
  const hiText = String(hi);
  ctx.fillText(hiText, W - 3 - ctx.measureText(hiText).width, H - 4);
  return dots ? 0 : regions.length;
}

function control(parent, label, input, readout) {
  const l = document.createElement("label");
  l.textContent = label;
  input.id = uniqueId("ck-regions");
  l.htmlFor = input.id;
  // A menu spans the readout's column too, so its longest choice is never cut.
  if (readout) parent.append(l, input, readout);
  else parent.append(l, input);
}

function slider(min, max, step) {
  const s = document.createElement("input");
  s.type = "range";
  s.min = String(min);
  s.max = String(max);
  s.step = String(step);
  return s;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "ck-regions";
  const style = document.createElement("style");
  style.textContent = STYLE;
  const left = document.createElement("div");
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "the network's linear regions");
  // The drawing's text alternative, announced politely as the settings change.
  const summary = document.createElement("div");
  summary.className = "ck-sr";
  summary.id = uniqueId("ck-regions-summary");
  summary.setAttribute("aria-live", "polite");
  const announce = throttledAnnouncer(summary);
  canvas.setAttribute("aria-describedby", summary.id);
  left.append(canvas, summary);
  const right = document.createElement("div");
  const controls = document.createElement("div");
  controls.className = "ck-controls";

  const mode = document.createElement("select");
  for (const [v, t] of [["2d", "2-D input (square)"], ["1d", "1-D input (function)"]]) mode.add(new Option(t, v));
  const preset = document.createElement("select");
  for (const [v, t] of [["random", "random (seeded)"], ["sawtooth", "sawtooth (Telgarsky)"]]) preset.add(new Option(t, v));
  const depth = slider(1, 10, 1);
  const depthOut = document.createElement("span");
  const width = slider(1, 32, 1);
  const widthOut = document.createElement("span");
  const seed = document.createElement("input");
  seed.type = "number";
  seed.min = "0";
  seed.max = String(0xffffffff);
  seed.step = "1";
  const reroll = document.createElement("button");
  reroll.textContent = "new seed";
  const scale = slider(-2, 2, 0.01); // log2 of the weight scale
  const scaleOut = document.createElement("span");
  control(controls, "input", mode);
  control(controls, "network", preset);
  control(controls, "depth", depth, depthOut);
  control(controls, "width", width, widthOut);
  control(controls, "seed", seed, reroll);
  control(controls, "weight scale", scale, scaleOut);

  const table = document.createElement("table");
  const note = document.createElement("div");
  note.className = "ck-note";
  right.append(controls, table, note);
  root.append(style, left, right);
  el.append(root);

  const set = (name, value) => {
    model.set(name, value);
    trySave(model);
  };
  mode.addEventListener("change", () => set("mode", mode.value));
  preset.addEventListener("change", () => set("preset", preset.value));
  // Depth and width apply on release: a deep, wide network can take a second.
  depth.addEventListener("input", () => {
    depthOut.textContent = depth.value;
  });
  width.addEventListener("input", () => {
    widthOut.textContent = width.value;
  });
  depth.addEventListener("change", () => set("depth", Number(depth.value)));
  width.addEventListener("change", () => set("width", Number(width.value)));
  seed.addEventListener("change", () => {
    const v = Math.min(0xffffffff, Math.max(0, Math.floor(Number(seed.value) || 0)));
    set("seed", v);
  });
  reroll.addEventListener("click", () => set("seed", (model.get("seed") + 1) % 0x100000000));
  scale.addEventListener("input", () => set("scale", Number((2 ** Number(scale.value)).toPrecision(4))));

  let pending = false;
  let shown = { side: 0, dpr: 0 };
  const update = () => {
    pending = false;
    const state = {
      mode: model.get("mode"),
      preset: model.get("preset"),
      depth: model.get("depth"),
      width: model.get("width"),
      seed: model.get("seed"),
      scale: model.get("scale"),
      extent: model.get("extent"),
      grid: model.get("grid"),
    };
    mode.value = state.mode;
    preset.value = state.preset;
    depth.value = String(state.depth);
    depthOut.textContent = String(state.depth);
    width.value = String(state.width);
    widthOut.textContent = state.preset === "sawtooth" ? "2 (fixed)" : String(state.width);
    width.disabled = state.preset === "sawtooth";
    seed.value = String(state.seed);
    seed.disabled = reroll.disabled = scale.disabled = state.preset === "sawtooth";
    scale.value = String(Math.log2(state.scale));
    scaleOut.textContent = `\u00d7${state.scale}`;
    let result;
    try {
      result = compute(state);
    } catch (err) {
      note.textContent = String(err);
      return;
    }
    const twoD = result.net.inputDim === 2;
    // The column's width up to 400 CSS pixels (2 per cell of the default 200-grid),
    // backed by devicePixelRatio device pixels per CSS pixel.
    const dpr = window.devicePixelRatio || 1;
    const side = Math.max(160, Math.min(400, Math.floor(root.clientWidth || 400) - 2));
    const tall = twoD ? side : Math.round((side * 260) / 400);
    shown = { side, dpr };
    canvas.style.width = `${side}px`;
    canvas.style.height = `${tall}px`;
    canvas.width = Math.round(side * dpr);
    canvas.height = Math.round(tall * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    let thin;
    if (twoD) thin = draw2d(ctx, result, dpr);
    else {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      thin = draw1d(ctx, result, side, tall);
    }
    const b = result.bounds;
    const widths = result.net.widths;
    const samples = twoD ? `${state.grid}\u00d7${state.grid}` : `${state.grid * state.grid}`;
    const rows = [
      ["trivial upper bound 2^H", fmt(b.trivial), ""],
      ["Serra et al. upper bound", fmt(b.serra), ""],
      ["exact count (coursekit's algorithm)", String(result.exactCount), "ck-hl"],
      [`grid count (${samples} points)`, String(result.gridCount), "ck-hl"],
      ["Mont\u00fafar et al. lower bound*", fmt(b.montufar), ""],
      ["max. with all H units in one layer", fmt(b.zaslavsky_one_layer), ""],
    ];
    table.replaceChildren(
      ...rows.map(([label, value, cls]) => {
        const tr = document.createElement("tr");
        const a = document.createElement("td");
        a.textContent = label;
        const v = document.createElement("td");
        v.textContent = value;
        v.className = `num ${cls}`;
        tr.append(a, v);
        return tr;
      }),
    );
    const arch = [result.net.inputDim, ...widths].join("-");
    const missed = result.exactCount - result.gridCount;
    announce(
      `${preset.selectedOptions[0].text} network ${arch} (depth ${state.depth}, ${twoD ? "2-D" : "1-D"} input): ` +
        `${result.exactCount} linear regions (exact count); the grid count sees ${result.gridCount}.`,
    );
    note.textContent =
      `Network ${arch} (H = ${widths.reduce((a, c) => a + c, 0)} ReLUs) on ${JSON.stringify(result.net.domain)}. ` +
      (twoD
        ? "Colours: activation patterns on the grid (grey: grid points on a boundary); lines: the exact regions. "
        : "Curve: the network's output; dots: region boundaries (filled where the slope changes). ") +
      "The grid count counts the patterns of grid points inside a region, so it never exceeds the exact count; " +
      (missed > 0
        ? `here the grid misses ${missed} region${missed > 1 ? "s" : ""} that hold no grid point. `
        : "here it sees every region. ") +
      (thin > 0
        ? twoD
          ? `${thin} region${thin > 1 ? "s are" : " is"} under ${MIN_OUTLINE} px thick on this drawing and not outlined. `
          : "The boundaries are too close together to mark with dots. "
        : "") +
      "*Some network with these widths has at least this many regions; this one need not.";
    try {
      model.set("front_end_counts", { exact: result.exactCount, grid: result.gridCount });
      model.save_changes();
    } catch (err) {
      /* static page */
    }
  };
  const schedule = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(update);
    }
  };
  const names = ["mode", "preset", "depth", "width", "seed", "scale", "extent", "grid"];
  for (const name of names) model.on(`change:${name}`, schedule);
  // Redraw when the column changes width or the page moves to a screen with another pixel ratio.
  const resize = typeof ResizeObserver === "function"
    ? new ResizeObserver(() => {
        const side = Math.max(160, Math.min(400, Math.floor(root.clientWidth || 400) - 2));
        if (side !== shown.side || (window.devicePixelRatio || 1) !== shown.dpr) schedule();
      })
    : null;
  resize?.observe(root);
  update();
  return () => {
    resize?.disconnect();
    for (const name of names) model.off(`change:${name}`, schedule);
  };
}

export default { render };
