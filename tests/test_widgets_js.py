"""The widgets' JavaScript maths agree with coursekit (values to rtol 1e-9, counts exactly).

Each widget's ESM file exports its maths as plain functions; node imports the
file through tests/js/run_widget_maths.mjs, and the oracle is coursekit's own,
separately tested modules (temperature, landscapes, regions) and NumPy's
RandomState.  Without node these tests skip, except in CI (CI=true) where a
missing node is an error.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import traitlets

from coursekit.landscapes import (
    GABOR_X,
    GABOR_Y,
    GaborLoss,
    Rosenbrock,
    gd_components,
    gd_rate,
    ill_conditioned_quadratic,
    momentum_components,
    momentum_rate,
    optimal_momentum,
    run,
    spectral_radius,
)
from coursekit.regions import (
    activation_patterns,
    bound_trivial,
    count_linear_regions,
    count_regions_by_sampling,
    evaluate,
    linear_regions,
    montufar_lower_bound,
    sawtooth_layers,
    serra_upper_bound,
    zaslavsky,
)
from coursekit.temperature import entropy, softmax_limits, softmax_t

ROOT = Path(__file__).resolve().parent.parent
DRIVER = ROOT / "tests" / "js" / "run_widget_maths.mjs"
RTOL, ATOL = 1e-9, 1e-300


def _node() -> str:
    node = shutil.which("node") or ("/usr/bin/node" if Path("/usr/bin/node").exists() else None)
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is required in CI for the widget JS tests (apt-get install nodejs)")
        pytest.skip("node not found: the widgets' JS maths cannot be checked here")
    return node


def _decode(value):
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    return value


def js(*calls: dict) -> list:
    """Run the calls in node, in one process; returns their results in order."""
    proc = subprocess.run([_node(), str(DRIVER)], input=json.dumps(list(calls)), capture_output=True, check=False,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"node failed:\n{proc.stderr}"
    return _decode(json.loads(proc.stdout))


def call(module: str, fn: str, *args, pick=None) -> dict:
    out = {"module": module, "fn": fn, "args": list(args)}
    if pick:
        out["pick"] = pick
    return out


def close(actual, expected, rtol=RTOL, atol=ATOL, msg=""):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol, equal_nan=True, err_msg=msg)


def layers_js(net) -> list[dict]:
    return [{"W": np.asarray(W, float).tolist(), "b": np.asarray(b, float).tolist()} for W, b in net]


def he_uniform_net(seed, widths, scale=1.0):
    """The documented generator written out here from NumPy's RandomState, as the oracle."""
    rng = np.random.RandomState(seed)
    net = []
    for n_in, n_out in itertools.pairwise(widths):
        W = (2 * rng.random_sample((n_out, n_in)) - 1) * (scale * math.sqrt(6 / n_in))
        b = 2 * rng.random_sample(n_out) - 1
        net.append((W, b))
    return net, rng


def test_every_widget_module_exports_default_render():
    results = js(*(call(m, "__exports__") for m in ("temperature", "momentum", "regions")))
    for module, res in zip(("temperature", "momentum", "regions"), results):
        assert res["defaultRender"], f"{module}.js lacks `export default {{ render }}`"
        assert "compute" in res["names"], f"{module}.js exports no compute(state)"


# ----------------------------------------------------------- temperature ----

LOGITS = [[3.0, 0.0, 1.0], [2.0, 2.0, 0.0], [-1.5, 4.0, 4.0, 0.25, -7.0], [0.0, 0.0], [100.0, -100.0, 3.0]]
TEMPS = [1e-3, 0.05, 0.3, 1.0, 2.5, 100.0, 1e6]


def test_softmax_t_entropy_and_limits_match_coursekit():
    cases = [(eta, T) for eta in LOGITS for T in TEMPS]
    calls = [call("temperature", "softmaxT", eta, T) for eta, T in cases]
    calls += [call("temperature", "softmaxT", eta, 0) for eta in LOGITS]
    calls += [call("temperature", "softmaxLimits", eta) for eta in LOGITS]
    calls += [call("temperature", "entropy", softmax_t(eta, T).tolist()) for eta, T in cases]
    calls += [call("temperature", "entropy", [0.5, 0.5, 0.0]), call("temperature", "entropy", [1.0, 0.0])]
    out = js(*calls)
    n = len(cases)
    for (eta, T), p in zip(cases, out[:n]):
        close(p, softmax_t(eta, T), msg=f"softmax_t({eta}, {T})")
    for eta, p in zip(LOGITS, out[n : n + len(LOGITS)]):
        close(p, softmax_t(eta, 0.0), msg=f"softmax_t({eta}, 0)")
    for eta, (cold, hot) in zip(LOGITS, out[n + len(LOGITS) : n + 2 * len(LOGITS)]):
        ref_cold, ref_hot = softmax_limits(eta)
        close(cold, ref_cold)
        close(hot, ref_hot)
    ents = out[n + 2 * len(LOGITS) :]
    for (eta, T), h in zip(cases, ents[:n]):
        close(h, entropy(softmax_t(eta, T)), atol=1e-15, msg=f"entropy at {eta}, {T}")
    assert ents[n] == pytest.approx(math.log(2), rel=1e-12) and ents[n + 1] == 0.0


