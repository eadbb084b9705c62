"""The Tensor: a NumPy array that remembers how it was computed.

``Tensor`` follows PyTorch's public names (``backward``, ``grad``,
``requires_grad``, ``detach``, ``item`` ...) so what students learn here carries
over.  Arithmetic happens in the op modules; this file only holds the data and
routes operators and methods to them.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import dtypes, grad_mode

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

    ``Tensor(data)`` is ``torch.Tensor``: always floating point (the default
    dtype, float64 here), and integer arguments are a shape.  ``ck.tensor``
    infers the dtype from the data (integers stay int64), as ``torch.tensor``.

    Parameters
    ----------
    *args : array_like, or ints
        Numbers to hold (copied and converted to the default floating-point
        dtype, see :func:`coursekit.set_default_dtype`), or a shape:
        ``Tensor(3)`` and ``Tensor(2, 3)`` are zero-filled tensors of that
        shape (PyTorch leaves them uninitialised).
    requires_grad : bool, keyword-only
        Record operations on this tensor so that ``backward`` fills ``.grad``.
    dtype : numpy dtype, keyword-only, optional
        For example ``np.float32`` (or ``ck.float32``), instead of the default.
    device : str or device, keyword-only, optional
        Only the CPU (``"cpu"``) exists here.

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.Tensor([1, 2, 3], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    >>> ck.Tensor(2, 3).shape
    (2, 3)
    """

    # _data: the NumPy array (internal code reads it directly; ``.data`` wraps it).
    # _version: a one-element list [sequence number of the last in-place change],
    # shared with detach()ed tensors; the backward pass compares it with the
    # sequence number of each op that saved this tensor (see engine.py).
    __slots__ = ("_data", "_grad", "_requires_grad", "_ctx", "_retain", "_version", "_hooks", "__weakref__")
    __hash__ = object.__hash__  # == is elementwise, identity stays the hash

    def __init__(self, *args: Any, requires_grad: bool = False, dtype: Any = None, device: Any = None) -> None:
        _check_device(device)
        dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
        if all(_is_int(a) for a in args):  # Tensor(), Tensor(3), Tensor(2, 3): a shape
            array = np.zeros(tuple(int(a) for a in args) if args else (0,), dtype=dtype)
        elif len(args) == 1:
            data = args[0]
            array = np.array(data._data if isinstance(data, Tensor) else data, dtype=dtype)
        else:
            raise TypeError(f"Tensor() takes data or integer sizes, got {args!r}; pass requires_grad= and dtype= "
                            "by name")
        self._init(array, requires_grad)

    def _init(self, array: np.ndarray, requires_grad: bool) -> None:
        self._data = array
        self._grad = None
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
        t._data, t._grad, t._requires_grad, t._ctx, t._retain, t._version, t._hooks = (
            data, None, requires_grad, ctx, False, [0], None
        )
        return t

    # ---- .data and .grad: Tensors, as in PyTorch -------------------------------
    @property
    def data(self) -> Tensor:
        """The values as a Tensor that shares this one's memory, cut off from the graph.

        Changes through it are neither recorded nor counted (as ``.data`` in
        PyTorch): ``p.data -= lr * p.grad`` updates ``p`` in place.  Assigning
        ``t.data = other`` replaces the values (and the shape) outright.
        """
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward`` (a Tensor), or None before the first one."""
        g = self._grad
        if type(g) is np.ndarray:  # backward stores a plain array; it becomes a Tensor when first asked for
            g = self._grad = Tensor._make(g, False, None)
        return g

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            if isinstance(value, np.ndarray | np.generic):  # coursekit leniency: wrap an array (shared)
                value = Tensor._make(np.asarray(value), False, None)
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                                   f"size '{list(self._data.shape)}'. Please ensure that the gradient and the tensor "
                                   "are the same size")
            if value.dtype != self._data.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype {value.dtype} to a tensor with "
                                   f"dtype {self._data.dtype}; convert it with .to({self._data.dtype})")
        self._grad = value

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
        if requires_grad and not np.issubdtype(self._data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require gradients, this one is {self._data.dtype}; "
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
            differentiated again (``.grad`` then has a graph of its own).
        inputs : Tensor or sequence of Tensors, optional
            Accumulate into these tensors' ``.grad`` only.

        Examples
        --------
        >>> import coursekit as ck
        >>> x = ck.tensor(2.0, requires_grad=True)
        >>> (x * x).backward()
        >>> x.grad
        tensor(4.)
        """
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this intermediate result too (useful to inspect a graph)."""
        if self.requires_grad:
            self._retain = True

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned value replaces it.

        ``grad`` is a Tensor.  The returned handle's ``remove()`` takes the hook
        off again.

        Examples
        --------
        >>> import coursekit as ck
        >>> x = ck.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: 2 * g)
        >>> x.sum().backward()
        >>> x.grad
        tensor([2., 2.])
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
        t = Tensor._make(self._data, False, None)
        t._version = self._version
        return t

    # ---- NumPy views ------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def device(self) -> Any:
        """Always ``device(type='cpu')``: coursekit computes with NumPy."""
        return device_module.CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:  # noqa: D102
        """The shape (``torch.Tensor.size``), or the length of axis ``dim``; ``numel()`` counts elements."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        return self._data.size

    def dim(self) -> int:
        return self._data.ndim

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Any:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    def item(self) -> float:
        """The single number this tensor holds, as a Python scalar."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self._data.item()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared, not copied), as ``torch.Tensor.numpy``."""
        if self._requires_grad and not force:
            raise RuntimeError("numpy() on a tensor that requires grad: use tensor.detach().numpy()")
        return self._data

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self._data, dtype=dtype)

    def __format__(self, spec: str) -> str:
        if spec and self._data.ndim == 0:  # f"{loss:.4f}", as PyTorch
            return format(self._data.item(), spec)
        return format(repr(self), spec)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # np.exp(t), ndarray * t ...: run coursekit's op so that gradients flow.
        return numpy_interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (np.float64, np.int64, np.bool_):  # the types PyTorch prints bare (float64 here)
            extra += f", dtype={self._data.dtype}"
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

    # Comparisons give boolean Tensors (no gradient), as in PyTorch.
    def __lt__(self, other: Any) -> Tensor:
        return _wrap(self._data < _data(other))

    def __le__(self, other: Any) -> Tensor:
        return _wrap(self._data <= _data(other))

    def __gt__(self, other: Any) -> Tensor:
        return _wrap(self._data > _data(other))

    def __ge__(self, other: Any) -> Tensor:
        return _wrap(self._data >= _data(other))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _wrap(self._data == _data(other))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _wrap(self._data != _data(other))

    def eq(self, other: Any) -> Tensor:
        return self == other

    def ne(self, other: Any) -> Tensor:
        return self != other

    def lt(self, other: Any) -> Tensor:
        return self < other

    def le(self, other: Any) -> Tensor:
        return self <= other

    def gt(self, other: Any) -> Tensor:
        return self > other

    def ge(self, other: Any) -> Tensor:
        return self >= other

    def __and__(self, other: Any) -> Tensor:
        return _wrap(self._data & _data(other))

    def __or__(self, other: Any) -> Tensor:
        return _wrap(self._data | _data(other))

    def __xor__(self, other: Any) -> Tensor:
        return _wrap(self._data ^ _data(other))

    def __invert__(self) -> Tensor:
        return _wrap(~self._data)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        return int(self._data)

    def __index__(self) -> int:
        if not np.issubdtype(self._data.dtype, np.integer) or self._data.ndim:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data)

    # ---- in-place changes ------------------------------------------------------
    # Outside the graph (no_grad, or nothing involved requires grad) an in-place
    # change writes the array and stamps the version counter, so a graph that
    # saved the old values refuses to backpropagate instead of using the new
    # ones.  Inside it, as in PyTorch: a leaf that requires grad refuses; any
    # other tensor is rewired to a recorded op computing its new value.
    def _modify(self, change: Any) -> Tensor:
        change(self._data)
        self._version[0] = function.last_change[0] = next(function._sequence)
        return self

    def _in_graph(self, other: Any = None) -> bool:
        """Whether an in-place change with ``other`` must be recorded (grad mode on, a tensor requires grad)."""
        return grad_mode._enabled and (self._requires_grad or (isinstance(other, Tensor) and other._requires_grad))

    def _record_inplace(self, compute: Any) -> Tensor:
        """Replace this tensor's values by ``compute(old)``, recorded: ``old`` is a copy holding the previous node."""
        if self._requires_grad and self._ctx is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. (coursekit: "
                "update parameters inside `with ck.no_grad():`, or through p.data, or write y = x + ... instead)"
            )
        if self._data.base is not None:
            # A view (x[0], x.T, x.view(...)) shares memory with another tensor, whose graph would not see
            # the change (PyTorch tracks views; coursekit does not): refuse rather than corrupt it silently.
            raise RuntimeError(
                "in-place operation on a view of another tensor (a slice, .T, .view ...) inside the graph: "
                "coursekit does not track views, so the other tensor's gradient would be wrong. Change a copy "
                "(v = v.clone(); v += ...) or write v = v + ... instead"
            )
        stamp = next(function._sequence)
        self._version[0] = function.last_change[0] = stamp  # ops that saved the old values refuse to run
        old = Tensor._make(self._data.copy(), self._requires_grad, self._ctx)
        old._version = [stamp]  # (its own maker saved the storage that changes; the copy does not change)
        # Ops recorded before now that read this tensor must backpropagate into `old`, not into the new op.
        function.record_rewiring(self, stamp, old)
        new = compute(old)
        np.copyto(self._data, _data(new), casting="same_kind")
        if isinstance(new, Tensor) and new._ctx is not None:
            self._ctx, self._requires_grad = new._ctx, True
        return self

    def _inplace(self, op: Any, np_op: Any, other: Any) -> Tensor:
        if self._in_graph(other):
            return self._record_inplace(lambda old: op(old, other))
        return self._modify(lambda a: np_op(a, _data(other), out=a, casting="same_kind"))

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(ops.Add.apply, np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(ops.Sub.apply, np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(ops.Mul.apply, np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(ops.Div.apply, np.true_divide, other)

    def __ipow__(self, other: Any) -> Tensor:
        return self._inplace(ops.Pow.apply, np.power, other)

    def _overwrite(self, index: Any, value: Any) -> Tensor:
        """``self[index] = value``; recorded (no gradient to the overwritten entries) when in the graph."""
        if isinstance(value, Tensor) and value._requires_grad and grad_mode._enabled:
            raise RuntimeError("assigning a tensor that requires grad into another one is not recorded by "
                               "coursekit; build the result with ck.where(mask, value, x) or ck.cat instead")
        if self._in_graph():
            def compute(old: Tensor) -> Tensor:
                mask = np.zeros(old.shape, dtype=bool)
                mask[index] = True
                filled = old._data.copy()
                filled[index] = _data(value)
                return ops.where(mask, filled, old)
            return self._record_inplace(compute)
        return self._modify(lambda a: a.__setitem__(index, _data(value)))

    def __setitem__(self, index: Any, value: Any) -> None:
        self._overwrite(ops.normalize_index(index), value)

    def zero_(self) -> Tensor:
        """Set every element to 0, in place."""
        return self._overwrite(Ellipsis, 0)

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value``, in place."""
        return self._overwrite(Ellipsis, value)

    def copy_(self, src: Any) -> Tensor:
        """Copy the values of ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
        if self._in_graph(src):
            return self._record_inplace(lambda old: ops.where(np.zeros(old.shape, dtype=bool), old, src))
        return self._modify(lambda a: np.copyto(a, _data(src), casting="unsafe"))

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self += alpha * other``, in place."""
        return self.__iadd__(other if alpha == 1 else other * alpha)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self -= alpha * other``, in place."""
        return self.__isub__(other if alpha == 1 else other * alpha)

    def mul_(self, other: Any) -> Tensor:
        return self.__imul__(other)

    def div_(self, other: Any) -> Tensor:
        return self.__itruediv__(other)

    def pow_(self, exponent: Any) -> Tensor:
        return self.__ipow__(exponent)

    def neg_(self) -> Tensor:
        return self.__imul__(-1)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Limit the values to [min, max], in place."""
        if self._in_graph():
            return self._record_inplace(lambda old: ops.Clip.apply(old, lo=min, hi=max))
        return self._modify(lambda a: np.clip(a, min, max, out=a))

    clip_ = clamp_

    def exp_(self) -> Tensor:
        if self._in_graph():
            return self._record_inplace(ops.exp)
        return self._modify(lambda a: np.exp(a, out=a))

    def sqrt_(self) -> Tensor:
        if self._in_graph():
            return self._record_inplace(ops.sqrt)
        return self._modify(lambda a: np.sqrt(a, out=a))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with samples from U(a, b) (from the generator ``ck.manual_seed`` controls), in place."""
        return self._overwrite(Ellipsis, creation.default_rng().uniform(a, b, self.shape))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with samples from N(mean, std^2), in place."""
        return self._overwrite(Ellipsis, creation.default_rng().normal(mean, std, self.shape))

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

    def clip(self, min: Any = None, max: Any = None, out: None = None) -> Tensor:  # noqa: A002 (NumPy/PyTorch names)
        _no_out(out)
        return ops.Clip.apply(self, lo=min, hi=max)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return ops.Maximum.apply(self, other)

    def minimum(self, other: Any) -> Tensor:
        return ops.Minimum.apply(self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where ``mask`` is true, ``self`` elsewhere (no gradient where filled)."""
        return ops.where(mask, value, self)

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent`` (``torch.Tensor.pow``)."""
        return ops.Pow.apply(self, exponent)

    def square(self) -> Tensor:
        """``self * self``."""
        return ops.Mul.apply(self, self)

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``."""
        return ops.Add.apply(self, other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``."""
        return ops.Sub.apply(self, other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, other)

    def div(self, other: Any) -> Tensor:
        return ops.Div.apply(self, other)

    def neg(self) -> Tensor:
        return ops.Neg.apply(self)

    def mm(self, other: Any) -> Tensor:
        """Matrix product of two 2-D tensors (``torch.mm``; ``@`` broadcasts, this does not)."""
        if self.ndim != 2 or np.ndim(_data(other)) != 2:
            raise RuntimeError(f"mm: both arguments must be matrices (2-D), got {self.ndim}-D and "
                               f"{np.ndim(_data(other))}-D; use @ or ck.matmul for other shapes")
        return ops.MatMul.apply(self, other)

    def dot(self, other: Any) -> Tensor:
        """The dot product of two 1-D tensors of the same length (``torch.dot``)."""
        if self.ndim != 1 or np.ndim(_data(other)) != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {np.ndim(_data(other))}D tensors")
        if self.shape != np.shape(_data(other)):
            raise RuntimeError(f"inconsistent tensor size: {self.shape} and {np.shape(_data(other))}")
        return ops.MatMul.apply(self, other)

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Running sums along ``dim`` (``torch.cumsum``)."""
        out = ops.CumSum.apply(self, axis=dim)
        return out if dtype is None else out.to(dtype)

    def round(self, decimals: int = 0, out: None = None) -> Tensor:
        """Round to ``decimals`` places (no gradient: it is zero almost everywhere)."""
        _no_out(out)
        return _wrap(np.round(self._data, decimals))

    def sign(self) -> Tensor:
        return _wrap(np.sign(self._data))

    def ravel(self) -> Tensor:
        return self.reshape(-1)

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    reshape_as = view_as

    # ---- reductions (axis= or dim=, keepdims= or keepdim=) ---------------------
    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False,
            dtype: Any = None, out: None = None) -> Tensor:
        _no_out(out)
        x = self if dtype is None else self.astype(dtype)
        return ops.Sum.apply(x, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False,
            dtype: Any = None, out: None = None) -> Tensor:
        _no_out(out)
        x = self if dtype is None else self.astype(dtype)
        return ops.Mean.apply(x, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def prod(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
             keepdim: bool = False, out: None = None) -> Tensor:
        _no_out(out)
        return ops.prod(self, _axis(axis, dim), keepdims or keepdim)

    def max(self, axis: Any = None, keepdims: bool = False,
            *, dim: Axis = None, keepdim: bool = False, out: None = None) -> Any:
        """The largest value; with an integer ``dim``, ``(values, indices)`` as ``torch.max``.

        ``x.max(other)`` is the elementwise maximum, ``x.amax(dim)`` the values alone.
        """
        _no_out(out)
        return ops.max_or_min(self, _axis(axis, dim), keepdims or keepdim, ops.Max)

    def min(self, axis: Any = None, keepdims: bool = False,
            *, dim: Axis = None, keepdim: bool = False, out: None = None) -> Any:
        """The smallest value; with an integer ``dim``, ``(values, indices)`` as ``torch.min``."""
        _no_out(out)
        return ops.max_or_min(self, _axis(axis, dim), keepdims or keepdim, ops.Min)

    def amax(self, axis: Axis = None, keepdims: bool = False,
            *, dim: Axis = None, keepdim: bool = False, out: None = None) -> Tensor:
        _no_out(out)
        return ops.Max.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def amin(self, axis: Axis = None, keepdims: bool = False,
            *, dim: Axis = None, keepdim: bool = False, out: None = None) -> Tensor:
        _no_out(out)
        return ops.Min.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool = False, out: None = None) -> Tensor:
        _no_out(out)
        return ops.arg_reduce(np.argmax, self, _axis(axis, dim), keepdims or keepdim)

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool = False, out: None = None) -> Tensor:
        _no_out(out)
        return ops.arg_reduce(np.argmin, self, _axis(axis, dim), keepdims or keepdim)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *, dim: Axis = None,
            keepdim: bool = False,
            correction: int | None = None, unbiased: bool | None = None, out: None = None) -> Tensor:
        """Variance, unbiased by default as in PyTorch (``correction=1``; NumPy's ``ddof=0`` on request)."""
        _no_out(out)
        return ops.Var.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim,
                             ddof=ops.correction(ddof, correction, unbiased))

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *, dim: Axis = None,
            keepdim: bool = False,
            correction: int | None = None, unbiased: bool | None = None, out: None = None) -> Tensor:
        """Standard deviation, the square root of :meth:`var` (same defaults)."""
        _no_out(out)
        return self.var(axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction,
                        unbiased=unbiased).sqrt()

    def norm(self, p: Any = "fro", dim: Axis = None, keepdim: bool = False) -> Tensor:
        """The ``p``-norm (2 by default; 1, inf or any p > 0) over ``dim`` (all elements by default)."""
        return ops.norm(self, p, dim, keepdim)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Tensor:
        return ops.LogSumExp.apply(self, axis=_axis(axis, dim), keepdims=keepdims or keepdim)

    def softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Softmax along ``dim`` (required, as in PyTorch: ``x.softmax()`` is a TypeError)."""
        return ops.softmax(self, axis, dim=dim)

    def log_softmax(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Log-softmax along ``dim`` (required, as in PyTorch)."""
        return ops.log_softmax(self, axis, dim=dim)

    def all(self, axis: Axis = None, keepdims: bool = False,
            *, dim: Axis = None, keepdim: bool = False, out: None = None) -> Tensor:
        _no_out(out)
        return _wrap(np.all(self._data, axis=_axis(axis, dim), keepdims=keepdims or keepdim))

    def any(self, axis: Axis = None, keepdims: bool = False,
            *, dim: Axis = None, keepdim: bool = False, out: None = None) -> Tensor:
        _no_out(out)
        return _wrap(np.any(self._data, axis=_axis(axis, dim), keepdims=keepdims or keepdim))

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
        dtype = dtypes.as_dtype(dtype)
        if dtype == self.dtype:
            return self
        if not np.issubdtype(dtype, np.floating):
            return Tensor._make(self._data.astype(dtype), False, None)
        return ops.Cast.apply(self, dtype=dtype)

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False) -> Tensor:
        """``x.to('cpu')``, ``x.to(device)``, ``x.to(ck.float32)``, ``x.to(other)`` (its dtype), as ``torch.Tensor.to``."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif a is None or isinstance(a, str | device_module.device):
                device = a
            else:
                dtype = a
        _check_device(device)
        out = self if dtype is None else self.astype(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        """Always an error: coursekit has no GPU (the message says what to write instead)."""
        _check_device("cuda")
        return self

    def type(self, dtype: Any = None) -> Any:
        """With no argument the type name (``'torch.DoubleTensor'``); else a cast, as ``x.to(dtype)``."""
        if dtype is None:
            return "torch." + dtypes.TYPE_NAMES.get(self.dtype, str(self.dtype))
        return self.astype(dtype)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def half(self) -> Tensor:
        return self.astype(np.float16)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def int(self) -> Tensor:
        return self.astype(np.int32)

    def bool(self) -> Tensor:
        return self.astype(np.bool_)

    def is_floating_point(self) -> bool:
        return bool(np.issubdtype(self._data.dtype, np.floating))

    def element_size(self) -> int:
        return self._data.itemsize


class _HookHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook off."""

    def __init__(self, hooks: list, hook: Any) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _check_device(device: Any) -> None:
    device_module.check(device)


def _no_out(out: Any) -> None:
    """NumPy's functions (``np.sum(t)``) pass ``out=None`` to the method; a real ``out`` is not supported."""
    if out is not None:
        raise TypeError("out= is not supported by coursekit; assign the result instead")


def _wrap(value: Any) -> Tensor:
    """A result without gradient (a comparison, a rounding ...) as a Tensor."""
    return Tensor._make(value if type(value) is np.ndarray else np.asarray(value), False, None)


def _data(x: Any) -> Any:
    """The array inside a Tensor, or ``x`` itself."""
    return x._data if isinstance(x, Tensor) else x


def _is_int(x: Any) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_)


from . import creation, engine, numpy_interop, ops  # noqa: E402  (they build Tensors, so they load after the class)
from . import devices as device_module  # noqa: E402
from . import function  # noqa: E402
