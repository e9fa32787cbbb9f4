"""Measures of a trained model: interpolation between models, input sensitivity.

Interpolation (Goodfellow et al. 2015; the homework's flatness part 1) and sensitivity (the
homework's input-gradient norm; Novak et al. 2018, "Sensitivity and Generalization in Neural
Networks", the Frobenius norm of the input-output Jacobian) live here.
"""
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
