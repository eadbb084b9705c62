def momentum_step(theta, grad, v, lr, gamma):
    # heavy ball: remember a fraction of the last step
    v_next = -lr * grad + gamma * v
    return v_next + theta, v_next


def nesterov_step(theta, v, grad_fn, lr, gamma):
    point = gamma * v + theta
    grad_there = grad_fn(point)
    v_next = -lr * grad_there + gamma * v
    return v_next + theta, v_next


def adagrad_step(theta, grad, r, lr, delta):
    r_next = grad * grad + r
    return theta - grad * lr / (np.sqrt(r_next) + delta), r_next


def rmsprop_step(theta, grad, s, lr, rho, delta):
    s_next = (1.0 - rho) * grad * grad + rho * s
    return theta - grad * lr / (delta + np.sqrt(s_next)), s_next


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m_next = (1.0 - beta1) * grad + beta1 * m
    v_next = (1.0 - beta2) * grad * grad + beta2 * v
    mhat = m_next / (1.0 - beta1 ** t)
    vhat = v_next / (1.0 - beta2 ** t)
    theta_next = theta - lr * mhat / (eps + np.sqrt(vhat))
    return theta_next, m_next, v_next


def line_gradient(p, xs, ys):
    resid = p[0] + p[1] * xs - ys
    return np.array([2.0 * resid.mean(), 2.0 * (resid * xs).mean()])


def sgd_losses(batch_size, lr, epochs=10, seed=0):
    rng = np.random.default_rng(seed)
    p = np.zeros(2)
    v = np.zeros(2)
    losses = np.zeros(epochs * int(np.ceil(200 / batch_size)))
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(200)
        n_batches = int(np.ceil(200 / batch_size))
        for b in range(n_batches):
            ids = order[b * batch_size:(b + 1) * batch_size]
            p, v = momentum_step(p, line_gradient(p, x_data[ids], y_data[ids]), v, lr, 0.0)
            losses[step] = np.mean((p[0] + p[1] * x_data - y_data) ** 2)
            step += 1
    return losses
