"""The training approaches of HW1-3's flatness questions, trained once and shared.

hw1_3_interp.py, hw1_3_sensitivity.py and hw1_3_sharpness.py compare models trained differently.
They use one model family (MLP 784-32-10, 25,450 params: the size the slides suggest for Hessian
work), one set of approaches (batch sizes at one learning rate, learning rates at one batch size,
Adam) and SEEDS seeds of each, and every model ends at the same training loss, so that neither the
batch size nor the rate is a proxy for how far a model was trained (Keskar et al. 2017 train
"until no improvement"; here the end is one loss for all). The common criterion, in units that
are the same for every batch size (examples seen; an epoch = the training set's size n):

  - the full training loss (mean cross-entropy over the whole training set, eval mode) is
    checked every CHECK_EPOCHS epochs' worth of examples: every max(1, round(CHECK_EPOCHS n / B))
    steps at batch B;
  - training ends at the first check whose loss is <= the target loss. If that loss is below
    target (1 - TOLERANCE) (the model overshot between two checks), the model goes back to the
    previous check (weights, Adam state, data order) and repeats the same steps with checks
    REFINE times as often, until a check lands in [target (1 - TOLERANCE), target] or the checks
    are one step apart (then it ends where it lands: a single step overshot);
  - progress has stalled when no check has set a new lowest full training loss for
    PATIENCE_EPOCHS epochs' worth of examples: the learning rate is then multiplied by LR_DECAY
    (and the wait starts again). So the noisy approaches (small batches, large rates), which a
    constant rate can leave at a noise floor above the target, reach it too; the rate each model
    ended with and its number of decays are recorded;
  - the cap: MAX_EPOCHS epochs or MAX_STEPS steps, whichever comes first (checked at the checks);
    a capped model is recorded with stop "cap", and the report says so.

Every model's history (examples seen, full training loss and accuracy, learning rate at every
check) is kept in its record; summary() and history() turn a record into plain numbers for a
results JSON (hw1_3_sensitivity stores both, hw1_3_sharpness and hw1_3_interp the summaries).

Two sets of models (SETS): "main", on the whole training set to TARGET_LOSS, shared by the three
scripts; and "fitted", the same approaches on the first FITTED_EXAMPLES training images trained
to FITTED_TARGET_LOSS, where every model fits its training set (about 100% training accuracy, as
the models Novak et al. 2018 compare), used by hw1_3_sensitivity.

The seeds of one approach train stacked in one process when its batch is at most STACK_MAX_BATCH
(one batched matmul per layer for all seeds, each seed on its own minibatches, with Adam per model:
bench/bench_approaches.py measures it against one seed at a time); larger batches train one seed
per process. Jobs run side by side.

The trained weights are cached under results/cache/ (one file per set, approach and seed, keyed
by the settings and the code of this module and what it imports: common.results.stored), so
whichever script runs first trains, and the others reuse. Seeds: one initialization per seed name,
shared by every approach and both sets (so a pair of approaches starts from the same weights, as
interpolation needs), and the minibatch order from the (approach, seed) names
(common.cli.derive_seed).
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
APPROACHES = {                # name: (batch size, Adam learning rate at the start)
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
SEEDS = ["s0", "s1", "s2", "s3", "s4"]

# the common criterion (module docstring): the same in examples for every batch size
TARGET_LOSS = 0.05            # full training cross-entropy every model of the main set ends at ...
TOLERANCE = 0.03              # ... within [target (1 - TOLERANCE), target]
CHECK_EPOCHS = 1.0            # epochs' worth of examples between checks of the full training loss
PATIENCE_EPOCHS = 2.0         # epochs' worth of examples without a new lowest loss: progress has stalled ...
LR_DECAY = 0.3                # ... and the learning rate is multiplied by this
REFINE = 8                    # an overshoot repeats the last interval with checks this many times as often
MAX_EPOCHS = 2000             # cap: epochs (main set: batch 8192 needs about 210; fitted set: the full
                              # batch about 800) ...
MAX_STEPS = 100000            # ... or steps (batch 16 needs up to about 50,000), whichever comes first

# the two sets of models
FITTED_EXAMPLES = 4096        # the fitted set trains on the first 4,096 training images ...
FITTED_TARGET_LOSS = 0.005    # ... to this training loss (about 100% training accuracy)
SETS = {                      # set: its training images (None: all 60,000), target loss, seeds, approaches
    "main": {"train_examples": None, "target_loss": TARGET_LOSS, "seeds": SEEDS, "approaches": list(APPROACHES)},
    "fitted": {"train_examples": FITTED_EXAMPLES, "target_loss": FITTED_TARGET_LOSS, "seeds": SEEDS,
               # batch 8192 would be the full batch of 4,096, as batch 4096 is: the same models, left out
               "approaches": [name for name in APPROACHES if name != "batch 8192"]},
}
CACHE_NAMES = {"main": "hw1_3_approaches", "fitted": "hw1_3_approaches_fitted"}    # results/cache/<name>-*.pt
STACK_MAX_BATCH = 256         # the seeds of an approach with a batch <= this train stacked in one process
QUICK = {"train_examples": {"main": 1000, "fitted": 300}, "test_examples": 500,
         "target_loss": {"main": 0.6, "fitted": 0.3}, "max_epochs": 30, "max_steps": 400, "seeds": ["s0"]}


class Criterion(NamedTuple):
    """The common criterion's settings (module docstring)."""
    target_loss: float
    tolerance: float = TOLERANCE
    check_epochs: float = CHECK_EPOCHS
    patience_epochs: float = PATIENCE_EPOCHS
    lr_decay: float = LR_DECAY
    refine: int = REFINE
    max_epochs: float = MAX_EPOCHS
    max_steps: int = MAX_STEPS


