"""HW1-3 "Can a network fit random labels?" (Zhang et al. 2017, "Understanding deep learning
requires rethinking generalization").

MNIST with its 60,000 training labels permuted once (seed 0): every class keeps its count, but
a label says nothing about its image. Test labels stay true (--random-test-labels permutes them
too). An MLP 784-256-256-256-10 (335,114 params), no augmentation, no weight decay, no dropout,
trained with Adam, batch 256, under a one-cycle learning-rate schedule (peak 3e-3) planned over
220 epochs, until the training accuracy on the full training set in eval mode reaches 99%.
The schedule matters more than the epoch count: Adam at a constant 1e-3 (batch 128) sits near
65% after 130 epochs. Batch 256 with peak 3e-3 was chosen for speed: measured on this machine
it memorizes in about 6 minutes on 2 CPU cores, where batch 128 with peak 2e-3 over 260 epochs
(the first setting) took about 8.

Controls (Zhang et al. 2017, Sec. 2 and Fig. 1), the same network and schedule on the first
10,000 training images, 3 seeds each (initialization, corruption or inputs and minibatch order
from the seed's name; one initialization per seed shared by every control):
  labels (Fig. 1b-c): each training label independently, with probability 0, 20, 50, 80 or 100%,
    replaced by a class drawn uniformly from all ten (Zhang's rule: it can stay right, so at 100%
    about a tenth of the labels are right; common.controls.uniform_corrupted_labels); the
    measured share of wrong labels is stored per run;
  inputs (Fig. 1a), true labels: shuffled pixels (one permutation of the pixels for all images,
    training and test), random pixels (a different permutation per image), Gaussian inputs
    (every pixel N(mean, std^2) of the training images) (common.controls.input_control);
    the test images get the same transformation.
For each: epochs (and wall time) to 99% training accuracy and the test accuracy on the true
test labels, mean and spread over the seeds. The headline run (all 60,000 images) is one seed:
it shows that the net can fit noise; the spread over seeds comes from the controls (three
headline seeds would cost 6-8 more minutes). Every run is one job of a pool of two
single-thread processes, the headline first: about 7 minutes on 2 CPU cores.
"""

import time

import numpy as np
import torch

from common import plots, stats
from common.cli import MAX_EPOCHS, bounded_int, derive_seed, make_parser, run_main, seed_all, side_by_side_workers
from common.controls import INPUT_CONTROLS, input_control, uniform_corrupted_labels
from common.data import load_dataset_once, permuted_labels
from common.models import count_params, mlp
from common.results import run_experiment, run_jobs
from common.train import TrainConfig, train

SCRIPT = "hw1_3_random_labels"

# ---------------------------------------------------------------------------- config
WIDTHS = [256, 256, 256]   # hidden layers
EPOCHS = 220               # the one-cycle schedule's length (training stops at the target accuracy)
BATCH = 256                # examples per step (128 memorized too, in ~25% more wall time)
PEAK_LR = 3e-3             # one-cycle: warm up over the first 30% of steps, then anneal
TARGET_ACC = 0.99          # stop once the full training set is fitted to this accuracy
LABEL_SEED = 0             # the permutation of the training labels
CORRUPTION = "uniform"                      # a corrupted label is redrawn from all classes (Zhang et al.)
CONTROL_LEVELS = [0.0, 0.2, 0.5, 0.8, 1.0]   # probability that a training label is corrupted, in the controls
INPUT_KINDS = list(INPUT_CONTROLS)          # input-side controls (true labels): Zhang et al., Fig. 1a
CONTROL_SUBSET = (10000, 10000)             # training, test images of the controls
CONTROL_SEEDS = ["s0", "s1", "s2"]          # seeds per corruption level and per input control
QUICK = {"epochs": 3, "subset": (1000, 500), "control_subset": (500, 500)}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"schedule length in epochs, 1..{MAX_EPOCHS} (default {EPOCHS})")
    parser.add_argument("--random-test-labels", action="store_true", help="permute the test labels too")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


