"""HW1-3 bonus: Keskar et al. 2017 ("On Large-Batch Training for Deep Learning: Generalization Gap
and Sharp Minima") on their own terms, a replication beside the homework's study (hw1_3_sharpness.py).

Their network F1 on MNIST: 784, then 5 fully connected layers of width W, each followed by batch
normalization and ReLU, then 10 (Keskar et al. 2017, Table 1 and Appendix B; Hoffer et al. 2017
reimplement it the same way). The paper's W is 512 (1.46M parameters): --width 512. The default is
W = 64, the widest that fits this project's time budget on 2 CPU cores (width 128 costs about twice
as much; bench in the report); every output names its width.

Training: Adam (lr 1e-3), small batch (SB) 256 against large batch (LB) 10% of the training set
(6,000), both from the same initialization per seed, 3 seeds (Keskar et al. ran 5; 3 fit the budget).
"Trained until the loss function ceased to improve" (Keskar et al., Sec. 2.1), made precise: after
every epoch the full training loss and accuracy are measured (batch normalization in eval mode);
training stops at the first epoch whose training accuracy is >= 99.9%, or after 5 epochs in a row
without a 1% improvement of the lowest full training loss so far, or at 100 epochs.

Measured on the final model, on the FULL training set, in float32, with batch normalization in eval
mode (the running statistics: the network as it predicts; the paper does not state its mode):
Keskar et al.'s Metric 2.1 with A = I, phi = 100 (max_{|delta_i| <= eps (|theta_i| + 1)}
L(theta + delta) - L(theta)) / (1 + L(theta)), eps = 1e-3 and 5e-4, 10 L-BFGS-B iterations from the
sign-gradient corner (common.measures.keskar_sharpness), printed beside their Table 3 (F1:
SB 1.23 +- 0.83 vs LB 205.14 +- 69.52 at 1e-3; 0.61 +- 0.27 vs 42.90 +- 17.14 at 5e-4) and Table 2
(training accuracy SB 99.66%, LB 99.92%); its first-order part (common.sharpness); the top Hessian
eigenvalue (Lanczos on Hessian-vector products); test loss and accuracy.

Along training (Keskar et al. observe that SB and LB sharpness are alike early and separate as the
loss falls): the full training loss is also measured after 1/8, 1/4 and 1/2 of the first epoch, and
the first measurement at or below each of the training losses 1, 0.1 and 0.03 is a checkpoint
where phi (eps = 1e-3), its first-order part and the top eigenvalue are measured.
Cost at width 64 (AMD kind, measured): 650-660 s of CPU in all (a small-batch run 113-123 s of one
core, a large-batch run 88-117 s; about half of it the checkpoints), so about 5.5 minutes on 2 free
cores (the runs side by side); 9.6 minutes of wall time with other runs loading the machine (load
average 2-6), 21 minutes at 6-12. Memory: 1.8 GB per process at width 64, 5.1 GB at width 512
(measured, one measurement of the final model). Width 512 (--width 512) is outside the budget: one
measurement of an F1-512 model (a gradient, 2 Lanczos steps, 1 L-BFGS-B iteration) took 197 s of
one core, so the six runs take roughly 2 hours on 2 cores.
"""
import math
import time

import matplotlib.ticker
import torch
from torch import nn

from common import plots
from common.cli import bounded_int, derive_seed, make_parser, run_main, seed_all, side_by_side_workers
from common.curvature import flat_loss, hvp_operator, lanczos
from common.data import load_dataset_once
from common.measures import keskar_sharpness
from common.models import count_params
from common.results import run_experiment, run_jobs
from common.sharpness import first_order_sharpness
from common.train import evaluate

SCRIPT = "hw1_3_keskar"

