"""The Tensor: a NumPy array that remembers how it was computed.

``Tensor`` follows PyTorch's public names (``backward``, ``grad``,
``requires_grad``, ``detach``, ``item`` ...) so what students learn here carries
over.  Arithmetic happens in the op modules; this file only holds the data and
routes operators and methods to them.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import grad_mode

Axis = int | Sequence[int] | None


def _axis(axis: Axis, dim: Axis) -> Axis:
    """Accept NumPy's ``axis`` and PyTorch's ``dim`` for the same thing."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis or dim, not both")
        return dim
    return axis


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    Parameters
    ----------
    data : array_like
        Numbers to hold.  Copied.  Python floats give float64 (the default
        here, not PyTorch's float32: grading compares to many digits).
    requires_grad : bool
        Record operations on this tensor so that ``backward`` fills ``.grad``.
    dtype : numpy dtype, optional
        For example ``np.float32``.

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.])
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retain", "__weakref__")
    __array_ufunc__ = None  # make NumPy defer: ndarray * Tensor calls Tensor.__rmul__
    __hash__ = object.__hash__  # == is elementwise, identity stays the hash

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = np.array(data, dtype=dtype)
        self.grad: np.ndarray | None = None
        self._ctx = None
        self._retain = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, ctx: Any) -> Tensor:
        t = object.__new__(Tensor)
        t.data, t.grad, t.requires_grad, t._ctx, t._retain = data, None, requires_grad, ctx, False
        return t

    # ---- autograd --------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (floating-point tensors only)."""
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require gradients, this one is {self.data.dtype}; "
                "create it from floats or pass dtype=np.float64"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad can only be switched off on leaf tensors; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Parameters
        ----------
        gradient : array_like, optional
            The upstream gradient (same shape as ``self``).  Needed unless
            ``self`` holds a single number.
        retain_graph : bool
            Keep the graph so ``backward`` can run through it again.

        Examples
        --------
        >>> import coursekit as ck
        >>> x = ck.tensor(2.0, requires_grad=True)
        >>> (x * x).backward()
        >>> x.grad
        array(4.)
        """
        engine.backward(self, gradient, retain_graph)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this intermediate result too (useful to inspect a graph)."""
        if self.requires_grad:
            self._retain = True

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (not the result of a recorded op)."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Any:
        """The :class:`~coursekit.autograd.function.Context` that made this tensor, or None."""
        return self._ctx

    def detach(self) -> Tensor:
        """A tensor sharing this data, cut off from the graph."""
        return Tensor._make(self.data, False, None)

    # ---- NumPy views ------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        """The single number this tensor holds, as a Python scalar."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), as ``torch.Tensor.numpy``."""
        if self.requires_grad:
            raise RuntimeError("numpy() on a tensor that requires grad: use tensor.detach().numpy() (or .data)")
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != np.float64 and self.data.dtype != np.int64:
            extra += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn={self._ctx!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ---- operators (the maths lives in the op modules) ---------------------
    def __add__(self, other: Any) -> Tensor:
        return ops.Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(other, self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ops.Abs.apply(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    # Comparisons give plain boolean arrays: they have no gradient.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _data(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _data(other)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data == _data(other)

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return self.data != _data(other)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    # In-place updates change data without recording (optimizer steps, initialisation).
    def _inplace(self, op: Any, other: Any) -> Tensor:
        if grad_mode._enabled and self.requires_grad:
            raise RuntimeError(
                "in-place operation on a tensor that requires grad would corrupt the graph; "
                "do it inside `with coursekit.no_grad():` (e.g. parameter updates) or write y = x + ..."
            )
        op(self.data, _data(other), out=self.data, casting="same_kind")
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(np.true_divide, other)

    def __setitem__(self, index: Any, value: Any) -> None:
        if grad_mode._enabled and (self.requires_grad or getattr(value, "requires_grad", False)):
            raise RuntimeError("item assignment is not recorded for autograd; do it inside coursekit.no_grad()")
        self.data[ops.normalize_index(index)] = _data(value)

    # ---- methods mirroring NumPy and PyTorch ------------------------------
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(self)

    def sin(self) -> Tensor:
        return ops.Sin.apply(self)

    def cos(self) -> Tensor:
        return ops.Cos.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return ops.ReLU.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return ops.LeakyReLU.apply(self, slope=negative_slope)

    def softplus(self) -> Tensor:
        return ops.Softplus.apply(self)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (NumPy/PyTorch names)
        return ops.Clip.apply(self, lo=min, hi=max)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return ops.Maximum.apply(self, other)

    def minimum(self, other: Any) -> Tensor:
        return ops.Minimum.apply(self, other)

    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.Sum.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.Mean.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def max(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.Max.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def min(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.Min.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def var(
        self, axis: Axis = None, keepdims: bool = False, ddof: int = 0, *, dim: Axis = None, keepdim: bool = False
    ) -> Tensor:
        """Variance with NumPy's default ``ddof=0`` (PyTorch's default is ``correction=1``)."""
        return ops.Var.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim, ddof=ddof)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.LogSumExp.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.Softmax.apply(self, axis=_axis(axis if dim is None else None, dim))

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.LogSoftmax.apply(self, axis=_axis(axis if dim is None else None, dim))

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute axes.

        ``t.transpose()`` reverses them and ``t.transpose((2, 0, 1))`` permutes
        them, as in NumPy; two separate integers ``t.transpose(0, 1)`` swap
        those two axes, as in PyTorch.
        """
        if len(axes) == 2 and all(isinstance(a, int) for a in axes):
            return self.swapaxes(*axes)
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0]) if axes[0] is not None else ()
        return ops.Transpose.apply(self, axes=tuple(axes) or None)

    def permute(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        return ops.Transpose.apply(self, axes=tuple(axes))

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return ops.Transpose.apply(self, axes=tuple(axes))

    @property
    def T(self) -> Tensor:
        return ops.Transpose.apply(self, axes=None)

    @property
    def mT(self) -> Tensor:
        return self.swapaxes(-1, -2)

    def matmul(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, other)

    def astype(self, dtype: Any) -> Tensor:
        """Cast to another dtype (the gradient is cast back)."""
        if np.dtype(dtype) == self.dtype:
            return self
        return ops.Cast.apply(self, dtype=np.dtype(dtype))

    to = astype

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)


def _data(x: Any) -> Any:
    """The array inside a Tensor, or ``x`` itself."""
    return x.data if isinstance(x, Tensor) else x


from . import engine, ops  # noqa: E402  (both build Tensors, so they load after the class)
