"""HW1-1 "Simulate a function": networks of one size but different depths fit 1-D functions,
over several seeds, with learning rates tuned on seeds of their own.

Four ReLU MLPs with 571 +- 1% parameters (the slides' size): 1 hidden layer of 190 units, 2, 4
and 8 hidden layers, each fitted to sin(5 pi x)/(5 pi x), sgn(sin(5 pi x)) and sin(4 pi x^2)
on 500 evenly spaced points of [-1, 1] by full-batch Adam (20000 steps, cosine decay to 0, MSE).

  1. Learning-rate sweep (results/hw1_1_simulate_tune.json, reused while its config and code are
     unchanged; `--tune` runs only this): every architecture at every rate of LR_GRID on
     TUNING_SEEDS seeds of its own ("tune-0", ...); the chosen rate has the lowest geometric-mean
     final loss over the functions and tuning seeds. Where a net's chosen rate is the lowest or
     the highest it has tried, the sweep goes on one rung of LR_LADDER further that way (half a
     decade), until the chosen rate has a rate on each side or the ladder ends: a rate at an end
     of the rates tried is not known to be the best.
  2. Report runs: every (architecture, function) at its chosen rate on SEEDS other seeds
     ("seed-0", ...). Each model's initialization derives from the base seed and its names
     (architecture, function, seed name), so the tuning and reported seeds are disjoint and no
     model depends on another's position. Loss curves: median over seeds with the min-max band;
     fits: the run with the median final loss, the other seeds faint.

The models of one job train together as batched matmuls (common.train.train_together), the jobs
side by side in two processes. About 5 minutes on 2 CPU cores (the sweep is two thirds of it).

    python hw1_1_simulate.py            # sweep (when stale) + report runs -> figures/hw1_1_simulate_*.png
    python hw1_1_simulate.py --tune     # the sweep only -> results/hw1_1_simulate_tune.json
    python hw1_1_simulate.py --quick    # seconds, figures/quick/
"""
import math
from typing import NamedTuple

import numpy as np
import torch

from common import plots, stats
from common.cli import (
    MAX_POINTS, MAX_STEPS, HW1Error, bounded_int, derive_seed, log, make_parser, run_main, seed_all,
    side_by_side_workers)
from common.data import FUNCTIONS, function_data
from common.models import count_params, mlp, mlp_params, mlp_widths_for_params
from common import results
from common.results import run_experiment
from common.train import TrainConfig, train_together

SCRIPT = "hw1_1_simulate"
TUNE = "hw1_1_simulate_tune"

# ---------------------------------------------------------------------------- config
TARGET_PARAMS = 571                       # parameters per model, as in the slides (1-190-1)
ARCHITECTURES = {                         # name: hidden layers (widths solved for TARGET_PARAMS); one line per model
    "shallow (1 hidden)": 1,
    "medium (2 hidden)": 2,
    "deep (4 hidden)": 4,
    "deeper (8 hidden)": 8,
}
LR_GRID = [3e-4, 1e-3, 3e-3, 1e-2]        # Adam peak learning rates every net is swept at (cosine decay to 0) ...
LR_LADDER = [3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]   # ... and the rates the sweep may go on to,
                                          # one rung at a time, while a net's best rate is an end of its rates
TUNING_SEEDS = 2                          # seeds per (architecture, function, rate) of the sweep: "tune-k"
SEEDS = 5                                 # reported seeds per (architecture, function): "seed-k"
STEPS = 20000                             # full-batch Adam steps (= epochs)
N_POINTS = 500                            # training points, evenly spaced on [-1, 1]
N_CURVE = 200                             # loss-curve points kept per run (every STEPS/N_CURVE steps)
N_PLOT = 400                              # points of the saved predictions (for --plot-only)
QUICK = {"steps": 300, "points": 200, "seeds": 3, "tuning_seeds": 1, "lr_grid": [1e-3, 1e-2],
         "lr_ladder": [1e-3, 1e-2]}   # quick: no rung beyond the grid


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--tune", action="store_true", help="run (or reuse) only the learning-rate sweep")
    parser.add_argument("--steps", type=bounded_int(1, MAX_STEPS), default=None,
                        help=f"Adam steps, 1..{MAX_STEPS} (default {STEPS})")
    parser.add_argument("--points", type=bounded_int(2, MAX_POINTS), default=None,
                        help=f"training points, 2..{MAX_POINTS} (default {N_POINTS})")
    parser.add_argument("--seeds", type=bounded_int(1, 100), default=None,
                        help=f"reported seeds per (model, function), 1..100 (default {SEEDS})")
    parser.add_argument("--functions", nargs="+", choices=sorted(FUNCTIONS), default=list(FUNCTIONS),
                        help="target functions (default: all)")
    args = parser.parse_args()
    args.steps = args.steps or (QUICK["steps"] if args.quick else STEPS)
    args.points = args.points or (QUICK["points"] if args.quick else N_POINTS)
    args.seeds = args.seeds or (QUICK["seeds"] if args.quick else SEEDS)
    args.tuning_seeds = QUICK["tuning_seeds"] if args.quick else TUNING_SEEDS
    args.lr_grid = QUICK["lr_grid"] if args.quick else LR_GRID
    args.lr_ladder = QUICK["lr_ladder"] if args.quick else LR_LADDER
    return args