def test_temperature_widget_defaults_and_log_slider():
    state = {"logits": [3.0, 0.0, 1.0], "temperature": 1.0}
    res, lo, hi, mid, back = js(
        call("temperature", "compute", state),
        call("temperature", "temperatureAt", 0.0, 0.05, 100.0),
        call("temperature", "temperatureAt", 1.0, 0.05, 100.0),
        call("temperature", "temperatureAt", 0.5, 0.05, 100.0),
        call("temperature", "sliderPosition", 1.0, 0.05, 100.0),
    )
    p = softmax_t([3.0, 0.0, 1.0], 1.0)
    close(res["probabilities"], p)
    close(res["entropy"], entropy(p))
    close(res["maxEntropy"], math.log(3))
    close(res["cold"], softmax_limits([3.0, 0.0, 1.0])[0])
    assert lo == pytest.approx(0.05, rel=1e-12) and hi == pytest.approx(100.0, rel=1e-12)
    assert mid == pytest.approx(math.sqrt(0.05 * 100.0), rel=1e-12)  # log scale: geometric mean
    assert back == pytest.approx(math.log(1 / 0.05) / math.log(100 / 0.05), rel=1e-12)


# -------------------------------------------------------------- momentum ----

def _landscape(spec):
    if spec["function"] == "quadratic":
        return ill_conditioned_quadratic(spec["kappa"], spec["angle_deg"] * math.pi / 180)
    return {"rosenbrock": Rosenbrock, "gabor": GaborLoss}[spec["function"]]()


SPECS = [
    {"function": "quadratic", "kappa": 20.0, "angle_deg": 30.0},
    {"function": "quadratic", "kappa": 1.0, "angle_deg": 0.0},
    {"function": "quadratic", "kappa": 500.0, "angle_deg": 117.0},
    {"function": "rosenbrock", "kappa": 1.0, "angle_deg": 0.0},
    {"function": "gabor", "kappa": 1.0, "angle_deg": 0.0},
]


def test_landscape_values_and_gradients_match_coursekit():
    rng = np.random.default_rng(0)
    pts = np.concatenate([rng.uniform(-2, 2, (20, 2)), rng.uniform([-10, 2.5], [10, 22.5], (20, 2))])
    out = js(*(call("momentum", "landscapeAt", spec, pts.tolist()) for spec in SPECS),
             call("momentum", "gaborData"),
             *(call("momentum", "quadratic", s["kappa"], s["angle_deg"] * math.pi / 180,
                    pick=["A", "eigenvalues"]) for s in SPECS[:3]))
    for spec, res in zip(SPECS, out):
        fn = _landscape(spec)
        close(res["values"], fn.value(pts), atol=1e-12, msg=f"value of {spec}")
        close(res["grads"], fn.grad(pts), atol=1e-10, msg=f"grad of {spec}")
    close(out[len(SPECS)]["x"], GABOR_X)
    close(out[len(SPECS)]["y"], GABOR_Y, atol=1e-15)
    for spec, res in zip(SPECS[:3], out[len(SPECS) + 1 :]):
        q = _landscape(spec)
        close(res["A"], q.A, atol=1e-12)
        close(res["eigenvalues"], q.eigenvalues)


def _state(spec, optimizer, lr, beta, start, steps=100):
    return {**spec, "optimizer": optimizer, "lr": lr, "beta": beta, "start": list(start), "steps": steps}


