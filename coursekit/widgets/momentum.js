// Momentum explorer ("Why Momentum Really Works", in the plane): the front end of
// coursekit.widgets.MomentumExplorer.
//
// The maths (exported, no DOM) mirrors coursekit/landscapes: the rotated
// ill-conditioned quadratic, Rosenbrock, the Gabor least-squares loss on its
// fixed 41-point dataset, the optimiser paths of `run` (gd, heavy-ball
// momentum, Nesterov, Adam), and Goh's analysis (optimal step and momentum,
// convergence rates, per-eigendirection error).

// ---------------------------------------------------------- landscapes ----

/** f(w) = 1/2 (w - w*)^T A (w - w*), A = R diag(lambdaMin, kappa lambdaMin) R^T, R = rotation by angle (radians). */
export function quadratic(kappa = 10, angle = 0, lambdaMin = 1, center = [0, 0]) {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const l1 = lambdaMin;
  const l2 = kappa * lambdaMin;
  // (R diag) R^T, entry by entry, then symmetrised as in ill_conditioned_quadratic.
  const a00 = c * l1 * c + -s * l2 * -s;
  const a01 = c * l1 * s + -s * l2 * c;
  const a10 = s * l1 * c + c * l2 * -s;
  const a11 = s * l1 * s + c * l2 * c;
  const A = [
    [(a00 + a00) / 2, (a01 + a10) / 2],
    [(a10 + a01) / 2, (a11 + a11) / 2],
  ];
  const [cx, cy] = center;
  return {
    name: "quadratic",
    A,
    minimum: [cx, cy],
    eigenvalues: [Math.min(l1, l2), Math.max(l1, l2)],
    // Q with the eigenvectors as columns (Q[j][i] = component j of vector i):
    // the flat direction (cos, sin) for lambdaMin, then its normal (-sin, cos).
    eigenvectors: l1 <= l2 ? [[c, -s], [s, c]] : [[-s, c], [c, s]],
    value([x, y]) {
      const d0 = x - cx;
      const d1 = y - cy;
      return 0.5 * (d0 * (A[0][0] * d0 + A[0][1] * d1) + d1 * (A[1][0] * d0 + A[1][1] * d1));
    },
    grad([x, y]) {
      const d0 = x - cx;
      const d1 = y - cy;
      return [d0 * A[0][0] + d1 * A[1][0], d0 * A[0][1] + d1 * A[1][1]];
    },
  };
}

/** (a - x)^2 + b (y - x^2)^2, minimum 0 at (a, a^2). */
export function rosenbrock(a = 1, b = 100) {
  return {
    name: "rosenbrock",
    minimum: [a, a * a],
    value([x, y]) {
      return (a - x) ** 2 + b * (y - x ** 2) ** 2;
    },
    grad([x, y]) {
      const valley = y - x ** 2;
      return [-2 * (a - x) - 4 * b * x * valley, 2 * b * valley];
    },
  };
}

const ENVELOPE = 8;
export const PHI_TRUE = [0, 8];

/** sin(u) exp(-u^2 / 8), u = p0 + 0.06 p1 x (coursekit.landscapes.gabor_model at one x). */
export function gaborModel(x, [p0, p1]) {
  const u = p0 + 0.06 * p1 * x;
  return Math.sin(u) * Math.exp(-(u ** 2) / ENVELOPE);
}

/** The course's fixed dataset: x_k = -15 + 0.75 k, y_k = f(x_k, PHI_TRUE) + 0.1 ((37 k mod 17) / 8 - 1). */
export function gaborData() {
  const x = [];
  const y = [];
  for (let k = 0; k < 41; k++) {
    x.push(-15 + 0.75 * k);
    y.push(gaborModel(x[k], PHI_TRUE) + 0.1 * (((37 * k) % 17) / 8 - 1));
  }
  return { x, y };
}

/** Sum of squared errors of the Gabor model on the course dataset. */
export function gabor() {
  const { x: X, y: Y } = gaborData();
  return {
    name: "gabor",
    minimum: null,
    value([p0, p1]) {
      let sum = 0;
      for (let k = 0; k < X.length; k++) sum += (gaborModel(X[k], [p0, p1]) - Y[k]) ** 2;
      return sum;
    },
    grad([p0, p1]) {
      let g0 = 0;
      let g1 = 0;
      for (let k = 0; k < X.length; k++) {
        const u = p0 + 0.06 * p1 * X[k];
        const envelope = Math.exp(-(u ** 2) / ENVELOPE);
        const residual = Math.sin(u) * envelope - Y[k];
        const dfdu = envelope * (Math.cos(u) - ((2 * u) / ENVELOPE) * Math.sin(u));
        const g = 2 * residual * dfdu;
        g0 += g;
        g1 += g * 0.06 * X[k];
      }
      return [g0, g1];
    },
  };
}

/** The landscape for the explorer's state (angle in degrees, as the widget's trait). */
export function landscapeFor({ function: name, kappa, angle_deg: angleDeg }) {
  if (name === "quadratic") return quadratic(kappa, (angleDeg * Math.PI) / 180);
  if (name === "rosenbrock") return rosenbrock();
  if (name === "gabor") return gabor();
  throw new Error(`unknown function ${name}`);
}

/** Values and gradients of the state's landscape at the points [[x, y], ...]. */
export function landscapeAt(state, points) {
  const fn = landscapeFor(state);
  return { values: points.map((p) => fn.value(p)), grads: points.map((p) => fn.grad(p)) };
}