def settings(args, which="main"):
    """The training settings of one set in this run: what decides the trained weights (the cache
    key holds them, with the device and the code)."""
    quick = bool(args.quick)
    criterion = Criterion(target_loss=QUICK["target_loss"][which] if quick else SETS[which]["target_loss"],
                          max_epochs=QUICK["max_epochs"] if quick else MAX_EPOCHS,
                          max_steps=QUICK["max_steps"] if quick else MAX_STEPS)
    return {"set": which, "widths": WIDTHS, **criterion._asdict(),
            "train_examples": QUICK["train_examples"][which] if quick else SETS[which]["train_examples"],
            "test_examples": QUICK["test_examples"] if quick else None,
            "stack_max_batch": STACK_MAX_BATCH, "seed": args.seed, "quick": quick}


def seeds_of(args, which="main"):
    return QUICK["seeds"] if args.quick else SETS[which]["seeds"]


def data_subset(setting):
    """The (training, test) examples of a set's data for load_dataset_once: the first ones, or None
    for all of MNIST."""
    n_train, n_test = setting["train_examples"], setting["test_examples"]
    return None if n_train is None and n_test is None else (n_train or 60000, n_test or 10000)


# ---------------------------------------------------------------------------- stacked MLPs, Adam per model
def _stack(models):
    """[(W, b)] per Linear layer, each (M, out, in) / (M, out), leaf tensors."""
    linears = [[m for m in model if isinstance(m, torch.nn.Linear)] for model in models]
    return [tuple(torch.stack([getattr(layers[k], p).detach() for layers in linears]).clone().requires_grad_(True)
                  for p in ("weight", "bias")) for k in range(len(linears[0]))]


def _forward(layers, xb):
    """Logits (M, B, classes) of the stacked MLPs, each on its own inputs: xb (M, B, d)."""
    h = xb
    for k, (w, b) in enumerate(layers):
        h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
        if k < len(layers) - 1:
            h = torch.relu(h)
    return h


