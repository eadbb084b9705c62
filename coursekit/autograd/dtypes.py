"""PyTorch's dtype names for NumPy's dtypes: ``ck.float32``, ``ck.long`` ...

``x.to(ck.float32)``, ``ck.zeros(3, dtype=ck.long)`` then read as in PyTorch.
These are NumPy's own type objects, so ``np.float32`` works in the same places.
"""

import numpy as np

float16 = half = np.float16
float32 = float = np.float32  # noqa: A001  (PyTorch's names)
float64 = double = np.float64
int8 = np.int8
uint8 = np.uint8
int16 = short = np.int16
int32 = int = np.int32  # noqa: A001
int64 = long = np.int64
bool = np.bool_  # noqa: A001
