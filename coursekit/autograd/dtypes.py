"""PyTorch's dtype names for NumPy's dtypes (``ck.float32``, ``ck.long`` ...) and the default dtype.

``x.to(ck.float32)``, ``ck.zeros(3, dtype=ck.long)`` then read as in PyTorch.
These are NumPy's own type objects, so ``np.float32`` works in the same places.

The default floating-point dtype is float64, not PyTorch's float32: grading
compares results to many digits.  ``set_default_dtype(ck.float32)`` switches
to PyTorch's choice for everything created afterwards.
"""

from typing import Any

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

_default = [np.dtype(np.float64)]  # a list, so that every module sees a change

# PyTorch's legacy type names, for Tensor.type() and Tensor.type("torch.FloatTensor").
TYPE_NAMES = {np.dtype(np.float64): "DoubleTensor", np.dtype(np.float32): "FloatTensor",
              np.dtype(np.float16): "HalfTensor", np.dtype(np.int64): "LongTensor", np.dtype(np.int32): "IntTensor",
              np.dtype(np.int16): "ShortTensor", np.dtype(np.int8): "CharTensor", np.dtype(np.uint8): "ByteTensor",
              np.dtype(np.bool_): "BoolTensor"}


def as_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a NumPy dtype; also PyTorch's type strings such as ``"torch.FloatTensor"``."""
    if isinstance(dtype, str) and dtype.removeprefix("torch.") in TYPE_NAMES.values():
        name = dtype.removeprefix("torch.")
        return next(d for d, n in TYPE_NAMES.items() if n == name)
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype; use one such as ck.float32, ck.float64 or ck.long") from None


def get_default_dtype() -> np.dtype:
    """The floating-point dtype new tensors get (float64 unless :func:`set_default_dtype` changed it).

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.get_default_dtype()
    dtype('float64')
    """
    return _default[0]


def set_default_dtype(dtype: Any) -> None:
    """Make ``dtype`` (float32 or float64) the dtype of new floating-point tensors and parameters.

    ``ck.set_default_dtype(ck.float32)`` gives PyTorch's default; coursekit's
    own is float64.  Integer data (``ck.tensor([1, 2])``) stays int64.
    """
    dtype = as_dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16)):
        raise TypeError(f"only floating-point dtypes can be the default, got {dtype}; use ck.float32 or ck.float64")
    _default[0] = dtype