@torch.no_grad()
def _evaluate_stacked(layers, x, y, chunk=8192):
    """(losses, accuracies), lists of M: mean cross-entropy and accuracy of every stacked MLP on the
    same (x, y), x (n, d); the first layer of all M as one matmul (x is read once for all)."""
    (w1, b1), rest = layers[0], layers[1:]
    m, width = w1.shape[0], w1.shape[1]
    total, correct = torch.zeros(m, dtype=torch.float64), torch.zeros(m, dtype=torch.long)
    for start in range(0, len(x), chunk):
        xc, yc = x[start:start + chunk], y[start:start + chunk]
        h = torch.addmm(b1.reshape(-1), xc, w1.reshape(m * width, -1).t()).view(len(xc), m, width).transpose(0, 1)
        out = _forward(rest, torch.relu(h)) if rest else h
        losses = torch.nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), yc.repeat(m), reduction="none")
        total += losses.view(m, -1).sum(1).double().cpu()
        correct += (out.argmax(2) == yc).sum(1).cpu()
    return (total / len(x)).tolist(), (correct.double() / len(x)).tolist()


class StackedAdam:
    """Adam (Kingma & Ba 2015, Algorithm 1, with torch.optim.Adam's defaults and arithmetic: betas
    (0.9, 0.999), eps 1e-8 added to sqrt(v) / sqrt(1 - beta2^t)) on M stacked models, each with its
    own learning rate and its own step count t (a model sent back to an earlier check has fewer)."""
    BETAS, EPS = (0.9, 0.999), 1e-8

    def __init__(self, params, lrs):
        self.params = params
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = torch.zeros(len(lrs), dtype=torch.float64)
        self.lr = torch.tensor(lrs, dtype=torch.float64)

    @torch.no_grad()
    def step(self):
        (beta1, beta2), self.t = self.BETAS, self.t + 1
        device = self.params[0].device
        step_size = (self.lr / (1 - beta1 ** self.t)).float().to(device)           # (M,)
        bias2_sqrt = (1 - beta2 ** self.t).sqrt().float().to(device)
        for p, m, v in zip(self.params, self.m, self.v):
            shape = (-1,) + (1,) * (p.dim() - 1)
            m.lerp_(p.grad, 1 - beta1)
            v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            denom = (v.sqrt() / bias2_sqrt.view(shape)).add_(self.EPS)
            p.sub_(step_size.view(shape) * m / denom)

    def state_of(self, row):
        """A copy of stacked model `row`'s weights and Adam state."""
        return ([p.detach()[row].clone() for p in self.params], [m[row].clone() for m in self.m],
                [v[row].clone() for v in self.v], float(self.t[row]), float(self.lr[row]))

    @torch.no_grad()
    def restore(self, row, state):
        params, ms, vs, self.t[row], self.lr[row] = state
        for p, m, v, p0, m0, v0 in zip(self.params, self.m, self.v, params, ms, vs):
            p[row], m[row], v[row] = p0, m0, v0

    def keep(self, rows):
        """Only the stacked models at `rows` stay (the others have ended)."""
        index = torch.tensor(rows, device=self.params[0].device)
        self.params = [p.detach()[index].clone().requires_grad_(True) for p in self.params]
        self.m, self.v = [m[index] for m in self.m], [v[index] for v in self.v]
        self.t, self.lr = self.t[index.cpu()], self.lr[index.cpu()]


