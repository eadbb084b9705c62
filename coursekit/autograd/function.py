"""The record of one differentiable operation, and how an operation is applied.

Every operation is a :class:`Function` with two static methods side by side:
``forward(ctx, *arrays, **params)`` computes on NumPy arrays, and
``backward(ctx, grad)`` returns one gradient per input.  ``backward`` reads
``ctx.inputs`` and ``ctx.out``; the engine fills them with NumPy arrays for an
ordinary backward pass and with Tensors when ``create_graph=True``.  A rule
written with operators, Tensor/ndarray methods and the functions of this
package therefore works in both cases, which is what makes derivatives of
derivatives possible.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from . import grad_mode


_sequence = itertools.count()  # numbers the recorded ops (and in-place changes) in the order they ran
last_change = [0]  # the number of the latest in-place change of any tensor (see Tensor._modify)


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

    def __init__(self, fn: type[Function], parents: tuple, arrays: list) -> None:
        self.fn = fn
        self.parents = parents
        self.arrays = arrays
        self.needs_input_grad: tuple[bool | None, ...] = ()
        self.released = False
        self.sequence_nr = next(_sequence)

    def name(self) -> str:
        return self.fn.__name__ + "Backward"

    def release(self) -> None:
        """Drop saved inputs after a backward pass (``retain_graph=False``)."""
        self.parents = self.arrays = self.inputs = self.out = None  # type: ignore[assignment]
        self.released = True

    def __repr__(self) -> str:
        return f"<{self.name()}>"


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
        arrays, needs = [], []
        for x in inputs:  # one pass: this runs for every op, so it is kept lean
            if isinstance(x, Tensor):
                arrays.append(x.data)
                needs.append(x._requires_grad)
            else:
                arrays.append(x)
                needs.append(None)
        ctx = Context(cls, inputs, arrays)
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


from .tensor import Tensor  # noqa: E402  (tensor.py imports the ops, which import Function)
