"""``Flatten``: merge dimensions into one, e.g. an image batch ``(N, C, H, W)`` into rows ``(N, C*H*W)``."""

from __future__ import annotations

from typing import Any

from .module import Module

__all__ = ["Flatten"]


class Flatten(Module):
    """Reshape dimensions ``start_dim .. end_dim`` into one (``torch.nn.Flatten``).

    The default ``start_dim=1`` keeps the batch dimension, so the output of a
    convolutional or image input can feed a :class:`Linear` layer.

    Parameters
    ----------
    start_dim : int, default 1
        First dimension to merge.
    end_dim : int, default -1
        Last dimension to merge (negative values count from the end).

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> nn.Flatten()(ck.zeros(8, 1, 28, 28)).shape
    (8, 784)
    >>> nn.Flatten(0, 1)(ck.zeros(2, 3, 4)).shape
    (6, 4)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Any) -> Any:
        return x.reshape(flattened_shape(x.shape, self.start_dim, self.end_dim))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def flattened_shape(shape: tuple[int, ...], start_dim: int, end_dim: int) -> tuple[int, ...]:
    """``shape`` with dimensions ``start_dim .. end_dim`` multiplied into one.

    A 0-d shape counts as ``(1,)``, as in torch.

    Examples
    --------
    >>> flattened_shape((2, 3, 4, 5), 1, 2)
    (2, 12, 5)
    """
    shape = tuple(shape) or (1,)
    ndim = len(shape)
    start, end = _dim(start_dim, ndim, "start_dim", shape), _dim(end_dim, ndim, "end_dim", shape)
    if start > end:
        raise ValueError(
            f"Flatten: start_dim={start_dim} comes after end_dim={end_dim} for an input of shape {shape}"
        )
    merged = 1
    for n in shape[start : end + 1]:
        merged *= n
    return shape[:start] + (merged,) + shape[end + 1 :]


def _dim(dim: int, ndim: int, name: str, shape: tuple[int, ...]) -> int:
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"Flatten: {name}={dim} is out of range for an input of shape {shape} "
            f"(expected a dimension in [{-ndim}, {ndim - 1}]); a batch of rows needs at least 2 dimensions"
        )
    return dim % ndim
