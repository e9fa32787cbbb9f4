"""HW1-3 "Flatness vs generalization, part 2": sensitivity of models trained differently, against
the training approach and against the generalization gap (Novak et al. 2018).

The shared training approaches of common/approaches.py (MLP 784-32-10; batch sizes 16 .. 8192
at lr 1e-3, learning rates 3e-4 .. 1e-2 at batch 64; Adam; 3 seeds each; every model trained to
the common criterion: full training loss <= 0.05 or no improvement). For every model: loss and
accuracy on the full training and test sets, and two sensitivities averaged over the 10,000
test images, w.r.t. the normalized image the model sees:
  (a) the homework's, per example: ||d loss(x_n, y_n)/d x_n||_2 (each example's own loss);
  (b) Novak et al. 2018, Sec. 3: ||d softmax(f(x_n))/d x_n||_F.
Figures: both against the approach (mean ± std over seeds) and against the generalization gap
(test - train loss), every seed a point. Models are trained once and cached (results/cache/),
shared with hw1_3_interp.py and hw1_3_sharpness.py. About 10 s on 2 CPU cores once
they exist; about 5 minutes when it trains all 30 (it runs first in `make figures`).
"""
from common import approaches, plots
from common.cli import make_parser, run_main, seed_all, side_by_side_workers
from common.data import load_dataset_once
from common.measures import sensitivity
from common.models import count_params, mlp
from common.results import run_experiment, run_jobs

SCRIPT = "hw1_3_sensitivity"
MEASURES = {"loss_gradient": r"(a) $\|\partial \ell/\partial x\|_2$",
            "jacobian_frobenius": r"(b) $\|\partial\,\mathrm{softmax}/\partial x\|_F$ (Novak et al.)"}


def parse_args():
    return make_parser(__doc__, side_by_side=True).parse_args()


# ---------------------------------------------------------------------------- measure one model
def measure_job(job):
    name, seed_name, record, shared = job
    ds = load_dataset_once("mnist", shared["data_dir"], shared["device"], shared["data_subset"])
    model = approaches.load_model(record, shared["device"])
    batch, lr = approaches.APPROACHES[name]
    row = {"approach": name, "seed": seed_name, "batch": batch, "lr": lr, **approaches.summary(record),
           **sensitivity(model, ds.x_test, ds.y_test)}
    row["generalization_gap"] = row["test_loss"] - row["train_loss"]
    row["accuracy_gap"] = row["train_acc"] - row["test_acc"]
    return row


def run(args):
    seed_all(args.seed)
    workers = side_by_side_workers(args)
    records = approaches.trained_models(args, list(approaches.APPROACHES), workers)
    shared = {"data_dir": args.data_dir, "device": args.device_resolved,
              "data_subset": approaches.settings(args)["subset"]}
    ds = load_dataset_once("mnist", args.data_dir, args.device_resolved, shared["data_subset"])
    jobs = [(n, s, r, shared) for (n, s), r in records.items()]
    models = run_jobs(args, measure_job, jobs, [f"{n} {s}" for n, s, _, _ in jobs], workers)
    return {"input": "normalized image", "model": "784-32-10", "params": count_params(mlp(784, approaches.WIDTHS, 10)),
            "train_examples": len(ds.x_train), "test_examples": len(ds.x_test), "seeds": approaches.seeds_of(args),
            "batch_series": approaches.BATCH_SERIES, "lr_series": approaches.LR_SERIES,
            "target_loss": approaches.TARGET_LOSS, "models": models}


# ---------------------------------------------------------------------------- plot
def plot(results, figures_dir):
    n_seeds = len(results["seeds"])
    fig, axes = plots.figure(ncols=2, nrows=2, width=4.8, height=3.5)
    for col, (knob, (_, xlabel)) in enumerate(approaches.SERIES.items()):
        ax = axes[0, col]
        for j, (key, label) in enumerate(MEASURES.items()):
            x, mean, std = plots.per_approach(results["models"], knob, key)
            ax.errorbar(x, mean, yerr=std, fmt="o-", color=plots.PALETTE[j + 1], capsize=3, ms=4, label=label)
        ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="sensitivity (test mean)",
               title=f"Sensitivity (mean ± std, {n_seeds} seeds)")
        ax.legend(fontsize=7)
        ax = axes[1, col]
        for j, (key, label, style) in enumerate((("train_loss", "train loss", "o-"), ("test_loss", "test loss", "s--"),
                                                 ("generalization_gap", "gap (test − train)", "^:"))):
            x, mean, std = plots.per_approach(results["models"], knob, key)
            ax.errorbar(x, mean, yerr=std, fmt=style, color=plots.PALETTE[j], capsize=3, ms=4, label=label)
        ax.set(xscale="log", xlabel=xlabel, ylabel="cross-entropy", title="Loss at the end of training")
        ax.legend(fontsize=7)
    plots.save(fig, figures_dir, f"{SCRIPT}_vs_approach")

    fig, axes = plots.figure(ncols=2, width=4.6, height=3.6, sharey=False)
    for ax, (key, label) in zip(axes[0], MEASURES.items()):
        plots.scatter_by_approach(ax, results["models"], "generalization_gap", key)
        ax.set(yscale="log", xlabel="generalization gap (test − train loss)", ylabel=f"sensitivity {label}",
               title="Every model (approach × seed)")
    axes[0, 1].legend(fontsize=6, ncol=2)
    plots.save(fig, figures_dir, f"{SCRIPT}_vs_gap")


def main():
    args = parse_args()
    config = {"quick": args.quick, "seed": args.seed,
              "approaches": {k: list(v) for k, v in approaches.APPROACHES.items()},
              "training": approaches.settings(args)}

    def summarize(results):
        plots.print_means(results["models"], {
            "train loss": ("train_loss", ".4f"), "gap": ("generalization_gap", ".4f"), "test acc": ("test_acc", ".4f"),
            "sensitivity (a)": ("loss_gradient", ".4g"), "(b)": ("jacobian_frobenius", ".4g")})

    run_experiment(args, SCRIPT, config, run, plot, threads=1, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
