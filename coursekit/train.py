"""A training loop for the course: ``fit``, ``evaluate``, ``accuracy`` and two plots.

``fit`` is the loop students first write by hand, packaged::

    for epoch in range(epochs):
        for xb, yb in DataLoader((X, y), batch_size, shuffle=True):
            loss = loss_fn(model(xb), yb)        # + penalty(model)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        # evaluate on the validation set, keep the best weights, maybe stop early

tqdm (progress bar) and matplotlib (plots) are optional and imported only
when used.

Examples
--------
>>> import coursekit as ck
>>> from coursekit import nn, optim
>>> from coursekit.data import make_xor
>>> from coursekit.train import fit, accuracy, predict
>>> ck.manual_seed(0)
>>> X, y = make_xor(n_per_corner=25, noise=0.1)
>>> model = nn.MLP([2, 8, 2], activation="tanh")
>>> history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
...               (X, y), epochs=40, progress=False)
>>> accuracy(predict(model, X), y)
1.0
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .autograd.creation import from_numpy
from .autograd.grad_mode import no_grad
from .autograd.tensor import Tensor
from .data import DataLoader

__all__ = [
    "EarlyStopping", "History", "accuracy", "evaluate", "fit", "plot_decision_boundary", "plot_history", "predict",
]

Metric = Callable[[np.ndarray, np.ndarray], float]


# ---------------------------------------------------------------------------
# Results and options
# ---------------------------------------------------------------------------
@dataclass
class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs.

    An epoch improves when its validation loss is below the best so far by
    more than ``min_delta``.  With ``restore_best_weights`` (the default) the
    model ends with the parameters of the best epoch, not the last one.

    Examples
    --------
    >>> EarlyStopping(patience=5, min_delta=1e-4)
    EarlyStopping(patience=5, min_delta=0.0001, restore_best_weights=True)
    """

    patience: int = 10
    min_delta: float = 0.0
    restore_best_weights: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.patience, (int, np.integer)) or self.patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive integer, got {self.patience!r}")
        if self.min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {self.min_delta}")


@dataclass
class History:
    """What happened during :func:`fit`, one entry per epoch (epochs count from 0).

    Attributes
    ----------
    train_loss : list of float
        Mean data loss over the epoch's minibatches (the penalty not
        included), measured while the weights were changing.
    val_loss : list of float
        Loss on the validation set after each epoch (eval mode); empty
        without validation data.
    metrics : dict of str to list of float
        E.g. ``"accuracy"`` (running, on the training batches) and
        ``"val_accuracy"``.
    best_epoch : int or None
        Index of the epoch with the lowest validation loss (the lowest
        training loss without validation data); with early stopping, the
        epoch whose weights were restored.
    stopped_early : bool
        True if early stopping ended training before ``epochs``.
    epoch_time : list of float
        Wall-clock seconds per epoch (validation included).

    Examples
    --------
    >>> h = History(train_loss=[1.0, 0.5, 0.4], val_loss=[1.1, 0.7, 0.8], best_epoch=1)
    >>> h.epochs, h.best_val_loss, h["val_loss"][h.best_epoch]
    (3, 0.7, 0.7)
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None
    stopped_early: bool = False
    epoch_time: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        """Number of epochs run."""
        return len(self.train_loss)

    @property
    def best_val_loss(self) -> float | None:
        """The validation loss of ``best_epoch`` (None without validation data)."""
        if self.best_epoch is None or not self.val_loss:
            return None
        return self.val_loss[self.best_epoch]

    def __getitem__(self, key: str) -> list[float]:
        """``history["loss"]``, ``history["val_loss"]``, ``history["accuracy"]``, ... (Keras-style)."""
        if key in ("loss", "train_loss"):
            return self.train_loss
        if key == "val_loss":
            return self.val_loss
        if key in self.metrics:
            return self.metrics[key]
        known = ["loss", "val_loss", *self.metrics]
        raise KeyError(f"History has no {key!r}; it has {', '.join(map(repr, known))}")

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs}"]
        if self.train_loss:
            parts.append(f"train_loss={self.train_loss[-1]:.4g}")
        if self.val_loss:
            parts.append(f"val_loss={self.val_loss[-1]:.4g}")
        if self.best_epoch is not None:
            parts.append(f"best_epoch={self.best_epoch}")
        if self.stopped_early:
            parts.append("stopped_early=True")
        return f"History({', '.join(parts)})"


# ---------------------------------------------------------------------------
# Metrics and evaluation
# ---------------------------------------------------------------------------
def _array(x: Any) -> np.ndarray:
    return x.numpy(force=True) if isinstance(x, Tensor) else np.asarray(x)


def accuracy(logits: Any, y: Any, threshold: float = 0.0) -> float:
    """Fraction of correct predictions.

    Parameters
    ----------
    logits : array_like or Tensor of shape (N, C) or (N,) / (N, 1)
        With C > 1 columns the prediction is the arg-max (logits,
        probabilities and log-probabilities all work).  With one column it is
        binary: ``logits > threshold``, or the sign for labels -1/+1.
    y : array_like of shape (N,)
        Class indices (or one-hot rows of shape (N, C); or 0/1 resp. -1/+1
        labels in the binary case).
    threshold : float, default 0.0
        The binary decision threshold: 0 for logits, use 0.5 for sigmoid
        probabilities.

    Examples
    --------
    >>> accuracy([[2.0, 0.1], [0.3, 0.9], [1.0, 0.0]], [0, 1, 1])
    0.6666666666666666
    >>> accuracy([1.3, -0.2], [1, 0])
    1.0
    """
    out, y = _array(logits), _array(y)
    if out.ndim == 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        if y.ndim == 2:
            y = y.argmax(axis=1)
    else:
        out = out.reshape(-1)
        y = y.reshape(-1)
        pred = np.where(out >= threshold, 1, -1) if (y < 0).any() else (out > threshold).astype(np.int64)
    if pred.shape != y.shape:
        raise ValueError(f"accuracy: {pred.shape[0]} predictions but targets of shape {y.shape}")
    return float(np.mean(pred == y)) if y.size else float("nan")


def _set_mode(model: Any, training: bool) -> bool:
    """Switch a module's mode, returning the old one (plain callables have none)."""
    old = getattr(model, "training", None)
    if old is not None and old != training:
        model.train(training)
    return bool(old)


