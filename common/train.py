"""The one training loop, its per-epoch history, and many same-shape models trained at once.

`train` runs minibatch (or full-batch) training on in-memory tensors and evaluates the
full train and test sets in eval mode after every epoch. `train_together` trains M
same-shape models at once: plain ReLU/tanh MLPs on the MSE with batched matmuls and a
hand-written backward, anything else with torch.func (stack_module_state + functional_call +
vmap): one batched forward/backward per step instead of M small ones. Adam is elementwise, so
Adam on the stacked parameters with the summed loss makes exactly the updates that M
separate Adams would make.
"""
import copy
import math
import os
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, stack_module_state
from tqdm.auto import tqdm

from common.cli import HW1Error, interactive, log, setup_worker
from common.data import minibatches


@dataclass(frozen=True)
class TrainConfig:
    epochs: int                  # passes over the training set
    lr: float                    # peak learning rate
    batch_size: int | None       # examples per step; None = full batch
    optimizer: str = "adam"      # adam | sgd
    momentum: float = 0.9        # SGD only
    schedule: str = "constant"   # constant | cosine (decay to 0) | onecycle (peak at 30%); per step
    loss: str = "ce"             # ce (classification) | mse (regression)
    eval_every: int = 1          # epochs between full-set evaluations (and history rows)
    stop_at_train_acc: float | None = None   # stop after the evaluation that reaches this accuracy
    eval_train_subset: int | None = None     # per-epoch training metrics on the first n training examples
                                             # (a fixed subset; the full sets once more at the end: "final")


def make_optimizer(params, cfg):
    params = list(params)
    if cfg.optimizer == "adam":   # fused: one kernel for all tensors, 10-30% faster per step on small nets
        return torch.optim.Adam(params, lr=cfg.lr, fused=all(p.is_floating_point() for p in params))
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)
    raise HW1Error(f"unknown optimizer {cfg.optimizer!r}; choose adam or sgd")


def make_scheduler(optimizer, cfg, total_steps):
    """Per-step learning-rate schedule (None for constant)."""
    if cfg.schedule == "constant":
        return None
    if cfg.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg.lr, total_steps=total_steps,
                                                   pct_start=0.3)
    raise HW1Error(f"unknown schedule {cfg.schedule!r}; choose constant, cosine or onecycle")


def loss_fn(kind):
    return {"ce": F.cross_entropy, "mse": F.mse_loss}[kind]


@torch.no_grad()
def evaluate(model, x, y, loss="ce", chunk=None):
    """Mean loss and accuracy (None for mse) of `model` on the full (x, y) in eval mode, in chunks
    of `chunk` examples: by default 512 for CNNs (their activations then stay in cache: 2-3x faster
    than 8192 on MNIST) and 8192 for everything else."""
    if chunk is None:
        chunk = 512 if any(isinstance(m, nn.Conv2d) for m in model.modules()) else 8192
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    for start in range(0, len(x), chunk):
        out = model(x[start:start + chunk])
        target = y[start:start + chunk]
        total_loss += float(loss_fn(loss)(out, target, reduction="sum"))
        if loss == "ce":
            correct += int((out.argmax(1) == target).sum())
    model.train(was_training)
    denom = len(x) * (1 if loss == "ce" else y[0].numel())
    return total_loss / denom, (correct / len(x) if loss == "ce" else None)


