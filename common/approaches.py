"""The training approaches of HW1-3's flatness questions, trained once and shared.

hw1_3_interp.py, hw1_3_sensitivity.py and hw1_3_sharpness.py compare models trained differently.
They use one model family (MLP 784-32-10, 25,450 params: the size the slides suggest for Hessian
work), one set of approaches (batch sizes at one learning rate, learning rates at one batch size,
Adam) and SEEDS seeds of each, and every model is trained to a common criterion, so that batch
size is not a proxy for the number of steps (Keskar et al. 2017 train "until no improvement"):

  stop when the full training loss <= TARGET_LOSS, or when it has not improved by 1% for PATIENCE
  checks, or at MAX_STEPS; the full training loss is checked every CHECK_EVERY steps.

The trained weights are cached under results/cache/ (one file per approach and seed, keyed by the
settings and the code of this module and what it imports: common.results.cached), so whichever
script runs first trains, and the others reuse. Seeds: one initialization per seed name, shared by every approach
(so a pair of approaches starts from the same weights, as interpolation needs), and the minibatch
order from the (approach, seed) names (common.cli.derive_seed).
"""
import math
import os
import time
from typing import NamedTuple

import torch

from common.cli import HW1Error, derive_seed, log
from common.data import load_dataset_once
from common.models import mlp
from common import results
from common.train import evaluate, run_side_by_side

# ---------------------------------------------------------------------------- config
WIDTHS = [32]                 # 784-32-10, 25,450 parameters
APPROACHES = {                # name: (batch size, Adam learning rate)
    "batch 16": (16, 1e-3),
    "batch 32": (32, 1e-3),
    "batch 64": (64, 1e-3),
    "batch 256": (256, 1e-3),
    "batch 1024": (1024, 1e-3),
    "batch 4096": (4096, 1e-3),
    "batch 8192": (8192, 1e-3),
    "lr 3e-4": (64, 3e-4),
    "lr 3e-3": (64, 3e-3),
    "lr 1e-2": (64, 1e-2),
}
BATCH_SERIES = ["batch 16", "batch 32", "batch 64", "batch 256", "batch 1024", "batch 4096", "batch 8192"]
LR_SERIES = ["lr 3e-4", "batch 64", "lr 3e-3", "lr 1e-2"]    # batch 64, learning rate rising
SERIES = {                    # knob: (the approaches that vary it, in order; axis label)
    "batch": (BATCH_SERIES, "batch size (lr 1e-3)"),
    "lr": (LR_SERIES, "learning rate (batch 64)"),
}
SEEDS = ["s0", "s1", "s2"]
TARGET_LOSS = 0.05            # full training cross-entropy that ends training
PATIENCE = 8                  # checks without a 1% improvement that end training
CHECK_EVERY = 250             # steps between checks of the full training loss
MAX_STEPS = 30000             # cap on steps
QUICK = {"subset": (1000, 500), "max_steps": 100, "check_every": 20, "seeds": ["s0"]}


def settings(args):
    """The training settings of this run: what decides the trained weights (the cache key holds
    them, with the device and the code)."""
    quick = bool(args.quick)
    return {"widths": WIDTHS, "target_loss": TARGET_LOSS, "patience": PATIENCE,
            "check_every": QUICK["check_every"] if quick else CHECK_EVERY,
            "max_steps": QUICK["max_steps"] if quick else MAX_STEPS,
            "subset": QUICK["subset"] if quick else None, "seed": args.seed, "quick": quick}


def seeds_of(args):
    return QUICK["seeds"] if args.quick else SEEDS