def fit(job):
    """One run of the network and schedule until TARGET_ACC: the headline (all training labels
    permuted, seeded by --seed), a label control (each label corrupted with probability `level`)
    or an input control (`inputs`, true labels), the controls seeded by the seed's name. Returns its
    history and summary numbers."""
    ds = load_dataset_once("mnist", job["data_dir"], job["device"], job["subset"])
    x_train, x_test, y_test = ds.x_train, ds.x_test, ds.y_test
    if job["level"] is None and job["inputs"] is None:                 # the headline
        y_train = permuted_labels(ds.y_train, LABEL_SEED)
        if job["random_test_labels"]:
            y_test = permuted_labels(ds.y_test, LABEL_SEED + 1)
        init_seed = order_seed = job["base_seed"]
        desc = "random labels"
    else:
        if job["inputs"] is None:                                        # a label control
            names = (job["level"], job["seed_name"])
            y_train = uniform_corrupted_labels(ds.y_train, job["level"],
                                               derive_seed(job["base_seed"], "corruption", *names))
            desc = f"corruption {job['level']:.0%} {job['seed_name']}"
        else:                                                            # an input control
            names = (job["inputs"], job["seed_name"])
            y_train = ds.y_train
            x_train, x_test = input_control(job["inputs"], ds.x_train, ds.x_test,
                                            derive_seed(job["base_seed"], "inputs", *names))
            desc = f"{job['inputs']} {job['seed_name']}"
        init_seed = derive_seed(job["base_seed"], "init", job["seed_name"])
        order_seed = derive_seed(job["base_seed"], "order", *names)
    torch.manual_seed(init_seed)
    model = mlp(784, WIDTHS, 10).to(job["device"])
    cfg = TrainConfig(epochs=job["epochs"], lr=PEAK_LR, batch_size=BATCH, schedule="onecycle",
                      stop_at_train_acc=TARGET_ACC)
    start = time.perf_counter()
    history = train(model, (x_train, y_train, x_test, y_test), cfg, seed=order_seed, desc=desc)
    reached = [e for e, acc in zip(history["epoch"], history["train_acc"]) if acc >= TARGET_ACC]
    return {"level": job["level"], "inputs": job["inputs"], "seed": job["seed_name"], "params": count_params(model),
            "train_examples": len(y_train), "wrong_share": float((y_train != ds.y_train).double().mean()),
            "label_agreement": float((y_train == ds.y_train).double().mean()),
            "epoch_reached_target": reached[0] if reached else None, "seconds": time.perf_counter() - start,
            "final_train_acc": history["train_acc"][-1], "final_test_acc": history["test_acc"][-1],
            "final_test_loss": history["test_loss"][-1], **history}


SUMMARIZED = ("epoch_reached_target", "seconds", "final_train_acc", "final_test_acc", "wrong_share")


def by_group(runs, key, value):
    """mean, spread and fitted count over the seeds of the runs whose `key` is `value`."""
    runs = [c for c in runs if c[key] == value]
    return {key: value, "n_seeds": len(runs), "n_fitted": sum(c["epoch_reached_target"] is not None for c in runs),
            **{k: (stats.summary([c[k] for c in runs]) if all(c[k] is not None for c in runs)
                   else dict.fromkeys(("median", "min", "max", "mean", "std", "n")))   # a seed did not fit
               for k in SUMMARIZED}}


