"""Normalisation layers: ``BatchNorm1d`` (over the batch) and ``LayerNorm`` (over the features).

Both subtract a mean and divide by a standard deviation, then let the network
undo that with a learned scale and shift::

    y = (x - mean) / sqrt(var + eps) * weight + bias

They differ in *which* numbers the mean and variance are taken over.
Batch normalisation uses each feature's values across the examples of the
batch, so it needs running averages to apply the layer to one example at test
time; layer normalisation uses each example's own features and behaves the
same in training and evaluation.  Both are built from ordinary Tensor ops, so
backpropagation through the mean and variance comes from the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.devices import check as check_device
from ..autograd.dtypes import as_dtype, get_default_dtype
from ..autograd.tensor import Tensor
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "LayerNorm"]


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), False, None)


def _positive_int(n: Any) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1


def _filled(shape: tuple[int, ...], value: float, dtype: Any, wanted: bool) -> Parameter | None:
    """A Parameter of ``shape`` full of ``value``, or None (registered as "no such parameter")."""
    return Parameter(np.full(shape, value, dtype=dtype)) if wanted else None


def normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(x_hat, mean, var)`` with the *biased* variance over ``axes`` (kept as size-1 dims).

    The variance is written out as the mean of squared deviations, dividing
    by ``n``: normalisation layers use this one in the forward pass whatever
    ``var()``'s default.

    Examples
    --------
    >>> import coursekit as ck
    >>> x_hat, mean, var = normalize(ck.tensor([[1.0, 3.0]]), (1,), eps=0.0)
    >>> x_hat, mean, var
    (tensor([[-1.,  1.]]), tensor([[2.]]), tensor([[1.]]))
    """
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return centered / (var + eps).sqrt(), mean, var


