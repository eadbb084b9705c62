"""coursekit.train: fit / evaluate / accuracy, early stopping, and that learning actually works."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import coursekit as ck
from coursekit import nn, optim
from coursekit import train as T
from coursekit.data import make_moons, make_sine_regression, make_spirals, make_xor


# ---------------------------------------------------------------------------
# accuracy, predict, evaluate
# ---------------------------------------------------------------------------
def test_accuracy_on_hand_made_cases() -> None:
    logits = np.array([[2.0, 0.1, 0.0], [0.3, 0.9, 0.1], [0.0, 0.2, 5.0], [1.0, 3.0, 0.0]])
    assert T.accuracy(logits, np.array([0, 1, 2, 0])) == 0.75
    assert T.accuracy(ck.tensor(logits), np.eye(3)[[0, 1, 2, 1]]) == 1.0  # one-hot targets
    assert T.accuracy(np.array([[1.3], [-0.2], [0.1]]), np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert T.accuracy(np.array([0.7, 0.2]), np.array([1, 1]), threshold=0.5) == 0.5
    assert T.accuracy(np.array([0.7, -0.2, 0.4]), np.array([1, -1, -1])) == pytest.approx(2 / 3)  # -1/+1 labels
    with pytest.raises(ValueError):
        T.accuracy(logits, np.array([0, 1]))


def test_evaluate_and_predict_use_eval_mode_without_a_graph() -> None:
    ck.manual_seed(0)
    model = nn.MLP([2, 32, 1], dropout=0.5)
    X = np.random.default_rng(0).standard_normal((50, 2))
    y = np.random.default_rng(1).standard_normal((50, 1))
    plain = nn.Sequential(*[m for m in model if not isinstance(m, nn.Dropout)])
    expected_out = plain(ck.tensor(X)).data
    expected_loss = float(np.mean((expected_out - y) ** 2))
    model.train()
    assert T.evaluate(model, X, y, nn.MSELoss()) == pytest.approx(expected_loss, rel=1e-13)
    assert T.evaluate(model, X, y, nn.MSELoss(), batch_size=7) == pytest.approx(expected_loss, rel=1e-13)
    np.testing.assert_array_equal(T.predict(model, X), expected_out)
    assert isinstance(T.predict(model, X), np.ndarray)
    assert model.training and model[2].training  # mode restored
    assert all(p.grad is None for p in model.parameters())


# ---------------------------------------------------------------------------
# Learning works
# ---------------------------------------------------------------------------
def test_mlp_fits_spirals() -> None:
    X, y = make_spirals(300, n_classes=3, noise=0.2, seed=0)
    ck.manual_seed(0)
    model = nn.MLP([2, 64, 64, 3], bias_init=0.1)
    history = T.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), (X, y), epochs=200,
                    batch_size=32, progress=False)
    predicted = model(ck.tensor(X)).data.argmax(axis=1)
    assert np.mean(predicted == y) >= 0.97
    assert history.epochs == 200 and not history.stopped_early
    assert history.train_loss[-1] < 0.2 * history.train_loss[0]
    assert history.metrics["accuracy"][-1] > 0.95


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mlp_learns_xor(seed: int, activation: str) -> None:
    X, y = make_xor()
    ck.manual_seed(seed)
    model = nn.MLP([2, 8, 1], activation=activation, bias_init=0.1)
    T.fit(model, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.05), (X, y[:, None].astype(float)),
          epochs=400, batch_size=4, progress=False)
    logits = model(ck.tensor(X)).data.ravel()
    assert ((logits > 0).astype(int) == [0, 1, 1, 0]).all()


def test_a_linear_model_cannot_learn_xor() -> None:
    X, y = make_xor()
    ck.manual_seed(0)
    model = nn.Linear(2, 1)
    T.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), (X, y[:, None].astype(float)), epochs=2000,
          batch_size=4, progress=False, metrics=())
    # The least-squares solution of the course: w = 0, b = 1/2.
    np.testing.assert_allclose(model.weight.data, [[0.0, 0.0]], atol=1e-6)
    np.testing.assert_allclose(model.bias.data, [0.5], atol=1e-6)


def test_early_stopping_on_noisy_regression_restores_the_best_weights() -> None:
    X, y = make_sine_regression(30, noise=0.5, seed=1)
    X_val, y_val = make_sine_regression(200, noise=0.5, seed=2)
    ck.manual_seed(0)
    model = nn.MLP([1, 128, 128, 1])
    patience = 25
    history = T.fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), (X, y), epochs=2000,
                    batch_size=10, val_data=(X_val, y_val), early_stopping=T.EarlyStopping(patience=patience),
                    progress=False)
    assert history.stopped_early
    assert history.epochs < 2000
    best = int(np.argmin(history.val_loss))
    assert history.best_epoch == best
    assert history.epochs == best + patience + 1  # patience epochs without improvement after the best
    assert history.val_loss[-1] > history.val_loss[best]
    # the model now holds the best epoch's weights
    assert T.evaluate(model, X_val, y_val, nn.MSELoss()) == history.val_loss[best] == history.best_val_loss
    assert "accuracy" not in history.metrics  # regression targets: no accuracy


def test_early_stopping_min_delta_and_int_patience() -> None:
    X, y = make_moons(200, noise=0.3, seed=0)
    Xv, yv = make_moons(200, noise=0.3, seed=1)
    ck.manual_seed(0)
    model = nn.MLP([2, 32, 2])
    history = T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=300,
                    val_data=(Xv, yv), early_stopping=T.EarlyStopping(patience=3, min_delta=10.0), progress=False)
    # no epoch improves on the first by more than 10: stop after 1 + patience epochs
    assert history.stopped_early and history.epochs == 4 and history.best_epoch == 0
    with pytest.raises(ValueError, match="val_data"):
        T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=2,
              early_stopping=5, progress=False)


def test_linear_autoencoder_learns_the_principal_subspace() -> None:
    rng = np.random.default_rng(0)
    n, d, q = 400, 6, 2
    basis = np.linalg.qr(rng.standard_normal((d, d)))[0]
    scales = np.array([3.0, 2.0, 0.3, 0.2, 0.1, 0.1])  # a clear gap after the second direction
    X = (rng.standard_normal((n, d)) * scales) @ basis.T + 1.0
    centred = X - X.mean(axis=0)
    top = np.linalg.svd(centred, full_matrices=False)[2][:q].T  # (d, q): top-q principal directions

    ck.manual_seed(0)
    model = nn.MLP([d, q, d], activation=None)
    T.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05, momentum=0.9), (X, X), epochs=4000,
          batch_size=n, progress=False, metrics=())
    decoder = model[-1].weight.data  # (d, q): its columns span the code's image
    Q = np.linalg.qr(decoder)[0]
    largest_angle = np.arcsin(min(1.0, np.linalg.norm(Q - top @ (top.T @ Q), 2)))
    assert largest_angle < 1e-3


def test_penalty_shrinks_the_weights() -> None:
    X, y = make_moons(200, noise=0.2, seed=0)
    norms = []
    for lam in (0.0, 0.01):
        ck.manual_seed(0)
        model = nn.MLP([2, 32, 2])
        T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=50,
              penalty=(lambda m, lam=lam: lam * nn.l2_penalty(m)), progress=False)
        norms.append(sum(float((p.data**2).sum()) for n, p in model.named_parameters() if n.endswith("weight")))
    assert norms[1] < 0.8 * norms[0]


# ---------------------------------------------------------------------------
# fit bookkeeping
# ---------------------------------------------------------------------------
def _small_problem():
    X, y = make_moons(120, noise=0.2, seed=0)
    return (X[:90], y[:90]), (X[90:], y[90:])


def test_history_records_every_epoch_and_is_reproducible() -> None:
    train, val = _small_problem()
    runs = []
    for _ in range(2):
        ck.manual_seed(4)
        model = nn.MLP([2, 16, 2], dropout=0.1)
        runs.append(T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train, epochs=6,
                          batch_size=16, val_data=val, progress=False))
    h = runs[0]
    assert h.epochs == 6 and len(h.val_loss) == 6 and len(h.epoch_time) == 6
    assert set(h.metrics) == {"accuracy", "val_accuracy"}
    assert all(0 <= a <= 1 for a in h.metrics["val_accuracy"])
    assert h.best_epoch == int(np.argmin(h.val_loss))
    assert h["loss"] is h.train_loss and h["val_accuracy"] is h.metrics["val_accuracy"]
    assert runs[0].train_loss == runs[1].train_loss and runs[0].val_loss == runs[1].val_loss
    with pytest.raises(KeyError, match="val_loss"):
        h["precision"]


def test_train_loss_is_the_mean_over_the_epochs_minibatches() -> None:
    # With lr = 0 the model never changes: the epoch's loss is the loss on the whole training set.
    train, _ = _small_problem()
    ck.manual_seed(0)
    model = nn.MLP([2, 8, 2])
    X, y = train
    logits = model(ck.tensor(X)).detach().numpy()
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -log_p[np.arange(len(y)), y].mean()
    history = T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0), train, epochs=2,
                    batch_size=32, progress=False)  # 90 examples: batches of 32, 32, 26
    assert history.train_loss[0] == pytest.approx(expected, rel=1e-12)
    assert history.metrics["accuracy"][0] == pytest.approx(np.mean(logits.argmax(axis=1) == y), rel=1e-12)


class _Recorder(nn.Module):
    """A model that remembers the inputs of every training batch."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(1, 2)
        self.seen: list[np.ndarray] = []

    def forward(self, x):
        if self.training:
            self.seen.append(x.detach().numpy()[:, 0].copy())
        return self.layer(x)