def _forward_eval(model: Any, X: Any, batch_size: int | None) -> np.ndarray:
    """The model's outputs for ``X`` in eval mode without a graph (the mode is restored)."""
    X = _array(X)
    was_training = _set_mode(model, False)
    try:
        with no_grad():
            if batch_size is None or batch_size >= len(X):
                return _array(model(from_numpy(X)))
            return np.concatenate(
                [_array(model(from_numpy(X[i : i + batch_size]))) for i in range(0, len(X), batch_size)]
            )
    finally:
        if was_training:
            model.train(True)


def predict(model: Any, X: Any, batch_size: int | None = None) -> np.ndarray:
    """The model's outputs for ``X`` as an array, in eval mode (no dropout) and without a graph.

    Examples
    --------
    >>> from coursekit import nn
    >>> predict(nn.Linear(3, 2), [[1.0, 2.0, 3.0]]).shape
    (1, 2)
    """
    return _forward_eval(model, X, batch_size)


def _loss_value(loss_fn: Callable, out: np.ndarray, y: np.ndarray) -> float:
    with no_grad():
        return float(_array(loss_fn(from_numpy(out), y)))


def evaluate(model: Any, X: Any, y: Any, loss_fn: Callable[[Any, Any], Any], batch_size: int | None = None) -> float:
    """The loss of ``model`` on ``(X, y)`` in eval mode (no dropout) and without a graph.

    ``loss_fn`` is applied once to all outputs (also when ``batch_size``
    limits the memory of the forward pass), so a mean loss is the mean over
    all of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from coursekit import nn
    >>> layer = nn.Linear(1, 1, bias=False, init=lambda w: nn.init.constant_(w, 2.0))
    >>> evaluate(layer, np.ones((4, 1)), np.zeros((4, 1)), nn.MSELoss())
    4.0
    """
    return _loss_value(loss_fn, _forward_eval(model, X, batch_size), _array(y))


# ---------------------------------------------------------------------------
# The training loop
# ---------------------------------------------------------------------------
_tqdm_note_shown = False


def _progress(epochs: int, enabled: bool) -> Any:
    """tqdm over the epochs, or a plain range (with a one-time note if tqdm is missing)."""
    global _tqdm_note_shown
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if not _tqdm_note_shown:
            print("coursekit.train: install tqdm for a progress bar (pip install tqdm)", file=sys.stderr)
            _tqdm_note_shown = True
        return None
    return tqdm(total=epochs, unit="epoch", desc="fit", leave=True)


def _is_class_target(y: np.ndarray) -> bool:
    if np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_:
        return True
    if np.issubdtype(y.dtype, np.floating) and y.size:
        return bool(np.isin(y, (0.0, 1.0)).all() or np.isin(y, (-1.0, 1.0)).all())
    return False


def _resolve_metrics(metrics: Iterable[str | Metric] | None, y: np.ndarray, threshold: float) -> dict[str, Metric]:
    resolved: dict[str, Metric] = {}
    for m in metrics or ():
        if m == "accuracy":
            if _is_class_target(y):  # meaningless for regression targets: skipped
                resolved["accuracy"] = lambda out, t: accuracy(out, t, threshold)
        elif callable(m):
            resolved[getattr(m, "__name__", f"metric{len(resolved)}")] = m
        else:
            raise ValueError(f"fit: unknown metric {m!r}; use 'accuracy' or a function f(outputs, targets) -> float")
    return resolved


