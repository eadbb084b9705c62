"""Live widgets: one Python class + one ESM front end per explorer.

Each explorer is an ``anywidget.AnyWidget``: its JavaScript (``*.js`` next to
this file) draws and recomputes in the browser, so it stays live on a static
book page with no kernel; the Python object mirrors every control as a synced
traitlet and exposes coursekit's own computations for the same state.

* :class:`TemperatureExplorer` (``temperature.py``/``.js``): softmax with temperature.
* :class:`MomentumExplorer` (``momentum.py``/``.js``): optimiser paths and Goh's analysis.
* :class:`RegionsExplorer` (``regions.py``/``.js``): linear regions of seeded ReLU networks.

The classes load lazily: ``import coursekit.widgets`` (and
``coursekit.widgets.networks``, NumPy only) works without anywidget; touching
an explorer class imports anywidget (``pip install coursekit[widgets]``).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPLORERS = {
    "TemperatureExplorer": ".temperature",
    "MomentumExplorer": ".momentum",
    "RegionsExplorer": ".regions",
}

__all__ = list(_EXPLORERS)


def __getattr__(name: str) -> Any:
    if name in _EXPLORERS:
        try:
            module = import_module(_EXPLORERS[name], __name__)
        except ImportError as err:  # anywidget / ipywidgets missing
            raise ImportError(
                f"coursekit.widgets.{name} needs anywidget: pip install 'coursekit[widgets]' ({err})"
            ) from err
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPLORERS])