PRESET_RUNS = {
    "quadratic": ((-1.6, 1.2), 0.05, 0.6),
    "rosenbrock": ((-1.5, 2.0), 0.001, 0.9),
    "gabor": ((3.0, 15.0), 0.02, 0.8),
}


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov", "adam"])
def test_optimizer_paths_match_coursekit_run(optimizer):
    states = []
    for spec in (SPECS[0], SPECS[2], SPECS[3], SPECS[4]):
        start, lr, beta = PRESET_RUNS[spec["function"]]
        if optimizer == "adam":
            lr = {"quadratic": 0.05, "rosenbrock": 0.02, "gabor": 0.1}[spec["function"]]
        states.append(_state(spec, optimizer, lr, beta, start, steps=150))
    out = js(*(call("momentum", "compute", s, pick=["path"]) for s in states))
    for s, res in zip(states, out):
        ref = run(_landscape(s), s["start"], optimizer, lr=s["lr"], beta=s["beta"], steps=s["steps"])
        scale = np.abs(ref.w[0]).max()
        close(res["path"]["w"], ref.w, atol=1e-12 * scale, msg=f"iterates for {s}")
        close(res["path"]["loss"], ref.loss, atol=1e-12 * ref.loss[0], msg=f"losses for {s}")


def test_diverging_run_blows_up_like_coursekit():
    s = _state(SPECS[0], "gd", 0.15, 0.0, (-1.6, 1.2), steps=40)  # lr > 2 / lambda_max = 0.1
    (res,) = js(call("momentum", "compute", s, pick=["path"]))
    ref = run(_landscape(s), s["start"], "gd", lr=0.15, steps=40)
    assert ref.loss[-1] > 1e6 * ref.loss[0]
    close(res["path"]["w"], ref.w)
    close(res["path"]["loss"], ref.loss)


def test_goh_formulas_match_coursekit():
    alphas, betas = [0.001, 0.05, 0.1336, 0.3, 1.9], [0.0, 0.3, 0.81, 0.99]
    eig_sets = [[1.0, 20.0], [0.5, 0.5], [2.0, 1000.0], [1.0, 4.0, 9.0]]
    cases = [(a, b, e) for a in alphas for b in betas for e in eig_sets]
    calls = [call("momentum", "momentumRate", a, b, e) for a, b, e in cases]
    calls += [call("momentum", "gdRate", a, e) for a, _, e in cases]
    calls += [call("momentum", "spectralRadius", a, b, e[-1]) for a, b, e in cases]
    calls += [call("momentum", "optimalMomentum", e) for e in eig_sets[:1] + eig_sets[2:]]
    calls += [call("momentum", "momentumComponents", 0.1, 0.7, [1.0, 20.0], [0.8, -1.1], 60),
              call("momentum", "gdComponents", 0.07, [1.0, 20.0], [0.8, -1.1], 60)]
    out = js(*calls)
    n = len(cases)
    for (a, b, e), r, g, rho in zip(cases, out[:n], out[n : 2 * n], out[2 * n : 3 * n]):
        close(r, momentum_rate(a, b, e), msg=f"momentum_rate{(a, b, e)}")
        close(g, gd_rate(a, e), msg=f"gd_rate{(a, e)}")
        close(rho, spectral_radius(a, b, e[-1]), msg=f"spectral_radius{(a, b, e[-1])}")
    for e, opt in zip(eig_sets[:1] + eig_sets[2:], out[3 * n : 3 * n + 3]):
        close(opt, optimal_momentum(e))
    close(out[-2], momentum_components(0.1, 0.7, [1.0, 20.0], [0.8, -1.1], 60), atol=1e-15)
    close(out[-1], gd_components(0.07, [1.0, 20.0], [0.8, -1.1], 60), atol=1e-15)


@pytest.mark.parametrize("optimizer", ["gd", "momentum"])
def test_widget_readouts_for_the_quadratic(optimizer):
    """compute(): Goh's numbers, and per-direction losses that add up to coursekit's path loss."""
    spec = SPECS[0]
    s = _state(spec, optimizer, 0.05, 0.6, (-1.6, 1.2))
    (res,) = js(call("momentum", "compute", s))
    q = _landscape(spec)
    goh = res["goh"]
    close([goh["alphaStar"], goh["betaStar"]], optimal_momentum(q.eigenvalues))
    close(goh["optimalRate"], (math.sqrt(20) - 1) / (math.sqrt(20) + 1))
    ref_rate = gd_rate(0.05, q.eigenvalues) if optimizer == "gd" else momentum_rate(0.05, 0.6, q.eigenvalues)
    close(goh["rate"], ref_rate)
    ref = run(q, s["start"], optimizer, lr=0.05, beta=0.6, steps=100)
    split = (np.asarray(goh["components"]) ** 2 * q.eigenvalues / 2).sum(axis=1)
    close(split, ref.loss, atol=1e-12 * ref.loss[0])