/** Plot window [[x0, x1], [y0, y1]] and a starting set-up for each function. */
export const PRESETS = {
  quadratic: { view: [[-2, 2], [-2, 2]], start: [-1.6, 1.2], lr: 0.05, beta: 0.6 },
  rosenbrock: { view: [[-2, 2], [-1, 3]], start: [-1.5, 2], lr: 0.001, beta: 0.9 },
  gabor: { view: [[-10, 10], [2.5, 22.5]], start: [3, 15], lr: 0.02, beta: 0.8 },
};

export function presets() {
  return PRESETS;
}

// --------------------------------------------------------- optimisers ----

/**
 * Iterates and losses of an optimiser from `start` (coursekit.landscapes.run):
 *   gd:        w <- w - lr g(w)
 *   momentum:  v <- beta v - lr g(w);           w <- w + v
 *   nesterov:  v <- beta v - lr g(w + beta v);  w <- w + v
 *   adam:      m, s moments with bias correction, betas (0.9, 0.999), eps 1e-8
 * A diverging run keeps going with Infinity / NaN.
 */
export function run(fn, start, optimizer = "gd", lr = 0.01, beta = 0.9, steps = 100, betas = [0.9, 0.999], eps = 1e-8) {
  if (!["gd", "momentum", "nesterov", "adam"].includes(optimizer)) throw new Error(`unknown optimizer ${optimizer}`);
  let w = [start[0], start[1]];
  let v = [0, 0];
  let m = [0, 0];
  let s = [0, 0];
  const path = [w];
  for (let t = 1; t <= steps; t++) {
    if (optimizer === "gd") {
      const g = fn.grad(w);
      w = [w[0] - lr * g[0], w[1] - lr * g[1]];
    } else if (optimizer === "momentum" || optimizer === "nesterov") {
      const at = optimizer === "nesterov" ? [w[0] + beta * v[0], w[1] + beta * v[1]] : w;
      const g = fn.grad(at);
      v = [beta * v[0] - lr * g[0], beta * v[1] - lr * g[1]];
      w = [w[0] + v[0], w[1] + v[1]];
    } else {
      const g = fn.grad(w);
      m = [betas[0] * m[0] + (1 - betas[0]) * g[0], betas[0] * m[1] + (1 - betas[0]) * g[1]];
      s = [betas[1] * s[0] + (1 - betas[1]) * g[0] ** 2, betas[1] * s[1] + (1 - betas[1]) * g[1] ** 2];
      const c1 = 1 - betas[0] ** t;
      const c2 = 1 - betas[1] ** t;
      w = [0, 1].map((i) => w[i] - (lr * (m[i] / c1)) / (Math.sqrt(s[i] / c2) + eps));
    }
    path.push(w);
  }
  return { w: path, loss: path.map((p) => fn.value(p)) };
}

// ------------------------------------------------------ Goh's analysis ----

/** Largest |eigenvalue| of Goh's 2x2 iteration matrix R for eigenvalue lam. */
export function spectralRadius(alpha, beta, lam) {
  const tau = 1 + beta - alpha * lam;
  const disc = tau ** 2 - 4 * beta;
  return disc >= 0 ? (Math.abs(tau) + Math.sqrt(Math.max(disc, 0))) / 2 : Math.sqrt(beta);
}

/** max_i spectral radius: the per-step error decay of heavy-ball momentum (< 1 converges). */
export function momentumRate(alpha, beta, eigenvalues) {
  return Math.max(...eigenvalues.map((lam) => spectralRadius(alpha, beta, lam)));
}

/** max_i |1 - alpha lambda_i|: the per-step error decay of gradient descent. */
export function gdRate(alpha, eigenvalues) {
  return Math.max(...eigenvalues.map((lam) => Math.abs(1 - alpha * lam)));
}

/**
 * Per-step error decay of Nesterov's method on a quadratic: the largest
 * spectral radius over the eigenvalues of its 2x2 iteration on (w, v),
 *   v' = beta (1 - alpha lam) v - alpha lam w,   w' = w + v',
 * whose characteristic polynomial is mu^2 - (1 + beta)(1 - alpha lam) mu + beta (1 - alpha lam).
 */
export function nesterovRate(alpha, beta, eigenvalues) {
  return Math.max(
    ...eigenvalues.map((lam) => {
      const q = 1 - alpha * lam;
      const tr = (1 + beta) * q;
      const det = beta * q;
      const disc = tr * tr - 4 * det;
      return disc >= 0 ? (Math.abs(tr) + Math.sqrt(disc)) / 2 : Math.sqrt(det);
    }),
  );
}

/**
 * Largest alpha lam for which each method is stable at momentum beta (0 <= beta < 1):
 * the heavy ball needs alpha lam < 2 (1 + beta), Nesterov alpha lam < 2 (1 + beta) / (1 + 2 beta).
 */
export function stabilityLimits(beta) {
  return { momentum: 2 * (1 + beta), nesterov: (2 * (1 + beta)) / (1 + 2 * beta), gd: 2 };
}

