"""Measures of a trained model: interpolation between models, input sensitivity, sharpness.

Interpolation (Goodfellow et al. 2015; the homework's flatness part 1); sensitivity (the
homework's input-gradient norm; Novak et al. 2018, "Sensitivity and Generalization in Neural
Networks", the Frobenius norm of the input-output Jacobian); sharpness (Keskar et al. 2017, "On
Large-Batch Training for Deep Learning", and the homework's Hessian-based estimate).
"""
import numpy as np
import torch


def interpolate(state_1, state_2, alpha):
    """(1 - alpha) * state_1 + alpha * state_2 for every floating-point tensor of two state dicts.
    Non-float entries (counters) come from state_1. Exact at alpha = 0 and alpha = 1."""
    return {k: ((1 - alpha) * v + alpha * state_2[k]) if v.is_floating_point() else v
            for k, v in state_1.items()}


def sensitivity(model, x, y, chunk=2000):
    """Mean over examples of two input sensitivities, w.r.t. the input as the model sees it (the
    normalized image), in eval mode:
      loss_gradient:  ||d loss(x_n, y_n) / d x_n||_2, the gradient of each example's own loss
                      (not of the batch mean, whose 1/B factor would make the measure shrink
                      with the batch size by construction);
      jacobian_frobenius: ||d softmax(f(x_n)) / d x_n||_F (Novak et al. 2018, Sec. 3).
    Both come from batched backward passes: in eval mode, example n's outputs depend on x_n only,
    so the gradient of a sum over examples w.r.t. x holds every per-example gradient."""
    was_training = model.training
    model.eval()
    loss_norms, jac_norms = [], []
    for start in range(0, len(x), chunk):
        xb = x[start:start + chunk].detach().clone().requires_grad_(True)
        logits = model(xb)
        loss = torch.nn.functional.cross_entropy(logits, y[start:start + chunk], reduction="sum")
        (g,) = torch.autograd.grad(loss, xb, retain_graph=True)
        loss_norms.append(g.flatten(1).norm(dim=1))
        probs = torch.softmax(logits, dim=1)
        squares = torch.zeros(len(xb), device=x.device, dtype=x.dtype)
        for c in range(probs.shape[1]):           # one backward pass per class: row c of every Jacobian
            (gc,) = torch.autograd.grad(probs[:, c].sum(), xb, retain_graph=c < probs.shape[1] - 1)
            squares += gc.flatten(1).pow(2).sum(1)
        jac_norms.append(squares.sqrt())
    model.train(was_training)
    return {"loss_gradient": float(torch.cat(loss_norms).mean()),
            "jacobian_frobenius": float(torch.cat(jac_norms).mean())}


def keskar_sharpness(loss, theta, epsilon, max_iter=20, seed=0):
    """Keskar et al. 2017, Sec. 2.2 / Metric 2.1 with A = I: the largest relative loss increase in
    the box |delta_i| <= epsilon (|theta_i| + 1),
        100 * (max_delta L(theta + delta) - L(theta)) / (1 + L(theta)),
    maximized with scipy's L-BFGS-B (bounds) from a small random start inside the box.
    loss: a float64 function of the flat parameters; theta: (P,) float64."""
    from scipy.optimize import minimize

    theta = theta.detach().to(torch.float64)
    radius = epsilon * (theta.abs() + 1)                     # (P,) half-widths of the box
    base = float(loss(theta))
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1e-3, 1e-3, theta.numel())          # in box units: delta = u * radius, u in [-1, 1]

    def negative_loss(u):
        u = torch.as_tensor(u, dtype=torch.float64, device=theta.device).requires_grad_(True)
        value = loss(theta + u * radius)
        (g,) = torch.autograd.grad(value, u)
        return -float(value.detach()), -g.cpu().numpy()

    # gtol = ftol = 0: near a minimum the gradient is tiny, and the default tolerances would stop
    # L-BFGS-B at its start; it runs max_iter iterations (or until its line search cannot improve)
    found = minimize(negative_loss, start, jac=True, method="L-BFGS-B", bounds=[(-1.0, 1.0)] * theta.numel(),
                     options={"maxiter": max_iter, "gtol": 0.0, "ftol": 0.0})
    return 100.0 * (-found.fun - base) / (1.0 + base)


def hessian_sharpness(top_eigenvalue, loss_value, epsilon):
    """The homework's second-order estimate of the sharpness: ||H||_2 epsilon^2 / (2 (1 + L))."""
    return top_eigenvalue * epsilon ** 2 / (2.0 * (1.0 + loss_value))
