# The student's a2 answers with the engine pasted from coursekit/autograd (engine.py, broadcasting.py)
# and adapted to the assignment's Tensor: names of the assignment, the rest as in coursekit.
def unbroadcast(grad, shape):
    """Sum ``x`` over the axes that broadcasting added or stretched, giving ``shape``."""
    x = np.asarray(grad, dtype=float)
    lead = x.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    axes = tuple(range(lead)) + stretched
    if axes:
        x = x.sum(axis=axes, keepdims=True)
    return x.reshape(shape)


def topological_order(roots):
    """Tensors reachable from ``roots`` that require grad, every input before its users."""
    order = []
    visited = set()
    stack = list(roots)
    while stack:
        t = stack.pop()
        if t is None:
            order.append(stack.pop())
        elif t not in visited:
            visited.add(t)
            stack += (t, None)
            ctx = t
            if ctx is not None and ctx.backward_rule is not None:
                for p, need in zip(ctx.parents, [q.requires_grad for q in ctx.parents]):
                    if need and p not in visited:
                        stack.append(p)
    return order


def run_backward(roots, root_grads):
    grads = {}
    for r, g in zip(roots, root_grads):
        grads[r] = grads[r] + g if r in grads else g
    for t in reversed(topological_order(roots)):
        if t not in grads:
            continue
        grad = grads.pop(t)
        if t.backward_rule is None:
            t.grad = grad if t.grad is None else t.grad + grad
            continue
        in_grads = t.backward_rule(grad)
        for i, (parent, g) in enumerate(zip(t.parents, in_grads)):
            if not parent.requires_grad or g is None:
                continue
            if parent in grads:
                grads[parent] = grads[parent] + g
            else:
                grads[parent] = g
