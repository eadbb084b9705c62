"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``eye``, ``randn`` ... and the shared random generator.

Floating-point results get the default dtype (float64 unless
``ck.set_default_dtype`` changed it); ``device=`` accepts the CPU only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import devices as device_module
from . import dtypes
from .tensor import Tensor

_rng = np.random.default_rng(0)


def manual_seed(seed: int) -> None:
    """Seed the generator behind ``randn``, ``rand`` and layer initialisation (``torch.manual_seed``)."""
    global _rng
    _rng = np.random.default_rng(seed)


seed = manual_seed


def default_rng() -> np.random.Generator:
    """The generator ``manual_seed`` controls."""
    return _rng


def _new(array: np.ndarray, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A Tensor holding ``array`` itself (no copy, no conversion)."""
    device_module.check(device)
    t = Tensor._make(array, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float(dtype: Any) -> np.dtype:
    """``dtype``, or the default floating-point dtype when None."""
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Build a Tensor from numbers, lists or arrays (copied), as ``torch.tensor``.

    The dtype follows the data: integers stay int64, booleans bool, Python
    floats get the default dtype (float64 here), and an array keeps its own.

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.tensor([[1.0, 2.0]], requires_grad=True).shape
    (1, 2)
    >>> ck.tensor([1, 2]).dtype
    dtype('int64')
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    source = data._data if isinstance(data, Tensor) else data
    array = np.array(source, dtype=dtype)
    if dtype is None:
        if array.dtype == np.float64 and not isinstance(source, np.ndarray | np.generic):
            array = array.astype(dtypes.get_default_dtype(), copy=False)  # Python floats: the default dtype
        elif array.dtype.kind in "iu" and array.dtype != np.int64 and not isinstance(source, np.ndarray | np.generic):
            array = array.astype(np.int64)  # Python ints are int64 everywhere, as in PyTorch
    return _new(array, requires_grad, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor sharing ``array``'s memory (no copy)."""
    return Tensor._make(np.asarray(array), False, None)


def _shape(shape: tuple) -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike."""
    return tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int | np.integer) else tuple(shape)


def _size(shape: tuple, size: Any) -> tuple[int, ...]:
    """The shape from ``*shape`` or ``size=`` (``randn(2, 3)``, ``randn((2, 3))``, ``randn(size=())``)."""
    if size is not None:
        if shape:
            raise TypeError("give the shape either as arguments or as size=, not both")
        return _shape((size,))
    return _shape(shape)


def zeros(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_size(shape, size), dtype=_float(dtype)), requires_grad, device)


def ones(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_size(shape, size), dtype=_float(dtype)), requires_grad, device)


def empty(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` to be filled in (zeros here: NumPy's garbage would make runs differ)."""
    return zeros(*shape, size=size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere; the dtype follows the value (the default dtype for a float), as ``torch.full``."""
    if dtype is None and isinstance(fill_value, float):
        dtype = dtypes.get_default_dtype()
    return _new(np.full(_shape((size,)), fill_value, dtype=dtype), requires_grad, device)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n`` x ``m``, square by default)."""
    return _new(np.eye(n, m, dtype=_float(dtype)), requires_grad, device)


def _like(t: Any, dtype: Any) -> tuple[tuple[int, ...], Any]:
    data = t._data if isinstance(t, Tensor) else np.asarray(t)
    return data.shape, data.dtype if dtype is None else dtypes.as_dtype(dtype)


def zeros_like(t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return _new(np.zeros(shape, dtype=dtype), requires_grad, device)


def ones_like(t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return _new(np.ones(shape, dtype=dtype), requires_grad, device)


def empty_like(t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros_like(t, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(t: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return _new(np.full(shape, fill_value, dtype=dtype), requires_grad, device)


def randn(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: Any = None) -> Tensor:
    """Standard normal samples from the generator ``manual_seed`` controls (``randn(2, 3)``, ``randn(size=())``)."""
    rng = _rng if generator is None else generator
    return _new(rng.standard_normal(_size(shape, size)).astype(_float(dtype)), requires_grad, device)


def rand(*shape: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: Any = None) -> Tensor:
    """Uniform samples in [0, 1) from the generator ``manual_seed`` controls."""
    rng = _rng if generator is None else generator
    return _new(rng.random(_size(shape, size)).astype(_float(dtype)), requires_grad, device)


def randn_like(t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64, device: Any = None,
            generator: Any = None) -> Tensor:
    """Integers in [low, high) (``randint(high, size)`` starts at 0), as ``torch.randint``.

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.randint(0, 3, (5,)).shape
    (5,)
    """
    if size is None:
        if high is None or isinstance(high, int):
            raise TypeError("randint needs a size, e.g. ck.randint(0, 10, (3,)) or ck.randint(10, (3,))")
        low, high, size = 0, low, high
    rng = _rng if generator is None else generator
    return _new(rng.integers(low, high, size=_shape((size,))).astype(dtype), False, device)


def randperm(n: int, dtype: Any = np.int64, device: Any = None, generator: Any = None) -> Tensor:
    """A random permutation of 0 .. n-1 (``torch.randperm``)."""
    rng = _rng if generator is None else generator
    return _new(rng.permutation(n).astype(dtype), False, device)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, dtype: Any = None, device: Any = None,
           requires_grad: bool = False, generator: Any = None) -> Tensor:
    """Normal samples with ``mean`` and ``std`` (numbers or tensors, elementwise), as ``torch.normal``.

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.normal(2.0, 3.0, size=(4, 5)).shape
    (4, 5)
    >>> ck.normal(ck.zeros(3), ck.ones(3)).shape
    (3,)
    """
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if size is None:
        if np.ndim(m) == 0 and np.ndim(s) == 0:
            raise TypeError("normal(mean, std) with two numbers needs size=, e.g. ck.normal(0.0, 1.0, size=(3,))")
        size = np.broadcast_shapes(np.shape(m), np.shape(s))
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, got {s}")
    rng = _rng if generator is None else generator
    if dtype is None:
        dtype = next((x.dtype for x in (mean, std) if isinstance(x, Tensor) and x.is_floating_point()), None)
    return _new(rng.normal(m, s, size=_shape((size,))).astype(_float(dtype)), requires_grad, device)


def arange(*args: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``arange(end)``, ``arange(start, end, step)``: int64 for integer arguments, else the default dtype."""
    if dtype is None:
        dtype = np.int64 if all(isinstance(a, int | np.integer) for a in args) else dtypes.get_default_dtype()
    return _new(np.arange(*args, dtype=dtype), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced numbers from ``start`` to ``end``, both included."""
    return _new(np.linspace(start, end, steps, dtype=_float(dtype)), requires_grad, device)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a Tensor: a Tensor of that dtype is returned as it is, an array's memory is shared."""
    device_module.check(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        return Tensor._make(np.asarray(data, dtype=dtype), False, None)
    return tensor(data, dtype=dtype)


def _legacy(dtype: Any, name: str) -> Any:
    def make(*args: Any) -> Tensor:
        return Tensor(*args, dtype=dtype)
    make.__name__ = make.__qualname__ = name
    make.__doc__ = (f"``torch.{name}``: ``{name}(data)`` or ``{name}(*sizes)`` (zero-filled), of dtype "
                    f"{np.dtype(dtype)}.")
    return make


FloatTensor = _legacy(np.float32, "FloatTensor")
DoubleTensor = _legacy(np.float64, "DoubleTensor")
LongTensor = _legacy(np.int64, "LongTensor")
IntTensor = _legacy(np.int32, "IntTensor")
BoolTensor = _legacy(np.bool_, "BoolTensor")


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802
    """``torch.autograd.Variable``, from old tutorials: the tensor itself (``requires_grad`` set when asked)."""
    t = data if isinstance(data, Tensor) else tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t