def test_presets_agree_with_python():
    from coursekit.widgets.momentum import PRESETS  # needs anywidget (the widgets extra)

    (res,) = js(call("momentum", "presets"))
    assert res == json.loads(json.dumps(PRESETS))


# --------------------------------------------------------------- regions ----

@pytest.mark.parametrize("seed", [0, 1, 29, 2**31, 2**32 - 1])
def test_mt19937_reproduces_numpy_random_state(seed):
    (u,) = js(call("regions", "randomSample", seed, 1500))  # crosses two state refills
    assert np.array_equal(np.array(u), np.random.RandomState(seed).random_sample(1500))


@pytest.mark.parametrize("depth,width,scale,input_dim", [(3, 8, 1.0, 2), (1, 5, 0.5, 1), (4, 16, 2.5, 2)])
def test_seeded_networks_are_bitwise_equal(depth, width, scale, input_dim):
    seeds = [0, 29, 12345]
    out = js(*(call("regions", "randomNetwork", {"seed": s, "depth": depth, "width": width,
                                                 "scale": scale, "inputDim": input_dim})
               for s in seeds))
    for seed, res in zip(seeds, out):
        hidden, rng = he_uniform_net(seed, [input_dim] + [width] * depth, scale)
        for (W, b), layer in zip(hidden, res["layers"], strict=True):
            assert np.array_equal(W, layer["W"]) and np.array_equal(b, layer["b"])
        W_out = (2 * rng.random_sample((1, width)) - 1) * (scale * math.sqrt(6 / width))
        assert np.array_equal(W_out, res["readout"]["W"])
        assert np.array_equal(2 * rng.random_sample(1) - 1, res["readout"]["b"])


def test_python_side_builds_the_same_networks():
    from coursekit.widgets.networks import random_network  # NumPy only

    for seed, depth, width, scale, d in [(0, 3, 8, 1.0, 2), (7, 2, 4, 3.0, 1)]:
        hidden, _ = he_uniform_net(seed, [d] + [width] * depth, scale)
        mine, _ = random_network(seed, depth, width, scale, d)
        for (W, b), (W2, b2) in zip(hidden, mine, strict=True):
            assert np.array_equal(W, W2) and np.array_equal(b, b2)


def _region_summary(regions):
    """Sorted (pattern, measure) pairs: the same regions in any order."""
    out = []
    for r in regions:
        v = np.asarray(r["vertices"] if isinstance(r, dict) else r.vertices, dtype=float)
        pattern = tuple(bool(x) for x in (r["pattern"] if isinstance(r, dict) else r.pattern))
        if v.shape[1] == 1:
            measure = v[1, 0] - v[0, 0]
        else:
            w = np.roll(v, -1, axis=0)
            measure = 0.5 * np.sum(v[:, 0] * w[:, 1] - w[:, 0] * v[:, 1])
        out.append((pattern, measure))
    return sorted(out)


BOX = [[-1.0, 1.0], [-1.0, 1.0]]


def _nets_2d():
    nets = []
    for widths, seeds, scale in [([2, 8, 8, 8], range(6), 1.0), ([2, 16, 16, 16], range(3), 1.0),
                                 ([2, 5, 5, 5, 5, 5], range(3), 2.0), ([2, 12], range(3), 0.5),
                                 ([2, 3, 32], range(2), 1.0)]:
        nets += [he_uniform_net(s, widths, scale)[0] for s in seeds]
    # Degenerate cases: duplicated units, concurrent lines, lines along the box edges and
    # through its corners, a dead unit.
    W = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0], [0.0, 0.0], [1.0, 0.0]])
    b = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, -1.0])
    nets.append([(W, b), (np.ones((3, 7)) * [[1], [-1], [0.5]], np.array([0.0, 0.5, -0.25]))])
    return nets


def test_exact_2d_regions_match_coursekit():
    nets = _nets_2d()
    out = js(*(call("regions", "linearRegions", layers_js(net), BOX) for net in nets))
    for k, (net, regions) in enumerate(zip(nets, out)):
        ref = linear_regions(net, BOX)
        assert len(regions) == len(ref), f"net {k}: JS {len(regions)} regions, coursekit {len(ref)}"
        mine, theirs = _region_summary(regions), _region_summary(ref)
        assert [p for p, _ in mine] == [p for p, _ in theirs], f"net {k}: different patterns"
        close([m for _, m in mine], [m for _, m in theirs], atol=1e-15, msg=f"net {k} areas")