def run(args):
    seed_all(args.seed)
    subset = QUICK["control_subset"] if args.quick else CONTROL_SUBSET
    common = {"epochs": args.epochs, "base_seed": args.seed, "data_dir": args.data_dir, "device": args.device_resolved,
              "random_test_labels": args.random_test_labels}
    headline = {**common, "level": None, "inputs": None, "seed_name": None,
                "subset": QUICK["subset"] if args.quick else None}
    label_controls = {f"corruption {level:g} {s}": {**common, "level": level, "inputs": None, "seed_name": s,
                                                      "subset": subset}
                      for level in CONTROL_LEVELS for s in CONTROL_SEEDS}
    input_controls = {f"{kind} {s}": {**common, "level": None, "inputs": kind, "seed_name": s, "subset": subset}
                      for kind in INPUT_KINDS for s in CONTROL_SEEDS}
    jobs = {"headline": headline, **label_controls, **input_controls}

    def noise(name):
        """The share of noise a job's net must memorize: the slow ones run first (a shorter tail)."""
        job = jobs[name]
        if job["inputs"] is not None:
            return 0.0 if job["inputs"] == "shuffled pixels" else 1.0
        return 1.0 if job["level"] is None else job["level"]
    slow_first = sorted(jobs, key=lambda n: (n != "headline", -noise(n), n))
    done = dict(zip(slow_first, run_jobs(args, fit, [jobs[n] for n in slow_first], slow_first,
                                         side_by_side_workers(args))))
    main_run = done["headline"]
    control_runs = [done[n] for n in label_controls]
    input_runs = [done[n] for n in input_controls]
    for run_ in control_runs + input_runs:                             # the per-epoch curves stay with the headline
        for key in ("epoch", "train_loss", "train_acc", "test_loss", "test_acc"):
            del run_[key]
    return {"model": f"784-{'-'.join(map(str, WIDTHS))}-10", "params": main_run["params"],
            "corruption": CORRUPTION, "controls": control_runs,
            "control_levels": [by_group(control_runs, "level", level) for level in CONTROL_LEVELS],
            "input_controls": input_runs, "input_kinds": [by_group(input_runs, "inputs", k) for k in INPUT_KINDS],
            "control_seeds": CONTROL_SEEDS,
            "control_train_examples": subset[0], "control_test_examples": subset[1],
            "label_agreement": main_run["label_agreement"], "train_examples": main_run["train_examples"],
            "test_labels": "random" if args.random_test_labels else "true",
            "epoch_reached_target": main_run["epoch_reached_target"], "target_acc": TARGET_ACC,
            "seconds": main_run["seconds"],
            **{key: main_run[key] for key in ("epoch", "train_loss", "train_acc", "test_loss", "test_acc")}}


