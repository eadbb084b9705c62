"""The record of one differentiable operation, and how an operation is applied.

Every operation is a :class:`Function` with two static methods side by side:
``forward(ctx, *arrays, **params)`` computes on NumPy arrays, and
``backward(ctx, grad)`` returns one gradient per input.  ``backward`` reads
``ctx.inputs`` and ``ctx.out``; the engine fills them with NumPy arrays for an
ordinary backward pass and with Tensors when ``create_graph=True``.  A rule
written with operators, Tensor/ndarray methods and the functions of this
package therefore works in both cases, which is what makes derivatives of
derivatives possible.

That array path is for the ops inside coursekit (it is fast).  A ``Function``
defined anywhere else (yours) works as ``torch.autograd.Function``:
``forward`` receives the Tensors (and runs without recording),
``ctx.save_for_backward(*tensors)`` / ``ctx.saved_tensors`` keep what
``backward`` needs, ``backward`` receives the upstream gradient as a Tensor
and returns one gradient per input (or a single Tensor for a single input).
``ctx.inputs`` holds the input Tensors too, for rules written the course's way.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from . import grad_mode


_sequence = itertools.count()  # numbers the recorded ops (and in-place changes) in the order they ran
last_change = [0]  # the number of the latest in-place change of any tensor (see Tensor._modify)
# Tensors changed in place inside the graph (y += 1 on a non-leaf): id(tensor) -> [(when, the node before)],
# see engine.py.  Keyed by id (a Tensor's == is elementwise); an entry goes when its tensor does.
rewired: dict[int, list] = {}


def record_rewiring(t: Any, stamp: int, old: Any) -> None:
    """Remember that ``t`` stood for the graph node ``old`` until its in-place change number ``stamp``."""
    key = id(t)
    if key not in rewired:
        rewired[key] = []
        weakref.finalize(t, rewired.pop, key, None)
    rewired[key].append((stamp, old))


class ShapeError(ValueError):
    """Shapes that do not fit an operation; the message names the op and the shapes."""


class Context:
    """What the graph keeps of one operation (PyTorch calls it ``grad_fn``).

    Attributes
    ----------
    fn : the :class:`Function` subclass that made the output.
    parents : the inputs as given (Tensors or constants), the edges of the graph.
    arrays : the inputs as NumPy arrays, saved for the backward pass.
    needs_input_grad : one flag per input: ``requires_grad`` of a Tensor, None for
        anything else (a number, an array, an option).
    sequence_nr : the order in which the operations ran (the backward pass
        runs them highest first).
    inputs, out : set by the engine just before ``fn.backward`` runs.

    A backward rule may keep more on it (``ctx.mask = ...`` in ``forward``).
    """

    # Slots for what the engine touches on every op (quicker than a __dict__);
    # __dict__ for whatever the ops save.
    __slots__ = ("fn", "parents", "arrays", "needs_input_grad", "released", "sequence_nr", "inputs", "out", "__dict__")

    _saved: tuple | None = ()  # save_for_backward's tensors and their versions (None once freed)

    def __init__(self, fn: type[Function], parents: tuple, arrays: list) -> None:
        self.fn = fn
        self.parents = parents
        self.arrays = arrays
        self.needs_input_grad: tuple[bool | None, ...] = ()
        self.released = False
        self.sequence_nr = next(_sequence)

    def name(self) -> str:
        """PyTorch's name for this node (``MulBackward0``); some ops pick a variant by their inputs, as torch."""
        variant = self.fn.backward_name
        return type(self).__name__ if variant is None else variant(self)

    def release(self) -> None:
        """Drop saved values after a backward pass (``retain_graph=False``).

        As in PyTorch, an op that saved nothing (``x + 1``) stays usable, so a
        second backward through it works; one that saved values refuses.
        """
        if not self.fn._takes_arrays:
            if self._saved:
                self._saved = None
        elif self.fn.saves_inputs or self.fn.saves_output:
            self.parents = self.arrays = self.inputs = self.out = None  # type: ignore[assignment]
            self.released = True

    # ---- PyTorch's ctx API, for Functions defined outside coursekit --------------
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` for ``backward`` (read them back as ``ctx.saved_tensors``)."""
        self._saved = tuple((t, t._version[0] if isinstance(t, Tensor) else None) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept; an error if one was changed in place since, or already freed."""
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward."
            )
        for i, (t, version) in enumerate(self._saved):
            if isinstance(t, Tensor) and t._version[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: saved tensor {i} of shape {t.shape} of {self.name()} was changed after "
                    "save_for_backward. Hint: change a copy (.clone()) instead."
                )
        return tuple(t for t, _ in self._saved)

    saved_variables = saved_tensors

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Accepted for PyTorch code; coursekit does not need it."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch code: gradients are always materialised here."""

    @property
    def next_functions(self) -> tuple:
        """``(node, 0)`` per input: the op that made it, an ``AccumulateGrad`` for a leaf, or None."""
        result = []
        for p, need in zip(self.parents or (), self.needs_input_grad):
            if not need:
                result.append((None, 0))
            elif p._ctx is not None:
                result.append((p._ctx, 0))
            else:
                result.append((AccumulateGrad(p), 0))
        return tuple(result)

    @property
    def metadata(self) -> dict:
        return self.__dict__

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad:
    """The graph node of a leaf that requires grad (as PyTorch's): backward adds into ``variable.grad``."""

    def __init__(self, variable: Any) -> None:
        self.variable = variable
        self.next_functions: tuple = ()

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


class Function:
    """Base class of every operation; subclasses define ``forward`` and ``backward``.

    Examples
    --------
    >>> import numpy as np
    >>> class Square(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.inputs
    ...         return (2 * x * grad,)
    >>> import coursekit as ck
    >>> x = ck.tensor(3.0, requires_grad=True)
    >>> Square.apply(x).backward()
    >>> float(x.grad)
    6.0
    """

    # What backward reads, for the in-place check of the engine: the inputs'
    # values (most ops; not those that only need their shapes) and the output.
    saves_inputs = True
    saves_output = False
    _takes_arrays = True  # set per subclass: True inside coursekit, False for Functions defined elsewhere
    _frees = True
    # The graph node's class name, as PyTorch's grad_fn (``Mul`` -> ``MulBackward0``); set it where
    # torch's op has another name (``ReLU`` -> ``ReluBackward0``).
    torch_name: str | None = None
    # Optional ``backward_name(ctx) -> str`` for ops whose torch name depends on the call
    # (``x.sum()`` is SumBackward0, ``x.sum(0)`` SumBackward1); read only by ``grad_fn.name()``.
    backward_name: Any = None
    _node: type[Context] = Context

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._takes_arrays = cls.__module__.startswith("coursekit.") or cls.__module__ == "coursekit"
        # One Context subclass per op, so that type(grad_fn).__name__ reads as torch's; torch names
        # a Function defined outside it "<Name>Backward", its own ops "<Name>Backward0".
        name = cls.__dict__.get("torch_name") or cls.__name__ + ("Backward0" if cls._takes_arrays else "Backward")
        cls._node = type(name, (Context,), {"__slots__": (), "__module__": cls.__module__,
                                            "__qualname__": name})
        # What a backward pass without retain_graph frees (the engine reads this once per op).
        cls._frees = cls._takes_arrays and bool(cls.saves_inputs or cls.saves_output)

    @staticmethod
    def forward(ctx: Context, *args: Any, **params: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run ``forward`` and, when gradients are needed, record the operation.

        Given no Tensor at all, ``apply`` returns a plain array: backward rules
        call the same functions on arrays in an ordinary backward pass.
        """
        if not cls._takes_arrays:
            return _apply_torch_style(cls, inputs, params)
        arrays, needs = [], []
        for x in inputs:  # one pass: this runs for every op, so it is kept lean
            if isinstance(x, Tensor):
                arrays.append(x._data)
                needs.append(x._requires_grad)
            else:
                arrays.append(x)
                needs.append(None)
        ctx = cls._node(cls, inputs, arrays)
        try:
            out = cls.forward(ctx, *arrays, **params)
        except ValueError as err:
            if isinstance(err, ShapeError):
                raise
            shapes = ", ".join(str(np.shape(a)) for a in arrays if a is not None)
            raise ShapeError(f"{cls.__name__}: {err} (input shapes: {shapes})") from None
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if True in needs and grad_mode._enabled:
            ctx.needs_input_grad = tuple(needs)
            return Tensor._make(out, True, ctx)
        if needs.count(None) == len(needs):  # no Tensor among the inputs
            return out
        return Tensor._make(out, False, None)


def _apply_torch_style(cls: type[Function], inputs: tuple, params: dict) -> Any:
    """``Function.apply`` for a Function defined outside coursekit: forward sees Tensors, as in PyTorch."""
    needs = tuple(isinstance(x, Tensor) and x._requires_grad for x in inputs)
    ctx = cls._node(cls, inputs, list(inputs))
    ctx.needs_input_grad = needs
    with grad_mode.set_grad_enabled(False):
        if getattr(cls, "setup_context", None) is not None:
            out = cls.forward(*inputs, **params)  # the newer style: forward(*args), then setup_context
            cls.setup_context(ctx, inputs, out)
        else:
            out = cls.forward(ctx, *inputs, **params)
    if isinstance(out, tuple | list):
        raise NotImplementedError(f"{cls.__name__}.forward returned {len(out)} outputs; coursekit's Functions "
                                  "return one Tensor (split it into several Functions)")
    array = out._data if isinstance(out, Tensor) else np.asarray(out)
    if grad_mode._enabled and True in needs:
        return Tensor._make(array, True, ctx)
    return Tensor._make(array, False, None)


def run_torch_style_backward(ctx: Context, out: Tensor, grad: Any, create_graph: bool) -> tuple:
    """Call a torch-style ``backward(ctx, grad)`` with Tensors; give the engine one gradient per input."""
    ctx.inputs, ctx.out = ctx.parents, out
    grads = ctx.fn.backward(ctx, grad if isinstance(grad, Tensor) else Tensor._make(grad, False, None))
    if not isinstance(grads, tuple | list):
        grads = (grads,)
    if len(grads) != len(ctx.parents):
        raise RuntimeError(f"function {ctx.name()} returned an incorrect number of gradients (expected "
                           f"{len(ctx.parents)}, got {len(grads)})")
    if create_graph:
        return tuple(grads)
    return tuple(g._data if isinstance(g, Tensor) else g for g in grads)


from .tensor import Tensor  # noqa: E402  (tensor.py imports the ops, which import Function)