def _pair(data: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError(f"fit: {name} must be a pair (X, y) of arrays") from None
    X, y = _array(X), _array(y)
    if len(X) != len(y):
        raise ValueError(f"fit: {name} has {len(X)} inputs but {len(y)} targets")
    return X, y


def fit(
    model: Any,
    loss_fn: Callable[[Any, Any], Any],
    optimizer: Any,
    train_data: tuple[Any, Any],
    epochs: int,
    batch_size: int = 32,
    val_data: tuple[Any, Any] | None = None,
    early_stopping: int | EarlyStopping | None = None,
    metrics: Sequence[str | Metric] | None = ("accuracy",),
    seed: int | None = 0,
    progress: bool = True,
    penalty: Callable[[Any], Any] | None = None,
) -> History:
    """Train ``model`` with minibatch gradient descent and return its :class:`History`.

    Each epoch visits every training example once, in a fresh random order
    (minibatches drawn without replacement by
    :class:`coursekit.data.DataLoader`, seeded with ``seed``), in training
    mode; then the validation loss is computed in eval mode without a graph.

    Parameters
    ----------
    model : Module (or any callable of a Tensor)
    loss_fn : callable
        ``loss_fn(outputs, targets)`` returning a scalar mean loss, e.g.
        ``nn.CrossEntropyLoss()``.
    optimizer : Optimizer
        Built on ``model.parameters()``; ``zero_grad()`` and ``step()`` are called.
    train_data : (X, y)
        NumPy arrays with the examples along axis 0.
    epochs : int
        Maximum number of passes over the training data.
    batch_size : int, default 32
    val_data : (X_val, y_val), optional
        Held-out data for the validation loss, early stopping and ``best_epoch``.
    early_stopping : int or EarlyStopping, optional
        Patience in epochs, or an :class:`EarlyStopping`.  Needs
        ``val_data``.  The best weights are restored at the end.
    metrics : sequence of "accuracy" or callables, default ("accuracy",)
        Recorded per epoch on the training batches and, as ``"val_<name>"``,
        on the validation data.  A callable ``f(outputs, targets) -> float``
        gets arrays.  Accuracy is skipped for real-valued (regression)
        targets.
    seed : int or None, default 0
        Seed of the minibatch shuffling.  Initialisation and dropout use the
        shared generator (``ck.manual_seed``).
    progress : bool, default True
        Show a tqdm progress bar (if tqdm is installed).
    penalty : callable, optional
        ``penalty(model)`` returns a term added to every minibatch loss,
        e.g. ``lambda m: 1e-4 * nn.l2_penalty(m)``.

    Returns
    -------
    History

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN or infinite (usually: the learning rate is too large).
    """
    X, y = _pair(train_data, "train_data")
    if val_data is not None:
        X_val, y_val = _pair(val_data, "val_data")
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    if isinstance(early_stopping, bool):
        raise TypeError("fit: early_stopping must be a patience (int) or an EarlyStopping, not a bool")
    if isinstance(early_stopping, (int, np.integer)):
        early_stopping = EarlyStopping(patience=int(early_stopping))
    if early_stopping is not None and val_data is None:
        raise ValueError("fit: early stopping watches the validation loss: pass val_data=(X_val, y_val)")

    threshold = 0.5 if getattr(model, "output", None) == "sigmoid" else 0.0
    metric_fns = _resolve_metrics(metrics, y, threshold)
    history = History(metrics={name: [] for name in metric_fns})
    if val_data is not None:
        history.metrics.update({f"val_{name}": [] for name in metric_fns})

    loader = DataLoader((X, y), batch_size=batch_size, shuffle=True, seed=seed)
    min_delta = early_stopping.min_delta if early_stopping is not None else 0.0
    best, best_state, waited = math.inf, None, 0
    bar = _progress(epochs, progress)
    try:
        for epoch in range(epochs):
            start = time.perf_counter()
            if hasattr(model, "train"):
                model.train()
            total, count = 0.0, 0
            sums = dict.fromkeys(metric_fns, 0.0)
            for xb, yb in loader:  # Tensors sharing the loader's fresh copies
                out = model(xb)
                loss = loss_fn(out, yb)
                objective = loss if penalty is None else loss + penalty(model)
                optimizer.zero_grad()
                objective.backward()
                optimizer.step()
                value, n = loss.item(), len(xb)
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"fit: the loss became {value} in epoch {epoch}; the learning rate is probably too large"
                    )
                total += value * n
                count += n
                for name, fn in metric_fns.items():
                    sums[name] += fn(_array(out), _array(yb)) * n  # metrics get arrays (batches are Tensors)
            history.train_loss.append(total / count if count else math.nan)
            for name in metric_fns:
                history.metrics[name].append(sums[name] / count if count else math.nan)

            if val_data is not None:
                val_out = _forward_eval(model, X_val, None)
                history.val_loss.append(_loss_value(loss_fn, val_out, y_val))
                for name, fn in metric_fns.items():
                    history.metrics[f"val_{name}"].append(fn(val_out, y_val))
            monitored = history.val_loss[-1] if val_data is not None else history.train_loss[-1]
            if monitored < best - min_delta:
                best, waited, history.best_epoch = monitored, 0, epoch
                if early_stopping is not None and early_stopping.restore_best_weights:
                    best_state = model.state_dict()
            else:
                waited += 1
            history.epoch_time.append(time.perf_counter() - start)

            if bar is not None:
                shown = {"loss": f"{history.train_loss[-1]:.4g}"}
                if history.val_loss:
                    shown["val_loss"] = f"{history.val_loss[-1]:.4g}"
                for name in history.metrics:
                    shown[name] = f"{history.metrics[name][-1]:.3f}"
                bar.set_postfix(shown, refresh=False)
                bar.update(1)
            if early_stopping is not None and waited >= early_stopping.patience:
                history.stopped_early = epoch < epochs - 1
                break
    finally:
        if bar is not None:
            bar.close()
    if best_state is not None and history.best_epoch != history.epochs - 1:
        model.load_state_dict(best_state)
    if hasattr(model, "train"):
        model.train()
    return history