def plot(results, figures_dir):
    note = f"(test labels {results['test_labels']})"
    for key, label, log in (("loss", "cross-entropy", True), ("acc", "accuracy", False)):
        fig, axes = plots.figure(width=6.0)
        ax = axes[0, 0]
        ax.plot(results["epoch"], results[f"train_{key}"], color=plots.PALETTE[0], label="train (random labels)")
        ax.plot(results["epoch"], results[f"test_{key}"], color=plots.PALETTE[1], label=f"test {note}")
        if results["epoch_reached_target"]:
            ax.axvline(results["epoch_reached_target"], color="gray", ls=":", lw=1,
                       label=f"train acc ≥ {results['target_acc']:.0%} at epoch {results['epoch_reached_target']}")
        ax.set(xlabel="epoch", ylabel=label, yscale="log" if log else "linear",
               title=f"MNIST with random training labels: {results['model']}")
        ax.legend(fontsize=8)
        plots.save(fig, figures_dir, f"{SCRIPT}_{key}")

    levels = results["control_levels"]
    x = [100 * c["level"] for c in levels]
    seeds = f"{len(results['control_seeds'])} seeds"
    fig, axes = plots.figure(ncols=3, width=4.6, height=3.6)

    def with_seeds(ax, key, color, fmt, label):
        """Mean ± std over the seeds per level, every seed a faint dot."""
        mean = [float("nan") if c[key]["mean"] is None else c[key]["mean"] for c in levels]
        std = [0.0 if c[key]["std"] is None else c[key]["std"] for c in levels]
        ax.errorbar(x, mean, yerr=std, fmt=fmt, color=color, capsize=3, ms=4, label=label)
        runs = [c for c in results["controls"] if c[key] is not None]
        ax.plot([100 * c["level"] for c in runs], [c[key] for c in runs], ".", color=color, alpha=0.35, ms=4)

    ax = axes[0, 0]
    with_seeds(ax, "epoch_reached_target", plots.PALETTE[0], "o-", f"epochs to {results['target_acc']:.0%} train acc")
    ax.set(xlabel="label corruption probability (%)", ylabel="epochs",
           title=f"Time to fit ({results['control_train_examples']:,} images, {seeds})")
    wall = plots.twin_axis(ax, "wall time (s)", color=plots.PALETTE[1])
    with_seeds(wall, "seconds", plots.PALETTE[1], "s--", "wall time (1 thread)")
    plots.merged_legend(ax, wall, fontsize=7)
    ax = axes[0, 1]
    with_seeds(ax, "final_test_acc", plots.PALETTE[2], "o-", "test (true labels)")
    with_seeds(ax, "final_train_acc", plots.PALETTE[0], "s--", "train (corrupted)")
    ax.axhline(0.1, color="gray", lw=0.8, ls=":", label="chance (1/10)")
    ax.set(xlabel="label corruption probability (%)", ylabel="accuracy at the end",
           title="Zhang et al. 2017, Fig. 1b-c (mean ± std)")
    ax.legend(fontsize=7)

    # the input controls beside the true and the fully corrupted labels (Fig. 1a)
    ax = axes[0, 2]
    groups = [("true labels", [c for c in results["controls"] if c["level"] == 0.0])]
    groups += [(kind, [c for c in results["input_controls"] if c["inputs"] == kind])
               for kind in (k["inputs"] for k in results["input_kinds"])]
    groups += [("random labels (100%)", [c for c in results["controls"] if c["level"] == 1.0])]
    positions = np.arange(len(groups))
    accuracy = plots.twin_axis(ax, "test accuracy at the end", color=plots.PALETTE[2])
    for i, (_, runs) in enumerate(groups):
        epochs = [c["epoch_reached_target"] for c in runs if c["epoch_reached_target"] is not None]
        ax.plot([i - 0.1] * len(epochs), epochs, "o", color=plots.PALETTE[0], ms=4,
                label=f"epochs to {results['target_acc']:.0%} train acc (each seed)" if i == 0 else None)
        accuracy.plot([i + 0.1] * len(runs), [c["final_test_acc"] for c in runs], "s", color=plots.PALETTE[2], ms=4,
                      label="test accuracy (each seed)" if i == 0 else None)
    accuracy.set_ylim(0, 1)
    ax.set(xticks=positions, ylabel="epochs", title=f"Input controls, true labels ({seeds}; Fig. 1a)")
    ax.set_xticklabels([name.replace("gaussian", "Gaussian").replace(" ", "\n", 1) for name, _ in groups], fontsize=7)
    plots.merged_legend(ax, accuracy, fontsize=7, loc="center")
    plots.save(fig, figures_dir, f"{SCRIPT}_controls")


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "random_test_labels": args.random_test_labels, "quick": args.quick,
              "seed": args.seed, "widths": WIDTHS, "batch": BATCH, "peak_lr": PEAK_LR, "target": TARGET_ACC,
              "label_seed": LABEL_SEED, "schedule": "onecycle", "warmup_share": 0.3,
              "corruption": CORRUPTION, "control_levels": CONTROL_LEVELS, "input_controls": INPUT_KINDS,
              "control_subset": list(CONTROL_SUBSET), "control_seeds": CONTROL_SEEDS}

    def summarize(results):
        print(f"train acc {results['train_acc'][-1]:.4f} (target {TARGET_ACC:.0%} reached at epoch "
              f"{results['epoch_reached_target']}), test acc {results['test_acc'][-1]:.4f}")
        rows = ([(f"corruption {c['level']:4.0%} (wrong {c['wrong_share']['mean']:.1%})", c)
                 for c in results["control_levels"]] + [(c["inputs"], c) for c in results["input_kinds"]])
        for name, c in rows:
            epochs, test = c["epoch_reached_target"], c["final_test_acc"]
            fitted = (f"{epochs['mean']:.0f} ± {epochs['std']:.0f} epochs ({epochs['min']:.0f}-{epochs['max']:.0f})"
                      if epochs["mean"] is not None else f"fitted by {c['n_fitted']} of {c['n_seeds']} seeds")
            print(f"{name}: {TARGET_ACC:.0%} train acc in {fitted}, test acc {test['mean']:.4f} ± {test['std']:.4f}")

    run_experiment(args, SCRIPT, config, run, plot, threads=2, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
