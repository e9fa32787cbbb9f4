"""HW1-3 "Flatness vs generalization, part 2": sensitivity of models trained differently.

Six MLPs 784-128-128-10 from one initialization, trained on MNIST with Adam for 10 epochs at
batch sizes 16, 64, 256, 1024, 4096, 8192 (lr 1e-3), or with --vary lr at learning rates 1e-4 ..
3e-2 (batch 128). For each: loss and accuracy on the full training and test sets, and two
sensitivities averaged over the 10,000 test images, taken w.r.t. the normalized image that the
model sees (raw pixels / 255, minus the training mean, over the training std):
  (a) the homework's, per example: ||d loss(x_n, y_n)/d x_n||_2 (each example's own loss);
  (b) Novak et al. 2018: ||d softmax(f(x_n))/d x_n||_F.
About 1-3 minutes on 2 CPU cores.
"""

import torch

from common import plots
from common.cli import MAX_EPOCHS, bounded_int, make_parser, run_main, seed_all, side_by_side_workers
from common.data import load_dataset_once
from common.measures import sensitivity
from common.models import count_params, mlp
from common.results import run_experiment
from common.train import TrainConfig, run_side_by_side, train

SCRIPT = "hw1_3_sensitivity"

# ---------------------------------------------------------------------------- config
WIDTHS = [128, 128]
EPOCHS = 10
VARY = {                       # --vary: values, and the fixed (batch, lr) otherwise
    "batch": [16, 64, 256, 1024, 4096, 8192],
    "lr": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2],
}
FIXED_BATCH, FIXED_LR = 128, 1e-3
QUICK = {"epochs": 1, "subset": (1000, 500), "batch": [16, 256, 1024], "lr": [1e-4, 1e-3, 1e-2]}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--vary", choices=sorted(VARY), default="batch", help="training knob (default batch)")
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs per model, 1..{MAX_EPOCHS} (default {EPOCHS})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    return args


def train_and_measure(job):
    value, shared = job
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["subset"])
    batch, lr = (value, FIXED_LR) if shared["vary"] == "batch" else (FIXED_BATCH, value)
    torch.manual_seed(shared["seed"])
    model = mlp(784, WIDTHS, 10).to(shared["device"])
    cfg = TrainConfig(epochs=shared["epochs"], lr=lr, batch_size=batch, eval_every=shared["epochs"])
    h = train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=shared["seed"],
              desc=f"batch {batch}, lr {lr:g}")
    return {"value": value, "batch": batch, "lr": lr, **{k: h[k][-1] for k in
            ("train_loss", "train_acc", "test_loss", "test_acc")}, **sensitivity(model, ds.x_test, ds.y_test)}


def run(args):
    seed_all(args.seed)
    subset = QUICK["subset"] if args.quick else None
    values = QUICK[args.vary] if args.quick else VARY[args.vary]
    shared = {"data_dir": args.data_dir, "device": args.device_resolved, "subset": subset, "epochs": args.epochs,
              "seed": args.seed, "vary": args.vary}
    ds = load_dataset_once("mnist", args.data_dir, args.device_resolved, subset)   # fail fast on missing data
    workers = side_by_side_workers(args)
    models = run_side_by_side(train_and_measure, [(v, shared) for v in values], workers)
    return {"vary": args.vary, "input": "normalized image", "model": f"784-{'-'.join(map(str, WIDTHS))}-10",
            "params": count_params(mlp(784, WIDTHS, 10)), "train_examples": len(ds.x_train),
            "test_examples": len(ds.x_test), "models": models}


def plot(results, figures_dir):
    values = [m["value"] for m in results["models"]]
    xlabel = "batch size" if results["vary"] == "batch" else "learning rate"
    for key, label in (("loss", "cross-entropy"), ("acc", "accuracy")):
        fig, axes = plots.figure(width=6.4, height=4.0)
        ax = axes[0, 0]
        ax.plot(values, [m[f"train_{key}"] for m in results["models"]], "o-", color=plots.PALETTE[0], label="train")
        ax.plot(values, [m[f"test_{key}"] for m in results["models"]], "o--", color=plots.PALETTE[0], label="test")
        ax.set(xscale="log", xlabel=xlabel, ylabel=label, yscale="log" if key == "loss" else "linear")
        ax.yaxis.label.set_color(plots.PALETTE[0])
        sens = plots.twin_axis(ax, "sensitivity (test mean, log)", yscale="log")
        sens.plot(values, [m["loss_gradient"] for m in results["models"]], "s-", color=plots.PALETTE[1],
                  label=r"sensitivity (a): $\|\partial \ell/\partial x\|_2$")
        sens.plot(values, [m["jacobian_frobenius"] for m in results["models"]], "^-", color=plots.PALETTE[2],
                  label=r"sensitivity (b): $\|\partial\,\mathrm{softmax}/\partial x\|_F$")
        plots.merged_legend(ax, sens, fontsize=7, loc="best")
        ax.set_title(f"MNIST, MLP 784-128-128-10: {label} and sensitivity vs {xlabel}")
        plots.save(fig, figures_dir, f"{SCRIPT}_{results['vary']}_{key}")


def main():
    args = parse_args()
    config = {"vary": args.vary, "epochs": args.epochs, "quick": args.quick, "seed": args.seed, "widths": WIDTHS,
              "values": VARY[args.vary], "fixed": [FIXED_BATCH, FIXED_LR]}

    def summarize(results):
        for m in results["models"]:
            print(f"batch {m['batch']:>5}, lr {m['lr']:<7g}: train acc {m['train_acc']:.4f}  "
                  f"test acc {m['test_acc']:.4f}  sensitivity (a) {m['loss_gradient']:.4g}  "
                  f"(b) {m['jacobian_frobenius']:.4g}")

    run_experiment(args, f"{SCRIPT}_{args.vary}", config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
