"""Softmax temperature explorer: editable logits, a log-scale temperature, bars, entropy, limits.

The page recomputes in ``temperature.js``; here the same state is a set of
traitlets and the numbers come from :mod:`coursekit.temperature`.

Examples
--------
>>> w = TemperatureExplorer(logits=(3, 0, 1), temperature=1.0)
>>> w.probabilities.round(6).tolist()
[0.843795, 0.04201, 0.114195]
>>> w.temperature = 100.0; bool(w.entropy > 0.99 * w.max_entropy)
True
"""

from __future__ import annotations

import math
import pathlib
from collections.abc import Sequence

import anywidget
import numpy as np
import traitlets as t

from coursekit.temperature import entropy, softmax_limits, softmax_t


class TemperatureExplorer(anywidget.AnyWidget):
    """``p = softmax(logits / T)`` with T on a log slider from ``t_min`` to ``t_max``.

    Traits (synced with the page): ``logits`` (2 to 10 floats), ``temperature``
    (> 0), ``t_min``, ``t_max`` (the slider's range).
    """

    _esm = pathlib.Path(__file__).with_name("temperature.js")

    logits = t.List(t.Float(), default_value=[3.0, 0.0, 1.0], minlen=2, maxlen=10).tag(sync=True)
    temperature = t.Float(1.0).tag(sync=True)
    t_min = t.Float(0.05).tag(sync=True)
    t_max = t.Float(100.0).tag(sync=True)

    def __init__(self, logits: Sequence[float] = (3.0, 0.0, 1.0), temperature: float = 1.0,
                 **kwargs: object) -> None:
        super().__init__(logits=[float(v) for v in logits], temperature=temperature, **kwargs)

    @t.validate("temperature")
    def _check_temperature(self, proposal: dict) -> float:
        T = float(proposal["value"])
        if not (T > 0 and math.isfinite(T)):
            raise t.TraitError(f"temperature must be a positive finite number, got {T}")
        return T

    @t.validate("logits")
    def _check_logits(self, proposal: dict) -> list[float]:
        values = [float(v) for v in proposal["value"]]
        if not all(math.isfinite(v) for v in values):
            raise t.TraitError(f"logits must be finite, got {values}")
        return values

    @property
    def probabilities(self) -> np.ndarray:
        """``softmax_t(logits, temperature)``."""
        return softmax_t(self.logits, self.temperature)

    @property
    def entropy(self) -> float:
        """Entropy of :attr:`probabilities` in nats."""
        return float(entropy(self.probabilities))

    @property
    def max_entropy(self) -> float:
        """``log k``, the T -> inf limit of the entropy."""
        return math.log(len(self.logits))

    @property
    def limits(self) -> tuple[np.ndarray, np.ndarray]:
        """``(cold, hot)``: the T -> 0 one-hot (ties shared) and the T -> inf uniform distribution."""
        return softmax_limits(self.logits)