def _rounding_nets():
    """Lines that meet or overlap only up to rounding: the tolerances decide, on both sides."""
    p = np.array([1 / 3, 1 / 7])
    dirs = np.array([[1.0, 0.3], [0.2, 1.0], [1.0, -0.7], [-0.4, 1.0], [1.0, 1 / 9]])
    W1, b1 = dirs, -dirs @ p  # five lines through one non-dyadic point
    # Layer 2 repeats layer 1's lines (z2 = h1_k - h1_j vanishes on lines shared with layer 1)
    # and adds lines through the same point.
    W2 = np.array([[1.0, -1.0, 0, 0, 0], [0, 1.0, -1.0, 0, 0], [0.5, 0.5, 0.5, -0.5, 0], [0, 0, 0, 1.0, 0]])
    b2 = np.array([0.0, 0.0, 0.0, -1e-3])
    return [[(W1, b1)], [(W1, b1), (W2, b2)]]


def _rounding_nets_1d():
    """Units switching at x = 1/3 (and 0.7) only up to rounding."""
    W1, b1 = np.array([[3.0], [0.3], [-0.9], [1.0], [7.0]]), np.array([-1.0, -0.1, 0.3, -0.7, -4.9])
    W2, b2 = np.array([[1.0, 1.0, 0, 0, 0], [0, 0, 0, 1.0, -1 / 7]]), np.array([0.0, 0.0])
    return [[(W1, b1)], [(W1, b1), (W2, b2)]]


@pytest.mark.parametrize("rel_tol,rel_measure_tol", [(1e-9, 0.0), (0.0, 1e-14), (1e-9, 1e-14)])
def test_tolerances_behave_like_coursekit(rel_tol, rel_measure_tol):
    nets = _rounding_nets()
    out = js(*(call("regions", "linearRegions", layers_js(net), BOX, rel_tol, rel_measure_tol)
               for net in nets))
    for k, (net, regions) in enumerate(zip(nets, out)):
        ref = linear_regions(net, BOX, rel_tol=rel_tol, rel_measure_tol=rel_measure_tol)
        assert len(regions) == len(ref), f"net {k}: JS {len(regions)} regions, coursekit {len(ref)}"
        assert [p for p, _ in _region_summary(regions)] == [p for p, _ in _region_summary(ref)]
    nets = _rounding_nets_1d()
    out = js(*(call("regions", "linearRegions", layers_js(net), [-1.0, 1.0], rel_tol, rel_measure_tol)
               for net in nets))
    for k, (net, regions) in enumerate(zip(nets, out)):
        ref = linear_regions(net, (-1.0, 1.0), rel_tol=rel_tol, rel_measure_tol=rel_measure_tol)
        assert len(regions) == len(ref), f"1-D net {k}: JS {len(regions)} regions, coursekit {len(ref)}"
        assert [r["pattern"] for r in regions] == [r.pattern.tolist() for r in ref]


def test_exact_1d_regions_and_read_out_match_coursekit():
    nets = [he_uniform_net(s, [1, 8, 8, 8], 1.0)[0] for s in range(4)]
    nets += [he_uniform_net(s, [1, 32, 32], 2.0)[0] for s in range(2)]
    nets += [sawtooth_layers(L)[0] for L in (1, 4, 9)]
    domains = [[-1.0, 1.0]] * 6 + [[0.0, 1.0]] * 3
    out = js(*(call("regions", "linearRegions", layers_js(net), dom) for net, dom in zip(nets, domains)))
    for k, (net, dom, regions) in enumerate(zip(nets, domains, out)):
        ref = linear_regions(net, dom)
        assert len(regions) == len(ref), f"net {k}"
        close([r["vertices"] for r in regions], [r.vertices for r in ref], atol=1e-15)
        assert [r["pattern"] for r in regions] == [r.pattern.tolist() for r in ref]
    hidden, readout = sawtooth_layers(6)
    x = np.linspace(0, 1, 37)[:, None]
    (vals,) = js(call("regions", "evaluate", {"layers": layers_js(hidden), "readout": layers_js([readout])[0]},
                      x.tolist()))
    close(vals, evaluate(hidden, x, output=readout)[:, 0], atol=1e-15)


def test_sawtooth_presets_have_2_to_the_L_regions_in_1d_and_2d():
    states = [{"mode": m, "preset": "sawtooth", "depth": L, "width": 8, "seed": 0, "scale": 1.0,
               "extent": 1.0, "grid": 128} for m in ("1d", "2d") for L in (1, 3, 6)]
    out = js(*(call("regions", "compute", s, pick=["exactCount", "gridCount"]) for s in states))
    for s, res in zip(states, out):
        hidden = sawtooth_layers(s["depth"])[0]
        if s["mode"] == "2d":
            hidden = [(np.hstack([hidden[0][0], np.zeros((2, 1))]), hidden[0][1]), *hidden[1:]]
            dom = [[0.0, 1.0], [0.0, 1.0]]
        else:
            dom = [0.0, 1.0]
        assert res["exactCount"] == count_linear_regions(hidden, dom) == 2 ** s["depth"], s
        assert res["gridCount"] == 2 ** s["depth"], s