def test_each_epoch_visits_every_example_once_in_a_fresh_order() -> None:
    X = np.arange(50, dtype=float)[:, None]
    y = np.arange(50) % 2
    model = _Recorder()
    T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0), (X, y), epochs=2, batch_size=8,
          progress=False)
    assert [len(b) for b in model.seen] == [8] * 6 + [2] + [8] * 6 + [2]
    first, second = np.concatenate(model.seen[:7]), np.concatenate(model.seen[7:])
    assert sorted(first) == list(range(50)) and sorted(second) == list(range(50))  # without replacement
    assert not np.array_equal(first, np.arange(50)) and not np.array_equal(first, second)  # shuffled per epoch
    other = _Recorder()
    T.fit(other, nn.CrossEntropyLoss(), optim.SGD(other.parameters(), lr=0.0), (X, y), epochs=1, batch_size=8,
          seed=1, progress=False)
    assert not np.array_equal(np.concatenate(other.seen), first)  # the seed matters


def test_custom_metrics_and_errors() -> None:
    train, val = _small_problem()
    ck.manual_seed(0)
    model = nn.MLP([2, 8, 2])

    def error_rate(out, y):
        return float(np.mean(out.argmax(axis=1) != y))

    h = T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train, epochs=3, val_data=val,
              metrics=("accuracy", error_rate), progress=False)
    np.testing.assert_allclose(np.array(h.metrics["val_error_rate"]) + h.metrics["val_accuracy"], 1.0)
    with pytest.raises(ValueError, match="metric"):
        T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train, epochs=1,
              metrics=("f1",), progress=False)
    with pytest.raises(FloatingPointError, match="learning rate"), np.errstate(all="ignore"):
        T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1e300), train, epochs=3,
              progress=False)
    with pytest.raises(TypeError, match="pair"):
        T.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train[0], epochs=1,
              progress=False)


