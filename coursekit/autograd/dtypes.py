"""PyTorch's dtype names for NumPy's dtypes (``ck.float32``, ``ck.long`` ...) and the default dtype.

``x.to(ck.float32)``, ``ck.zeros(3, dtype=ck.long)`` then read as in PyTorch.
These are NumPy's own type objects, so ``np.float32`` works in the same places.

The default floating-point dtype is float64, not PyTorch's float32: grading
compares results to many digits.  ``set_default_dtype(ck.float32)`` switches
to PyTorch's choice for everything created afterwards.
"""

import builtins
import functools
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


# ---- PyTorch's type promotion -------------------------------------------------------------------
# NumPy and PyTorch agree on arrays of one priority, but PyTorch ranks its operands: tensors with
# dimensions first, then 0-d tensors, then Python numbers, and a lower-ranked operand changes the
# dtype only if it is of a higher category (bool < integer < floating point).  So float32 * int64
# is float32 in PyTorch (NumPy: float64) and float32 * (0-d float64) stays float32.

_BOOL, _INTEGER, _FLOATING = 0, 1, 2
_DIMS, _ZERO_DIM, _NUMBER = 0, 1, 2
_NUMBERS = (builtins.int, builtins.float)


def _category(dtype: np.dtype) -> int:
    return _BOOL if dtype.kind == "b" else _FLOATING if dtype.kind in "fc" else _INTEGER


def _promote_types(a: np.dtype | None, b: np.dtype | None) -> np.dtype | None:
    """``torch.promote_types``: as NumPy's, except that an integer meeting a float gives that float."""
    if a is None or b is None:
        return a if b is None else b
    ca, cb = _category(a), _category(b)
    if ca != cb and _BOOL not in (ca, cb) and _FLOATING in (ca, cb):
        return a if ca == _FLOATING else b
    return np.promote_types(a, b)


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """PyTorch's ``combine_categories``: a lower-priority dtype counts only if of a higher category."""
    if higher is None:
        return lower
    if lower is None or _category(higher) == _FLOATING:
        return higher
    if _category(higher) == _BOOL or _category(lower) == _FLOATING:
        return _promote_types(higher, lower)
    return higher


@functools.lru_cache(maxsize=512)
def _result_dtype(a: tuple[np.dtype, int], b: tuple[np.dtype, int]) -> np.dtype:
    groups: list[np.dtype | None] = [None, None, None]
    for dtype, rank in (a, b):
        groups[rank] = _promote_types(groups[rank], dtype)
    return _combine(groups[_DIMS], _combine(groups[_ZERO_DIM], groups[_NUMBER]))


def _operand(x: Any) -> tuple[np.dtype, int] | None:
    """An operand's dtype and rank for promotion; None for what NumPy should decide (lists, complex)."""
    if type(x) is np.ndarray:
        return x.dtype, (_DIMS if x.ndim else _ZERO_DIM)
    if isinstance(x, builtins.bool | np.bool_):
        return np.dtype(np.bool_), (_NUMBER if type(x) is builtins.bool else _ZERO_DIM)
    if isinstance(x, builtins.int):
        return np.dtype(np.int64), _NUMBER
    if isinstance(x, builtins.float):  # np.float64 too: it is a Python float
        return _default[0], _NUMBER
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return x.dtype, _ZERO_DIM
    return None


def result_type(a: Any, b: Any) -> np.dtype | None:
    """The dtype PyTorch gives ``a op b`` for arrays (``ndim`` as a tensor's) and Python numbers.

    None when one operand is neither (NumPy's rules then apply).  Python
    floats take the default dtype (float64 unless changed), as in PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> result_type(np.ones(2, np.float32), np.ones(2, np.int64))
    dtype('float32')
    >>> result_type(np.ones(2, np.int64), 2.5)
    dtype('float64')
    """
    ka, kb = _operand(a), _operand(b)
    if ka is None or kb is None:
        return None
    return _result_dtype(ka, kb)


def promote(a: Any, b: Any, true_division: builtins.bool = False) -> tuple[Any, Any]:
    """``a`` and ``b`` cast so that NumPy's ``a op b`` has PyTorch's result dtype.

    Arrays are cast to the result dtype; Python numbers stay (NumPy treats them
    as weak, as PyTorch does).  ``true_division``: an integer result becomes
    the default float dtype, as PyTorch's ``/``.
    """
    # A Python number never changes a float array's dtype: NumPy and PyTorch agree (x * 2.0).
    if type(a) is np.ndarray and type(b) in _NUMBERS and a.dtype.kind == "f":
        return a, b
    if type(b) is np.ndarray and type(a) in _NUMBERS and b.dtype.kind == "f":
        return a, b
    target = result_type(a, b)
    if target is None:
        return a, b
    if true_division and target.kind in "biu":
        target = _default[0]
    if type(a) is np.ndarray and a.dtype is not target:
        a = a.astype(target)
    elif isinstance(a, np.generic):
        a = a.astype(target)
    if type(b) is np.ndarray and b.dtype is not target:
        b = b.astype(target)
    elif isinstance(b, np.generic):
        b = b.astype(target)
    if type(a) is not np.ndarray and type(b) is not np.ndarray and target.kind == "f":
        a = np.asarray(a, dtype=target)  # two numbers: give NumPy one array in the result dtype
    return a, b
