"""Kernel mode: drive each widget from Python (set traits) and check its Python-side results follow.

The oracle is coursekit's separately tested maths called directly here (and
NumPy's RandomState for the seeded networks), never the widget's own methods.
Also: each widget's ESM file exists, is what the widget syncs, and has
anywidget's ``export default { render }``; the synced state (what a static
page embeds) carries the controls and the ESM source; ``import coursekit``
does not need anywidget.
"""

from __future__ import annotations

import doctest
import itertools
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("CI") == "true":
    import anywidget  # noqa: F401  (CI installs every extra: a missing anywidget is an error)
else:
    pytest.importorskip("anywidget", reason="pip install 'coursekit[widgets]' for the widget tests")

import traitlets

from coursekit import widgets
from coursekit.landscapes import (
    GaborLoss,
    Rosenbrock,
    gd_rate,
    ill_conditioned_quadratic,
    momentum_rate,
    optimal_momentum,
    run,
)
from coursekit.regions import (
    count_linear_regions,
    count_regions_by_sampling,
    linear_regions,
    serra_upper_bound,
)
from coursekit.temperature import entropy, softmax_t
from coursekit.widgets import MomentumExplorer, RegionsExplorer, TemperatureExplorer

EXPLORERS = [TemperatureExplorer, MomentumExplorer, RegionsExplorer]
ROOT = Path(__file__).resolve().parent.parent


def notified(widget, names):
    """Record trait-change notifications, as a front end or an observer would see them."""
    seen = []
    widget.observe(lambda change: seen.append(change["name"]), names=names)
    return seen


# ------------------------------------------------------------- packaging ----

@pytest.mark.parametrize("cls", EXPLORERS)
def test_esm_file_exists_and_is_what_the_widget_syncs(cls):
    path = Path(widgets.__file__).with_name(cls.__module__.rsplit(".", 1)[1] + ".js")
    assert path.is_file()
    w = cls()
    source = path.read_text(encoding="utf-8")
    assert w._esm == source
    assert re.search(r"^export default \{ render \};?$", source, re.MULTILINE), "no `export default { render }`"
    assert re.search(r"^function render\(\{ model, el \}\)", source, re.MULTILINE)
    # Self-contained: no imports (no CDN, no other files), no network access.
    assert not re.search(r"^\s*import\s", source, re.MULTILINE)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", source)


@pytest.mark.parametrize("cls", EXPLORERS)
def test_synced_state_carries_controls_and_esm(cls):
    """What ipywidgets embeds in a static page: every control trait and the ESM source."""
    from ipywidgets.embed import embed_data

    w = cls()
    synced = {name for name in w.trait_names() if w.trait_metadata(name, "sync")}
    controls = {name for name in cls.class_own_traits() if not name.startswith("_")}
    assert controls and controls <= synced
    # drop_defaults=False: the front end has no Python defaults to fall back on (nbclient, which
    # executes the book, stores the full state that ipywidgets sends when the comm opens).
    data = embed_data(views=[w], drop_defaults=False)
    state = data["manager_state"]["state"][w.model_id]["state"]
    assert state["_esm"] == w._esm and state["_model_module"] == "anywidget"
    for name in controls:
        assert name in state, f"{name} missing from the embedded state"