def test_progress_bar_and_the_fallback_without_tqdm(monkeypatch, capsys) -> None:
    pytest.importorskip("tqdm")
    train, _ = _small_problem()
    ck.manual_seed(0)
    model = nn.MLP([2, 8, 2])
    opt = optim.SGD(model.parameters(), lr=0.1)
    T.fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, progress=True)
    assert "2/2" in capsys.readouterr().err

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails as if tqdm were not installed
    monkeypatch.setattr(T, "_tqdm_note_shown", False)
    for _ in range(2):
        T.fit(model, nn.CrossEntropyLoss(), opt, train, epochs=1, progress=True)
    assert capsys.readouterr().err.count("coursekit.train: install tqdm") == 1  # a one-time note


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------
def test_plots_render_to_png(tmp_path) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train, val = _small_problem()
    ck.manual_seed(0)
    model = nn.MLP([2, 16, 2])
    history = T.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), train, epochs=5,
                    val_data=val, progress=False)
    try:
        ax = T.plot_history(history, logy=True)
        assert ax.get_yscale() == "log" and len(ax.get_lines()) >= 3
        ax.figure.savefig(tmp_path / "history.png")
        ax = T.plot_history(history, metric="accuracy")
        ax.figure.savefig(tmp_path / "accuracy.png")
        fig, axes = plt.subplots(1, 2)
        assert T.plot_decision_boundary(model, *train, resolution=50, ax=axes[0]) is axes[0]
        binary = nn.MLP([2, 4, 1], output="sigmoid")
        T.plot_decision_boundary(binary, train[0], 2 * train[1] - 1, resolution=30, ax=axes[1])
        fig.savefig(tmp_path / "boundary.png")
    finally:
        plt.close("all")
    for name in ("history.png", "accuracy.png", "boundary.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 1000
    with pytest.raises(ValueError, match="2-D"):
        T.plot_decision_boundary(model, np.zeros((3, 3)), np.zeros(3))
    assert model.training  # plotting left the mode alone
    assert math.isfinite(history.best_val_loss)