# ---------------------------------------------------------------------------- config
WIDTH = 64                     # hidden width (the paper's: 512, --width 512)
DEPTH = 5                      # hidden layers, each Linear + BatchNorm1d + ReLU (F1)
LR = 1e-3                      # Adam
SMALL_BATCH = 256              # Keskar et al.'s small batch
LARGE_FRACTION = 0.1           # their large batch: 10% of the training set (6,000)
SEEDS = ["s0", "s1", "s2"]     # per batch size (Keskar et al.: 5; 3 fit the budget); seed s of both: one init
TARGET_ACC = 0.999             # stop: full training accuracy at or above this ...
PATIENCE = 5                   # ... or this many epochs without a 1% improvement of the lowest training loss ...
MAX_EPOCHS = 100               # ... or this many epochs
EARLY_CHECKS = [1 / 8, 1 / 4, 1 / 2]      # extra measurements of the training loss in the first epoch (fractions)
LOSS_LEVELS = [1.0, 0.1, 0.03]            # checkpoints: the first measurement at or below each
EPSILONS = [1e-3, 5e-4]        # Keskar et al.'s box sizes; along training the first only
KESKAR_ITERS = 10              # L-BFGS-B iterations (Keskar et al.)
LANCZOS_STEPS = 10             # top Hessian eigenvalue
DTYPE = torch.float32
KESKAR_TABLE = {               # Keskar et al. 2017, network F1 on MNIST: Table 3 (phi, mean +- std) and Table 2
    "phi": {"0.001": {"small": [1.23, 0.83], "large": [205.14, 69.52]},
            "0.0005": {"small": [0.61, 0.27], "large": [42.90, 17.14]}},
    "train_acc": {"small": 0.9966, "large": 0.9992},
}
QUICK = {"width": 16, "subset": (1000, 500), "small_batch": 50, "seeds": ["s0", "s1"], "max_epochs": 4,
         "keskar_iters": 2, "lanczos_steps": 4, "loss_levels": [2.0, 1.0]}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--width", type=bounded_int(1, 4096), default=None,
                        help=f"hidden width of F1, 1..4096 (default {WIDTH}; Keskar et al.'s: 512)")
    args = parser.parse_args()
    args.width = args.width or (QUICK["width"] if args.quick else WIDTH)
    return args


def script_name(args):
    """Results and figures are named by the width: hw1_3_keskar at the default, hw1_3_keskar_w<W> else."""
    default = QUICK["width"] if args.quick else WIDTH
    return SCRIPT if args.width == default else f"{SCRIPT}_w{args.width}"


# ---------------------------------------------------------------------------- network F1
def f1_network(width, depth=DEPTH):
    """Keskar et al.'s F1: 784 -> depth x [Linear(width), BatchNorm1d, ReLU] -> Linear(10)."""
    layers, previous = [nn.Flatten()], 784
    for _ in range(depth):
        layers += [nn.Linear(previous, width), nn.BatchNorm1d(width), nn.ReLU()]
        previous = width
    layers.append(nn.Linear(previous, 10))
    return nn.Sequential(*layers)


# ---------------------------------------------------------------------------- sharpness of one model
def measure(model, x, y, epsilons, settings):
    """phi at each eps, its corner value and first-order part, the top Hessian eigenvalue and the
    gradient norm of `model` on (x, y), batch normalization in eval mode, in DTYPE."""
    was_training = model.training
    model.eval()
    loss, theta = flat_loss(model, x, y, nn.functional.cross_entropy, dtype=DTYPE)   # a copy, in eval mode
    model.train(was_training)
    probe = theta.clone().requires_grad_(True)
    value = loss(probe)
    (gradient,) = torch.autograd.grad(value, probe)
    value = float(value.detach())
    ritz = lanczos(hvp_operator(loss, theta), theta.numel(), steps=settings["lanczos_steps"],
                   generator=torch.Generator().manual_seed(0), dtype=theta.dtype, device=theta.device)
    out = {"measured_loss": value, "grad_norm": float(gradient.norm()), "top_eigenvalue": float(ritz[-1])}
    for eps in epsilons:
        found = keskar_sharpness(loss, theta, eps, max_iter=settings["keskar_iters"], random_starts=0)
        out[f"keskar_{eps:g}"] = found["sharpness"]
        out[f"corner_{eps:g}"] = found["corner"]
        out[f"first_order_{eps:g}"] = first_order_sharpness(gradient, theta, value, eps)
    return out