/** Goh's optimal [alpha*, beta*]: (2 / (sqrt(l_1) + sqrt(l_n)))^2, ((sqrt(k) - 1) / (sqrt(k) + 1))^2. */
export function optimalMomentum(eigenvalues) {
  const lo = Math.sqrt(Math.min(...eigenvalues));
  const hi = Math.sqrt(Math.max(...eigenvalues));
  const rootKappa = hi / lo;
  return [(2 / (lo + hi)) ** 2, ((rootKappa - 1) / (rootKappa + 1)) ** 2];
}

/** The optimal rate (sqrt(kappa) - 1) / (sqrt(kappa) + 1) = sqrt(beta*). */
export function optimalRate(eigenvalues) {
  const rootKappa = Math.sqrt(Math.max(...eigenvalues) / Math.min(...eigenvalues));
  return (rootKappa - 1) / (rootKappa + 1);
}

/** Error along each eigenvector under GD: rows k = 0..steps of (1 - alpha lambda_i)^k x0_i. */
export function gdComponents(alpha, eigenvalues, x0, steps) {
  const out = [];
  for (let k = 0; k <= steps; k++) out.push(eigenvalues.map((lam, i) => x0[i] * (1 - alpha * lam) ** k));
  return out;
}

/** Error along each eigenvector under momentum: (y, x) <- R (y, x), rows k = 0..steps of x. */
export function momentumComponents(alpha, beta, eigenvalues, x0, steps, y0 = 0) {
  let y = eigenvalues.map(() => y0);
  let x = x0.slice();
  const out = [x];
  for (let k = 0; k < steps; k++) {
    const ny = eigenvalues.map((lam, i) => beta * y[i] + lam * x[i]);
    const nx = eigenvalues.map((lam, i) => -alpha * beta * y[i] + (1 - alpha * lam) * x[i]);
    y = ny;
    x = nx;
    out.push(x);
  }
  return out;
}

// ------------------------------------------------------ one full update ----

/** Loss values on an n x n grid over `view` (default: the function's preset view; row iy, column ix; y up). */
export function landscapeGrid(state, n, view = PRESETS[state.function].view) {
  const fn = landscapeFor(state);
  const [[x0, x1], [y0, y1]] = view;
  const values = new Float64Array(n * n);
  for (let iy = 0; iy < n; iy++) {
    const y = y0 + ((iy + 0.5) * (y1 - y0)) / n;
    for (let ix = 0; ix < n; ix++) values[iy * n + ix] = fn.value([x0 + ((ix + 0.5) * (x1 - x0)) / n, y]);
  }
  return { values, n, view: [[x0, x1], [y0, y1]] };
}

/** Zoom-out factors the contour plot may use to keep a path in view. */
export const ZOOMS = [1, 2, 4, 8];

/** The preset view of `name` scaled by `zoom` about its centre. */
export function zoomedView(name, zoom) {
  return PRESETS[name].view.map(([lo, hi]) => {
    const mid = (lo + hi) / 2;
    const half = ((hi - lo) / 2) * zoom;
    return [mid - half, mid + half];
  });
}

/**
 * The smallest zoom of ZOOMS whose view holds every iterate of `path`, and
 * `leaves`: null, or (when even the widest view is too small, e.g. a
 * diverging run) the first step outside the preset view, which is then used.
 */
export function viewFor(name, path) {
  const inside = (view, [x, y]) => x >= view[0][0] && x <= view[0][1] && y >= view[1][0] && y <= view[1][1];
  for (const zoom of ZOOMS) {
    const view = zoomedView(name, zoom);
    if (path.w.every((p) => inside(view, p))) return { zoom, view, leaves: null };
  }
  const view = zoomedView(name, 1);
  return { zoom: 1, view, leaves: path.w.findIndex((p) => !inside(view, p)) };
}

