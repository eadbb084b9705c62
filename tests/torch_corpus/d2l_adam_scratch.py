# Source: d2l-ai/d2l-en @ 23d7a5aecceee57d1292c56e90cce307f183bb0a: chapter_optimization/adam.md (the PyTorch tab: init_adam_states, adam and the
#   training run) and d2l/torch.py (train_ch11, get_data_ch11, load_array, linreg, squared_loss)
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


def init_adam_states(feature_dim):
    v_w, v_b = d2l.zeros((feature_dim, 1)), d2l.zeros(1)
    s_w, s_b = d2l.zeros((feature_dim, 1)), d2l.zeros(1)
    return ((v_w, s_w), (v_b, s_b))

def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1

data_iter, feature_dim = d2l.get_data_ch11(batch_size=10)
d2l.train_ch11(adam, init_adam_states(feature_dim),
               {'lr': 0.01, 't': 1}, data_iter, feature_dim);

trainer = torch.optim.Adam
def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=4):  # d2l/torch.py, plot and timer left out
    """Defined in :numref:`sec_minibatches`"""
    # Initialization
    net = nn.Sequential(nn.Linear(5, 1))
    def init_weights(module):
        if type(module) == nn.Linear:
            torch.nn.init.normal_(module.weight, std=0.01)
    net.apply(init_weights)

    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')
    n = 0
    for _ in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            l.mean().backward()
            optimizer.step()
            n += X.shape[0]
    results.append(net)  # the test compares them

from coursekit import nn  # torch: from torch import nn
train_concise_ch11(trainer, {'lr': 0.01}, data_iter)
