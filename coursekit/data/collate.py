"""Turning a list of samples into one batch, as ``torch.utils.data.default_collate``.

Tensors, NumPy arrays and numbers are stacked along a new first axis into a
Tensor (Python floats give float64, ints int64, bools bool); dicts are
collated key by key, tuples and lists position by position (giving a list,
as PyTorch); strings stay a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._tensors import is_tensor, make_tensor, values

__all__ = ["default_collate", "default_convert"]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch (``torch.utils.data.default_collate``).

    Examples
    --------
    >>> import coursekit as ck
    >>> default_collate([(ck.tensor([1.0, 2.0]), 0), (ck.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    >>> default_collate([{"x": 1.5}, {"x": 2.5}])
    {'x': tensor([1.5, 2.5])}
    """
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, (np.ndarray, np.generic)) or is_tensor(elem):
        arrays = [values(b) for b in batch]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: stack expects each sample to have the same shape, got "
                               f"{sorted(shapes)}; pad them, or pass collate_fn= to build batches yourself")
        return make_tensor(np.stack(arrays))
    if isinstance(elem, bool):
        return make_tensor(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return make_tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return make_tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple: keep its type
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("default_collate: each sample in the batch must have the same number of parts")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    raise TypeError(f"default_collate: samples must hold tensors, NumPy arrays, numbers, dicts or lists; "
                    f"found {type(elem).__name__}; pass collate_fn= to handle it")


def default_convert(data: Any) -> Any:
    """One sample with its NumPy arrays as Tensors (what ``DataLoader(batch_size=None)`` yields)."""
    if isinstance(data, np.ndarray):
        return make_tensor(data)
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