# ---------------------------------------------------------------------------- the common criterion
class _Run:
    """The bookkeeping of one model under the criterion (its weights live in the stack)."""

    def __init__(self, generator, n, batch, interval):
        self.generator, self.n, self.batch = generator, n, batch
        self.order, self.position = torch.randperm(n, generator=generator), 0
        self.step, self.interval, self.next_check = 0, interval, 0
        self.best, self.best_examples, self.decays, self.refinements = math.inf, 0, 0, 0
        self.history, self.snapshot, self.stop, self.final = [], None, None, None

    def indices(self):
        if self.position + self.batch > self.n:                 # a new epoch: reshuffle, drop the ragged end
            self.order, self.position = torch.randperm(self.n, generator=self.generator), 0
        index = self.order[self.position:self.position + self.batch]
        self.position += self.batch
        return index

    def bookkeeping(self):
        return (self.generator.get_state(), self.order, self.position, self.step, self.best, self.best_examples,
                self.decays, len(self.history))

    def go_back(self, saved):
        state, self.order, self.position, self.step, self.best, self.best_examples, self.decays, rows = saved
        self.generator.set_state(state)
        del self.history[rows:]


def _check(run, row, loss, acc, optimizer, criterion, n):
    """One check of one model: "end", "back" (sent back to its last check) or "go" (on to the next)."""
    c, examples = criterion, run.step * run.batch
    if c.target_loss >= loss and loss < c.target_loss * (1 - c.tolerance) and run.interval > 1 \
            and run.snapshot is not None:                        # overshot: the last interval again, finer
        optimizer.restore(row, run.snapshot[0])
        run.go_back(run.snapshot[1])
        run.interval = max(1, run.interval // c.refine)
        run.next_check = run.step + run.interval
        run.refinements += 1
        return "back"
    run.history.append((examples, loss, acc, float(optimizer.lr[row])))
    if loss <= c.target_loss:
        run.stop = "target"
    elif examples >= c.max_epochs * n or run.step >= c.max_steps:
        run.stop = "cap"
    if run.stop is not None:
        run.final = [p.detach()[row].clone() for p in optimizer.params]
        return "end"
    if loss < run.best:
        run.best, run.best_examples = loss, examples
    elif examples - run.best_examples >= c.patience_epochs * n:      # stalled: decay, and wait again
        optimizer.lr[row] *= c.lr_decay
        run.decays += 1
        run.best_examples = examples
    run.snapshot = (optimizer.state_of(row), run.bookkeeping())
    run.next_check = run.step + run.interval
    return "go"


def train_to_criterion(models, x, y, batch, lr, generators, criterion):
    """Adam at `lr` on (x, y), each model on its own minibatches (drawn with its generator), the
    models trained in place and together (stacked) until each meets the common criterion (module
    docstring; criterion: a Criterion). Returns one dict per model: {"steps", "examples", "stop"
    ("target" | "cap"), "history": [(examples, train loss, train acc, lr)] at every kept check,
    "train_loss", "train_acc", "lr" (at the end), "decays", "refinements", "batch",
    "check_interval" (steps)}: training ends at a check, so the last history row is the final model's."""
    x = x.reshape(len(x), -1)
    n, batch = len(x), min(batch, len(x))
    interval = max(1, round(criterion.check_epochs * n / batch))
    runs = [_Run(g, n, batch, interval) for g in generators]
    optimizer = StackedAdam([p for layer in _stack(models) for p in layer], [lr] * len(models))
    rows = list(range(len(models)))                             # the model of each stacked row
    while rows:
        due = [r for r, i in enumerate(rows) if runs[i].step == runs[i].next_check]
        if due:
            params = [p.detach()[due] for p in optimizer.params]
            losses, accs = _evaluate_stacked(list(zip(params[::2], params[1::2])), x, y)
            outcomes = []
            for r, loss, acc in zip(due, losses, accs):
                if not math.isfinite(loss):
                    raise HW1Error(f"training loss became {loss} at step {runs[rows[r]].step} (batch {batch}, "
                                   f"lr {lr:g}); lower the learning rate")
                outcomes.append(_check(runs[rows[r]], r, loss, acc, optimizer, criterion, n))
            ended = [r for r, outcome in zip(due, outcomes) if outcome == "end"]
            if ended:
                keep = [r for r in range(len(rows)) if r not in ended]
                rows = [rows[r] for r in keep]
                if rows:
                    optimizer.keep(keep)
            continue                                             # a model sent back may be due again
        index = torch.stack([runs[i].indices() for i in rows]).reshape(-1).to(x.device)     # (M B,)
        xb, yb = x.index_select(0, index).view(len(rows), batch, -1), y.index_select(0, index)
        logits = _forward(list(zip(optimizer.params[::2], optimizer.params[1::2])), xb)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), yb, reduction="sum") / batch
        for p in optimizer.params:
            p.grad = None
        loss.backward()                                          # the sum of each model's mean loss
        optimizer.step()
        for i in rows:
            runs[i].step += 1
    out = []
    for model, run in zip(models, runs):
        with torch.no_grad():
            linears = [m for m in model if isinstance(m, torch.nn.Linear)]
            for k, layer in enumerate(linears):
                layer.weight.copy_(run.final[2 * k])
                layer.bias.copy_(run.final[2 * k + 1])
        examples, loss, acc, lr_end = run.history[-1]
        out.append({"steps": run.step, "examples": examples, "stop": run.stop, "history": run.history,
                    "train_loss": loss, "train_acc": acc, "lr": lr_end, "decays": run.decays,
                    "refinements": run.refinements, "batch": batch, "check_interval": interval})
    return out


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
    """The seeds of one approach to train to the criterion together (stacked)."""
    name: str                # approach
    seed_names: tuple
    base_seed: int
    setting: dict            # settings(args, which)
    data_dir: str
    device: torch.device


