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
another class, common.data.corrupted_labels): epochs (and wall time) to 99% training accuracy and
test accuracy on the true test labels against the corruption. The subset keeps the five controls
to about 2 minutes (two side by side); the headline run keeps all 60,000 images.
"""

import torch

from common import plots
import time

from common.cli import MAX_EPOCHS, bounded_int, derive_seed, make_parser, run_main, seed_all, side_by_side_workers
from common.data import corrupted_labels, load_dataset_once, permuted_labels
from common.models import count_params, mlp
from common.results import run_experiment
from common.train import TrainConfig, run_side_by_side, train

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
QUICK = {"epochs": 3, "subset": (1000, 500), "control_subset": (500, 500)}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"schedule length in epochs, 1..{MAX_EPOCHS} (default {EPOCHS})")
    parser.add_argument("--random-test-labels", action="store_true", help="permute the test labels too")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


def control(job):
    """One corruption level on the control subset: the headline's network and schedule."""
    level, epochs, seed, subset, data_dir, device = job
    ds = load_dataset_once("mnist", data_dir, device, subset)
    y_train = corrupted_labels(ds.y_train, level, derive_seed(seed, "corruption", level))
    torch.manual_seed(seed)
    model = mlp(784, WIDTHS, 10).to(device)
    cfg = TrainConfig(epochs=epochs, lr=PEAK_LR, batch_size=BATCH, schedule="onecycle", stop_at_train_acc=TARGET_ACC)
    start = time.perf_counter()
    history = train(model, (ds.x_train, y_train, ds.x_test, ds.y_test), cfg, seed=seed, desc=f"corruption {level:.0%}")
    reached = [e for e, acc in zip(history["epoch"], history["train_acc"]) if acc >= TARGET_ACC]
    return {"level": level, "wrong_share": float((y_train != ds.y_train).double().mean()),
            "epoch_reached_target": reached[0] if reached else None, "seconds": time.perf_counter() - start,
            "final_train_acc": history["train_acc"][-1], "final_test_acc": history["test_acc"][-1],
            "final_test_loss": history["test_loss"][-1], "epoch": history["epoch"], "train_acc": history["train_acc"],
            "test_acc": history["test_acc"]}


def run(args):
    seed_all(args.seed)
    ds = load_dataset_once("mnist", args.data_dir, args.device_resolved, QUICK["subset"] if args.quick else None)
    y_train = permuted_labels(ds.y_train, LABEL_SEED)
    y_test = permuted_labels(ds.y_test, LABEL_SEED + 1) if args.random_test_labels else ds.y_test
    torch.manual_seed(args.seed)
    model = mlp(784, WIDTHS, 10).to(args.device_resolved)
    cfg = TrainConfig(epochs=args.epochs, lr=PEAK_LR, batch_size=BATCH, schedule="onecycle",
                      stop_at_train_acc=TARGET_ACC)
    history = train(model, (ds.x_train, y_train, ds.x_test, y_test), cfg, seed=args.seed, desc="random labels")
    reached = [e for e, acc in zip(history["epoch"], history["train_acc"]) if acc >= TARGET_ACC]
    subset = QUICK["control_subset"] if args.quick else CONTROL_SUBSET
    jobs = [(level, args.epochs, args.seed, subset, args.data_dir, args.device_resolved) for level in CONTROL_LEVELS]
    controls = run_side_by_side(control, jobs[::-1], side_by_side_workers(args))[::-1]   # the slow 100% first
    return {"model": f"784-{'-'.join(map(str, WIDTHS))}-10", "params": count_params(model),
            "controls": controls, "control_train_examples": subset[0], "control_test_examples": subset[1],
            "label_agreement": float((y_train == ds.y_train).double().mean()), "train_examples": len(y_train),
            "test_labels": "random" if args.random_test_labels else "true",
            "epoch_reached_target": reached[0] if reached else None, "target_acc": TARGET_ACC,
            **history}


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

    controls = results["controls"]
    levels = [100 * c["level"] for c in controls]
    fig, axes = plots.figure(ncols=2, width=4.6, height=3.6)
    ax = axes[0, 0]
    epochs = [float("nan") if c["epoch_reached_target"] is None else c["epoch_reached_target"] for c in controls]
    ax.plot(levels, epochs, "o-", color=plots.PALETTE[0], label=f"epochs to {results['target_acc']:.0%} train acc")
    ax.set(xlabel="corrupted training labels (%)", ylabel="epochs",
           title=f"Time to fit ({results['control_train_examples']:,} images)")
    wall = plots.twin_axis(ax, "wall time (s)", color=plots.PALETTE[1])
    wall.plot(levels, [c["seconds"] for c in controls], "s--", color=plots.PALETTE[1], label="wall time")
    plots.merged_legend(ax, wall, fontsize=7)
    ax = axes[0, 1]
    ax.plot(levels, [c["final_test_acc"] for c in controls], "o-", color=plots.PALETTE[2],
            label="test (true labels)")
    ax.plot(levels, [c["final_train_acc"] for c in controls], "s--", color=plots.PALETTE[0], label="train (corrupted)")
    ax.set(xlabel="corrupted training labels (%)", ylabel="accuracy at the end",
           title="Zhang et al. 2017, Fig. 1 (controls)")
    ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_controls")


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "random_test_labels": args.random_test_labels, "quick": args.quick,
              "seed": args.seed, "widths": WIDTHS, "batch": BATCH, "peak_lr": PEAK_LR, "target": TARGET_ACC,
              "label_seed": LABEL_SEED, "schedule": "onecycle", "warmup_share": 0.3,
              "control_levels": CONTROL_LEVELS, "control_subset": list(CONTROL_SUBSET)}

    def summarize(results):
        print(f"train acc {results['train_acc'][-1]:.4f} (target {TARGET_ACC:.0%} reached at epoch "
              f"{results['epoch_reached_target']}), test acc {results['test_acc'][-1]:.4f}")
        for c in results["controls"]:
            print(f"corruption {c['level']:4.0%}: 99% train acc at epoch {c['epoch_reached_target']} "
                  f"({c['seconds']:.0f} s), test acc {c['final_test_acc']:.4f}")

    run_experiment(args, SCRIPT, config, run, plot, threads=2, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