# ---------------------------------------------------------------------------
# Plots (matplotlib is imported only here)
# ---------------------------------------------------------------------------
def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from None
    return plt


def plot_history(history: History, metric: str = "loss", logy: bool = False, ax: Any = None) -> Any:
    """Training and validation curves per epoch, with the best epoch marked.

    Parameters
    ----------
    history : History
        As returned by :func:`fit`.
    metric : str, default "loss"
        ``"loss"`` or a recorded metric such as ``"accuracy"``; its
        ``"val_"`` curve is drawn too when there is one.
    logy : bool, default False
        Logarithmic y-axis (useful for losses spanning decades).
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.figure`` is the Figure (``ax.figure.savefig("curves.png")``).
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    train = history[metric]
    try:
        val = history[f"val_{metric}"]
    except KeyError:
        val = []
    ax.plot(np.arange(len(train)), train, label=f"train {metric}")
    if val:
        ax.plot(np.arange(len(val)), val, label=f"validation {metric}")
    best = history.best_epoch
    if best is not None:
        curve = val if val else train
        ax.axvline(best, color="gray", linestyle="--", linewidth=1)
        if best < len(curve):
            ax.plot([best], [curve[best]], marker="o", color="black", label=f"best epoch ({best})")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    title = "stopped early" if history.stopped_early else None
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_decision_boundary(
    model: Any, X: Any, y: Any, resolution: int = 200, ax: Any = None, margin: float = 0.1
) -> Any:
    """Colour the plane by the class ``model`` predicts and draw the points ``(X, y)`` on top.

    Parameters
    ----------
    model : Module
        Takes 2-D inputs; C > 1 outputs give the arg-max class, one output a
        binary decision at 0 (at 0.5 for an ``MLP(output="sigmoid")``).
    X : array of shape (N, 2)
    y : array of shape (N,)
        Class labels of the points.
    resolution : int, default 200
        Grid points per axis.
    ax : matplotlib Axes, optional
    margin : float, default 0.1
        Extra room around the data, as a fraction of its range.

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    X, y = _array(X), _array(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D inputs of shape (N, 2), got {X.shape}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.where(hi > lo, hi - lo, 1.0)
    g0 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    g1 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(g0, g1)
    out = _forward_eval(model, np.column_stack([xx.ravel(), yy.ravel()]), 8192)
    if out.ndim == 2 and out.shape[1] > 1:
        regions = out.argmax(axis=1)
    else:
        threshold = 0.5 if getattr(model, "output", None) == "sigmoid" else 0.0
        regions = (out.reshape(-1) > threshold).astype(np.int64)
    labels = (y > 0).astype(np.int64) if (y < 0).any() else y.astype(np.int64)  # -1/+1 -> 0/1
    n_classes = int(max(regions.max(initial=0), labels.max(initial=0))) + 1
    base = plt.get_cmap("tab10" if n_classes <= 10 else "tab20")
    cmap = ListedColormap([base(i % base.N) for i in range(n_classes)])
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(xx, yy, regions.reshape(xx.shape), levels=levels, cmap=cmap, alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5, edgecolors="k", s=20)
    ax.set_xlim(g0[0], g0[-1])
    ax.set_ylim(g1[0], g1[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax
