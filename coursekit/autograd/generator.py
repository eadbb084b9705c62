"""``ck.Generator``: PyTorch's ``torch.Generator`` spelling for a NumPy random generator.

``random_split(ds, [0.8, 0.2], generator=torch.Generator().manual_seed(42))``
runs unchanged: the generator is a ``numpy.random.Generator`` with PyTorch's
``manual_seed``/``initial_seed``, so it is accepted wherever coursekit takes a
NumPy generator (``generator=`` of ``randn``, ``DataLoader``, ``random_split``).
The numbers are NumPy's, not torch's, for the same seed.

>>> g = Generator().manual_seed(42)
>>> g.initial_seed(), float(g.random()) == float(Generator().manual_seed(42).random())
(42, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Generator"]


class Generator(np.random.Generator):
    """A NumPy generator answering to ``torch.Generator``'s ``manual_seed`` and ``initial_seed``.

    Parameters
    ----------
    device : str, default "cpu"
        Only the CPU exists here.
    """

    def __init__(self, device: Any = "cpu") -> None:
        if str(device) != "cpu":
            raise RuntimeError(f"Generator(device={device!r}): coursekit runs on the CPU only; use Generator()")
        self._seed = 67280421310721  # PyTorch's default seed, so initial_seed() answers as torch's
        super().__init__(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``; returns the generator (``g = Generator().manual_seed(0)``)."""
        self._seed = int(seed)
        self.bit_generator.state = np.random.PCG64(self._seed).state
        return self

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._seed

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed (as ``torch.Generator.seed``)."""
        return self.manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)).initial_seed()