def train(model, data, cfg, seed=0, desc="train", on_step=None, on_epoch=None):
    """Train `model` in place on data = (x_train, y_train, x_test, y_test).

    on_step(step, model, loss) runs after each backward pass, before the optimizer step
    (gradients are in .grad). on_epoch(epoch, model, row) runs after each evaluation, the
    first at epoch 0 (before any step).
    Returns the history: {"epoch", "train_loss", "train_acc", "test_loss", "test_acc"}; with
    cfg.eval_train_subset, the training metrics per epoch are those of the first n training
    examples, and "final" holds the metrics of the full training and test sets at the end."""
    x_train, y_train, x_test, y_test = data
    generator = torch.Generator().manual_seed(seed)
    optimizer = make_optimizer(model.parameters(), cfg)
    steps_per_epoch = math.ceil(len(x_train) / (cfg.batch_size or len(x_train)))
    scheduler = make_scheduler(optimizer, cfg, cfg.epochs * steps_per_epoch)
    criterion = loss_fn(cfg.loss)
    history = {"epoch": [], "train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    step = 0

    n_eval = cfg.eval_train_subset or len(x_train)

    def record(epoch):
        train_loss, train_acc = evaluate(model, x_train[:n_eval], y_train[:n_eval], cfg.loss)
        test_loss, test_acc = evaluate(model, x_test, y_test, cfg.loss)
        if not math.isfinite(train_loss):
            raise HW1Error(f"{desc}: training loss became {train_loss} at epoch {epoch}; "
                           "lower the learning rate")
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc,
               "test_loss": test_loss, "test_acc": test_acc}
        for key, value in row.items():
            history[key].append(value)
        if on_epoch is not None:
            on_epoch(epoch, model, row)
        return row

    record(0)                                             # the initialization, as epoch 0
    bar = tqdm(range(1, cfg.epochs + 1), desc=desc, leave=False, disable=None)
    for epoch in bar:
        model.train()
        for idx in minibatches(len(x_train), cfg.batch_size, generator, x_train.device):
            # index_select copies whole rows: half the time of x_train[idx] on MNIST batches
            loss = criterion(model(x_train.index_select(0, idx)), y_train.index_select(0, idx))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if on_step is not None:
                on_step(step, model, loss)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
        if epoch % cfg.eval_every == 0 or epoch == cfg.epochs:
            row = record(epoch)
            bar.set_postfix(loss=f"{row['train_loss']:.4f}")
            if not interactive():
                accuracy = "" if row["train_acc"] is None else f", train acc {row['train_acc']:.4f}"
                log(f"{desc}: epoch {epoch}/{cfg.epochs}, train loss {row['train_loss']:.4g}{accuracy}")
            if cfg.stop_at_train_acc is not None and row["train_acc"] >= cfg.stop_at_train_acc:
                break
    if cfg.eval_train_subset is not None:
        train_loss, train_acc = evaluate(model, x_train, y_train, cfg.loss)
        history["final"] = {"train_loss": train_loss, "train_acc": train_acc,
                            "test_loss": history["test_loss"][-1], "test_acc": history["test_acc"][-1]}
    return history