# ---------------------------------------------------------------------------- train one (approach, seed)
def train_to_criterion(model, x, y, batch, lr, generator, target_loss, patience, check_every, max_steps):
    """Adam on (x, y) in place until the full training loss <= target_loss, or no 1% improvement
    in `patience` checks, or max_steps. Returns {"steps", "stop", "checks": [(step, loss)],
    "train_loss", "train_acc"}: training ends at a check, so the last check is the final model's."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    n = len(x)
    order, position = torch.randperm(n, generator=generator).to(x.device), 0
    best, since_best, checks, step, stop = math.inf, 0, [], 0, "max_steps"
    while True:
        if step % check_every == 0:
            full_loss, full_acc = evaluate(model, x, y)
            if not math.isfinite(full_loss):
                raise HW1Error(f"training loss became {full_loss} at step {step} (batch {batch}, lr {lr:g}); "
                               "lower the learning rate")
            checks.append((step, full_loss))
            if full_loss <= target_loss:
                stop = "target"
                break
            if full_loss < 0.99 * best:
                best, since_best = full_loss, 0
            else:
                since_best += 1
                if since_best >= patience:
                    stop = "no improvement"
                    break
            if step >= max_steps:
                break
        if position + batch > n:                      # a new epoch: reshuffle, drop the ragged end
            order, position = torch.randperm(n, generator=generator).to(x.device), 0
        index = order[position:position + min(batch, n)]
        position += batch
        loss = torch.nn.functional.cross_entropy(model(x.index_select(0, index)), y.index_select(0, index))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
    return {"steps": step, "stop": stop, "checks": checks, "train_loss": full_loss, "train_acc": full_acc}


def full_gradient_norm(model, x, y, chunk=10000):
    """||grad L||_2 of the mean training cross-entropy over all of (x, y)."""
    model.zero_grad(set_to_none=True)
    for start in range(0, len(x), chunk):
        loss = torch.nn.functional.cross_entropy(model(x[start:start + chunk]), y[start:start + chunk],
                                                 reduction="sum") / len(x)
        loss.backward()
    norm = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).norm()
    model.zero_grad(set_to_none=True)
    return float(norm)


class TrainJob(NamedTuple):
    """One (approach, seed) to train to the criterion."""
    name: str                # approach
    seed_name: str
    base_seed: int
    setting: dict            # settings(args)
    data_dir: str
    device: torch.device


def train_one(job):
    """Train one (approach, seed) to the criterion; returns its cached record (tensors + numbers)."""
    name, seed_name, base_seed, setting, data_dir, device = job
    batch, lr = APPROACHES[name]
    ds = load_dataset_once("mnist", data_dir, device, setting["subset"])
    torch.manual_seed(derive_seed(base_seed, "init", seed_name))      # one init per seed, for every approach
    model = mlp(784, WIDTHS, 10).to(device)
    generator = torch.Generator().manual_seed(derive_seed(base_seed, "order", name, seed_name))
    start = time.perf_counter()
    run = train_to_criterion(model, ds.x_train, ds.y_train, batch, lr, generator, setting["target_loss"],
                             setting["patience"], setting["check_every"], setting["max_steps"])
    test_loss, test_acc = evaluate(model, ds.x_test, ds.y_test)
    return {"theta": torch.nn.utils.parameters_to_vector(model.parameters()).detach().cpu(),
            "checks": torch.tensor(run["checks"], dtype=torch.float64),
            "steps": run["steps"], "stop": run["stop"], "seconds": time.perf_counter() - start,
            "train_loss": run["train_loss"], "train_acc": run["train_acc"],
            "test_loss": test_loss, "test_acc": test_acc,
            "grad_norm": full_gradient_norm(model, ds.x_train, ds.y_train)}


# ---------------------------------------------------------------------------- cached, shared
def trained_models(args, names, workers):
    """{(name, seed name): record} for every approach in `names` and every seed: read from the
    cache where it holds them, the rest trained side by side in `workers` processes, each stored
    as soon as it is trained (a killed run keeps the models it finished)."""
    setting = settings(args)
    code = results.code_hash([__file__])
    keys = {(name, s): {"approach": name, "batch_lr": list(APPROACHES[name]), "seed_name": s, **setting,
                        "device": str(args.device_resolved)}
            for name in names for s in seeds_of(args)}
    stored = {k: results.stored(args, "hw1_3_approaches", key, code) for k, key in keys.items()}
    records = {k: v for k, v in stored.items() if v is not None}
    missing = [k for k in keys if k not in records]
    if records:
        print(f"reusing {len(records)} trained (approach, seed) models from "
              f"{os.path.join(results.results_dir(args), 'cache')} (same settings and code)")
    if missing:
        log(f"training {len(missing)} of {len(keys)} (approach, seed) models to the common criterion")
        order = sorted(missing, key=lambda k: -APPROACHES[k[0]][0])         # the slow large batches first
        jobs = [TrainJob(name, s, args.seed, setting, args.data_dir, args.device_resolved) for name, s in order]

        def store(i, record):
            records[order[i]] = results.store(args, "hw1_3_approaches", keys[order[i]], code, record)
        run_side_by_side(train_one, jobs, workers, on_done=store)
    return records


def load_model(record, device="cpu"):
    """The trained MLP of one record."""
    model = mlp(784, WIDTHS, 10)
    torch.nn.utils.vector_to_parameters(record["theta"].to(torch.float32), model.parameters())
    return model.to(device)


# ---------------------------------------------------------------------------- rows of measured models
def summary(record):
    """Plain numbers of one record, for a results JSON."""
    return {k: (float(record[k]) if k not in ("steps", "stop") else record[k]) for k in
            ("steps", "stop", "train_loss", "train_acc", "test_loss", "test_acc", "grad_norm")}