# ---------------------------------------------------------------------------- one run: train until no improvement
def train_and_measure(job):
    """Train F1 at one batch size from one seed's initialization by the stopping rule (module
    docstring), measuring at the checkpoints; the final model measured in full."""
    size, seed_name, shared = job
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["data_subset"])
    x, y, n = ds.x_train, ds.y_train, len(ds.x_train)
    batch = shared["batches"][size]
    torch.manual_seed(derive_seed(shared["seed"], "init", seed_name))        # one initialization per seed
    model = f1_network(shared["width"]).to(shared["device"])
    generator = torch.Generator().manual_seed(derive_seed(shared["seed"], "order", size, seed_name))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    levels = list(shared["loss_levels"])
    history, checkpoints = [], []
    start, cpu_start = time.perf_counter(), time.process_time()
    measuring = 0.0

    def check(examples):
        """The full training loss and accuracy now; a checkpoint at each loss level first reached."""
        nonlocal measuring
        loss, acc = evaluate(model, x, y)
        if not math.isfinite(loss):
            raise RuntimeError(f"F1 at batch {batch} ({seed_name}): training loss became {loss}")
        history.append([examples, loss, acc])
        reached = [level for level in levels if loss <= level]
        if reached:
            began = time.perf_counter()
            for level in reached:
                levels.remove(level)
            checkpoints.append({"examples": examples, "epochs": examples / n, "train_loss": loss, "train_acc": acc,
                                "levels": reached, **measure(model, x, y, shared["epsilons"][:1], shared)})
            measuring += time.perf_counter() - began
        return loss, acc

    examples, best, since_best, stop, epochs = 0, math.inf, 0, "cap", 0
    early = [round(f * n) for f in EARLY_CHECKS]
    for epoch in range(1, shared["max_epochs"] + 1):
        epochs = epoch
        model.train()
        order = torch.randperm(n, generator=generator).to(x.device)
        for first in range(0, n, batch):                  # every example once per epoch (the last batch ragged)
            index = order[first:first + batch]
            loss = nn.functional.cross_entropy(model(x.index_select(0, index)), y.index_select(0, index))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            examples += len(index)
            while early and examples >= early[0]:          # the first epoch's extra measurements
                early.pop(0)
                check(examples)
        early = []
        loss, acc = check(examples)
        if acc >= TARGET_ACC:
            stop = "accuracy"
            break
        if loss < 0.99 * best:
            best, since_best = loss, 0
        else:
            since_best += 1
            if since_best >= PATIENCE:
                stop = "no improvement"
                break
    seconds = time.perf_counter() - start - measuring
    final = measure(model, x, y, shared["epsilons"], shared)
    test_loss, test_acc = evaluate(model, ds.x_test, ds.y_test)
    return {"size": size, "batch": batch, "seed": seed_name, "epochs": epochs, "stop": stop,
            "train_loss": history[-1][1], "train_acc": history[-1][2], "test_loss": test_loss, "test_acc": test_acc,
            "seconds": {"training": seconds, "checkpoints": measuring,            # wall times; cpu: all of it
                        "final": time.perf_counter() - start - seconds - measuring,
                        "cpu": time.process_time() - cpu_start}, **final,
            "history": {"examples": [h[0] for h in history], "train_loss": [h[1] for h in history],
                        "train_acc": [h[2] for h in history]},
            "checkpoints": checkpoints}


