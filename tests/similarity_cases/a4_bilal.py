def momentum_step(theta, grad, v, lr, gamma):
    new_v = gamma * v - lr * grad
    new_theta = theta + new_v
    return new_theta, new_v


def nesterov_step(theta, v, grad_fn, lr, gamma):
    v_new = gamma * v - lr * grad_fn(theta + gamma * v)
    return theta + v_new, v_new


def adagrad_step(theta, grad, r, lr, delta):
    r_new = r + np.square(grad)
    theta_new = theta - (lr / (np.sqrt(r_new) + delta)) * grad
    return theta_new, r_new


def rmsprop_step(theta, grad, s, lr, rho, delta):
    s_new = rho * s + (1.0 - rho) * np.square(grad)
    denom = np.sqrt(s_new) + delta
    return theta - lr * grad / denom, s_new


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1.0 - beta1) * grad
    v_new = beta2 * v + (1.0 - beta2) * np.square(grad)
    corrected_m = m_new / (1.0 - np.power(beta1, t))
    corrected_v = v_new / (1.0 - np.power(beta2, t))
    update = lr * corrected_m / (np.sqrt(corrected_v) + eps)
    return theta - update, m_new, v_new


def mse(p, x, y):
    return np.mean((p[0] + p[1] * x - y) ** 2)


def sgd_losses(batch_size, lr, epochs=10, seed=0):
    generator = np.random.default_rng(seed)
    p = np.array([0.0, 0.0])
    vel = np.zeros_like(p)
    out = []
    n_points = x_data.shape[0]
    for _ in range(epochs):
        shuffled = generator.permutation(n_points)
        start = 0
        while start < n_points:
            chosen = shuffled[start:start + batch_size]
            start += batch_size
            x, y = x_data[chosen], y_data[chosen]
            r = p[0] + p[1] * x - y
            g = 2.0 * np.array([r.mean(), (r * x).mean()])
            p, vel = momentum_step(p, g, vel, lr, gamma=0.0)
            out.append(mse(p, x_data, y_data))
    return np.asarray(out, dtype=float)
