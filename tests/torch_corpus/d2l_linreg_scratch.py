# Source: d2l-ai/d2l-en @ 23d7a5aecceee57d1292c56e90cce307f183bb0a: d2l/torch.py (synthetic_data, linreg, squared_loss, sgd, load_array: the
#   from-scratch linear regression utilities of chapter_linear-regression, saved into the d2l package) and
#   chapter_linear-regression/synthetic-regression-data.md (the shuffling data_iter)
# License: MIT-0-style "modified MIT" (d2l-ai/d2l-en LICENSE-SAMPLECODE: Copyright 2019 Amazon.com, Inc. or its affiliates)
# Changes: the import line only (the original after "# torch:"). The functions are d2l's; "d2l." names resolve
#   to this file through a small namespace (marked "glue"), and the training loop at the end is glue written
#   after the book's from-scratch loop (3 epochs, lr 0.03, batch 10).
# Compare: w; b; true_w - w.reshape(true_w.shape); l
import random
import coursekit as torch  # torch: import torch


def synthetic_data(w, b, num_examples):
    """Generate y = Xw + b + noise.

    Defined in :numref:`sec_utils`"""
    X = d2l.normal(0, 1, (num_examples, len(w)))
    y = d2l.matmul(X, w) + b
    y += d2l.normal(0, 0.01, y.shape)
    return X, d2l.reshape(y, (-1, 1))

def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent.

    Defined in :numref:`sec_utils`"""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()

def linreg(X, w, b):
    """The linear regression model.

    Defined in :numref:`sec_utils`"""
    return d2l.matmul(X, w) + b

def squared_loss(y_hat, y):
    """Squared loss.

    Defined in :numref:`sec_utils`"""
    return (y_hat - d2l.reshape(y, y_hat.shape)) ** 2 / 2

def load_array(data_arrays, batch_size, is_train=True):
    """Construct a PyTorch data iterator.

    Defined in :numref:`sec_utils`"""
    dataset = torch.utils.data.TensorDataset(*data_arrays)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=is_train)


class d2l:  # glue: d2l/torch.py's aliases
    normal, matmul, reshape = torch.normal, torch.matmul, torch.reshape
    synthetic_data, sgd, linreg, squared_loss = synthetic_data, sgd, linreg, squared_loss


def data_iter(batch_size, features, labels):  # glue: the book's data_iter, as a function
    num_examples = len(features)
    indices = list(range(num_examples))
    # The examples are read at random, in no particular order
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: i+batch_size])
        yield features[batch_indices], labels[batch_indices]


# glue: the from-scratch training loop
true_w = torch.tensor([2, -3.4])
true_b = 4.2
features, labels = d2l.synthetic_data(true_w, true_b, 1000)
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr, num_epochs, batch_size = 0.03, 3, 10
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = d2l.squared_loss(d2l.linreg(X, w, b), y)
        l.sum().backward()
        d2l.sgd([w, b], lr, batch_size)
    with torch.no_grad():
        train_l = d2l.squared_loss(d2l.linreg(features, w, b), labels)
        print(f'epoch {epoch + 1}, loss {float(train_l.mean()):f}')
l = d2l.squared_loss(d2l.linreg(features, w, b), labels).mean()
for X, y in load_array((features, labels), batch_size, is_train=False):
    break
