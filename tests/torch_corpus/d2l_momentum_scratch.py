# Source: d2l-ai/d2l-en @ 23d7a5aecceee57d1292c56e90cce307f183bb0a: chapter_optimization/momentum.md (the PyTorch tab: init_momentum_states,
#   sgd_momentum, train_momentum and its three runs) and d2l/torch.py (train_ch11, get_data_ch11, load_array,
#   linreg, squared_loss, which that chapter calls)
# License: MIT-0-style "modified MIT" (d2l-ai/d2l-en LICENSE-SAMPLECODE: Copyright 2019 Amazon.com, Inc. or its affiliates)
# Changes: the import line only (the original after "# torch:"). "d2l." names resolve to this file through a small
#   namespace (marked "glue"); train_ch11 leaves out its plot and timer and records its results (marked); the
#   airfoil download is replaced by synthetic data of the same shape (marked "synthetic data").
# Compare: results
import numpy as np
import coursekit as torch  # torch: import torch


def load_array(data_arrays, batch_size, is_train=True):
    """Construct a PyTorch data iterator.

    Defined in :numref:`sec_utils`"""
    dataset = torch.utils.data.TensorDataset(*data_arrays)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=is_train)

def linreg(X, w, b):
    """The linear regression model.

    Defined in :numref:`sec_utils`"""
    return d2l.matmul(X, w) + b

def squared_loss(y_hat, y):
    """Squared loss.

    Defined in :numref:`sec_utils`"""
    return (y_hat - d2l.reshape(y, y_hat.shape)) ** 2 / 2

def get_data_ch11(batch_size=10, n=1500):
    """Defined in :numref:`sec_minibatches`"""
    data = _synthetic_airfoil()  # synthetic data (was: np.genfromtxt(d2l.download('airfoil'), ...))
    data = torch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    data_iter = d2l.load_array((data[:n, :-1], data[:n, -1]),
                               batch_size, is_train=True)
    return data_iter, data.shape[1]-1

def train_ch11(trainer_fn, states, hyperparams, data_iter,
               feature_dim, num_epochs=2):
    """Defined in :numref:`sec_minibatches`"""
    # Initialization
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1),
                     requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net, loss = lambda X: d2l.linreg(X, w, b), d2l.squared_loss
    # Train
    n = 0
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
    results.append((w, b, l))  # the test compares them (the animator and timer are left out)
    return w, b


def _synthetic_airfoil():  # synthetic data: 1503 rows of 5 features and a target, like the airfoil file
    rng = np.random.default_rng(11)
    X = rng.standard_normal((1503, 5))
    return np.column_stack([X, X @ np.array([0.5, -1.0, 0.3, 0.0, 2.0]) + 0.1 * rng.standard_normal(1503)])


class d2l:  # glue: d2l/torch.py's aliases and the functions above
    zeros, matmul, reshape = torch.zeros, torch.matmul, torch.reshape
    load_array, linreg, squared_loss = load_array, linreg, squared_loss
    get_data_ch11, train_ch11 = get_data_ch11, train_ch11


results = []  # the test compares them


def init_momentum_states(feature_dim):
    v_w = d2l.zeros((feature_dim, 1))
    v_b = d2l.zeros(1)
    return (v_w, v_b)

def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()

def train_momentum(lr, momentum, num_epochs=2):
    d2l.train_ch11(sgd_momentum, init_momentum_states(feature_dim),
                   {'lr': lr, 'momentum': momentum}, data_iter,
                   feature_dim, num_epochs)

data_iter, feature_dim = d2l.get_data_ch11(batch_size=10)
train_momentum(0.02, 0.5)

train_momentum(0.01, 0.9)

train_momentum(0.005, 0.9)
