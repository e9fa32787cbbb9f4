"""HW1-2 "Visualize the optimization process": PCA of the weights of 8 training runs.

A DNN 784-32-32-10 (26,506 params) trained 8 times on MNIST (seeds 0-7; Adam lr 1e-3, batch
128, 24 epochs). Every 3 epochs (and at initialization) the weights are collected with the
training loss and accuracy on the full training set. One PCA (scikit-learn) is fitted on the
snapshots of all 8 runs together, so the trajectories share axes: once on layer 1 (its weight
and bias) and once on the whole model (parameters flattened in named_parameters() order). The
runs go side by side in two processes. About 45 s on 2 CPU cores.
"""

import numpy as np
import torch
from sklearn.decomposition import PCA

from common import plots
from common.cli import MAX_EPOCHS, bounded_int, make_parser, run_main, seed_all, side_by_side_workers
from common.data import load_dataset_once
from common.models import count_params, mlp
from common.results import run_experiment, run_jobs
from common.train import TrainConfig, train

SCRIPT = "hw1_2_pca"

# ---------------------------------------------------------------------------- config
WIDTHS = [32, 32]          # hidden layers of the DNN
RUNS = 8                   # independent trainings (seeds base..base+7)
EPOCHS = 24                # epochs per run
COLLECT_EVERY = 3          # epochs between weight snapshots (also the evaluation period)
BATCH = 128
LR = 1e-3                  # Adam, constant
LAYER1 = ("1.weight", "1.bias")   # names of the first Linear layer's parameters
QUICK = {"epochs": 2, "collect_every": 1, "subset": (2000, 500)}


def parse_args():
    parser = make_parser(__doc__, side_by_side=True)
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs per run, 1..{MAX_EPOCHS} (default {EPOCHS})")
    parser.add_argument("--collect-every", type=bounded_int(1, MAX_EPOCHS), default=None,
                        help=f"epochs between weight snapshots, 1..{MAX_EPOCHS} (default {COLLECT_EVERY})")
    parser.add_argument("--runs", type=bounded_int(1, 100), default=RUNS,
                        help=f"training runs, 1..100 (default {RUNS})")
    args = parser.parse_args()
    args.epochs = args.epochs or (QUICK["epochs"] if args.quick else EPOCHS)
    args.collect_every = args.collect_every or (QUICK["collect_every"] if args.quick else COLLECT_EVERY)
    return args


# ---------------------------------------------------------------------------- train one run, collecting snapshots
def train_run(job):
    run_index, seed, shared = job
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["subset"])
    torch.manual_seed(seed)
    model = mlp(784, WIDTHS, 10).to(shared["device"])
    snapshots, layer1, events = [], [], []

    def collect(epoch, m, row):
        params = dict(m.named_parameters())
        snapshots.append(torch.cat([p.detach().reshape(-1) for p in m.parameters()]).cpu())
        layer1.append(torch.cat([params[n].detach().reshape(-1) for n in LAYER1]).cpu())
        events.append({"epoch": epoch, "train_loss": row["train_loss"], "train_acc": row["train_acc"]})
    cfg = TrainConfig(epochs=shared["epochs"], lr=LR, batch_size=BATCH, eval_every=shared["collect_every"])
    train(model, (ds.x_train, ds.y_train, ds.x_test, ds.y_test), cfg, seed=seed, desc=f"run {run_index}",
          on_epoch=collect)
    return {"seed": seed, "events": events, "whole": torch.stack(snapshots).numpy(),
            "layer1": torch.stack(layer1).numpy(), "params": count_params(model)}


def project(trajectories):
    """One PCA on all runs' snapshots: list of (T_r, P) arrays -> list of (T_r, 2), explained ratios."""
    pca = PCA(n_components=2, svd_solver="full", random_state=0)
    pca.fit(np.concatenate(trajectories))
    return [pca.transform(t) for t in trajectories], pca.explained_variance_ratio_.tolist()


def run(args):
    seed_all(args.seed)
    subset = QUICK["subset"] if args.quick else None
    shared = {"data_dir": args.data_dir, "device": args.device_resolved, "subset": subset,
              "epochs": args.epochs, "collect_every": args.collect_every}
    load_dataset_once("mnist", args.data_dir, args.device_resolved, subset)    # fail fast on missing data
    workers = side_by_side_workers(args)
    jobs = [(i, args.seed + i, shared) for i in range(args.runs)]
    runs = run_jobs(args, train_run, jobs, [f"run {i} seed {seed}" for i, seed, _ in jobs], workers)
    results = {"model": f"784-{'-'.join(map(str, WIDTHS))}-10", "params": runs[0]["params"], "runs": []}
    for part in ("layer1", "whole"):
        coords, ratio = project([r[part] for r in runs])
        results[f"{part}_explained_variance_ratio"] = ratio
        for r, xy in zip(runs, coords):
            r[f"{part}_pca"] = np.round(xy, 5).tolist()
    results["layer1_dims"] = int(runs[0]["layer1"].shape[1])
    results["runs"] = [{k: r[k] for k in ("seed", "events", "layer1_pca", "whole_pca")} for r in runs]
    return results


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    titles = {"layer1": f"layer 1 ({results['layer1_dims']:,} weights)",
              "whole": f"whole model ({results['params']:,} weights)"}
    for part in ("layer1", "whole"):
        ratio = results[f"{part}_explained_variance_ratio"]
        fig, axes = plots.figure(width=6.4, height=5.0)
        ax = axes[0, 0]
        for i, r in enumerate(results["runs"]):
            xy = np.array(r[f"{part}_pca"])
            color = plots.PALETTE[i % len(plots.PALETTE)]
            ax.plot(xy[:, 0], xy[:, 1], "-", color=color, lw=1, alpha=0.6)
            ax.scatter(xy[:-1, 0], xy[:-1, 1], s=14, color=color, zorder=3)
            ax.scatter(xy[-1, 0], xy[-1, 1], s=60, marker="*", color=color, zorder=4,
                       label=f"seed {r['seed']}: final acc {r['events'][-1]['train_acc']:.3f}")
            for (px, py), event in zip(xy, r["events"]):
                ax.annotate(f"{100 * event['train_acc']:.0f}", (px, py), fontsize=6, color=color,
                            xytext=(2, 2), textcoords="offset points")
        ax.set(xlabel=f"PC 1 ({100 * ratio[0]:.1f}% of variance)", ylabel=f"PC 2 ({100 * ratio[1]:.1f}% of variance)",
               title=f"Weight trajectories, {titles[part]}: {len(results['runs'])} runs, numbers = train acc (%)")
        ax.legend(fontsize=7, loc="best")
        plots.save(fig, figures_dir, f"{SCRIPT}_{part}")


def main():
    args = parse_args()
    config = {"epochs": args.epochs, "collect_every": args.collect_every, "runs": args.runs, "quick": args.quick,
              "seed": args.seed, "widths": WIDTHS, "batch": BATCH, "lr": LR}

    def summarize(results):
        for part in ("layer1", "whole"):
            print(f"{part}: explained variance ratio of PC1, PC2 = {results[f'{part}_explained_variance_ratio']}")

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