def test_grid_counts_and_patterns_match_coursekit_sampling():
    nets = _nets_2d()[::3]
    out = js(*(call("regions", "gridRegions", layers_js(net), BOX, n, pick=["count"])
               for net in nets for n in (16, 256)))
    for k, (net, n) in enumerate((net, n) for net in nets for n in (16, 256)):
        assert out[k]["count"] == count_regions_by_sampling(net, BOX, n=n), f"case {k}"
    # z1 = x and z2 = -relu(x) are exactly 0 on the grid's middle column (n odd): inactive
    # there, as ReLU'(z) = 1[z > 0] says, so that column shares the left half's pattern.
    vee = [(np.array([[1.0, 0.0]]), np.zeros(1)), (np.array([[-1.0]]), np.zeros(1))]
    (res,) = js(call("regions", "gridRegions", layers_js(vee), BOX, 65, pick=["count"]))
    assert res["count"] == count_regions_by_sampling(vee, BOX, n=65) == 2
    net = nets[0]
    X = np.random.default_rng(1).uniform(-1, 1, (50, 2))
    (P,) = js(call("regions", "activationPatterns", layers_js(net), X.tolist()))
    assert np.array_equal(np.array(P), activation_patterns(net, X))


def test_bounds_are_coursekit_bounds():
    cases = [([8, 8, 8], 2), ([16, 16, 16], 2), ([1, 1], 2), ([32] * 10, 2), ([5, 3, 9], 1), ([2] * 10, 1)]
    out = js(*(call("regions", "bounds", w, d) for w, d in cases))
    for (widths, d), res in zip(cases, out):
        H = sum(widths)
        assert int(res["trivial"]) == bound_trivial(H)
        assert int(res["serra"]) == serra_upper_bound(widths, d)
        assert int(res["zaslavsky_one_layer"]) == zaslavsky(H, d)
        expected = montufar_lower_bound(widths, d) if min(widths) >= d else None
        assert (None if res["montufar"] is None else int(res["montufar"])) == expected


def test_default_settings_grid_and_exact_counts_agree():
    """At the widget's defaults the page's grid count equals coursekit's exact count."""
    from coursekit.widgets import RegionsExplorer  # needs anywidget

    w = RegionsExplorer()
    state = {k: getattr(w, k) for k in ("mode", "preset", "depth", "width", "seed", "scale", "extent", "grid")}
    (res,) = js(call("regions", "compute", state, pick=["exactCount", "gridCount", "net.domain"]))
    net, _ = he_uniform_net(state["seed"], [2] + [state["width"]] * state["depth"], state["scale"])
    exact = count_linear_regions(net, res["net.domain"])
    assert res["exactCount"] == exact
    assert res["gridCount"] == exact, f"grid sees {res['gridCount']} of {exact} regions at the defaults"
    assert count_regions_by_sampling(net, res["net.domain"], n=state["grid"]) == exact


# ------------------------------------------------- input, stability, layout ----

@pytest.mark.parametrize("text", ["", "  ", "0", "-1", "-0.5", "abc", "Infinity", "NaN", "1e400"])
def test_temperature_box_refuses_what_the_maths_refuses(text):
    from coursekit.widgets import TemperatureExplorer  # needs anywidget

    (res,) = js(call("temperature", "parseTemperature", text))
    assert "value" not in res and res["error"].startswith("T ")
    with pytest.raises(traitlets.TraitError):  # the Python side refuses it too
        TemperatureExplorer().temperature = float(text) if text.strip() not in ("", "abc") else float("nan")


@pytest.mark.parametrize("text,value", [("0.5", 0.5), (" 2 ", 2.0), ("1e-3", 1e-3), ("100", 100.0)])
def test_temperature_box_accepts_positive_numbers(text, value):
    (res,) = js(call("temperature", "parseTemperature", text))
    assert res == {"value": value}


def test_logit_box_accepts_numbers_and_names_the_bad_one():
    good, neg, empty, bad = js(call("temperature", "parseLogit", "2.5", 0), call("temperature", "parseLogit", "-7", 1),
                               call("temperature", "parseLogit", "", 2), call("temperature", "parseLogit", "x", 3))
    assert good == {"value": 2.5} and neg == {"value": -7.0}
    assert "logit 3" in empty["error"] and "logit 4" in bad["error"] and '"x"' in bad["error"]