def train_job(job):
    """Train the seeds of one approach to the criterion; returns their records (tensors + numbers),
    one per seed, in job.seed_names' order."""
    name, seed_names, base_seed, setting, data_dir, device = job
    batch, lr = APPROACHES[name]
    ds = load_dataset_once("mnist", data_dir, device, data_subset(setting))
    models, generators = [], []
    for s in seed_names:
        torch.manual_seed(derive_seed(base_seed, "init", s))              # one init per seed, for every approach
        models.append(mlp(784, WIDTHS, 10).to(device))
        generators.append(torch.Generator().manual_seed(derive_seed(base_seed, "order", name, s)))
    criterion = Criterion(**{k: setting[k] for k in Criterion._fields})
    start = time.perf_counter()
    runs = train_to_criterion(models, ds.x_train, ds.y_train, batch, lr, generators, criterion)
    seconds = (time.perf_counter() - start) / len(seed_names)                # each seed's share of the job
    records = []
    for seed_name, model, run in zip(seed_names, models, runs):
        train_loss, train_acc = evaluate(model, ds.x_train, ds.y_train)       # the nn.Module, as the scripts load it
        test_loss, test_acc = evaluate(model, ds.x_test, ds.y_test)
        n = len(ds.x_train)
        records.append({
            "theta": torch.nn.utils.parameters_to_vector(model.parameters()).detach().cpu(),
            "history": torch.tensor(run["history"], dtype=torch.float64),
            "steps": run["steps"], "examples": run["examples"], "epochs": run["examples"] / n, "stop": run["stop"],
            "batch": run["batch"], "check_interval": run["check_interval"], "lr_start": lr, "lr_end": run["lr"],
            "decays": run["decays"], "refinements": run["refinements"], "seconds": seconds,
            "stacked": len(seed_names), "train_examples": n, "target_loss": setting["target_loss"],
            "train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss, "test_acc": test_acc,
            "grad_norm": full_gradient_norm(model, ds.x_train, ds.y_train)})
        log(f"{setting['set']} set, {name} {seed_name}: {run['steps']} steps, {run['examples'] / n:.1f} epochs, "
            f"stop {run['stop']}, train loss {train_loss:.4f}, {run['decays']} lr decays, {seconds:.1f} s "
            f"(its share of {len(seed_names)} stacked)")
    return records


