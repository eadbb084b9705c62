"""The backward pass: run the graph's ops in reverse order, summing gradients.

Everything about accumulation lives here: a value used by several ops gets the
sum of their gradients, leaves keep adding into ``.grad`` across calls, and
every gradient an op returns is reduced to its input's shape (undoing
broadcasting) and checked.  Nothing recurses (a heap holds the ops waiting
to run), so a chain of 100,000 ops is fine.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any, Iterable, Sequence

import numpy as np

from . import grad_mode
from .broadcasting import sum_to
from .function import _sequence, last_change, rewired, run_torch_style_backward
from .tensor import Tensor


def topological_order(roots: Iterable[Tensor]) -> list[Tensor]:
    """Tensors reachable from ``roots`` that require grad, every input before its users.

    The textbook way to order a graph for backpropagation, kept to show a
    graph's order (the backward pass below gets one from ``sequence_nr``
    instead, without a walk).

    Depth-first with an explicit stack.  A tensor is expanded once; a ``None``
    pushed under its inputs marks the moment they are all emitted, and the
    tensor itself (under the marker) follows.  Tensors serve as set keys by
    identity: their hash is ``object.__hash__``, so ``==`` (elementwise) is
    never consulted.

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.tensor(2.0, requires_grad=True)
    >>> y = (x * 3).exp()
    >>> [t.grad_fn.name() if t.grad_fn else "x" for t in topological_order([y])]
    ['x', 'MulBackward0', 'ExpBackward0']
    """
    order: list[Tensor] = []
    visited: set[Tensor] = set()
    stack: list[Tensor | None] = list(roots)
    while stack:
        t = stack.pop()
        if t is None:
            order.append(stack.pop())
        elif t not in visited:
            visited.add(t)
            stack += (t, None)
            ctx = t._ctx
            if ctx is not None and not ctx.released:
                for p, need in zip(ctx.parents, ctx.needs_input_grad):
                    if need and p not in visited:
                        stack.append(p)
    return order


def _fit(grad: Any, parent: Tensor, out: Tensor, i: int) -> Any:
    """Sum a broadcast gradient back to the input's shape; check shape and dtype."""
    ctx = out._ctx
    if not isinstance(grad, np.ndarray | Tensor):
        grad = np.asarray(grad)  # NumPy turns 0-d results into scalars
    shape = parent._data.shape
    if grad.shape != shape:
        if not _reducible(grad.shape, shape):
            raise RuntimeError(f"Function {ctx.name()} returned an invalid gradient at index {i} - got "
                               f"{list(grad.shape)} but expected shape compatible with {list(shape)}")
        grad = sum_to(grad, shape)
    if grad.dtype != parent._data.dtype:
        # Inputs of one dtype: the op did not promote, so the rule is wrong.  Mixed inputs (float32 * int64,
        # PyTorch's float32) may give NumPy's wider dtype inside the rule: cast back, as below.
        mixed = any(isinstance(a, np.ndarray | np.generic) and a.dtype != out._data.dtype for a in ctx.arrays or ())
        if out._data.dtype == parent._data.dtype and ctx.fn._takes_arrays and not mixed:
            raise AssertionError(f"{ctx.name()}: gradient for input {i} is {grad.dtype}, input is {parent.dtype}")
        grad = grad.astype(parent._data.dtype)  # undo type promotion, as PyTorch does
    if grad.shape != shape:
        raise AssertionError(f"{ctx.name()}: gradient for input {i} has shape {grad.shape}, input has {parent.shape}")
    return grad