def _nesterov_matrix_rate(alpha, beta, lam):
    """Spectral radius of Nesterov's update on (w, v), written out from the update rule."""
    q = 1 - alpha * lam
    M = np.array([[q, beta * q], [-alpha * lam, beta * q]])  # (w, v) -> (w', v')
    return max(abs(np.linalg.eigvals(M)))


def test_nesterov_rate_is_its_iteration_matrix_and_predicts_coursekit_runs():
    cases = [(a, b, e) for a in (0.01, 0.033, 0.05, 0.15) for b in (0.0, 0.5, 0.669, 0.95)
             for e in ([1.0, 100.0], [1.0, 20.0])]
    out = js(*(call("momentum", "nesterovRate", a, b, e) for a, b, e in cases))
    for (a, b, e), rate in zip(cases, out):
        close(rate, max(_nesterov_matrix_rate(a, b, lam) for lam in e), rtol=1e-12, msg=str((a, b, e)))
    # The rate is what a real run does: the error shrinks (or grows) by about rate^k.
    q = ill_conditioned_quadratic(100.0, 0.0)
    for a, b, rate in [(c[0], c[1], r) for c, r in zip(cases, out) if c[2] == [1.0, 100.0]][::3]:
        with np.errstate(all="ignore"):
            path = run(q, (-1.6, 1.2), "nesterov", lr=a, beta=b, steps=200)
            err = np.linalg.norm(np.asarray(path.w), axis=1)
        if rate >= 1.1:
            assert not err[-1] <= 1e3 * err[0], (a, b, rate)  # grew, or overflowed to inf/nan
        elif rate < 0.95:
            assert err[-1] < 1e-2 * err[0], (a, b, rate)


def test_stability_limits_are_where_the_rates_reach_one():
    betas = [0.0, 0.3, 0.669, 0.9]
    limits = js(*(call("momentum", "stabilityLimits", b) for b in betas))
    lam = [1.0, 100.0]
    calls = []
    for b, lim in zip(betas, limits):
        for factor in (0.99, 1.01):
            calls += [call("momentum", "momentumRate", factor * lim["momentum"] / 100, b, lam),
                      call("momentum", "nesterovRate", factor * lim["nesterov"] / 100, b, lam)]
    rates = iter(js(*calls))
    for b, lim in zip(betas, limits):
        assert lim["gd"] == 2
        below_m, below_n, above_m, above_n = next(rates), next(rates), next(rates), next(rates)
        assert below_m < 1 <= above_m, (b, below_m, above_m)
        assert below_n < 1 <= above_n, (b, below_n, above_n)
        # independent of the JS: coursekit's heavy-ball rate crosses 1 at the same limit
        assert momentum_rate(0.99 * lim["momentum"] / 100, b, lam) < 1 <= momentum_rate(1.01 * lim["momentum"] / 100, b, lam)


def test_the_optimum_diverges_for_nesterov_and_the_readout_says_why():
    alpha, beta = optimal_momentum([1.0, 100.0])
    state = {**SPECS[2], "kappa": 100.0, "angle_deg": 30.0}
    nes = _state(state, "nesterov", alpha, beta, (-1.6, 1.2))
    hb = _state(state, "momentum", alpha, beta, (-1.6, 1.2))
    res_n, res_h = js(call("momentum", "compute", nes), call("momentum", "compute", hb))
    ref = run(_landscape(nes), nes["start"], "nesterov", lr=alpha, beta=beta, steps=100)
    assert ref.loss[-1] > 1e6 * ref.loss[0]  # coursekit agrees: it diverges
    assert res_n["goh"]["rate"] > 1 and res_h["goh"]["rate"] < 1
    note_n, note_h = js(call("momentum", "stabilityNote", nes, res_n["goh"]),
                        call("momentum", "stabilityNote", hb, res_h["goh"]))
    assert note_h is None
    assert "Nesterov diverges" in note_n and "heavy ball" in note_n
    assert f"{alpha * 100:.3g}" in note_n  # alpha lambda_max, the number the limit is compared with


def _inside(view, w):
    w = np.asarray(w)
    return bool(np.all((w[:, 0] >= view[0][0]) & (w[:, 0] <= view[0][1])
                       & (w[:, 1] >= view[1][0]) & (w[:, 1] <= view[1][1])))


