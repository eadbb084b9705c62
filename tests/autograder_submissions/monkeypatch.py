# threat: monkeypatch numpy, np.testing, builtins and the grading helpers, with a wrong answer
# replace: toy_chain_forward
import builtins
import numpy as np
import coursekit.grading as g
import coursekit.grading.compare as gc

np.testing.assert_allclose = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
builtins.all = lambda *a: True
builtins.any = lambda *a: True
gc.judge = lambda *a, **k: None
g.compare_recorded = lambda *a, **k: None


def toy_chain_forward(x, phi):
    z = np.zeros_like(np.asarray(x, dtype=float))
    return {k: z for k in ("f0", "h1", "f1", "h2", "f2", "h3", "f3")}
