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

Controls (Zhang et al. 2017, Fig. 1b-c): the same network and schedule on the first 10,000
training images with 0%, 20%, 50%, 80% and 100% of the labels corrupted (exactly that share set to
another class, common.data.corrupted_labels), 3 seeds per level (initialization, corrupted labels
and minibatch order from the seed's name): epochs (and wall time) to 99% training accuracy and
test accuracy on the true test labels against the corruption, mean and spread over the seeds.
The headline run (all 60,000 images) is one seed: it shows that the net can fit noise; the
spread over seeds comes from the controls (three headline seeds would cost 6-8 more minutes).
Every run is one job of a pool of two single-thread processes, the headline first: about 6
minutes on 2 CPU cores.
"""

import time

import torch

from common import plots, stats
from common.cli import MAX_EPOCHS, bounded_int, derive_seed, make_parser, run_main, seed_all, side_by_side_workers
from common.data import corrupted_labels, load_dataset_once, permuted_labels
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
CONTROL_LEVELS = [0.0, 0.2, 0.5, 0.8, 1.0]   # share of corrupted training labels in the controls
CONTROL_SUBSET = (10000, 10000)             # training, test images of the controls
CONTROL_SEEDS = ["s0", "s1", "s2"]          # seeds per corruption level
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
    permuted, seeded by --seed) or one control (a share `level` of the labels corrupted, seeded by
    the seed's name). Returns its history and summary numbers."""
    ds = load_dataset_once("mnist", job["data_dir"], job["device"], job["subset"])
    if job["level"] is None:                                          # the headline
        y_train, y_test = permuted_labels(ds.y_train, LABEL_SEED), ds.y_test
        if job["random_test_labels"]:
            y_test = permuted_labels(ds.y_test, LABEL_SEED + 1)
        init_seed = order_seed = job["base_seed"]
        desc = "random labels"
    else:
        names = (job["level"], job["seed_name"])
        y_test = ds.y_test
        y_train = corrupted_labels(ds.y_train, job["level"], derive_seed(job["base_seed"], "corruption", *names))
        init_seed = derive_seed(job["base_seed"], "init", job["seed_name"])
        order_seed = derive_seed(job["base_seed"], "order", *names)
        desc = f"corruption {job['level']:.0%} {job['seed_name']}"
    torch.manual_seed(init_seed)
    model = mlp(784, WIDTHS, 10).to(job["device"])
    cfg = TrainConfig(epochs=job["epochs"], lr=PEAK_LR, batch_size=BATCH, schedule="onecycle",
                      stop_at_train_acc=TARGET_ACC)
    start = time.perf_counter()
    history = train(model, (ds.x_train, y_train, ds.x_test, y_test), cfg, seed=order_seed, desc=desc)
    reached = [e for e, acc in zip(history["epoch"], history["train_acc"]) if acc >= TARGET_ACC]
    return {"level": job["level"], "seed": job["seed_name"], "params": count_params(model),
            "train_examples": len(y_train), "wrong_share": float((y_train != ds.y_train).double().mean()),
            "label_agreement": float((y_train == ds.y_train).double().mean()),
            "epoch_reached_target": reached[0] if reached else None, "seconds": time.perf_counter() - start,
            "final_train_acc": history["train_acc"][-1], "final_test_acc": history["test_acc"][-1],
            "final_test_loss": history["test_loss"][-1], **history}


def run(args):
    seed_all(args.seed)
    subset = QUICK["control_subset"] if args.quick else CONTROL_SUBSET
    common = {"epochs": args.epochs, "base_seed": args.seed, "data_dir": args.data_dir, "device": args.device_resolved,
              "random_test_labels": args.random_test_labels}
    headline = {**common, "level": None, "seed_name": None, "subset": QUICK["subset"] if args.quick else None}
    controls = [{**common, "level": level, "seed_name": s, "subset": subset}
                for level in sorted(CONTROL_LEVELS, reverse=True) for s in CONTROL_SEEDS]   # the slow ones first
    names = ["headline"] + [f"corruption {c['level']:g} {c['seed_name']}" for c in controls]
    done = run_jobs(args, fit, [headline, *controls], names, side_by_side_workers(args))
    main_run, control_runs = done[0], done[1:]
    for run_ in control_runs:                                          # the per-epoch curves stay with the headline
        for key in ("epoch", "train_loss", "train_acc", "test_loss", "test_acc"):
            del run_[key]
    control_runs.sort(key=lambda c: (c["level"], CONTROL_SEEDS.index(c["seed"])))
    by_level = [{"level": level, "n_seeds": len(runs),
                 "n_fitted": sum(c["epoch_reached_target"] is not None for c in runs),
                 **{key: (stats.summary([c[key] for c in runs]) if all(c[key] is not None for c in runs)
                         else dict.fromkeys(("median", "min", "max", "mean", "std", "n")))   # a seed did not fit
                    for key in ("epoch_reached_target", "seconds", "final_train_acc", "final_test_acc", "wrong_share")}}
                for level in CONTROL_LEVELS for runs in [[c for c in control_runs if c["level"] == level]]]
    return {"model": f"784-{'-'.join(map(str, WIDTHS))}-10", "params": main_run["params"],
            "controls": control_runs, "control_levels": by_level, "control_seeds": CONTROL_SEEDS,
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
    fig, axes = plots.figure(ncols=2, width=4.6, height=3.6)

    def with_seeds(ax, key, color, fmt, label):
        """Mean ± std over the seeds per level, every seed a faint dot."""
        mean = [float("nan") if c[key]["mean"] is None else c[key]["mean"] for c in levels]
        std = [0.0 if c[key]["std"] is None else c[key]["std"] for c in levels]
        ax.errorbar(x, mean, yerr=std, fmt=fmt, color=color, capsize=3, ms=4, label=label)
        runs = [c for c in results["controls"] if c[key] is not None]
        ax.plot([100 * c["level"] for c in runs], [c[key] for c in runs], ".", color=color, alpha=0.35, ms=4)

    ax = axes[0, 0]
    with_seeds(ax, "epoch_reached_target", plots.PALETTE[0], "o-", f"epochs to {results['target_acc']:.0%} train acc")
    ax.set(xlabel="corrupted training labels (%)", ylabel="epochs",
           title=f"Time to fit ({results['control_train_examples']:,} images, {seeds})")
    wall = plots.twin_axis(ax, "wall time (s)", color=plots.PALETTE[1])
    with_seeds(wall, "seconds", plots.PALETTE[1], "s--", "wall time (1 thread)")
    plots.merged_legend(ax, wall, fontsize=7)
    ax = axes[0, 1]
    with_seeds(ax, "final_test_acc", plots.PALETTE[2], "o-", "test (true labels)")
    with_seeds(ax, "final_train_acc", plots.PALETTE[0], "s--", "train (corrupted)")
    ax.set(xlabel="corrupted training labels (%)", ylabel="accuracy at the end",
           title="Zhang et al. 2017, Fig. 1 (controls, mean ± std)")
    ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_controls")


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "random_test_labels": args.random_test_labels, "quick": args.quick,
              "seed": args.seed, "widths": WIDTHS, "batch": BATCH, "peak_lr": PEAK_LR, "target": TARGET_ACC,
              "label_seed": LABEL_SEED, "schedule": "onecycle", "warmup_share": 0.3,
              "control_levels": CONTROL_LEVELS, "control_subset": list(CONTROL_SUBSET),
              "control_seeds": CONTROL_SEEDS}

    def summarize(results):
        print(f"train acc {results['train_acc'][-1]:.4f} (target {TARGET_ACC:.0%} reached at epoch "
              f"{results['epoch_reached_target']}), test acc {results['test_acc'][-1]:.4f}")
        for c in results["control_levels"]:
            epochs, test = c["epoch_reached_target"], c["final_test_acc"]
            fitted = (f"{epochs['mean']:.0f} ± {epochs['std']:.0f} epochs ({epochs['min']:.0f}-{epochs['max']:.0f})"
                      if epochs["mean"] is not None else f"fitted by {c['n_fitted']} of {c['n_seeds']} seeds")
            print(f"corruption {c['level']:4.0%}: {TARGET_ACC:.0%} train acc in {fitted}, "
                  f"test acc {test['mean']:.4f} ± {test['std']:.4f}")

    run_experiment(args, SCRIPT, config, run, plot, threads=2, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