def _reducible(grad_shape: tuple, shape: tuple) -> bool:
    """Whether broadcasting ``shape`` gives ``grad_shape`` (so summing undoes it), as PyTorch's check."""
    if len(shape) > len(grad_shape):
        return False
    return all(n == g or n == 1 for n, g in zip(shape[::-1], grad_shape[::-1]))


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    retain_graph: bool,
    create_graph: bool = False,
    capture: Sequence[Tensor] | None = None,
) -> dict[Tensor, Any]:
    """Propagate ``root_grads`` from ``roots`` through the graph.

    No separate sort is needed: every recorded op is numbered when it runs
    (``ctx.sequence_nr``), and an op's inputs exist before it does, so its
    number is higher than that of every op it reads.  Running the ops in
    decreasing number order is therefore a reverse topological order; a heap
    hands out the highest-numbered op that has received a gradient, and by
    then every op that uses its output has already contributed.

    With ``capture`` (``autograd.grad``) the gradients of those tensors are
    returned and no ``.grad`` is touched; otherwise leaves accumulate into
    ``.grad``.  With ``create_graph`` the backward rules run on Tensors, so the
    result is itself differentiable.
    """
    grads: dict[Tensor, Any] = {}
    for r, g in zip(roots, root_grads):
        grads[r] = grads[r] + g if r in grads else g
    # The ops waiting to run, as (-sequence_nr, tensor): a heap, highest number on top.
    pending = [(-r._ctx.sequence_nr, r) for r in grads if r._ctx is not None]
    heapify(pending)
    wanted = None if capture is None else set(capture)
    captured: dict[Tensor, Any] = {}
    handed_out: set[int] = set()  # arrays already stored in some .grad (never share one)
    with grad_mode.set_grad_enabled(create_graph):
        while pending:
            t = heappop(pending)[1]
            grad = grads.pop(t)
            if t._hooks:
                grad = _run_hooks(t, grad, create_graph)
            ctx = t._ctx
            if wanted is not None:
                if t in wanted:
                    captured[t] = grad
            elif t._retain:
                _accumulate(t, grad, handed_out)
            if ctx.released:
                raise RuntimeError(
                    "Trying to backward through the graph a second time: its saved values were freed "
                    "after the first backward. Pass retain_graph=True to the first backward() if you need this."
                )
            parents = ctx.parents
            if last_change[0] > ctx.sequence_nr:  # something changed in place after this op ran
                _check_unchanged(ctx, t)
                if rewired:
                    parents = tuple(_node_when(p, ctx.sequence_nr) for p in parents)
            fn = ctx.fn
            if fn._takes_arrays:
                ctx.inputs = ctx.parents if create_graph else ctx.arrays
                ctx.out = t if create_graph else t._data
                in_grads = fn.backward(ctx, grad)
            else:
                in_grads = run_torch_style_backward(ctx, t, grad, create_graph)
            for i, (parent, need, g) in enumerate(zip(parents, ctx.needs_input_grad, in_grads)):
                if not need or g is None:
                    continue
                p = parent._data
                # (`is not`: each built-in dtype is one object; _fit compares equal ones properly)
                if type(g) is not np.ndarray or g.shape != p.shape or g.dtype is not p.dtype:
                    g = _fit(g, parent, t, i)
                if parent in grads:
                    grads[parent] = grads[parent] + g
                else:  # its first gradient: queue the op that made it (leaves wait for the end)
                    grads[parent] = g
                    if parent._ctx is not None:
                        heappush(pending, (-parent._ctx.sequence_nr, parent))
            if not retain_graph:
                if fn._frees:  # Context.release, inlined: this runs for every op
                    ctx.parents = ctx.arrays = ctx.inputs = ctx.out = None
                    ctx.released = True
                else:
                    ctx.release()
        # What is left are the leaves, each with the sum of all its contributions.
        for leaf, grad in grads.items():
            if leaf._hooks:
                grad = _run_hooks(leaf, grad, create_graph)
            if wanted is not None:
                if leaf in wanted:
                    captured[leaf] = grad
            else:
                _accumulate(leaf, grad, handed_out)
    return captured


def _node_when(parent: Any, sequence_nr: int) -> Any:
    """The graph node ``parent`` stood for when op ``sequence_nr`` read it (before later in-place rewiring)."""
    history = rewired.get(id(parent)) if isinstance(parent, Tensor) else None
    if history:
        for stamp, old in history:
            if stamp > sequence_nr:
                return old
    return parent


def _check_unchanged(ctx: Any, out: Tensor) -> None:
    """Refuse to run a backward rule whose saved values were changed in place after it was recorded.

    Each in-place change stamps the tensor's version counter with a fresh
    sequence number; one higher than the op's own came after the op ran.  The
    backward pass calls this only when the latest change of any tensor
    (``function.last_change``) came after the op, so an ordinary training step
    pays one comparison per op.  The message is PyTorch's.
    """
    seq, fn = ctx.sequence_nr, ctx.fn
    changed = None
    if fn.saves_inputs:
        for p in ctx.parents:
            if isinstance(p, Tensor) and p._version[0] > seq:
                changed = f"an input of shape {p.shape}"
    if fn.saves_output and out._version[0] > seq:
        changed = f"its output of shape {out.shape}"
    if changed is not None:
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{ctx.name()} needs {changed}, which was changed (+=, [...] =, zero_ ..., perhaps through a "
            "detach()ed tensor) after the op was recorded. Hint: change a copy (.clone()) or compute the "
            "result again after the change."
        )


def _run_hooks(t: Tensor, grad: Any, create_graph: bool) -> Any:
    """Call ``t``'s hooks with the gradient as a Tensor; a returned value replaces it."""
    for hook in list(t._hooks):
        result = hook(grad if isinstance(grad, Tensor) else Tensor._make(grad, False, None))
        if result is not None:
            if not create_graph:
                result = np.asarray(result._data if isinstance(result, Tensor) else result, dtype=t._data.dtype)
            if result.shape != t.shape:
                raise RuntimeError(f"hook returned a gradient of shape {result.shape}, the tensor has {t.shape}")
            grad = result
    return grad


