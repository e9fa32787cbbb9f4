"""HW1-3 "Flatness vs generalization, part 2": sensitivity of models trained differently, against
the training approach and against the generalization gap (Novak et al. 2018).

The shared training approaches of common/approaches.py (MLP 784-32-10; batch sizes 16 .. 8192
at lr 1e-3, learning rates 3e-4 .. 1e-2 at batch 64; Adam; 5 seeds each), in two sets, every model
trained to the common criterion (its set's training loss within 3%, checked every epoch, the rate
decayed when progress stalls):
  main:   all 60,000 training images, training loss 0.05 (about 98.5% training accuracy);
  fitted: the first 4,096 training images, training loss 0.005 (about 100% training accuracy: the
          models Novak et al. compare fit their training set); batch 4096 is the full batch there.
For every model: loss and accuracy on its training set and on the 10,000 test images, and two
sensitivities averaged over the test images, w.r.t. the normalized image the model sees:
  (a) the homework's, per example: ||d loss(x_n, y_n)/d x_n||_2 (each example's own loss);
  (b) Novak et al. 2018, Sec. 3: ||d softmax(f(x_n))/d x_n||_F.
The results also hold every model's training (steps, epochs, stop, learning-rate decays, seconds)
and its loss history (examples seen, full training loss and accuracy, learning rate at every check),
which the report's approaches section reads. Figures: the histories; both sensitivities against the
approach (mean ± std over seeds) and against the generalization gap (test - train loss, every seed
a point), per set. Models are trained once and cached (results/cache/); the main set is shared with
hw1_3_interp.py and hw1_3_sharpness.py. This script runs first in `make figures` and trains them.
"""
import numpy as np

from common import approaches, plots, stats
from common.cli import make_parser, run_main, seed_all, side_by_side_workers
from common.data import load_dataset_once
from common.measures import sensitivity
from common.models import count_params, mlp
from common.results import run_experiment, run_jobs

SCRIPT = "hw1_3_sensitivity"
SETS = ["main", "fitted"]     # approaches.SETS measured here
MEASURES = {"loss_gradient": r"(a) $\|\partial \ell/\partial x\|_2$",
            "jacobian_frobenius": r"(b) $\|\partial\,\mathrm{softmax}/\partial x\|_F$ (Novak et al.)"}


def parse_args():
    return make_parser(__doc__, side_by_side=True).parse_args()


# ---------------------------------------------------------------------------- measure one model
def measure_job(job):
    which, name, seed_name, record, shared = job
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["subsets"][which])
    model = approaches.load_model(record, shared["device"])
    batch, lr = approaches.APPROACHES[name]
    row = {"set": which, "approach": name, "seed": seed_name, "batch": batch, "lr": lr, **approaches.summary(record),
           **sensitivity(model, ds.x_test, ds.y_test)}
    row["generalization_gap"] = row["test_loss"] - row["train_loss"]
    row["accuracy_gap"] = row["train_acc"] - row["test_acc"]
    row["history"] = approaches.history(record)
    return row


def run(args):
    seed_all(args.seed)
    workers = side_by_side_workers(args)
    settings = {which: approaches.settings(args, which) for which in SETS}
    records = {which: approaches.trained_models(args, approaches.SETS[which]["approaches"], workers, which)
               for which in SETS}
    shared = {"data_dir": args.data_dir, "device": args.device_resolved,
              "subsets": {which: approaches.data_subset(settings[which]) for which in SETS}}
    test = load_dataset_once("mnist", args.data_dir, args.device_resolved, shared["subsets"]["main"])
    jobs = [(which, n, s, r, shared) for which in SETS for (n, s), r in records[which].items()]
    rows = run_jobs(args, measure_job, jobs, [f"{which} {n} {s}" for which, n, s, _, _ in jobs], workers)
    criterion = {k: settings["main"][k] for k in approaches.Criterion._fields if k != "target_loss"}
    sets = {}
    for which in SETS:
        mine = [r for r in rows if r["set"] == which]
        sets[which] = {"train_examples": mine[0]["train_examples"], "target_loss": settings[which]["target_loss"],
                       "seeds": approaches.seeds_of(args, which), "approaches": approaches.SETS[which]["approaches"],
                       "models": mine}
    return {"input": "normalized image", "model": "784-32-10", "params": count_params(mlp(784, approaches.WIDTHS, 10)),
            "test_examples": len(test.x_test), "batch_series": approaches.BATCH_SERIES,
            "lr_series": approaches.LR_SERIES, "criterion": criterion, "stack_max_batch": approaches.STACK_MAX_BATCH,
            "sets": sets}


# ---------------------------------------------------------------------------- plot


def _per_approach(rows, knob, key):
    """(knob values, means, stds over seeds) of `key` over the approaches of SERIES[knob] present."""
    names = [n for n in approaches.SERIES[knob][0] if any(r["approach"] == n for r in rows)]
    spread = [stats.mean_std([r[key] for r in rows if r["approach"] == n]) for n in names]
    return (np.array([approaches.APPROACHES[n][0 if knob == "batch" else 1] for n in names]),
            np.array([float(m) for m, _ in spread]), np.array([float(s) for _, s in spread]))


def _title(results, which):
    s = results["sets"][which]
    seeds = len(s["seeds"])
    return f"{which} set ({s['train_examples']:,} images, loss {s['target_loss']:g}, {seeds} seed{'s' * (seeds > 1)})"


