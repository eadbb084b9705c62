# Source: pytorch/tutorials, beginner_source/nn_tutorial.py @ 05e7ce2c19e72d482475d91d458db210cdacec38
#   ("What is torch.nn really?", the sections up to "Refactor using nn.Module")
# License: BSD-3-Clause (pytorch/tutorials LICENSE: Copyright (c) 2017-2022, Pytorch contributors); tutorial by Jeremy Howard, fast.ai
# Changes: the import lines only (the originals after "# torch:"); prose, plots and the IPython debugger import are
#   left out. Synthetic data: MNIST (a download) is replaced by 640 + 128 random float64 rows of 784 "pixels" (80% zeros) with
#   random labels (marked "synthetic data"); the code that uses them is unchanged.
# Compare: weights; bias; model; loss_func(model(xb), yb); accuracy(model(xb), yb); preds
import numpy as np
_rng = np.random.default_rng(7)  # synthetic data
x_train = _rng.random((640, 784)) * (_rng.random((640, 784)) < 0.2)  # synthetic data: mostly 0, as MNIST's pixels
x_valid = _rng.random((128, 784)) * (_rng.random((128, 784)) < 0.2)  # synthetic data
y_train, y_valid = _rng.integers(0, 10, 640), _rng.integers(0, 10, 128)  # synthetic data

import coursekit as torch  # torch: import torch

x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (x_train, y_train, x_valid, y_valid)
)
n, c = x_train.shape
x_train, x_train.shape, y_train.min(), y_train.max()
print(x_train, y_train)
print(x_train.shape)
print(y_train.min(), y_train.max())

import math

weights = torch.randn(784, 10) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)

def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)

def model(xb):
    return log_softmax(xb @ weights + bias)

bs = 64  # batch size

xb = x_train[0:bs]  # a mini-batch from x
preds = model(xb)  # predictions
preds[0], preds.shape
print(preds[0], preds.shape)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()

loss_func = nll

yb = y_train[0:bs]
print(loss_func(preds, yb))


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()

print(accuracy(preds, yb))

lr = 0.5  # learning rate
epochs = 2  # how many epochs to train for

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        #         set_trace()
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

print(loss_func(model(xb), yb), accuracy(model(xb), yb))

import coursekit.nn.functional as F  # torch: import torch.nn.functional as F

loss_func = F.cross_entropy

def model(xb):
    return xb @ weights + bias

print(loss_func(model(xb), yb), accuracy(model(xb), yb))

from coursekit import nn  # torch: from torch import nn

class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias

model = Mnist_Logistic()

print(loss_func(model(xb), yb))

def fit():
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()

fit()

print(loss_func(model(xb), yb))