def run(args):
    seed_all(args.seed)
    workers = side_by_side_workers(args)
    quick = args.quick
    subset = QUICK["subset"] if quick else None
    ds = load_dataset_once("mnist", args.data_dir, args.device_resolved, subset)        # fail fast
    n = len(ds.x_train)
    batches = {"small": QUICK["small_batch"] if quick else SMALL_BATCH, "large": round(LARGE_FRACTION * n)}
    seeds = QUICK["seeds"] if quick else SEEDS
    shared = {"data_dir": args.data_dir, "device": args.device_resolved, "data_subset": subset, "seed": args.seed,
              "width": args.width, "batches": batches, "epsilons": EPSILONS,
              "max_epochs": QUICK["max_epochs"] if quick else MAX_EPOCHS,
              "keskar_iters": QUICK["keskar_iters"] if quick else KESKAR_ITERS,
              "lanczos_steps": QUICK["lanczos_steps"] if quick else LANCZOS_STEPS,
              "loss_levels": QUICK["loss_levels"] if quick else LOSS_LEVELS}
    jobs = [(size, s, shared) for size in ("small", "large") for s in seeds]      # the small batch (slower) first
    runs = run_jobs(args, train_and_measure, jobs, [f"batch {batches[size]} {s}" for size, s, _ in jobs], workers)
    return {"network": "F1", "width": args.width, "depth": DEPTH, "params": count_params(f1_network(args.width)),
            "paper_width": 512, "train_examples": n, "batches": batches, "lr": LR, "seeds": seeds,
            "epsilons": EPSILONS, "keskar_iters": shared["keskar_iters"], "lanczos_steps": shared["lanczos_steps"],
            "stop_rule": {"target_acc": TARGET_ACC, "patience": PATIENCE, "improvement": 0.01,
                          "max_epochs": shared["max_epochs"]},
            "early_checks": EARLY_CHECKS, "loss_levels": shared["loss_levels"], "batch_norm": "eval",
            "dtype": str(DTYPE), "keskar_table": KESKAR_TABLE, "runs": runs}


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir, name=SCRIPT):
    runs, sizes = results["runs"], ("small", "large")
    colors = {"small": plots.PALETTE[0], "large": plots.PALETTE[1]}
    label = {s: f"{'SB' if s == 'small' else 'LB'} {results['batches'][s]}" for s in sizes}
    width = f"F1, width {results['width']}"
    fig, axes = plots.figure(ncols=3, width=4.8, height=3.8)
    ax = axes[0, 0]
    for i, eps in enumerate(results["epsilons"]):
        for j, size in enumerate(sizes):
            values = [r[f"keskar_{eps:g}"] for r in runs if r["size"] == size]
            where = 3 * i + j
            ax.scatter([where] * len(values), values, color=colors[size], s=16,
                       label=f"ours, {label[size]}" if i == 0 else None)
            mean, std = results["keskar_table"]["phi"][f"{eps:g}"][size]
            ax.errorbar([where + 0.25], [mean], yerr=[[min(std, 0.9 * mean)], [std]], fmt="D", mfc="none",
                        color=colors[size], capsize=3,
                        label=f"Keskar et al. Table 3, {'SB 256' if size == 'small' else 'LB 10%'} (width 512)"
                        if i == 0 else None)
    ax.set_xticks([0.6, 3.6], [f"ε = {eps:g}" for eps in results["epsilons"]])
    ax.set(yscale="log", ylabel="Keskar sharpness φ (full training set)",
           title=f"Final models ({width}; his: width 512)")
    ax.legend(fontsize=7)
    for ax, key, ylabel in ((axes[0, 1], f"keskar_{results['epsilons'][0]:g}",
                             f"φ (ε = {results['epsilons'][0]:g})"),
                            (axes[0, 2], "top_eigenvalue", "top Hessian eigenvalue λ_max")):
        for size in sizes:
            for k, r in enumerate(r for r in runs if r["size"] == size):
                points = r["checkpoints"] + [{"train_loss": r["train_loss"], key: r[key]}]
                ax.plot([p["train_loss"] for p in points], [p[key] for p in points], "o-", color=colors[size], ms=3,
                        lw=0.8, alpha=0.8, label=label[size] if k == 0 else None)
        ax.set(xscale="log", yscale="log", xlabel="full training loss (falls as training goes on →)",
               ylabel=ylabel, title=f"Along training ({width}, every seed)")
        ax.invert_xaxis()
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{name}_sharpness")

    fig, axes = plots.figure(ncols=1, width=5.6, height=3.8)
    ax = axes[0, 0]
    n = results["train_examples"]
    for size in sizes:
        for k, r in enumerate(r for r in runs if r["size"] == size):
            h = r["history"]
            ax.plot([e / n for e in h["examples"]], h["train_loss"], "-", color=colors[size], lw=0.9,
                    label=f"{label[size]}" if k == 0 else None)
            ax.plot([h["examples"][-1] / n], [h["train_loss"][-1]], "x", color=colors[size], ms=6)
    ax.set(xscale="log", yscale="log", xlabel="epochs", ylabel="full training loss (eval mode)",
           title=f"Training until no improvement ({width}; × = stop)")
    ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{name}_training")


def main():
    args = parse_args()
    name = script_name(args)
    config = {"quick": args.quick, "seed": args.seed, "width": args.width, "depth": DEPTH, "lr": LR,
              "small_batch": SMALL_BATCH, "large_fraction": LARGE_FRACTION, "seeds": SEEDS, "target_acc": TARGET_ACC,
              "patience": PATIENCE, "max_epochs": MAX_EPOCHS, "early_checks": EARLY_CHECKS,
              "loss_levels": LOSS_LEVELS, "epsilons": EPSILONS, "keskar_iters": KESKAR_ITERS,
              "lanczos_steps": LANCZOS_STEPS, "dtype": str(DTYPE), "batch_norm": "eval", "optimizer": "adam"}

    def draw(results, figures_dir):
        plot(results, figures_dir, name)

    def summarize(results):
        for size in ("small", "large"):
            chosen = [r for r in results["runs"] if r["size"] == size]
            cells = "  ".join(f"φ({eps:g}) " + ", ".join(format(r[f"keskar_{eps:g}"], ".3g") for r in chosen)
                              for eps in results["epsilons"])
            accuracies = ", ".join(format(r["train_acc"], ".4f") for r in chosen)
            print(f"batch {results['batches'][size]:>5}: epochs {[r['epochs'] for r in chosen]}, train acc "
                  f"{accuracies}; {cells}")

    run_experiment(args, name, config, run, draw, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