def _style(name):
    """The batch series in viridis (small to large batch), the other rates dashed in reds."""
    import matplotlib
    if name in approaches.BATCH_SERIES:
        i = approaches.BATCH_SERIES.index(name)
        return {"color": matplotlib.colormaps["viridis"](i / (len(approaches.BATCH_SERIES) - 1)), "ls": "-"}
    rates = [n for n in approaches.LR_SERIES if n not in approaches.BATCH_SERIES]
    return {"color": matplotlib.colormaps["autumn"](rates.index(name) / max(1, len(rates) - 1) * 0.8), "ls": "--"}


def plot(results, figures_dir):
    sets = results["sets"]
    fig, axes = plots.figure(ncols=2, nrows=3, width=4.8, height=3.3)
    for col, (knob, (_, xlabel)) in enumerate(approaches.SERIES.items()):
        for row, which in enumerate(SETS):
            ax = axes[row, col]
            for j, (key, label) in enumerate(MEASURES.items()):
                x, mean, std = _per_approach(sets[which]["models"], knob, key)
                ax.errorbar(x, mean, yerr=std, fmt="o-", color=plots.PALETTE[j + 1], capsize=3, ms=4, label=label)
            ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="sensitivity (test mean)",
                   title=f"Sensitivity, {_title(results, which)}", )
            ax.title.set_fontsize(8)
            ax.legend(fontsize=7)
        ax = axes[2, col]
        for j, which in enumerate(SETS):
            x, mean, std = _per_approach(sets[which]["models"], knob, "generalization_gap")
            ax.errorbar(x, mean, yerr=std, fmt="o-" if which == "main" else "s--", color=plots.PALETTE[j], capsize=3,
                        ms=4, label=f"{which} set")
        ax.set(xscale="log", xlabel=xlabel, ylabel="test − train loss", title="Generalization gap (mean ± std)")
        ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_vs_approach")

    fig, axes = plots.figure(ncols=2, nrows=2, width=4.6, height=3.5, sharey=False)
    for row, which in enumerate(SETS):
        for col, (key, label) in enumerate(MEASURES.items()):
            ax = axes[row, col]
            for name in approaches.SETS[which]["approaches"]:
                chosen = [m for m in sets[which]["models"] if m["approach"] == name]
                ax.scatter([m["generalization_gap"] for m in chosen], [m[key] for m in chosen], s=16,
                           color=_style(name)["color"], marker="o" if name in approaches.BATCH_SERIES else "^",
                           edgecolors="black", linewidths=0.3, label=name)
            ax.set(yscale="log", xlabel="generalization gap (test − train loss)", ylabel=f"sensitivity {label}",
                   title=_title(results, which))
            ax.title.set_fontsize(8)
    axes[0, 1].legend(fontsize=6, ncol=2)                        # the same colors in both sets
    plots.save(fig, figures_dir, f"{SCRIPT}_vs_gap")

    fig, axes = plots.figure(ncols=2, nrows=2, width=4.8, height=3.3, sharey=False)
    for col, which in enumerate(SETS):
        s = sets[which]
        names = list(dict.fromkeys(r["approach"] for r in s["models"]))
        for name in names:
            for k, r in enumerate(m for m in s["models"] if m["approach"] == name):
                epochs = np.array(r["history"]["examples"]) / s["train_examples"]
                later = epochs > 0                                   # from the first check after the start
                style = dict(_style(name), lw=0.8, alpha=0.8, label=name if k == 0 else None)
                axes[0, col].plot(epochs[later], np.array(r["history"]["train_loss"])[later], **style)
                axes[1, col].plot(epochs[later], np.array(r["history"]["lr"])[later], **style)
        axes[0, col].axhline(s["target_loss"], color="black", lw=0.8, ls=":", label="target")
        axes[0, col].set(xscale="log", yscale="log", xlabel="epochs (examples seen / training images)",
                         ylabel="full training loss", title=f"To the common criterion: {_title(results, which)}")
        axes[0, col].title.set_fontsize(8)
        axes[1, col].set(xscale="log", yscale="log", xlabel="epochs (examples seen / training images)",
                         ylabel="Adam learning rate", title="Learning rate (×0.3 when progress stalls)")
        axes[0, col].legend(fontsize=6, ncol=2)
    plots.save(fig, figures_dir, f"{SCRIPT}_training")


def main():
    args = parse_args()
    config = {"quick": args.quick, "seed": args.seed,
              "approaches": {k: list(v) for k, v in approaches.APPROACHES.items()},
              "training": {which: approaches.settings(args, which) for which in SETS},
              "sets": {which: approaches.SETS[which]["approaches"] for which in SETS}}

    def summarize(results):
        for which in SETS:
            models = results["sets"][which]["models"]
            print(f"{which} set: {len(models)} models, training {sum(m['seconds'] for m in models):.0f} s in all "
                  f"(each model's share of its job)")
            plots.print_means(models, {
                "epochs": ("epochs", ".1f"), "steps": ("steps", ".0f"), "decays": ("decays", ".1f"),
                "s": ("seconds", ".1f"), "train loss": ("train_loss", ".4f"), "train acc": ("train_acc", ".4f"),
                "gap": ("generalization_gap", ".4f"), "(a)": ("loss_gradient", ".4g"),
                "(b)": ("jacobian_frobenius", ".4g")})

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