# ---------------------------------------------------------------------------- cached, shared
def _jobs(pairs, stack_max_batch):
    """The training jobs [(approach, seed names)] of the (approach, seed) pairs: the seeds of an
    approach stacked when its batch is <= stack_max_batch, else one seed a job. The long jobs first
    (they are handed out in order): the stacks, smallest batch first, then the single seeds,
    largest batch first."""
    groups = []
    for name in dict.fromkeys(n for n, _ in pairs):
        seeds = tuple(s for n, s in pairs if n == name)
        groups += [(name, seeds)] if APPROACHES[name][0] <= stack_max_batch else [(name, (s,)) for s in seeds]
    return sorted(groups, key=lambda g: (len(g[1]) == 1, APPROACHES[g[0]][0] * (1 if len(g[1]) > 1 else -1)))


def trained_models(args, names, workers, which="main"):
    """{(name, seed name): record} for every approach in `names` and every seed of set `which`
    ("main" or "fitted"): read from the cache where it holds them, the rest trained side by side
    in `workers` processes, each stored as soon as its job ends (a killed run keeps the models it
    finished)."""
    setting = settings(args, which)
    cache_name = CACHE_NAMES[which]
    code = results.code_hash([__file__])
    keys = {(name, s): {"approach": name, "batch_lr": list(APPROACHES[name]), "seed_name": s, **setting,
                        "device": str(args.device_resolved)}
            for name in names for s in seeds_of(args, which)}
    stored = {k: results.stored(args, cache_name, key, code) for k, key in keys.items()}
    records = {k: v for k, v in stored.items() if v is not None}
    missing = [k for k in keys if k not in records]
    if records:
        print(f"reusing {len(records)} trained (approach, seed) models of the {which} set from "
              f"{os.path.join(results.results_dir(args), 'cache')} (same settings and code)")
    if missing:
        log(f"training {len(missing)} of {len(keys)} (approach, seed) models of the {which} set to the common "
            f"criterion")
        groups = _jobs(missing, setting["stack_max_batch"])
        jobs = [TrainJob(n, seeds, args.seed, setting, args.data_dir, args.device_resolved) for n, seeds in groups]

        def store(i, job_records):
            name, seed_names = groups[i]
            for s, record in zip(seed_names, job_records):
                records[(name, s)] = results.store(args, cache_name, keys[(name, s)], code, record)
        run_side_by_side(train_job, jobs, workers, on_done=store)
    return {k: records[k] for k in keys}


def load_model(record, device="cpu"):
    """The trained MLP of one record."""
    model = mlp(784, WIDTHS, 10)
    torch.nn.utils.vector_to_parameters(record["theta"].to(torch.float32), model.parameters())
    return model.to(device)


# ---------------------------------------------------------------------------- rows of measured models
SUMMARY_KEYS = ("steps", "examples", "epochs", "stop", "batch", "lr_start", "lr_end", "decays", "refinements",
                "seconds", "stacked", "train_examples", "target_loss", "train_loss", "train_acc", "test_loss",
                "test_acc", "grad_norm")


def summary(record):
    """Plain numbers of one record, for a results JSON (the same in every script that reports
    training): how it was trained (steps, examples and epochs seen, stop: "target" or "cap", its
    batch, its learning rate at the start and the end, decays, refinements, seconds: its share of
    its job's wall time, stacked: the seeds trained in that job) and where it ended (full training
    and test loss and accuracy, full-batch gradient norm)."""
    return {k: (record[k] if isinstance(record[k], (str, int)) else float(record[k])) for k in SUMMARY_KEYS}


def history(record):
    """A record's loss history as plain lists, for a results JSON: examples seen, full training
    loss, training accuracy and learning rate at every check it kept (6 significant digits)."""
    rows = record["history"].tolist()
    return {"examples": [int(r[0]) for r in rows], "train_loss": [float(f"{r[1]:.6g}") for r in rows],
            "train_acc": [float(f"{r[2]:.6g}") for r in rows], "lr": [float(f"{r[3]:.6g}") for r in rows]}
