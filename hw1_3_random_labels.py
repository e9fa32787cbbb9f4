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
"""

import torch

from common import plots
from common.cli import MAX_EPOCHS, bounded_int, make_parser, run_main, seed_all
from common.data import load_dataset_once, permuted_labels
from common.models import count_params, mlp
from common.results import run_experiment
from common.train import TrainConfig, train

SCRIPT = "hw1_3_random_labels"

# ---------------------------------------------------------------------------- config
WIDTHS = [256, 256, 256]   # hidden layers
EPOCHS = 220               # the one-cycle schedule's length (training stops at the target accuracy)
BATCH = 256                # examples per step (128 memorized too, in ~25% more wall time)
PEAK_LR = 3e-3             # one-cycle: warm up over the first 30% of steps, then anneal
TARGET_ACC = 0.99          # stop once the full training set is fitted to this accuracy
LABEL_SEED = 0             # the permutation of the training labels
QUICK = {"epochs": 3, "subset": (1000, 500)}


def parse_args():
    parser = make_parser(__doc__)
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"schedule length in epochs, 1..{MAX_EPOCHS} (default {EPOCHS})")
    parser.add_argument("--random-test-labels", action="store_true", help="permute the test labels too")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


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
    return {"model": f"784-{'-'.join(map(str, WIDTHS))}-10", "params": count_params(model),
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


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "random_test_labels": args.random_test_labels, "quick": args.quick,
              "seed": args.seed, "widths": WIDTHS, "batch": BATCH, "peak_lr": PEAK_LR, "target": TARGET_ACC,
              "label_seed": LABEL_SEED, "schedule": "onecycle", "warmup_share": 0.3}

    def summarize(results):
        print(f"train acc {results['train_acc'][-1]:.4f} (target {TARGET_ACC:.0%} reached at epoch "
              f"{results['epoch_reached_target']}), test acc {results['test_acc'][-1]:.4f}")

    run_experiment(args, SCRIPT, config, run, plot, threads=2, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