def seed_names(kind, count):
    """'seed-0', 'seed-1', ... (reported) or 'tune-0', ... (sweep): the names seeds derive from."""
    return [f"{kind}-{k}" for k in range(count)]


# ---------------------------------------------------------------------------- train one job
class FitJob(NamedTuple):
    """One architecture at one rate on every (function, seed name) pair of the job, trained together."""
    arch: str
    lr: float
    functions: list
    names: list              # seed names
    steps: int
    points: int
    base_seed: int
    device: torch.device

    @property
    def name(self):
        return f"{self.arch} lr {self.lr:g} {'+'.join(self.functions)}"


def fit(job):
    """Train one architecture at one rate on the job's (function, seed name) pairs, all at once."""
    arch, lr, functions, names, steps, points, base_seed, device = job
    widths = mlp_widths_for_params(1, ARCHITECTURES[arch], 1, TARGET_PARAMS)
    pairs = [(f, name) for f in functions for name in names]
    models = []
    for f, name in pairs:                   # the init depends on names only, whatever the job grouping
        torch.manual_seed(derive_seed(base_seed, arch, f, name))
        models.append(mlp(1, widths, 1).to(device))
    data = {f: function_data(f, points, device=device) for f in functions}
    x = torch.stack([data[f][0] for f, _ in pairs])                     # (M, points, 1)
    y = torch.stack([data[f][1] for f, _ in pairs])                     # (M, points, 1)
    cfg = TrainConfig(epochs=steps, lr=lr, batch_size=None, loss="mse", schedule="cosine")
    record_every = max(1, steps // N_CURVE)
    curve = train_together(models, x, y, cfg, desc=f"{arch}, lr {lr:g}", record_every=record_every,
                           stop_on_divergence=False)                    # a diverged sweep run scores inf
    x_plot = torch.linspace(-1, 1, N_PLOT, device=device)[:, None]
    out = []
    with torch.no_grad():
        for i, (f, name) in enumerate(pairs):
            final = float(torch.nn.functional.mse_loss(models[i](x[i]), y[i]))
            out.append({"arch": arch, "lr": lr, "function": f, "seed_name": name,
                        "seed": derive_seed(base_seed, arch, f, name), "widths": widths,
                        "params": count_params(models[i]), "final_loss": final if math.isfinite(final) else None,
                        "curve_steps": list(range(0, record_every * curve.shape[1], record_every)),
                        "loss_curve": [float(f"{v:.5g}") for v in curve[i].tolist()],
                        "prediction": [round(v, 5) for v in models[i](x_plot).squeeze(1).tolist()]})
    return out


def make_jobs(rates, functions, names, steps, points, seed, device):
    """fit() jobs, longest first (hidden layers x models): a wide one-hidden-layer net (memory-bound,
    nothing to gain from batching) gets one job per function, every other architecture one job for
    all functions; rates: {architecture: [learning rates]}, one job per rate (a net left out: none)."""
    jobs = []
    for arch, depth in ARCHITECTURES.items():
        groups = [[f] for f in functions] if depth == 1 else [list(functions)]
        jobs += [FitJob(arch, lr, group, names, steps, points, seed, device)
                 for lr in rates.get(arch, []) for group in groups]
    return sorted(jobs, key=lambda job: -ARCHITECTURES[job.arch] * len(job.functions) * len(job.names))


def run_jobs(args, rates, names):
    jobs = make_jobs(rates, args.functions, names, args.steps, args.points, args.seed, args.device_resolved)
    done = results.run_jobs(args, fit, jobs, [job.name for job in jobs], side_by_side_workers(args))
    return [entry for group in done for entry in group]


# ---------------------------------------------------------------------------- 1. the learning-rate sweep
def geometric_mean(values):
    values = [v if v is not None else math.inf for v in values]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if all(map(math.isfinite, values)) else math.inf


def next_rungs(tried, chosen, ladder):
    """The rates of `ladder` one rung beyond the lowest and the highest rate `tried`, for each end
    that `chosen` (the best rate tried) is at; none where the ladder ends there."""
    rungs = []
    if chosen == min(tried) and ladder.index(min(tried)) > 0:
        rungs.append(ladder[ladder.index(min(tried)) - 1])
    if chosen == max(tried) and ladder.index(max(tried)) < len(ladder) - 1:
        rungs.append(ladder[ladder.index(max(tried)) + 1])
    return rungs


def tune(args):
    seed_all(args.seed)
    names = seed_names("tune", args.tuning_seeds)
    missing = sorted(set(args.lr_grid) - set(args.lr_ladder))
    if missing:
        raise HW1Error(f"the learning-rate grid has rates that are not on the ladder: {missing}")
    pending = {arch: list(args.lr_grid) for arch in ARCHITECTURES}     # rates still to train, per net
    fitted, rounds = [], 0
    while any(pending.values()):
        rounds += 1
        fitted += run_jobs(args, {arch: rates for arch, rates in pending.items() if rates}, names)
        table = {}
        for arch in ARCHITECTURES:
            rows = {}
            for lr in sorted({e["lr"] for e in fitted if e["arch"] == arch}):
                runs = [e for e in fitted if e["arch"] == arch and e["lr"] == lr]
                rows[f"{lr:g}"] = {"lr": lr, "score": geometric_mean([e["final_loss"] for e in runs]),
                                   "final_loss": {f: [e["final_loss"] for e in runs if e["function"] == f]
                                                  for f in args.functions}}
            chosen = min(rows.values(), key=lambda row: row["score"])
            tried = [row["lr"] for row in rows.values()]
            table[arch] = {"chosen_lr": chosen["lr"], "rates": list(rows.values()),
                           "added_rates": sorted(set(tried) - set(args.lr_grid)),
                           "ladder_end": chosen["lr"] in (args.lr_ladder[0], args.lr_ladder[-1])}
            pending[arch] = next_rungs(tried, chosen["lr"], args.lr_ladder)
        if any(pending.values()):
            log("sweep: a chosen rate is an end of the rates tried; going on to "
                + ", ".join(f"{arch} {lr:g}" for arch, rates in pending.items() for lr in rates))
    seeds = sorted({e["seed"] for e in fitted})
    return {"seed_names": names, "seeds": seeds, "lr_grid": args.lr_grid, "lr_ladder": args.lr_ladder,
            "rounds": rounds, "functions": args.functions, "architectures": table}


def plot_tune(results, figures_dir):
    fig, axes = plots.figure(width=5.6)
    ax = axes[0, 0]
    for i, (arch, entry) in enumerate(results["architectures"].items()):
        rates = [row["lr"] for row in entry["rates"]]
        scores = [row["score"] for row in entry["rates"]]
        ax.plot(rates, scores, "o-", color=plots.PALETTE[i % len(plots.PALETTE)], label=arch)
        ax.plot(entry["chosen_lr"], min(scores), "*", ms=14, color=plots.PALETTE[i % len(plots.PALETTE)])
    ax.set(xscale="log", yscale="log", xlabel="Adam learning rate (cosine decay to 0)",
           ylabel="geometric-mean final training MSE",
           title=f"Learning-rate sweep on {len(results['seed_names'])} tuning seeds (★ chosen)")
    ax.legend()
    plots.save(fig, figures_dir, f"{TUNE}")


# ---------------------------------------------------------------------------- 2. the report runs
def run(args, rates):
    seed_all(args.seed)
    names = seed_names("seed", args.seeds)
    fitted = run_jobs(args, {arch: [rates[arch]] for arch in ARCHITECTURES}, names)
    x_plot = np.linspace(-1, 1, N_PLOT)
    results = {"x_plot": [round(float(v), 5) for v in x_plot], "seed_names": names,
               "seeds": sorted({e["seed"] for e in fitted}), "functions": {}}
    for f in args.functions:
        truth = FUNCTIONS[f][0](torch.tensor(x_plot, dtype=torch.float64)).tolist()
        models = []
        for arch in ARCHITECTURES:                                      # the order of ARCHITECTURES
            runs = [e for e in fitted if e["arch"] == arch and e["function"] == f]
            losses = [e["final_loss"] if e["final_loss"] is not None else math.inf for e in runs]
            median_run = runs[stats.median_index(losses)]
            models.append({"name": arch, "widths": runs[0]["widths"], "params": runs[0]["params"], "lr": rates[arch],
                           "seed_names": [e["seed_name"] for e in runs], "seeds": [e["seed"] for e in runs],
                           "final_losses": losses, "final_loss": stats.summary(losses),
                           "median_seed": median_run["seed_name"], "curve_steps": runs[0]["curve_steps"],
                           "loss_curves": [e["loss_curve"] for e in runs],
                           "predictions": [e["prediction"] for e in runs]})
        results["functions"][f] = {"truth": [round(v, 5) for v in truth], "models": models}
    return results


def plot(results, figures_dir):
    x = results["x_plot"]
    n_seeds = len(results["seed_names"])
    for f, entry in results["functions"].items():
        fig, axes = plots.figure()
        ax = axes[0, 0]
        for i, m in enumerate(entry["models"]):
            median, low, high = stats.median_band(m["loss_curves"])
            color = plots.PALETTE[i % len(plots.PALETTE)]
            ax.plot(m["curve_steps"], median, color=color,
                    label=f"{m['name']}: {m['params']} params, final {m['final_loss']['median']:.2e} "
                          f"[{m['final_loss']['min']:.1e}, {m['final_loss']['max']:.1e}]")
            ax.fill_between(m["curve_steps"], low, high, color=color, alpha=0.18, lw=0)
        ax.set(yscale="log", xlabel="step (full batch = epoch)", ylabel="training MSE",
               title=f"Training loss, {FUNCTIONS[f][1]}: median of {n_seeds} seeds, band min-max")
        ax.legend(fontsize=7)
        plots.save(fig, figures_dir, f"{SCRIPT}_{f}_loss")

        fig, axes = plots.figure(width=6.0)
        ax = axes[0, 0]
        ax.plot(x, entry["truth"], color="black", lw=3.0, alpha=0.35, label="ground truth")
        for i, m in enumerate(entry["models"]):
            color = plots.PALETTE[i % len(plots.PALETTE)]
            median = m["seed_names"].index(m["median_seed"])
            for k, prediction in enumerate(m["predictions"]):
                if k != median:
                    ax.plot(x, prediction, color=color, lw=0.6, alpha=0.25)
            ax.plot(x, m["predictions"][median], color=color, lw=1.3, label=f"{m['name']} ({m['median_seed']})")
        size = entry["models"][0]["params"]
        ax.set(xlabel="x", ylabel="f(x)",
               title=f"Fits of {FUNCTIONS[f][1]} ({size} params each): median-loss run, other seeds faint")
        ax.legend(fontsize=7)
        plots.save(fig, figures_dir, f"{SCRIPT}_{f}_fit")


def main():
    args = parse_args()
    shared = {"functions": args.functions, "steps": args.steps, "points": args.points, "seed": args.seed,
              "architectures": ARCHITECTURES, "target_params": TARGET_PARAMS, "schedule": "cosine",
              "optimizer": "adam", "quick": args.quick}
    tune_config = {**shared, "lr_grid": args.lr_grid, "lr_ladder": args.lr_ladder,
                   "tuning_seeds": seed_names("tune", args.tuning_seeds)}

    def summarize_tune(results):
        for arch, entry in results["architectures"].items():
            scores = ", ".join(f"{row['lr']:g}: {row['score']:.2e}" for row in entry["rates"])
            print(f"{arch:>20}: chosen lr {entry['chosen_lr']:g} ({scores})")

    swept = run_experiment(args, TUNE, tune_config, tune, plot_tune, threads=1, summarize=summarize_tune)
    if args.tune:
        return
    rates = {arch: swept["architectures"][arch]["chosen_lr"] for arch in ARCHITECTURES}
    config = {**shared, "learning_rates": rates, "learning_rates_from": f"{TUNE}.json",
              "seed_names": seed_names("seed", args.seeds)}

    def compute(args):
        results = run(args, rates)
        overlap = set(results["seeds"]) & set(swept["seeds"])
        if overlap:                                   # a hash collision of the names: never seen
            raise HW1Error(f"tuning and reported seeds overlap: {sorted(overlap)}; use another --seed")
        return results

    def summarize(results):
        for name, depth in ARCHITECTURES.items():
            widths = mlp_widths_for_params(1, depth, 1, TARGET_PARAMS)
            print(f"{name:>20}: 1-{'-'.join(map(str, widths))}-1, {mlp_params(1, widths, 1)} params, "
                  f"lr {rates[name]:g}")
        for f, entry in results["functions"].items():
            print(f"{f}: " + ", ".join(f"{m['name']} {m['final_loss']['median']:.2e} "
                                       f"[{m['final_loss']['min']:.1e}, {m['final_loss']['max']:.1e}]"
                                       for m in entry["models"]))

    run_experiment(args, SCRIPT, config, compute, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