class BatchNorm1d(Module):
    """Batch normalisation over a batch of vectors or of sequences (``torch.nn.BatchNorm1d``).

    Input of shape ``(N, C)`` or ``(N, C, L)``: each of the ``C`` features
    (channels) is normalised with its mean and variance over the other
    dimensions (``N`` or ``N * L`` numbers, ``n`` below).

    - Training mode (``model.train()``, the default): the batch's own mean
      and biased variance (divided by ``n``) normalise the batch, and running
      averages are updated::

          running_mean <- (1 - momentum) running_mean + momentum mean
          running_var  <- (1 - momentum) running_var  + momentum var * n / (n - 1)

      (the running variance takes the unbiased estimate, as in PyTorch).
      With ``momentum=None`` the average is cumulative: the factor is
      ``1 / num_batches_tracked``.
    - Evaluation mode (``model.eval()``): the running averages normalise, so
      the output for an example does not depend on the rest of its batch.
      With ``track_running_stats=False`` there are no running averages and
      batch statistics are used in both modes.

    Parameters
    ----------
    num_features : int
        ``C``.
    eps : float, default 1e-5
        Added to the variance before the square root.
    momentum : float or None, default 0.1
        Weight of the new batch in the running averages (None: equal weights).
    affine : bool, default True
        Learn ``weight`` (starts at 1) and ``bias`` (starts at 0).
    track_running_stats : bool, default True
        Keep the buffers ``running_mean``, ``running_var`` and ``num_batches_tracked``.
    dtype : numpy dtype, optional
        The parameters' dtype; the default dtype (float64 unless ``ck.set_default_dtype`` changed it).
    device : str or device, optional
        Only the CPU.
    bias : bool, default True
        Learn the bias (only with ``affine``); keyword only, as in torch.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> bn = nn.BatchNorm1d(2)
    >>> x = ck.tensor([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0]])
    >>> bn(x).data.round(3)                   # each column: mean 0, variance about 1
    tensor([[-1.225, -0.707],
            [ 0.   , -0.707],
            [ 1.225,  1.414]])
    >>> bn.running_mean, bn.running_var       # 0.9 * (0, 1) + 0.1 * (mean, unbiased var)
    (tensor([0.3, 1.2]), tensor([1.3, 2.1]))
    >>> bn
    BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
        device: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_device(device)
        dtype = get_default_dtype() if dtype is None else as_dtype(dtype)
        if not _positive_int(num_features):
            raise ValueError(f"BatchNorm1d: num_features must be a positive integer, got {num_features!r}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.register_parameter("weight", _filled((self.num_features,), 1.0, dtype, affine))
        self.register_parameter("bias", _filled((self.num_features,), 0.0, dtype, affine and bias))
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(np.zeros(self.num_features, dtype=dtype), False, None))
            self.register_buffer("running_var", Tensor._make(np.ones(self.num_features, dtype=dtype), False, None))
            self.register_buffer("num_batches_tracked", Tensor._make(np.array(0, dtype=np.int64), False, None))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """Forget the running statistics and set ``weight`` to 1 and ``bias`` to 0."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in (2, 3):
            raise ValueError(
                f"BatchNorm1d: expected a 2-D (N, C) or 3-D (N, C, L) input, got shape {x.shape}"
                + (f"; for one example use x.reshape(1, {x.shape[0]})" if x.ndim == 1 else "")
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}): input of shape {x.shape} has {x.shape[1]} features "
                f"in dimension 1, expected {self.num_features} (shape (N, {self.num_features}) "
                f"or (N, {self.num_features}, L))"
            )

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x)
        self._check_input(x)
        axes = (0,) if x.ndim == 2 else (0, 2)
        shape = (1, self.num_features) + (1,) * (x.ndim - 2)  # broadcast per feature
        if self.training or not self.track_running_stats:
            n = x.numel() // self.num_features
            if self.training and n <= 1:
                raise ValueError(
                    f"BatchNorm1d: expected more than 1 value per feature when training, got input of shape "
                    f"{x.shape}; use a batch of at least 2 examples, or call .eval() first"
                )
            y, mean, var = normalize(x, axes, self.eps)
            if self.training and self.track_running_stats:
                self._update_running_stats(mean._data.reshape(-1), var._data.reshape(-1), n)
        else:
            # Constants, fresh arrays: later updates of the buffers cannot change a graph built here.
            scale = 1.0 / np.sqrt(self.running_var._data + self.eps)
            y = (x - self.running_mean._data.reshape(shape)) * scale.reshape(shape)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        return y

    def _update_running_stats(self, mean: np.ndarray, biased_var: np.ndarray, n: int) -> None:
        self.num_batches_tracked._data += 1
        factor = 1.0 / int(self.num_batches_tracked._data) if self.momentum is None else self.momentum
        # The running variance estimates the population's, hence n - 1 (Bessel's correction).
        unbiased = biased_var * (n / (n - 1))
        self.running_mean._data[...] = factor * mean + (1 - factor) * self.running_mean._data
        self.running_var._data[...] = factor * unbiased + (1 - factor) * self.running_var._data

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class LayerNorm(Module):
    """Layer normalisation over the last dimensions of each example (``torch.nn.LayerNorm``).

    For an input of shape ``(*, *normalized_shape)`` every example (every
    index of ``*``) is normalised with the mean and biased variance of its own
    ``prod(normalized_shape)`` numbers.  No batch statistics and no running
    averages: training and evaluation compute the same thing, and a batch of
    one works.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The trailing shape to normalise over, e.g. the number of features.
    eps : float, default 1e-5
        Added to the variance before the square root.
    elementwise_affine : bool, default True
        Learn ``weight`` (starts at 1) and ``bias`` (starts at 0), both of
        shape ``normalized_shape``.
    bias : bool, default True
        Learn the bias (only with ``elementwise_affine``).
    dtype : numpy dtype, optional
        The parameters' dtype; the default dtype (float64 unless ``ck.set_default_dtype`` changed it).
    device : str or device, optional
        Only the CPU.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> ln = nn.LayerNorm(3)
    >>> ln(ck.tensor([[1.0, 2.0, 3.0], [10.0, 10.0, 40.0]])).data.round(3)
    tensor([[-1.225,  0.   ,  1.225],
            [-0.707, -0.707,  1.414]])
    >>> ln
    LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
        device: Any = None,
    ) -> None:
        super().__init__()
        check_device(device)
        dtype = get_default_dtype() if dtype is None else as_dtype(dtype)
        is_int = isinstance(normalized_shape, (int, np.integer))
        shape = (normalized_shape,) if is_int else tuple(normalized_shape)
        if not shape or not all(_positive_int(n) for n in shape):
            raise ValueError(
                f"LayerNorm: normalized_shape must be a positive integer or a tuple of them, got {normalized_shape!r}"
            )
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self.register_parameter("weight", _filled(self.normalized_shape, 1.0, dtype, elementwise_affine))
        self.register_parameter("bias", _filled(self.normalized_shape, 0.0, dtype, elementwise_affine and bias))

    def reset_parameters(self) -> None:
        """``weight`` to 1 and ``bias`` to 0."""
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x)
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k :] != self.normalized_shape or x.ndim < k:
            raise ValueError(
                f"LayerNorm: normalized_shape={self.normalized_shape} needs an input of shape "
                f"(*, {', '.join(map(str, self.normalized_shape))}), got shape {x.shape}"
            )
        y, _, _ = normalize(x, tuple(range(x.ndim - k, x.ndim)), self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )
