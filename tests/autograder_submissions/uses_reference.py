# threat: calling coursekit's implementation instead of writing it
# replace: sigmoid_neuron
import numpy as np
import coursekit as ck


def sigmoid_neuron(x, w):
    xt = ck.Tensor(np.asarray(x, dtype=float), requires_grad=True)
    wt = ck.Tensor(np.asarray(w, dtype=float), requires_grad=True)
    f = ((xt * wt[:-1]).sum() + wt[-1]).sigmoid()
    f.backward()
    return f.data, xt.grad, wt.grad
