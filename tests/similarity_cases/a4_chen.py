import numpy as np


def momentum_step(theta, grad, v, lr, gamma):
    velocity = v * gamma
    velocity -= lr * grad
    return theta + velocity, velocity


def nesterov_step(theta, v, grad_fn, lr, gamma):
    ahead = theta + v * gamma
    velocity = v * gamma - grad_fn(ahead) * lr
    theta_next = theta + velocity
    return theta_next, velocity


def adagrad_step(theta, grad, r, lr, delta):
    accumulated = r + grad * grad
    scale = 1.0 / (delta + accumulated ** 0.5)
    return theta - lr * scale * grad, accumulated


def rmsprop_step(theta, grad, s, lr, rho, delta):
    avg = s * rho
    avg += (1 - rho) * (grad * grad)
    return theta - lr * grad / (avg ** 0.5 + delta), avg


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    first = m * beta1 + grad * (1 - beta1)
    second = v * beta2 + grad * grad * (1 - beta2)
    bc1 = 1 - beta1 ** t
    bc2 = 1 - beta2 ** t
    direction = (first / bc1) / ((second / bc2) ** 0.5 + eps)
    return theta - lr * direction, first, second


def sgd_losses(batch_size, lr, epochs=10, seed=0):
    gen = np.random.default_rng(seed)
    w = np.zeros(2)
    vel = np.zeros(2)
    result = np.empty(0)
    total = len(y_data)
    for e in range(epochs):
        idx = gen.permutation(total)
        batches = [idx[k:k + batch_size] for k in range(0, total, batch_size)]
        for b in batches:
            err = w[0] + w[1] * x_data[b] - y_data[b]
            gradient = np.array([np.mean(err), np.mean(err * x_data[b])]) * 2
            w, vel = momentum_step(w, gradient, vel, lr, 0)
            loss = ((w[0] + w[1] * x_data - y_data) ** 2).mean()
            result = np.append(result, loss)
    return result