def step_progress(steps, desc, lines=5):
    """range(steps) with a tqdm bar on a terminal, else `lines` log lines (and one at the end)."""
    if interactive():
        yield from tqdm(range(steps), desc=desc, leave=False, mininterval=1.0)
        return
    marks = {max(0, steps * k // lines - 1) for k in range(1, lines + 1)}
    for step in range(steps):
        yield step
        if step in marks:
            log(f"{desc}: step {step + 1}/{steps}")


def _stop_if_diverged(curve, desc):
    """One line naming the first model whose recorded training loss (M, records) is not finite."""
    if not torch.isfinite(curve).all():
        bad = int((~torch.isfinite(curve).all(1)).nonzero()[0])
        raise HW1Error(f"{desc}: training loss of model {bad} became non-finite; lower the learning rate")


def _train_stacked_mlps(models, x, y, cfg, desc, record_every, stop_on_divergence=True):
    """train_together's fast path for M same-shape mlp()s (ReLU or tanh) on the MSE: all weights
    in one (M, P) tensor, a hand-written forward and backward (no autograd graph), and one fused
    Adam step on that single tensor. Activations are (M, features, n): bmm(W (M, out, in),
    h (M, in, n)) is ~3x faster here than bmm(h (M, n, in), W^T) for narrow layers and long n.
    Backward, for out = z_L and loss_m = mean((out - y)^2):
        delta_L = 2 (out - y) / (n d_out);  dW_l = delta_l h_{l-1}^T;  db_l = sum_n delta_l;
        delta_{l-1} = (W_l^T delta_l) * act'(z_{l-1})   (relu: 1[h > 0]; tanh: 1 - h^2).
    Activations are computed in place and the activation's backward is one fused op
    (threshold_backward / tanh_backward): the wide 1-190-1 net is memory-bound.
    Checked against one-model-at-a-time autograd training in tests/test_train.py."""
    linears = [m for m in models[0] if isinstance(m, nn.Linear)]
    relu = any(isinstance(m, nn.ReLU) for m in models[0])
    shapes = [(layer.out_features, layer.in_features) for layer in linears]
    flat = torch.stack([torch.cat([p.detach().reshape(-1) for p in model.parameters()]) for model in models])
    flat.requires_grad_(True)                           # (M, P), parameters() order: W_1, b_1, W_2, ...
    flat.grad = torch.zeros_like(flat)                  # filled in place every step: every entry is written
    weights, biases, grad_weights, grad_biases, start = [], [], [], [], 0
    for out_features, in_features in shapes:
        for tensors, grads, size, shape in ((weights, grad_weights, out_features * in_features,
                                             (out_features, in_features)),
                                            (biases, grad_biases, out_features, (out_features, 1))):
            tensors.append(flat.detach()[:, start:start + size].view(len(models), *shape))
            grads.append(flat.grad[:, start:start + size].view(len(models), *shape))
            start += size
    optimizer = make_optimizer([flat], cfg)
    scheduler = make_scheduler(optimizer, cfg, cfg.epochs)
    inputs, targets = x.transpose(1, 2), y.transpose(1, 2)            # (M, d_in, n), (M, d_out, n)
    # [x; 1] (M, n, d_in + 1), made once: the first layer's weight and bias gradients in one bmm
    augmented = torch.cat([x, torch.ones_like(x[..., :1])], dim=2)
    scale = 2.0 / (targets.shape[1] * targets.shape[2])
    n_records = cfg.epochs // record_every
    curve = torch.empty(len(models), n_records, device=x.device)
    activation_backward = torch.ops.aten.threshold_backward if relu else torch.ops.aten.tanh_backward
    for step in step_progress(cfg.epochs, desc):
        hidden = [inputs]                                              # h_0 .. h_{L-1}
        for layer, (weight, bias) in enumerate(zip(weights, biases)):
            h = hidden[-1]
            z = torch.addcmul(bias, weight, h) if weight.shape[2] == 1 else torch.bmm(weight, h).add_(bias)
            if layer < len(weights) - 1:
                hidden.append(z.relu_() if relu else z.tanh_())         # in place: one pass over z
        error = z - targets                                            # (M, d_out, n)
        losses = error.pow(2).mean(dim=(1, 2))
        delta = error.mul_(scale)
        for layer in range(len(weights) - 1, -1, -1):
            h = hidden[layer]
            if layer == 0:
                both = torch.bmm(delta, augmented)                       # (M, out, d_in + 1): [dW_1 | db_1]
                grad_weights[0].copy_(both[..., :-1])
                grad_biases[0].copy_(both[..., -1:])
            else:
                grad_weights[layer].copy_(torch.bmm(delta, h.transpose(1, 2)))
                grad_biases[layer].copy_(delta.sum(2, keepdim=True))
                back = torch.bmm(weights[layer].transpose(1, 2), delta)
                # relu: back * 1[h > 0]; tanh: back * (1 - h^2); one fused pass either way
                delta = activation_backward(back, h, 0) if relu else activation_backward(back, h)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if step % record_every == 0 and step // record_every < n_records:
            curve[:, step // record_every] = losses
    if stop_on_divergence:
        _stop_if_diverged(curve, desc)
    with torch.no_grad():
        for i, model in enumerate(models):
            torch.nn.utils.vector_to_parameters(flat[i].detach().clone(), model.parameters())
    return curve


def _hand_written_ok(model, cfg):
    """The hand-written path covers mlp()s with one activation, ReLU or tanh, trained on the MSE."""
    kinds = ({type(m) for m in model if not isinstance(m, (nn.Linear, nn.Flatten))}
             if isinstance(model, nn.Sequential) else None)
    return cfg.loss == "mse" and kinds in ({nn.ReLU}, {nn.Tanh})


def _vmap_forward(model):
    """forward(params, buffers, X) for M stacked copies of any module, with torch.func.vmap."""
    skeleton = copy.deepcopy(model).to("meta")
    if hasattr(skeleton, "channels_last"):     # a CNN: vmap cannot query memory formats
        skeleton.channels_last = False

    def one(p, b, xi):
        return functional_call(skeleton, (p, b), (xi,))
    return torch.func.vmap(one, in_dims=(0, 0, 0))


def per_model_loss(out, y, kind):
    """(M,) mean loss of each model: out (M, n, k), y (M, n, k) for mse or (M, n) labels for ce."""
    if kind == "mse":
        return ((out - y) ** 2).mean(dim=(1, 2))
    m, n = y.shape
    return F.cross_entropy(out.reshape(m * n, -1), y.reshape(-1), reduction="none").view(m, n).mean(1)


def train_together(models, x, y, cfg, desc="train", record_every=1, method="auto", stop_on_divergence=True):
    """Full-batch training of M same-shape models at once; models are updated in place.

    x, y: (M, n, d_in) and (M, n, d_out): one data set per model. method: "bmm" (ReLU/tanh
    mlp()s on the MSE: batched matmuls, hand-written backward), "vmap" (torch.func, any module
    and loss) or "auto" (bmm when possible).
    Returns the training loss of every model before each recorded step: (M, epochs // record_every),
    kept on the device during training (no per-step synchronization). A model whose loss became
    non-finite is an HW1Error, unless stop_on_divergence=False (a sweep: the caller scores it)."""
    if method == "auto":
        method = "bmm" if _hand_written_ok(models[0], cfg) else "vmap"
    if method == "bmm":
        if not _hand_written_ok(models[0], cfg):
            raise HW1Error("method 'bmm' needs mlp()s with ReLU or tanh and loss 'mse'; use 'vmap'")
        return _train_stacked_mlps(models, x, y, cfg, desc, record_every, stop_on_divergence)
    params, buffers = stack_module_state(models)       # each: (M, *param.shape), leaf tensors
    forward = _vmap_forward(models[0])
    optimizer = make_optimizer(params.values(), cfg)
    scheduler = make_scheduler(optimizer, cfg, cfg.epochs)
    n_records = cfg.epochs // record_every
    curve = torch.empty(len(models), n_records, device=x.device)
    for step in step_progress(cfg.epochs, desc):
        losses = per_model_loss(forward(params, buffers, x), y, cfg.loss)    # (M,)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if step % record_every == 0 and step // record_every < n_records:
            curve[:, step // record_every] = losses.detach()
    if stop_on_divergence:
        _stop_if_diverged(curve, desc)
    with torch.no_grad():
        for i, model in enumerate(models):
            for name, p in model.named_parameters():
                p.copy_(params[name][i])
    return curve


def train_one_fullbatch(model, x, y, cfg, desc="train", record_every=1):
    """The plain way: one model, full batch, its own optimizer. Same contract as
    train_together for M=1; the benchmark and the tests compare the two."""
    optimizer = make_optimizer(model.parameters(), cfg)
    scheduler = make_scheduler(optimizer, cfg, cfg.epochs)
    criterion = loss_fn(cfg.loss)
    n_records = cfg.epochs // record_every
    curve = torch.empty(n_records, device=x.device)
    for step in range(cfg.epochs):
        loss = criterion(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if step % record_every == 0 and step // record_every < n_records:
            curve[step // record_every] = loss.detach()
    return curve


def _indexed_call(task):
    """(i, fn(job)) of a task (i, fn, job): a worker's answer names its job."""
    i, fn, job = task
    return i, fn(job)


def run_side_by_side(fn, jobs, workers=2, on_done=None):
    """[fn(job) for job in jobs], run in `workers` spawned processes with one torch thread each
    (and malloc keeping freed memory, as in the scripts' own process), with one log line per
    finished job.

    Small models are faster on one thread, so on a 2-core machine two independent jobs side by
    side beat one job on two threads. Put the longest jobs first: they are handed out in order.
    fn must be importable (a module-level function) and each job must seed itself. The workers
    end with the script: on an error, Ctrl-C or SIGTERM the pool is terminated, and a worker whose
    parent died (kill -9) exits within a second (cli.setup_worker). on_done(i, result) runs in
    this process as soon as job i is done (results.run_jobs stores it there)."""
    results = []
    if workers <= 1 or len(jobs) <= 1:
        for done, job in enumerate(jobs, 1):
            results.append(fn(job))
            if on_done is not None:
                on_done(done - 1, results[-1])
            log(f"job {done}/{len(jobs)} done")
        return results
    import multiprocessing
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(min(workers, len(jobs)), initializer=setup_worker, initargs=(1, os.getpid()))
    results = [None] * len(jobs)
    try:
        tasks = [(i, fn, job) for i, job in enumerate(jobs)]
        for done, (i, result) in enumerate(pool.imap_unordered(_indexed_call, tasks, chunksize=1), 1):
            results[i] = result
            if on_done is not None:
                on_done(i, result)
            log(f"job {done}/{len(jobs)} done")
    except BaseException:
        pool.terminate()                  # an error, Ctrl-C or SIGTERM: the workers go at once
        pool.join()
        raise
    pool.close()                          # every job done: the workers exit on their own
    pool.join()
    return results
