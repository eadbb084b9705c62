def momentum_step(theta, grad, v, lr, gamma):
    v = np.asarray(v, dtype=float)
    v_updated = gamma * v - lr * np.asarray(grad)
    theta_updated = np.asarray(theta) + v_updated
    return theta_updated, v_updated


def nesterov_step(theta, v, grad_fn, lr, gamma):
    g = grad_fn(theta + gamma * v)
    return momentum_step(theta, g, v, lr, gamma)


def adagrad_step(theta, grad, r, lr, delta):
    r = r.copy()
    r += grad ** 2
    eta = lr / (delta + np.sqrt(r))
    theta = theta - eta * grad
    return theta, r


def rmsprop_step(theta, grad, s, lr, rho, delta):
    s = rho * s + (1 - rho) * grad ** 2
    eta = lr / (np.sqrt(s) + delta)
    theta = theta - eta * grad
    return theta, s


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * (grad ** 2)
    correction1 = 1 - beta1 ** t
    correction2 = 1 - beta2 ** t
    m_corr, v_corr = m / correction1, v / correction2
    eta = lr / (np.sqrt(v_corr) + eps)
    return theta - eta * m_corr, m, v


def sgd_losses(batch_size, lr, epochs=10, seed=0):
    rand = np.random.default_rng(seed)
    theta = np.zeros(2)
    vel = np.zeros(2)
    losses = []
    N = len(x_data)
    X = np.column_stack([np.ones(N), x_data])
    for ep in range(epochs):
        order = rand.permutation(N)
        for lo in range(0, N, batch_size):
            rows = order[lo:lo + batch_size]
            res = X[rows] @ theta - y_data[rows]
            grad = 2 * X[rows].T @ res / len(rows)
            theta, vel = momentum_step(theta, grad, vel, lr, 0.0)
            losses.append(float(np.mean((X @ theta - y_data) ** 2)))
    return np.array(losses)
