def momentum_step(theta, grad, v, lr, gamma):
    v = gamma * v - lr * grad
    return theta + v, v


def nesterov_step(theta, v, grad_fn, lr, gamma):
    lookahead = theta + gamma * v
    g = grad_fn(lookahead)
    v = gamma * v - lr * g
    return theta + v, v


def adagrad_step(theta, grad, r, lr, delta):
    r = r + grad ** 2
    step = lr / (delta + np.sqrt(r))
    return theta - step * grad, r


def rmsprop_step(theta, grad, s, lr, rho, delta):
    s = rho * s + (1 - rho) * grad ** 2
    theta = theta - lr * grad / (np.sqrt(s) + delta)
    return theta, s


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v


def sgd_losses(batch_size, lr, epochs=10, seed=0):
    rng = np.random.default_rng(seed)
    n = len(x_data)
    params = np.zeros(2)
    velocity = np.zeros(2)
    history = []
    for epoch in range(epochs):
        perm = rng.permutation(n)
        for i in range(0, n, batch_size):
            batch = perm[i:i + batch_size]
            xb, yb = x_data[batch], y_data[batch]
            residual = params[0] + params[1] * xb - yb
            grad = np.array([2 * np.mean(residual), 2 * np.mean(residual * xb)])
            params, velocity = momentum_step(params, grad, velocity, lr, 0.0)
            full = params[0] + params[1] * x_data - y_data
            history.append(np.mean(full ** 2))
    return np.array(history)
