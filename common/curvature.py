"""Curvature of the loss in parameter space: gradient norm, exact Hessian, Hessian-vector
products, extreme eigenvalues (power iteration, Lanczos) and the minimal ratio.

Everything works on a flat parameter vector theta (P,) and a function loss(theta) -> scalar,
built from a module by `flat_loss`. Curvature runs in float64: eigvalsh in float32 fails on
some ReLU nets, and near-zero eigenvalues need the precision.
"""
import copy
import math

import torch
from torch.func import functional_call, grad, hessian, vjp


# ---------------------------------------------------------------------------- flat parameters
def flatten_params(model, dtype=torch.float64):
    """All parameters in named_parameters() order as one (P,) vector."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).to(dtype)


def unflatten(theta, shapes):
    """(P,) -> {name: tensor of shape} in the order of `shapes` (a list of (name, shape))."""
    out, start = {}, 0
    for name, shape in shapes:
        n = math.prod(shape)
        out[name] = theta[start:start + n].view(shape)
        start += n
    return out


def flat_loss(model, x, y, loss_fn, dtype=torch.float64):
    """(loss(theta), theta0): the mean loss of `model` on (x, y) as a function of its flat
    parameters, in `dtype`. The model itself is left untouched."""
    shapes = [(name, tuple(p.shape)) for name, p in model.named_parameters()]
    x, y = x.to(dtype), (y.to(dtype) if y.is_floating_point() else y)
    module = copy.deepcopy(model).to(dtype)     # buffers in dtype too; parameters come from theta

    def loss(theta):
        return loss_fn(functional_call(module, unflatten(theta, shapes), (x,)), y)
    return loss, flatten_params(model, dtype)


# ---------------------------------------------------------------------------- first and second order
def gradient_norm(parameters):
    """2-norm of the gradient over all parameters (after backward): sqrt(sum_i |g_i|^2)."""
    grads = [p.grad.reshape(-1) for p in parameters if p.grad is not None]
    return torch.linalg.vector_norm(torch.cat(grads)) if grads else torch.tensor(0.0)


def exact_hessian(loss, theta):
    """The (P, P) Hessian of loss at theta (torch.func: forward-over-reverse), symmetrized."""
    h = hessian(loss)(theta)
    return 0.5 * (h + h.T)


def hvp(loss, theta, v):
    """Hessian-vector product H(theta) v without forming H: reverse-mode over reverse-mode,
    H v = d/dtheta (grad L(theta) . v) (H is symmetric)."""
    return vjp(grad(loss), theta)[1](v)[0]


def power_iteration(matvec, dim, iters=100, tol=1e-10, generator=None, dtype=torch.float64, device="cpu"):
    """Eigenvalue of largest magnitude of the symmetric operator `matvec` (Rayleigh quotient),
    with its unit eigenvector. Stops when the estimate changes by less than tol (relative)."""
    v = torch.randn(dim, generator=generator, dtype=dtype).to(device)
    v /= v.norm()
    value = 0.0
    for _ in range(iters):
        w = matvec(v)
        new = float(v @ w)
        v = w / w.norm()
        if abs(new - value) <= tol * max(abs(new), 1e-30):
            value = new
            break
        value = new
    return value, v


def lanczos(matvec, dim, steps=30, generator=None, dtype=torch.float64, device="cpu"):
    """Ritz values of the symmetric operator after `steps` Lanczos steps with full
    reorthogonalization (ascending). The extreme ones converge first, to the extreme eigenvalues."""
    steps = min(steps, dim)
    basis = torch.zeros(steps, dim, dtype=dtype, device=device)
    alphas, betas = [], []
    q = torch.randn(dim, generator=generator, dtype=dtype).to(device)
    q /= q.norm()
    for k in range(steps):
        basis[k] = q
        w = matvec(q)
        alpha = float(q @ w)
        w = w - basis[:k + 1].T @ (basis[:k + 1] @ w)      # full reorthogonalization (twice is enough)
        w = w - basis[:k + 1].T @ (basis[:k + 1] @ w)
        alphas.append(alpha)
        beta = float(w.norm())
        if k == steps - 1 or beta < 1e-12:
            break
        betas.append(beta)
        q = w / beta
    t = torch.diag(torch.tensor(alphas, dtype=torch.float64))
    if betas:
        off = torch.tensor(betas[:len(alphas) - 1], dtype=torch.float64)
        t += torch.diag(off, 1) + torch.diag(off, -1)
    return torch.linalg.eigvalsh(t)


# ---------------------------------------------------------------------------- minimal ratio
def eigenvalue_shares(eigenvalues, rel_tol=1e-6):
    """Shares of positive, near-zero and negative eigenvalues, with |lambda| <= tol counted as
    zero and tol = rel_tol * max|lambda|. minimal_ratio (the homework's) = share > tol."""
    eigenvalues = torch.as_tensor(eigenvalues, dtype=torch.float64)
    tol = rel_tol * float(eigenvalues.abs().max()) if eigenvalues.numel() else 0.0
    n = eigenvalues.numel()
    positive = int((eigenvalues > tol).sum())
    negative = int((eigenvalues < -tol).sum())
    return {"minimal_ratio": positive / n, "zero_share": (n - positive - negative) / n,
            "negative_share": negative / n, "tol": tol}


def minimal_ratio(eigenvalues, rel_tol=1e-6):
    """Share of Hessian eigenvalues above rel_tol * max|lambda| (1 at a strict minimum)."""
    return eigenvalue_shares(eigenvalues, rel_tol)["minimal_ratio"]
