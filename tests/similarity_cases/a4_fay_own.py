def momentum_step(theta, grad, v, lr, gamma):
    """Heavy ball."""
    out_v = gamma * v
    out_v = out_v - lr * grad
    out_theta = theta.copy()
    out_theta += out_v
    return out_theta, out_v


def nesterov_step(theta, v, grad_fn, lr, gamma):
    peek = theta.copy()
    peek += gamma * v
    change = gamma * v - lr * grad_fn(peek)
    return theta + change, change


def adagrad_step(theta, grad, r, lr, delta):
    total_sq = np.add(r, np.multiply(grad, grad))
    adjusted = np.divide(lr, np.add(delta, np.sqrt(total_sq)))
    return np.subtract(theta, np.multiply(adjusted, grad)), total_sq


def rmsprop_step(theta, grad, s, lr, rho, delta):
    mean_sq = np.add(np.multiply(rho, s), np.multiply(1 - rho, np.multiply(grad, grad)))
    return np.subtract(theta, lr * grad / np.add(np.sqrt(mean_sq), delta)), mean_sq


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    moments = []
    for beta, old, g in ((beta1, m, grad), (beta2, v, grad * grad)):
        moments.append(beta * old + (1 - beta) * g)
    m_new, v_new = moments
    unbiased = [moments[0] / (1 - beta1 ** t), moments[1] / (1 - beta2 ** t)]
    return theta - lr * unbiased[0] / (np.sqrt(unbiased[1]) + eps), m_new, v_new
