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
        Unlike ``torch.Tensor(2, 3)``, further positional arguments are not a
        shape: use ``ck.zeros(2, 3)`` or ``ck.empty(2, 3)`` for that.
    requires_grad : bool, keyword-only
        Record operations on this tensor so that ``backward`` fills ``.grad``.
    dtype : numpy dtype, keyword-only, optional
        For example ``np.float32`` (or ``ck.float32``).

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    array([2., 4., 6.])
    """

    # _version: a one-element list [sequence number of the last in-place change],
    # shared with detach()ed tensors; the backward pass compares it with the
    # sequence number of each op that saved this tensor (see engine.py).
    __slots__ = ("data", "grad", "_requires_grad", "_ctx", "_retain", "_version", "_hooks", "__weakref__")
    __hash__ = object.__hash__  # == is elementwise, identity stays the hash

    def __init__(self, data: Any, *shape: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if shape:
            args = (data, *shape)
            hint = (f"for a tensor of shape {args} use ck.zeros{args} or ck.empty{args}"
                    if all(isinstance(a, int) and not isinstance(a, bool) for a in args)
                    else "pass requires_grad= and dtype= by name")
            raise TypeError(f"Tensor() takes the data only (like torch.tensor), got {len(args)} positional "
                            f"arguments; {hint}")
        if isinstance(data, Tensor):
            data = data.data
        self.data = np.array(data, dtype=dtype)
        self.grad: np.ndarray | None = None
        self._ctx = None
        self._retain = False
        self._version = [0]
        self._hooks = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, ctx: Any) -> Tensor:
        t = object.__new__(Tensor)
        t.data, t.grad, t._requires_grad, t._ctx, t._retain, t._version, t._hooks = (
            data, None, requires_grad, ctx, False, [0], None
        )
        return t

    # ---- autograd --------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded; setting it checks as ``requires_grad_``."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (floating-point tensors only)."""
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require gradients, this one is {self.data.dtype}; "
                "create it from floats or pass dtype=np.float64"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad can only be switched off on leaf tensors; use .detach()")
        self._requires_grad = bool(requires_grad)
        return self

    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Parameters
        ----------
        gradient : array_like or Tensor, optional
            The upstream gradient (same shape as ``self``; cast to its dtype).
            Needed unless ``self`` holds a single number.
        retain_graph : bool, optional
            Keep the graph so ``backward`` can run through it again (default:
            ``create_graph``).
        create_graph : bool
            Record the backward pass too, so the gradients can be
            differentiated again.  Then ``.grad`` holds a Tensor (the one case
            where it is not a NumPy array).
        inputs : Tensor or sequence of Tensors, optional
            Accumulate into these tensors' ``.grad`` only.

        Examples
        --------
        >>> import coursekit as ck
        >>> x = ck.tensor(2.0, requires_grad=True)
        >>> (x * x).backward()
        >>> x.grad
        array(4.)
        """
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this intermediate result too (useful to inspect a graph)."""
        if self.requires_grad:
            self._retain = True

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned value replaces it.

        ``grad`` is a NumPy array (a Tensor under ``create_graph=True``).  The
        returned handle's ``remove()`` takes the hook off again.

        Examples
        --------
        >>> import coursekit as ck
        >>> x = ck.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: 2 * g)
        >>> x.sum().backward()
        >>> x.grad
        array([2., 2.])
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (not the result of a recorded op)."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Any:
        """The :class:`~coursekit.autograd.function.Context` that made this tensor, or None."""
        return self._ctx

    def detach(self) -> Tensor:
        """A tensor sharing this data (and its in-place version counter), cut off from the graph."""
        t = Tensor._make(self.data, False, None)
        t._version = self._version
        return t

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
    def device(self) -> str:
        """Always ``'cpu'``: coursekit computes with NumPy."""
        return "cpu"

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape (``torch.Tensor.size``), or the length of axis ``dim``; ``numel()`` counts elements."""
        return self.data.shape if dim is None else self.data.shape[dim]

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

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # np.exp(t), ndarray * t ...: run coursekit's op so that gradients flow.
        return numpy_interop.array_ufunc(ufunc, method, inputs, kwargs)

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

    # ---- in-place changes: not recorded, but counted ------------------------
    # They change data without recording (optimizer steps, initialisation), so
    # each one stamps the version counter: a graph that saved the old values
    # then refuses to backpropagate instead of using the new ones.
    def _modify(self, change: Any) -> Tensor:
        if grad_mode._enabled and self._requires_grad:
            raise RuntimeError(
                "in-place operation on a tensor that requires grad would corrupt the graph; "
                "do it inside `with coursekit.no_grad():` (e.g. parameter updates) or write y = x + ..."
            )
        change(self.data)
        self._version[0] = function.last_change[0] = next(function._sequence)
        return self

    def _inplace(self, op: Any, other: Any) -> Tensor:
        return self._modify(lambda a: op(a, _data(other), out=a, casting="same_kind"))

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(np.true_divide, other)

    def __setitem__(self, index: Any, value: Any) -> None:
        if grad_mode._enabled and getattr(value, "requires_grad", False):
            raise RuntimeError("item assignment is not recorded for autograd; do it inside coursekit.no_grad()")
        index = ops.normalize_index(index)
        self._modify(lambda a: a.__setitem__(index, _data(value)))

    def zero_(self) -> Tensor:
        """Set every element to 0, in place."""
        return self._modify(lambda a: a.fill(0))

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value``, in place."""
        return self._modify(lambda a: a.fill(_data(value)))

    # ---- elementwise maths ------------------------------------------------
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

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is true, ``self`` elsewhere (no gradient where filled)."""
        return ops.where(mask, value, self)

    # ---- reductions (axis= or dim=, keepdims= or keepdim=) ---------------------
    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.Sum.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.Mean.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def prod(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
             keepdim: bool = False) -> Tensor:
        return ops.prod(self, _axis(axis, dim), keepdims or keepdim)

    def max(self, axis: Any = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Any:
        """The largest value; with an integer ``dim``, ``(values, indices)`` as ``torch.max``.

        ``x.max(other)`` is the elementwise maximum, ``x.amax(dim)`` the values alone.
        """
        return ops.max_or_min(self, _axis(axis, dim), keepdims or keepdim, ops.Max)

    def min(self, axis: Any = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Any:
        """The smallest value; with an integer ``dim``, ``(values, indices)`` as ``torch.min``."""
        return ops.max_or_min(self, _axis(axis, dim), keepdims or keepdim, ops.Min)

    def amax(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.Max.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def amin(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.Min.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool = False) -> Tensor:
        return ops.arg_reduce(np.argmax, self, _axis(axis, dim), keepdims or keepdim)

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool = False) -> Tensor:
        return ops.arg_reduce(np.argmin, self, _axis(axis, dim), keepdims or keepdim)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *, dim: Axis = None,
            keepdim: bool = False, correction: int | None = None, unbiased: bool | None = None) -> Tensor:
        """Variance, unbiased by default as in PyTorch (``correction=1``; NumPy's ``ddof=0`` on request)."""
        return ops.Var.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim,
                             ddof=ops.correction(ddof, correction, unbiased))

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *, dim: Axis = None,
            keepdim: bool = False, correction: int | None = None, unbiased: bool | None = None) -> Tensor:
        """Standard deviation, the square root of :meth:`var` (same defaults)."""
        return self.var(axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction,
                        unbiased=unbiased).sqrt()

    def norm(self, p: Any = "fro", dim: Axis = None, keepdim: bool = False) -> Tensor:
        """The ``p``-norm (2 by default; 1, inf or any p > 0) over ``dim`` (all elements by default)."""
        return ops.norm(self, p, dim, keepdim)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.LogSumExp.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.Softmax.apply(self, axis=_axis(axis if dim is None else None, dim))

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        return ops.LogSoftmax.apply(self, axis=_axis(axis if dim is None else None, dim))

    def all(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.all(self.data, axis=_axis(axis, dim), keepdims=keepdims or keepdim), False, None)

    def any(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.any(self.data, axis=_axis(axis, dim), keepdims=keepdims or keepdim), False, None)

    # ---- shape ----------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = tuple(shape[0])
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge axes ``start_dim..end_dim`` into one (all of them by default)."""
        return ops.flatten(self, start_dim, end_dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert an axis of length 1 at ``dim``."""
        return ops.unsqueeze(self, dim)

    def squeeze(self, dim: Axis = None) -> Tensor:
        """Drop axes of length 1 (only ``dim``, when given and of length 1)."""
        return ops.squeeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to ``sizes`` without copying; -1 keeps an axis's length."""
        return ops.expand(self, *sizes)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along axis ``i`` (``torch.Tensor.repeat``, ``np.tile``)."""
        return ops.repeat(self, *sizes)

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

    def t(self) -> Tensor:
        """Transpose a matrix (a vector or a number is returned as it is), as ``torch.Tensor.t``."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D; "
                               "use .mT or .transpose(-2, -1)")
        return self if self.ndim < 2 else self.swapaxes(0, 1)

    @property
    def T(self) -> Tensor:
        return ops.Transpose.apply(self, axes=None)

    @property
    def mT(self) -> Tensor:
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D "
                               "tensor.")
        return self.swapaxes(-1, -2)

    def gather(self, dim: int, index: Any) -> Tensor:
        """``out[i][j] = self[index[i][j]][j]`` for ``dim=0`` (and likewise for other axes), as ``torch.gather``."""
        return ops.gather(self, dim, index)

    def clone(self) -> Tensor:
        """A copy with its own memory that stays in the graph (the gradient passes through)."""
        return ops.Clone.apply(self)

    def matmul(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, other)

    # ---- dtype and device -------------------------------------------------
    def astype(self, dtype: Any) -> Tensor:
        """Cast to another dtype (the gradient is cast back; integer and bool results leave the graph)."""
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if not np.issubdtype(dtype, np.floating):
            return Tensor._make(self.data.astype(dtype), False, None)
        return ops.Cast.apply(self, dtype=dtype)

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False) -> Tensor:
        """``x.to('cpu')``, ``x.to(ck.float32)``, ``x.to(other)`` (its dtype), as ``torch.Tensor.to``."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) or a is None:
                device = a
            else:
                dtype = a
        _check_device(device)
        out = self if dtype is None else self.astype(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self) -> Tensor:
        return self

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def int(self) -> Tensor:
        return self.astype(np.int32)

    def bool(self) -> Tensor:
        return self.astype(np.bool_)


class _HookHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook off."""

    def __init__(self, hooks: list, hook: Any) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _check_device(device: Any) -> None:
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(
            f"coursekit computes with NumPy on the CPU only, so device {device!r} is not available; "
            "use 'cpu' (or drop the .to(device) call)"
        )


def _data(x: Any) -> Any:
    """The array inside a Tensor, or ``x`` itself."""
    return x.data if isinstance(x, Tensor) else x


from . import engine, numpy_interop, ops  # noqa: E402  (they build Tensors, so they load after the class)
from . import function  # noqa: E402