def _accumulate(t: Tensor, grad: Any, handed_out: set[int]) -> None:
    """Add ``grad`` into ``t.grad``, in place when there is one already, as PyTorch.

    A first gradient is stored as the array itself; the ``grad`` property
    wraps it in a Tensor when it is first read (an optimizer that reads the
    array directly never pays for the wrapper).
    """
    old = t._grad
    if isinstance(grad, Tensor):  # create_graph=True: .grad keeps the graph of the gradient
        t._grad = grad if old is None else t.grad + grad
        return
    if old is not None:
        plain = type(old) is np.ndarray
        stored = old if plain else old._data
        if ((plain or old._ctx is None) and stored.flags.writeable and stored.shape == grad.shape
                and np.can_cast(grad.dtype, stored.dtype, "same_kind")):
            np.add(stored, grad, out=stored)
            if not plain:
                old._version[0] = last_change[0] = next(_sequence)
        else:
            t._grad = np.asarray(stored + grad)
        return
    if grad.base is not None or id(grad) in handed_out:
        grad = grad.copy()  # a view (perhaps read-only), or an array stored in another .grad
    if type(grad) is not np.ndarray:
        grad = np.asarray(grad)  # 0-d arithmetic gives NumPy scalars
    handed_out.add(id(grad))
    t._grad = grad


def _root_grad(t: Tensor, gradient: Any, create_graph: bool = False) -> Any:
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for a single number, this output has shape {t.shape}; "
                "pass gradient= (e.g. an array of ones of that shape) or reduce it first, e.g. y.sum().backward()"
            )
        gradient = np.empty(t._data.shape, t._data.dtype)
        gradient.fill(1)  # np.ones, minus its Python wrapper: this runs on every backward()
    else:
        if isinstance(gradient, Tensor) and create_graph:
            gradient = gradient.astype(t.dtype)  # a recorded cast: the gradient may itself need gradients
        else:
            # A copy in the output's dtype (PyTorch casts too): the caller's array is never stored.
            gradient = np.array(gradient._data if isinstance(gradient, Tensor) else gradient, dtype=t.dtype)
        if gradient.shape != t.shape:
            raise ValueError(f"gradient has shape {gradient.shape}, but the output has shape {t.shape}")
    if create_graph and not isinstance(gradient, Tensor):
        gradient = Tensor._make(gradient, False, None)
    return gradient


def _as_list(tensors: Any) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (``torch.autograd.backward``).

    ``t.backward(g)`` is ``backward(t, g)``; several outputs backpropagate
    together, each with its own upstream gradient.  With ``inputs`` only those
    tensors' ``.grad`` change.

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.tensor(3.0, requires_grad=True)
    >>> ck.autograd.backward([x * x, 2 * x])      # d/dx (x^2 + 2x) = 2x + 2
    >>> x.grad
    tensor(8.)
    """
    if isinstance(tensors, Tensor):
        roots, grads = [tensors], [grad_tensors]
    else:
        roots = list(tensors)
        grads = [None] * len(roots) if grad_tensors is None else list(grad_tensors)
    if len(grads) != len(roots):
        raise ValueError(f"backward: {len(roots)} tensors but {len(grads)} gradients")
    for t in roots:
        if not t._requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input was created with "
                "requires_grad=True (or the result was computed under no_grad)"
            )
    keep = create_graph if retain_graph is None else retain_graph
    root_grads = [_root_grad(t, g, create_graph) for t, g in zip(roots, grads)]
    if inputs is None:
        run_backward(roots, root_grads, keep, create_graph)
        return
    inputs = _as_list(inputs)
    captured = run_backward(roots, root_grads, keep, create_graph, capture=inputs)
    handed_out: set[int] = set()
    with grad_mode.set_grad_enabled(create_graph):
        for x in inputs:
            if x in captured:
                _accumulate(x, captured[x], handed_out)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of stored.

    With ``create_graph=True`` the returned gradients are part of a new graph and
    can be differentiated again: Hessian-vector products, derivatives of
    derivatives ("symbol-to-symbol" differentiation).

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.tensor(3.0, requires_grad=True)
    >>> (dy,) = ck.autograd.grad(x**3, x, create_graph=True)   # 3 x^2
    >>> (d2y,) = ck.autograd.grad(dy, x)                       # 6 x
    >>> dy.item(), d2y.item()
    (27.0, 18.0)
    """
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, list | tuple):  # one gradient: a Tensor, an array or a number
        grad_outputs = [grad_outputs]
    for o in outputs:
        if not o.requires_grad:
            raise RuntimeError("grad(): an output does not require grad (nothing connects it to the inputs)")
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError("grad(): every input must have requires_grad=True")
    roots = [_root_grad(o, g, create_graph) for o, g in zip(outputs, grad_outputs)]
    keep = create_graph if retain_graph is None else retain_graph
    captured = run_backward(outputs, roots, keep, create_graph, capture=inputs)
    result = []
    for i, x in enumerate(inputs):
        g = captured.get(x)
        if g is None and not allow_unused:
            raise RuntimeError(f"grad(): input {i} was not used to compute the outputs; pass allow_unused=True")
        if g is not None and not isinstance(g, Tensor):
            g = Tensor._make(g if g.flags.owndata else g.copy(), False, None)
        result.append(g)
    return tuple(result)