def test_core_imports_without_anywidget():
    code = (
        "import sys; sys.modules['anywidget'] = None\n"  # any import of anywidget now fails
        "import coursekit, coursekit.widgets, coursekit.widgets.networks\n"
        "try:\n    coursekit.widgets.RegionsExplorer\nexcept ImportError as e:\n"
        "    assert 'coursekit[widgets]' in str(e)\nelse:\n    raise SystemExit('expected ImportError')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr


def test_docstring_examples_run():
    from coursekit.widgets import momentum, networks, regions, temperature

    for module in (temperature, momentum, regions, networks):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module.__name__


# ----------------------------------------------------------- temperature ----

def test_temperature_results_follow_the_traits():
    w = TemperatureExplorer()
    seen = notified(w, ["temperature", "logits"])
    assert w.logits == [3.0, 0.0, 1.0] and w.temperature == 1.0
    np.testing.assert_allclose(w.probabilities, softmax_t([3, 0, 1], 1.0), rtol=1e-12)
    entropies = []
    for T in (0.05, 0.3, 1.0, 5.0, 100.0):
        w.temperature = T
        np.testing.assert_allclose(w.probabilities, softmax_t([3, 0, 1], T), rtol=1e-12)
        assert w.entropy == pytest.approx(float(entropy(softmax_t([3, 0, 1], T))), rel=1e-12)
        entropies.append(w.entropy)
    assert entropies == sorted(entropies) and entropies[0] < 1e-10 and entropies[-1] > 0.999 * math.log(3)
    w.logits = [1.0, 2.0, 2.0, -1.0]
    np.testing.assert_allclose(w.probabilities, softmax_t([1, 2, 2, -1], 100.0), rtol=1e-12)
    cold, hot = w.limits
    assert cold.tolist() == [0.0, 0.5, 0.5, 0.0] and hot.tolist() == [0.25] * 4
    assert w.max_entropy == pytest.approx(math.log(4))
    assert seen.count("temperature") == 5 and seen.count("logits") == 1


def test_temperature_rejects_bad_values():
    w = TemperatureExplorer(logits=(1, 2), temperature=0.5)
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(traitlets.TraitError):
            w.temperature = bad
    with pytest.raises(traitlets.TraitError):
        w.logits = [1.0]
    with pytest.raises(traitlets.TraitError):
        w.logits = [1.0, math.nan]
    assert w.temperature == 0.5 and w.logits == [1.0, 2.0]


# -------------------------------------------------------------- momentum ----

def test_momentum_trajectory_follows_the_traits():
    w = MomentumExplorer()
    seen = notified(w, ["lr", "beta", "optimizer", "start", "function", "kappa"])
    q = ill_conditioned_quadratic(20.0, math.pi / 6)
    ref = run(q, [-1.6, 1.2], "momentum", lr=0.05, beta=0.6, steps=100)
    path = w.trajectory()
    np.testing.assert_allclose(path.w, ref.w, rtol=1e-12)
    for settings in ({"optimizer": "gd", "lr": 0.08}, {"optimizer": "nesterov", "beta": 0.9},
                     {"optimizer": "adam", "lr": 0.1}, {"start": [1.5, -0.5]}, {"kappa": 200.0},
                     {"steps": 37}):
        before = w.trajectory()
        for name, value in settings.items():
            setattr(w, name, value)
        after = w.trajectory()
        landscape = ill_conditioned_quadratic(w.kappa, math.pi / 6)
        ref = run(landscape, w.start, w.optimizer, lr=w.lr, beta=w.beta, steps=w.steps)
        np.testing.assert_allclose(after.w, ref.w, rtol=1e-12, err_msg=str(settings))
        assert after.w.shape != before.w.shape or not np.allclose(after.w, before.w), settings
    for name, fn in (("rosenbrock", Rosenbrock()), ("gabor", GaborLoss())):
        w.function = name
        ref = run(fn, w.start, w.optimizer, lr=w.lr, beta=w.beta, steps=w.steps)
        np.testing.assert_allclose(w.trajectory().loss, ref.loss, rtol=1e-12)
        assert w.optimal() is None and w.rate is None
    assert {"lr", "beta", "optimizer", "start", "function", "kappa"} <= set(seen)


def test_momentum_goh_readouts_follow_kappa_lr_and_beta():
    w = MomentumExplorer(optimizer="gd", lr=0.05)
    for kappa in (1.0, 20.0, 1000.0):
        w.kappa = kappa
        lam = [1.0, kappa]
        assert w.optimal() == pytest.approx(optimal_momentum(lam), rel=1e-12)
        assert w.rate == pytest.approx(gd_rate(0.05, lam), rel=1e-12)
        root = math.sqrt(kappa)
        assert w.optimal_rate == pytest.approx((root - 1) / (root + 1), abs=1e-12)
    w.optimizer, w.beta = "momentum", 0.95
    assert w.rate == pytest.approx(momentum_rate(0.05, 0.95, [1.0, 1000.0]), rel=1e-12)
    w.optimizer = "nesterov"
    assert w.rate is None
    w.use_optimal()
    assert w.optimizer == "momentum"
    assert (w.lr, w.beta) == pytest.approx(optimal_momentum([1.0, 1000.0]), rel=1e-12)
    assert w.rate == pytest.approx(w.optimal_rate, rel=1e-6)  # a double root there: sqrt(rounding)
    # At the optimum the error really shrinks by about the optimal rate per step.
    loss = w.trajectory().loss
    assert loss[-1] < loss[0] * (1.2 * w.optimal_rate) ** (2 * (len(loss) - 1)) * 1e4


def test_momentum_presets_and_validation():
    w = MomentumExplorer()
    w.use_preset("rosenbrock")
    assert (w.function, w.start, w.lr, w.beta) == ("rosenbrock", [-1.5, 2.0], 0.001, 0.9)
    assert w.view == [[-2, 2], [-1, 3]]
    for name, bad in (("lr", 0.0), ("beta", 1.0), ("beta", -0.1), ("kappa", 0.5), ("steps", 0),
                      ("optimizer", "sgd"), ("function", "himmelblau"), ("start", [0.0])):
        with pytest.raises(traitlets.TraitError):
            setattr(w, name, bad)
    with pytest.raises(ValueError):
        w.use_optimal()  # not a quadratic


# --------------------------------------------------------------- regions ----

def he_uniform_net(seed, widths, scale=1.0):
    rng = np.random.RandomState(seed)
    return [((2 * rng.random_sample((o, i)) - 1) * (scale * math.sqrt(6 / i)), 2 * rng.random_sample(o) - 1)
            for i, o in itertools.pairwise(widths)]


def same_net(a, b):
    return len(a) == len(b) and all(np.array_equal(W, V) and np.array_equal(c, d) for (W, c), (V, d) in zip(a, b))


def test_regions_network_and_counts_follow_the_traits():
    w = RegionsExplorer()
    seen = notified(w, ["depth", "width", "seed", "scale", "mode", "preset"])
    box = ((-1.0, 1.0), (-1.0, 1.0))
    assert same_net(w.network(), he_uniform_net(29, [2, 8, 8, 8]))
    assert w.domain == box
    assert w.exact_count == count_linear_regions(he_uniform_net(29, [2, 8, 8, 8]), box)
    counts = {w.exact_count}
    for name, value, widths, seed, scale in [("seed", 3, [2, 8, 8, 8], 3, 1.0),
                                              ("depth", 2, [2, 8, 8], 3, 1.0),
                                              ("width", 12, [2, 12, 12], 3, 1.0),
                                              ("scale", 2.5, [2, 12, 12], 3, 2.5)]:
        setattr(w, name, value)
        net = he_uniform_net(seed, widths, scale)
        assert same_net(w.network(), net), name
        assert w.exact_count == count_linear_regions(net, box), name
        assert w.grid_count == count_regions_by_sampling(net, box, n=200), name
        assert w.bounds["serra"] == serra_upper_bound(widths[1:], 2)
        counts.add(w.exact_count)
    assert len(counts) >= 3  # the counts really moved
    assert {"seed", "depth", "width", "scale"} <= set(seen)


def test_regions_1d_mode_breakpoints_and_function():
    w = RegionsExplorer(mode="1d", seed=5, depth=2, width=6)
    net = he_uniform_net(5, [1, 6, 6])
    assert same_net(w.network(), net) and w.domain == (-1.0, 1.0)
    ref = linear_regions(net, (-1.0, 1.0))
    assert w.exact_count == len(ref)
    np.testing.assert_array_equal(w.breakpoints(), [r.vertices[1, 0] for r in ref[:-1]])
    # The read-out is affine between breakpoints (and kinks only at them).
    x = np.linspace(-1, 1, 2001)
    f = w.function_values(x)
    for r in ref:
        inside = (x > r.vertices[0, 0] + 1e-9) & (x < r.vertices[1, 0] - 1e-9)
        if inside.sum() >= 3:
            slope = np.polyfit(x[inside], f[inside], 1)
            np.testing.assert_allclose(np.polyval(slope, x[inside]), f[inside], atol=1e-9)
    assert w.grid_points_per_axis == 200**2
    with pytest.raises(ValueError):
        RegionsExplorer().breakpoints()


@pytest.mark.parametrize("mode", ["1d", "2d"])
def test_regions_sawtooth_preset_has_2_to_the_L(mode):
    w = RegionsExplorer(preset="sawtooth", mode=mode)
    for L in (1, 4, 7):
        w.depth = L
        assert w.widths == [2] * L
        assert w.exact_count == 2**L  # Telgarsky: the L-fold tent map has 2^L pieces
    assert w.domain == ((0.0, 1.0) if mode == "1d" else ((0.0, 1.0), (0.0, 1.0)))


def test_regions_validation():
    w = RegionsExplorer()
    for name, bad in (("depth", 0), ("depth", 11), ("width", 0), ("width", 33), ("seed", -1),
                      ("seed", 2**32), ("scale", 0.0), ("extent", -1.0), ("grid", 1),
                      ("mode", "3d"), ("preset", "resnet")):
        with pytest.raises(traitlets.TraitError):
            setattr(w, name, bad)


def test_regions_default_counts_agree():
    w = RegionsExplorer()
    net = he_uniform_net(w.seed, [2] + [w.width] * w.depth, w.scale)
    exact = count_linear_regions(net, ((-1.0, 1.0), (-1.0, 1.0)))
    assert w.exact_count == exact == w.grid_count == count_regions_by_sampling(net, w.domain, n=w.grid)