def test_contour_view_zooms_out_to_hold_the_whole_path():
    from coursekit.widgets.momentum import PRESETS

    alpha, beta = optimal_momentum([1.0, 100.0])
    spec = {"function": "quadratic", "kappa": 100.0, "angle_deg": 30.0}
    states = [_state(spec, "momentum", alpha, beta, (-1.6, 1.2)),     # overshoots the preset view
              _state(spec, "nesterov", alpha, beta, (-1.6, 1.2)),     # diverges: leaves every view
              _state(SPECS[0], "momentum", 0.05, 0.6, (-1.6, 1.2))]   # the default: stays inside
    out = js(*(call("momentum", "compute", s, pick=["view"]) for s in states))
    for s, res in zip(states, out):
        view = res["view"]
        w = run(_landscape(s), s["start"], s["optimizer"], lr=s["lr"], beta=s["beta"], steps=s["steps"]).w
        base = np.asarray(PRESETS["quadratic"]["view"], float)
        zooms = [z for z in (1, 2, 4, 8)
                 if _inside(base.mean(axis=1, keepdims=True) + z * (base - base.mean(axis=1, keepdims=True)), w)]
        if zooms:
            assert view["zoom"] == zooms[0] and view["leaves"] is None, (s["optimizer"], view)
            assert _inside(view["view"], w)
        else:
            first_out = next(k for k in range(len(w)) if not _inside(base, w[k : k + 1]))
            assert view["zoom"] == 1 and view["leaves"] == first_out, view
    assert out[0]["view"]["zoom"] > 1 and out[2]["view"]["zoom"] == 1 and out[1]["view"]["leaves"] is not None


@pytest.mark.parametrize("L", [9, 10])
@pytest.mark.parametrize("mode", ["1d", "2d"])
def test_sawtooth_grid_count_never_exceeds_the_exact_count(L, mode):
    """Grid points that fall on a dyadic breakpoint belong to no region and are not counted."""
    from coursekit.widgets import RegionsExplorer

    w = RegionsExplorer(mode=mode, preset="sawtooth", depth=L)  # the page's default grid
    state = {k: getattr(w, k) for k in ("mode", "preset", "depth", "width", "seed", "scale", "extent", "grid")}
    (res,) = js(call("regions", "compute", state, pick=["exactCount", "gridCount"]))
    assert res["exactCount"] == 2**L == w.exact_count
    assert res["gridCount"] == w.grid_count <= 2**L
    if mode == "1d":  # grid**2 = 40000 points: every one of the 2^L intervals holds some
        assert res["gridCount"] == 2**L
    # The old count (every grid point's pattern, boundaries included) exceeds 2^L here:
    # the grid really does hit breakpoints, so the test above is not vacuous.
    n = w.grid_points_per_axis
    X = np.stack(np.meshgrid(*([(np.arange(n) + 0.5) / n] * (2 if mode == "2d" else 1)), indexing="ij"),
                 axis=-1).reshape(-1, 2 if mode == "2d" else 1)
    P = activation_patterns(w.network(), X)
    assert len({row.tobytes() for row in P}) > res["gridCount"]


def test_steps_to_converge_matches_coursekit_runs():
    """The momentum widget's text alternative says how many steps a run takes to converge:
    the first iterate within 1e-6 (relative to the start) of the minimum, on coursekit's losses."""
    cases = [
        (_state(SPECS[0], "momentum", 0.05, 0.6, (-1.6, 1.2), steps=400), 0.0),  # converges
        (_state(SPECS[0], "gd", 0.01, 0.0, (-1.6, 1.2), steps=50), 0.0),  # too slow: never
        (_state(SPECS[0], "gd", 0.15, 0.0, (-1.6, 1.2), steps=40), 0.0),  # diverges: never
    ]
    expected = []
    for s, minimum in cases:
        loss = run(_landscape(s), s["start"], s["optimizer"], lr=s["lr"], beta=s["beta"], steps=s["steps"]).loss
        gap = np.abs(np.asarray(loss) - minimum)
        hits = np.flatnonzero(np.isfinite(gap) & (gap <= 1e-6 * gap[0]))
        first_bad = np.flatnonzero(~np.isfinite(gap))
        ok = hits.size and (not first_bad.size or hits[0] < first_bad[0])
        expected.append(int(hits[0]) if ok else None)
    out = js(*(call("momentum", "compute", s, pick=["path"]) for s, _ in cases))
    got = js(*(call("momentum", "stepsToConverge", res["path"]["loss"], m) for res, (_, m) in zip(out, cases)))
    assert expected[0] is not None and expected[1] is None and expected[2] is None, expected
    assert got == expected