/** The path, the losses and (for the quadratic) Goh's numbers for one state. */
export function compute(state) {
  const fn = landscapeFor(state);
  const path = run(fn, state.start, state.optimizer, state.lr, state.beta, state.steps);
  const out = { path, goh: null, view: viewFor(state.function, path) };
  if (state.function === "quadratic") {
    const eig = fn.eigenvalues;
    const [alphaStar, betaStar] = optimalMomentum(eig);
    const d = [state.start[0] - fn.minimum[0], state.start[1] - fn.minimum[1]];
    const Q = fn.eigenvectors;
    const x0 = [0, 1].map((i) => d[0] * Q[0][i] + d[1] * Q[1][i]); // Q^T (w0 - w*)
    let rate = null;
    let components = null;
    if (state.optimizer === "gd") {
      rate = gdRate(state.lr, eig);
      components = gdComponents(state.lr, eig, x0, state.steps);
    } else if (state.optimizer === "momentum") {
      rate = momentumRate(state.lr, state.beta, eig);
      components = momentumComponents(state.lr, state.beta, eig, x0, state.steps);
    } else if (state.optimizer === "nesterov") {
      rate = nesterovRate(state.lr, state.beta, eig);
    }
    const limits = stabilityLimits(state.optimizer === "gd" ? 0 : state.beta);
    const limit = limits[state.optimizer] ?? null; // Adam: no such limit
    out.goh = {
      eigenvalues: eig, alphaStar, betaStar, optimalRate: optimalRate(eig), rate, components,
      // alpha lambda_max against the optimiser's stability limit on it
      stiffness: state.lr * eig[eig.length - 1], limit,
    };
  }
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
 * A polite live region that says in words what the plots show. Writes are
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

/**
 * The first iteration whose loss is within `tol` (relative to the starting gap) of the
 * landscape's minimum value; null when the run never gets there or the minimum is unknown.
 */
export function stepsToConverge(loss, minimumValue, tol = 1e-6) {
  if (minimumValue === null || !loss.length) return null;
  const gap0 = Math.abs(loss[0] - minimumValue);
  const target = tol * Math.max(gap0, 1e-300);
  for (let k = 0; k < loss.length; k++) {
    if (!Number.isFinite(loss[k])) return null;
    if (Math.abs(loss[k] - minimumValue) <= target) return k;
  }
  return null;
}

// ---------------------------------------------------------------- view ----

const STYLE = `
.ck-mom { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; min-width: 0; }
.ck-mom > div { min-width: 0; max-width: 100%; }
.ck-mom .ck-controls { display: grid; grid-template-columns: auto minmax(0, 150px) 64px; gap: 3px 8px; align-items: center; }
.ck-mom .ck-controls select { grid-column: span 2; width: auto; }
.ck-mom input[type=range] { width: 150px; max-width: 100%; }
.ck-mom select { max-width: 100%; }
.ck-mom .ck-num { font-variant-numeric: tabular-nums; }
.ck-mom canvas { display: block; box-sizing: content-box; border: 1px solid #ccc; touch-action: none; }
.ck-mom canvas + canvas { margin-top: 6px; }
.ck-mom .ck-readout { margin-top: 8px; max-width: 340px; overflow-wrap: anywhere; }
.ck-mom .ck-status { margin-top: 6px; max-width: 340px; color: #7a4a00; }
.ck-mom .ck-status:empty { display: none; }
.ck-mom .ck-warn { color: #b03a2e; }
.ck-mom .ck-note { color: #555; max-width: 340px; }
.ck-mom :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.ck-mom .ck-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;

function trySave(model) {
  try {
    model.save_changes();
  } catch (err) {
    /* static page: no kernel to sync with */
  }
}

function colormap(t) {
  // Light-to-dark blue ramp for low-to-high loss (t in [0, 1]).
  const stops = [
    [247, 251, 255],
    [198, 219, 239],
    [107, 174, 214],
    [33, 113, 181],
    [8, 48, 107],
  ];
  const u = Math.min(0.9999, Math.max(0, t)) * (stops.length - 1);
  const i = Math.floor(u);
  const f = u - i;
  return stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
}

/** Contour segments of a grid at a level (marching squares; grid points at cell centres). */
function contourSegments(values, n, level) {
  const segs = [];
  const at = (ix, iy) => values[iy * n + ix];
  for (let iy = 0; iy < n - 1; iy++) {
    for (let ix = 0; ix < n - 1; ix++) {
      const v = [at(ix, iy), at(ix + 1, iy), at(ix + 1, iy + 1), at(ix, iy + 1)];
      const corners = [[ix, iy], [ix + 1, iy], [ix + 1, iy + 1], [ix, iy + 1]];
      const pts = [];
      for (let e = 0; e < 4; e++) {
        const a = v[e];
        const b = v[(e + 1) % 4];
        if ((a < level) !== (b < level)) {
          const t = (level - a) / (b - a);
          const [xa, ya] = corners[e];
          const [xb, yb] = corners[(e + 1) % 4];
          pts.push([xa + t * (xb - xa), ya + t * (yb - ya)]);
        }
      }
      if (pts.length === 2) segs.push(pts);
      else if (pts.length === 4) segs.push([pts[0], pts[1]], [pts[2], pts[3]]);
    }
  }
  return segs;
}

/** Shade the landscape and draw 12 contours, in device pixels (the canvas's own size). */
function drawLandscape(ctx, grid, dpr) {
  const { values, n } = grid;
  const W = ctx.canvas.width;
  const H = ctx.canvas.height;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const floor = lo - 1e-3 * (hi - lo) - 1e-12; // log-spaced shading above the grid's minimum
  const tr = (v) => Math.log(v - floor);
  const tlo = tr(lo);
  const thi = tr(hi);
  // One colour per grid cell, then pixels look their cell up.
  const cellRgb = new Uint8Array(3 * n * n);
  for (let c = 0; c < n * n; c++) cellRgb.set(colormap(0.85 * ((tr(values[c]) - tlo) / (thi - tlo))), 3 * c);
  const column = new Int32Array(W);
  for (let px = 0; px < W; px++) column[px] = Math.min(n - 1, Math.floor((px / W) * n));
  const image = ctx.createImageData(W, H);
  const data = image.data;
  for (let py = 0; py < H; py++) {
    const rowStart = n * Math.min(n - 1, Math.floor(((H - 1 - py) / H) * n));
    for (let px = 0; px < W; px++) {
      const c = 3 * (rowStart + column[px]);
      const q = 4 * (py * W + px);
      data[q] = cellRgb[c];
      data[q + 1] = cellRgb[c + 1];
      data[q + 2] = cellRgb[c + 2];
      data[q + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  ctx.strokeStyle = "rgba(0, 0, 0, 0.35)";
  ctx.lineWidth = 0.8 * dpr;
  ctx.beginPath();
  const sx = W / n;
  const sy = H / n;
  for (let k = 1; k <= 12; k++) {
    const level = floor + Math.exp(tlo + (k / 13) * (thi - tlo));
    for (const [[ax, ay], [bx, by]] of contourSegments(values, n, level)) {
      ctx.moveTo((ax + 0.5) * sx, H - (ay + 0.5) * sy);
      ctx.lineTo((bx + 0.5) * sx, H - (by + 0.5) * sy);
    }
  }
  ctx.stroke();
}

/** The path over the landscape, in CSS pixels (the context is scaled by the pixel ratio). */
function drawPath(ctx, view, path, minimum, W, H) {
  const [[x0, x1], [y0, y1]] = view;
  const X = (x) => ((x - x0) / (x1 - x0)) * W;
  const Y = (y) => H - ((y - y0) / (y1 - y0)) * H;
  // Far-off iterates of a diverging run are cut where they leave a margin around the plot.
  const drawable = ([x, y]) => Number.isFinite(x) && Number.isFinite(y) && Math.abs(X(x)) < 4 * W && Math.abs(Y(y)) < 4 * H;
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, 0, W, H);
  ctx.clip();
  if (minimum) {
    ctx.fillStyle = "#2ca02c";
    ctx.beginPath();
    ctx.arc(X(minimum[0]), Y(minimum[1]), 4, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.strokeStyle = "#d62728";
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  let started = false;
  for (const p of path.w) {
    if (!drawable(p)) break;
    if (started) ctx.lineTo(X(p[0]), Y(p[1]));
    else ctx.moveTo(X(p[0]), Y(p[1]));
    started = true;
  }
  ctx.stroke();
  ctx.fillStyle = "#d62728";
  for (const p of path.w) {
    if (!drawable(p)) break;
    ctx.fillRect(X(p[0]) - 1.5, Y(p[1]) - 1.5, 3, 3);
  }
  const [sx, sy] = path.w[0];
  ctx.beginPath();
  ctx.arc(X(sx), Y(sy), 6, 0, 2 * Math.PI);
  ctx.fillStyle = "#fff";
  ctx.fill();
  ctx.strokeStyle = "#d62728";
  ctx.lineWidth = 2;
  ctx.stroke();
  ctx.restore();
}

/** Loss per iteration on a log axis, in CSS pixels; every curve is clipped to the frame. */
function drawLoss(ctx, result, goh, W, H) {
  const left = 44;
  const right = 8;
  const top = 6;
  const bottom = 22;
  ctx.clearRect(0, 0, W, H);
  const loss = result.path.loss;
  const series = [{ values: loss, color: "#d62728", width: 2 }];
  if (goh && goh.components) {
    // Loss split over the eigendirections: lambda_i x_i^2 / 2 (Goh).
    goh.eigenvalues.forEach((lam, i) => {
      series.push({ values: goh.components.map((row) => (lam * row[i] ** 2) / 2), color: i ? "#9467bd" : "#17becf", width: 1, dash: [4, 3] });
    });
  }
  const positive = series.flatMap((s) => s.values).filter((v) => v > 0 && Number.isFinite(v));
  let lo = positive.length ? Math.max(1e-30, Math.min(...positive)) : 1e-3;
  let hi = positive.length ? Math.max(...positive) : 1;
  if (!(hi > lo)) {
    lo = hi / 10 || 1e-3;
    hi = hi * 10 || 1;
  }
  const llo = Math.floor(Math.log10(lo));
  const lhi = Math.ceil(Math.log10(hi));
  const X = (k) => left + (k / Math.max(1, loss.length - 1)) * (W - left - right);
  const Y = (v) => top + (1 - (Math.log10(v) - llo) / (lhi - llo)) * (H - bottom - top);
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#555";
  ctx.strokeStyle = "#eee";
  ctx.lineWidth = 1;
  const every = Math.max(1, Math.ceil((lhi - llo) / 6));
  for (let e = llo; e <= lhi; e += every) {
    ctx.beginPath();
    ctx.moveTo(left, Y(10 ** e));
    ctx.lineTo(W - right, Y(10 ** e));
    ctx.stroke();
    ctx.fillText(`1e${e}`, 4, Y(10 ** e) + 3);
  }
  ctx.fillText("iteration", W / 2 - 20, H - 4);
  ctx.fillText("0", left, H - 10);
  ctx.fillText(String(loss.length - 1), W - 30, H - 10);
  ctx.strokeStyle = "#bbb";
  ctx.strokeRect(left, top, W - left - right, H - bottom - top);
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, W - left - right, H - bottom - top);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.width;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    let pen = false;
    s.values.forEach((v, k) => {
      if (!(v > 0) || !Number.isFinite(v)) {
        pen = false; // overflowed (Infinity / NaN): the curve stops at the frame
        return;
      }
      const y = Math.min(H, Math.max(0, Y(Math.max(v, 10 ** llo))));
      if (pen) ctx.lineTo(X(k), y);
      else ctx.moveTo(X(k), y);
      pen = true;
    });
    ctx.stroke();
  }
  ctx.restore();
  ctx.setLineDash([]);
}

function row(grid, label, input, out) {
  const l = document.createElement("label");
  l.textContent = label;
  input.id = uniqueId("ck-mom");
  l.htmlFor = input.id;
  // A menu spans the readout's column too, so its longest choice is never cut.
  if (out) grid.append(l, input, out);
  else grid.append(l, input);
}

function slider(min, max, step) {
  const s = document.createElement("input");
  s.type = "range";
  s.min = String(min);
  s.max = String(max);
  s.step = String(step);
  return s;
}

function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "n/a";
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : Number(v.toPrecision(digits)).toString();
}

const OPTIMIZER_NAMES = { gd: "gradient descent", momentum: "heavy ball (momentum)", nesterov: "Nesterov", adam: "Adam" };

/** Why the run at this state is stable or not, in words (quadratic only; null if nothing to say). */
export function stabilityNote(state, goh) {
  if (!goh || goh.limit === null || goh.stiffness < goh.limit) return null;
  const a = fmt(goh.stiffness, 3);
  const lim = fmt(goh.limit, 3);
  if (state.optimizer === "nesterov") {
    const heavy = fmt(stabilityLimits(state.beta).momentum, 3);
    return (
      `Nesterov diverges here: on a quadratic it is stable only while \u03b1\u03bb_max < 2(1+\u03b2)/(1+2\u03b2) = ${lim}, and \u03b1\u03bb_max = ${a}. ` +
      `Its look-ahead multiplies the momentum term by (1 \u2212 \u03b1\u03bb), which flips sign and grows once \u03b1\u03bb > 1, ` +
      `so it needs a smaller step than the heavy ball (limit 2(1+\u03b2) = ${heavy}); \u03b1* is tuned for the heavy ball. Lower \u03b1.`
    );
  }
  if (state.optimizer === "momentum") return `The heavy ball diverges: \u03b1\u03bb_max = ${a} \u2265 2(1+\u03b2) = ${lim}. Lower \u03b1.`;
  return `Gradient descent diverges: \u03b1\u03bb_max = ${a} \u2265 2. Lower \u03b1 below 2/\u03bb_max.`;
}

const GRID = 100; // landscape samples per axis for the shading and contours
const SIDE = 340; // the plots' largest width in CSS pixels

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "ck-mom";
  const style = document.createElement("style");
  style.textContent = STYLE;
  const plots = document.createElement("div");
  const contour = document.createElement("canvas");
  contour.setAttribute("role", "img");
  contour.setAttribute("aria-label", "loss contours and the optimiser's path; drag, or focus and use the arrow keys, to move the start");
  contour.tabIndex = 0;
  const lossCanvas = document.createElement("canvas");
  lossCanvas.setAttribute("role", "img");
  lossCanvas.setAttribute("aria-label", "loss per iteration, log scale");
  plots.append(contour, lossCanvas);
  const side = document.createElement("div");
  const controls = document.createElement("div");
  controls.className = "ck-controls";
  const fnSelect = document.createElement("select");
  for (const [v, t] of [["quadratic", "quadratic bowl"], ["rosenbrock", "Rosenbrock"], ["gabor", "Gabor least squares"]]) fnSelect.add(new Option(t, v));
  const optSelect = document.createElement("select");
  for (const [v, t] of Object.entries(OPTIMIZER_NAMES)) optSelect.add(new Option(t, v));
  const lr = slider(-4, 0.5, 0.01); // log10 step size
  const beta = slider(0, 0.999, 0.001);
  const steps = slider(10, 500, 10);
  const kappa = slider(0, 3, 0.01); // log10 kappa
  const angle = slider(0, 180, 1);
  const outs = Array.from({ length: 6 }, () => {
    const s = document.createElement("span");
    s.className = "ck-num";
    return s;
  });
  row(controls, "function", fnSelect, null);
  row(controls, "optimizer", optSelect, null);
  row(controls, "step size \u03b1", lr, outs[0]);
  row(controls, "momentum \u03b2", beta, outs[1]);
  row(controls, "iterations", steps, outs[2]);
  row(controls, "condition \u03ba", kappa, outs[3]);
  row(controls, "rotation", angle, outs[4]);
  const optimalButton = document.createElement("button");
  optimalButton.textContent = "use \u03b1*, \u03b2* (heavy ball)";
  optimalButton.title = "Goh's optimal step and momentum for the heavy ball on this quadratic";
  const status = document.createElement("div");
  status.className = "ck-status";
  status.setAttribute("role", "status");
  const readout = document.createElement("div");
  readout.className = "ck-readout ck-num";
  const note = document.createElement("div");
  note.className = "ck-note";
  // The plots' text alternative (both canvases point here with aria-describedby).
  const summary = document.createElement("div");
  summary.className = "ck-sr";
  summary.id = uniqueId("ck-mom-summary");
  summary.setAttribute("aria-live", "polite");
  const announce = throttledAnnouncer(summary);
  contour.setAttribute("aria-describedby", summary.id);
  lossCanvas.setAttribute("aria-describedby", summary.id);
  side.append(controls, optimalButton, status, readout, note, summary);
  root.append(style, plots, side);
  el.append(root);

  const set = (values) => {
    for (const [k, v] of Object.entries(values)) model.set(k, v);
    trySave(model);
  };
  const say = (text) => {
    status.textContent = text;
  };
  // Each function keeps its own step size, momentum and start: a step size that suits
  // the quadratic diverges on Rosenbrock, so switching restores what that function had
  // last (its preset on the first visit) and says so; switching back restores yours.
  const remembered = {};
  fnSelect.addEventListener("change", () => {
    const from = model.get("function");
    const to = fnSelect.value;
    remembered[from] = { lr: model.get("lr"), beta: model.get("beta"), start: model.get("start").slice() };
    const first = !remembered[to];
    const next = remembered[to] ?? { lr: PRESETS[to].lr, beta: PRESETS[to].beta, start: PRESETS[to].start.slice() };
    set({ function: to, ...next });
    say(
      `${fnSelect.selectedOptions[0].text}: \u03b1 = ${fmt(next.lr, 3)}, \u03b2 = ${fmt(next.beta, 3)} ` +
        (first ? "(its starting values; each function keeps its own, " : "(what you had here before; ") +
        `switching back restores \u03b1 = ${fmt(remembered[from].lr, 3)}, \u03b2 = ${fmt(remembered[from].beta, 3)}).`,
    );
  });
  optSelect.addEventListener("change", () => {
    say("");
    set({ optimizer: optSelect.value });
  });
  // A message about alpha and beta is stale once the reader moves them.
  lr.addEventListener("input", () => {
    say("");
    set({ lr: Number((10 ** Number(lr.value)).toPrecision(3)) });
  });
  beta.addEventListener("input", () => {
    say("");
    set({ beta: Number(beta.value) });
  });
  steps.addEventListener("input", () => set({ steps: Number(steps.value) }));
  kappa.addEventListener("input", () => set({ kappa: Number((10 ** Number(kappa.value)).toPrecision(3)) }));
  angle.addEventListener("input", () => set({ angle_deg: Number(angle.value) }));
  optimalButton.addEventListener("click", () => {
    const fn = landscapeFor(stateOf());
    if (!fn.eigenvalues) return;
    const [a, b] = optimalMomentum(fn.eigenvalues);
    const was = model.get("optimizer");
    set({ lr: a, beta: b, optimizer: "momentum" });
    say(
      was === "momentum"
        ? `\u03b1* = ${fmt(a)}, \u03b2* = ${fmt(b)}: Goh's optimum for the heavy ball.`
        : `Optimizer switched from ${OPTIMIZER_NAMES[was]} to the heavy ball: \u03b1* = ${fmt(a)}, \u03b2* = ${fmt(b)} ` +
            `are Goh's optimum for it. Pick ${OPTIMIZER_NAMES[was]} again in the menu to compare at these values.`,
    );
  });

  const stateOf = () => ({
    function: model.get("function"),
    optimizer: model.get("optimizer"),
    lr: model.get("lr"),
    beta: model.get("beta"),
    steps: model.get("steps"),
    start: model.get("start"),
    kappa: model.get("kappa"),
    angle_deg: model.get("angle_deg"),
  });

  // Dragging the start point (in the view shown; the zoom holds still while dragging).
  let dragging = false;
  let shownView = PRESETS[model.get("function")].view;
  let heldZoom = null;
  const moveStart = (event) => {
    const rect = contour.getBoundingClientRect();
    const [[x0, x1], [y0, y1]] = shownView;
    const u = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const v = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
    const x = Number((x0 + u * (x1 - x0)).toFixed(3));
    const y = Number((y1 - v * (y1 - y0)).toFixed(3));
    set({ start: [x, y] });
  };
  contour.addEventListener("pointerdown", (event) => {
    dragging = true;
    heldZoom = shownZoom;
    contour.setPointerCapture(event.pointerId);
    moveStart(event);
  });
  contour.addEventListener("pointermove", (event) => dragging && moveStart(event));
  const endDrag = () => {
    dragging = false;
    heldZoom = null;
    schedule();
  };
  // Keyboard: the arrow keys move the start by 2 % of the view (Shift: 10 %).
  contour.addEventListener("keydown", (event) => {
    const dirs = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    const d = dirs[event.key];
    if (!d) return;
    event.preventDefault();
    const [[x0, x1], [y0, y1]] = shownView;
    const f = event.shiftKey ? 0.1 : 0.02;
    const [x, y] = model.get("start");
    set({ start: [Number((x + d[0] * f * (x1 - x0)).toFixed(3)), Number((y + d[1] * f * (y1 - y0)).toFixed(3))] });
  });
  contour.addEventListener("pointerup", endDrag);
  contour.addEventListener("pointercancel", endDrag);

  // Canvas sizes: the column's width up to SIDE CSS pixels, backed by devicePixelRatio
  // device pixels per CSS pixel so lines stay sharp on HiDPI screens.
  let size = { css: 0, dpr: 0 };
  const fit = () => {
    const dpr = window.devicePixelRatio || 1;
    const css = Math.max(160, Math.min(SIDE, Math.floor(root.clientWidth || SIDE) - 2));
    if (css === size.css && dpr === size.dpr) return false;
    size = { css, dpr };
    for (const [canvas, h] of [[contour, css], [lossCanvas, Math.round((css * 150) / SIDE)]]) {
      canvas.style.width = `${css}px`;
      canvas.style.height = `${h}px`;
      canvas.width = Math.round(css * dpr);
      canvas.height = Math.round(h * dpr);
    }
    return true;
  };

  // Shaded landscapes by (function, kappa, angle, zoom, size): moving the sliders of
  // the path never recomputes them, and switching back to a function is instant.
  const backgrounds = new Map();
  const backgroundFor = (state, view, key) => {
    let entry = backgrounds.get(key);
    if (!entry) {
      const canvas = document.createElement("canvas");
      canvas.width = contour.width;
      canvas.height = contour.height;
      drawLandscape(canvas.getContext("2d"), landscapeGrid(state, GRID, view), size.dpr);
      entry = { canvas };
      if (backgrounds.size >= 8) backgrounds.delete(backgrounds.keys().next().value);
    } else backgrounds.delete(key);
    backgrounds.set(key, entry); // most recently used last
    return entry;
  };
  let pending = false;
  let shownZoom = 1;
  const update = () => {
    pending = false;
    fit();
    const state = stateOf();
    const isQuad = state.function === "quadratic";
    fnSelect.value = state.function;
    optSelect.value = state.optimizer;
    lr.value = String(Math.log10(state.lr));
    outs[0].textContent = fmt(state.lr, 3);
    beta.value = String(state.beta);
    beta.disabled = !(state.optimizer === "momentum" || state.optimizer === "nesterov");
    outs[1].textContent = fmt(state.beta, 3);
    steps.value = String(state.steps);
    outs[2].textContent = String(state.steps);
    kappa.value = String(Math.log10(state.kappa));
    outs[3].textContent = fmt(state.kappa, 3);
    angle.value = String(state.angle_deg);
    outs[4].textContent = `${state.angle_deg}\u00b0`;
    kappa.disabled = angle.disabled = optimalButton.disabled = !isQuad;
    const result = compute(state);
    // Zoom out (x2, x4, x8) so the whole path is in the plot; a run that leaves even
    // the widest view is shown in the preset view and named as leaving it.
    let { zoom, view, leaves } = result.view;
    if (heldZoom !== null) {
      zoom = heldZoom;
      view = zoomedView(state.function, zoom);
    }
    shownZoom = zoom;
    shownView = view;
    const key = JSON.stringify([state.function, isQuad ? state.kappa : 0, isQuad ? state.angle_deg : 0, zoom, contour.width]);
    const background = backgroundFor(state, view, key);
    const ctx = contour.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(background.canvas, 0, 0);
    ctx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
    const fn = landscapeFor(state);
    drawPath(ctx, view, result.path, fn.minimum, size.css, size.css);
    const lctx = lossCanvas.getContext("2d");
    lctx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
    drawLoss(lctx, result, result.goh, lossCanvas.width / size.dpr, lossCanvas.height / size.dpr);
    const last = result.path.loss[result.path.loss.length - 1];
    const lines = [[`final loss f(w_${state.steps}) = ${fmt(last)}${Number.isFinite(last) ? "" : " (diverged)"}`]];
    if (zoom > 1) lines.push([`view zoomed out \u00d7${zoom} to hold the whole path`]);
    if (leaves !== null && leaves >= 0) lines.push([`the path leaves the plot at step ${leaves}`, "ck-warn"]);
    if (result.goh) {
      const g = result.goh;
      lines.push(
        [`eigenvalues \u03bb = ${fmt(g.eigenvalues[0])}, ${fmt(g.eigenvalues[1])}`],
        [`optimal \u03b1* = ${fmt(g.alphaStar)}, \u03b2* = ${fmt(g.betaStar)}, rate* = ${fmt(g.optimalRate)}`],
        [
          g.rate !== null
            ? `rate at (\u03b1, \u03b2) = ${fmt(g.rate)} per step${g.rate >= 1 ? " \u2265 1: diverges" : ""}`
            : "rate: Goh's analysis covers gradient descent, the heavy ball and Nesterov",
        ],
      );
      const why = stabilityNote(state, g);
      if (why) lines.push([why, "ck-warn"]);
    } else {
      lines.push(["Goh's optimal (\u03b1*, \u03b2*) needs the quadratic's eigenvalues."]);
    }
    // Dashed lines are drawn only with Goh's split of the loss (the quadratic).
    note.textContent =
      "Drag on the contour plot (or focus it and use the arrow keys) to move the start." +
      (result.goh && result.goh.components ? " Dashed lines: the loss along each eigendirection." : "");
    const minimumValue = fn.minimum ? fn.value(fn.minimum) : null;
    const k = stepsToConverge(result.path.loss, minimumValue);
    const outcome = !Number.isFinite(last)
      ? "The run diverges."
      : k !== null
        ? `It converges (loss within 1e-6 of the minimum, relative to the start) in ${k} steps.`
        : minimumValue === null
          ? `Final loss ${fmt(last)} (this landscape's minimum is not known in closed form).`
          : `It does not converge within ${state.steps} steps; final loss ${fmt(last)}.`;
    announce(
      `${OPTIMIZER_NAMES[state.optimizer]} on the ${fnSelect.selectedOptions[0].text} from (${state.start.join(", ")}), ` +
        `step size α = ${fmt(state.lr, 3)}` +
        (state.optimizer === "momentum" || state.optimizer === "nesterov" ? `, momentum β = ${fmt(state.beta, 3)}` : "") +
        `, ${state.steps} iterations. ${outcome}`,
    );
    readout.replaceChildren(
      ...lines.map(([t, cls]) => {
        const div = document.createElement("div");
        div.textContent = t;
        if (cls) div.className = cls;
        return div;
      }),
    );
  };
  const schedule = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(update);
    }
  };
  const names = ["function", "optimizer", "lr", "beta", "steps", "start", "kappa", "angle_deg"];
  for (const name of names) model.on(`change:${name}`, schedule);
  // Redraw when the column changes width or the page moves to a screen with another pixel ratio.
  const resize = typeof ResizeObserver === "function"
    ? new ResizeObserver(() => {
        const css = Math.max(160, Math.min(SIDE, Math.floor(root.clientWidth || SIDE) - 2));
        if (css !== size.css || (window.devicePixelRatio || 1) !== size.dpr) schedule();
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
