"""HW1-3 "Flatness vs generalization, part 1": the loss along the line between two models trained
differently, over seeds, and the width of each model's basin along random directions that do not
depend on the weights' scale.

Two pairs of the shared training approaches (common/approaches.py: MLP 784-32-10, Adam, every
model trained to the common criterion), each pair from the same initialization (one per seed):
  batch: batch 64 vs batch 1024 (lr 1e-3);   lr: lr 1e-3 vs lr 1e-2 (batch 64).
Along theta(alpha) = (1 - alpha) theta_1 + alpha theta_2 for 61 values of alpha in [-1, 2]:
cross-entropy and accuracy on the full training and test sets (mean and min-max band over seeds),
and the same curves against the Euclidean distance from theta_1 (Dinh et al. 2017: a wider-looking
basin can be a weight-norm artefact).
Width (Li et al. 2018's filter-normalized directions, common/basin.py): per seed, 12 Gaussian
draws, each normalized to each model (every row of every weight matrix scaled to that row's norm
in the model, biases not moved), so both endpoints of a pair are probed along the same draws in
units of their own weights. Along theta + t d, on each side, the distance |t| at which the full
training loss first reaches L(theta) + 0.05 (a fixed rise, the same for every model: a model that
ended a little lower is not probed lower down its basin; 0.05 is also about where a model at the
common criterion's loss of 0.05 has doubled it), on a grid of step 0.1 refined by false position;
the width of the direction is the sum of the two sides. The same widths at rises 0.02 and 0.2
show whether the comparison depends on the height. Each endpoint's training loss along the
directions for t in [-1, 1] is kept for the figure (and reused by the scan). Models are trained
once and cached (results/cache/), shared with hw1_3_sensitivity.py and
hw1_3_sharpness.py. About 70 s on 2 CPU cores once they exist.
"""
import numpy as np
import torch

from common import approaches, plots, stats
from common.basin import LineLoss, filter_normalized, gaussian_draws, threshold_distances
from common.cli import derive_seed, log, make_parser, run_main, seed_all, side_by_side_workers
from common.data import load_dataset_once
from common.models import count_params
from common.results import run_experiment

SCRIPT = "hw1_3_interp"

# ---------------------------------------------------------------------------- config
PAIRS = {"batch": ("batch 64", "batch 1024"), "lr": ("batch 64", "lr 1e-2")}   # name: (theta_1, theta_2)
ALPHAS = np.round(np.linspace(-1.0, 2.0, 61), 10)     # includes 0 and 1 exactly
DIRECTIONS = 12               # random filter-normalized directions per seed, shared by every endpoint of the seed
RISE = 0.05                   # the width is measured where the training loss first reaches L(theta) + RISE
OTHER_RISES = [0.02, 0.2]     # the same width at other heights (does the comparison depend on the height?)
STEP = 0.1                    # grid of t scanned for the threshold (both sides at once; the profile's points) ...
REFINEMENTS = 4               # ... then steps of false position in the bracketing grid step (common.basin)
T_MAX = 4.0                   # a side still below the threshold here is censored (None)
PROFILE = np.round(np.linspace(-1.0, 1.0, 21), 10)    # t of the loss profiles along each direction (figure, reused)
QUICK = {"alphas": np.round(np.linspace(-1.0, 2.0, 7), 10), "profile": np.round(np.linspace(-1.0, 1.0, 5), 10),
         "directions": 3}


def parse_args():
    return make_parser(__doc__, side_by_side=True).parse_args()


# ---------------------------------------------------------------------------- measures
def interpolation(model, theta_1, theta_2, alphas, ds):
    """Cross-entropy and accuracy on both splits at (1 - alpha) theta_1 + alpha theta_2."""
    curves = {}
    for split, x, y in (("train", ds.x_train, ds.y_train), ("test", ds.x_test, ds.y_test)):
        losses, accuracies = LineLoss(model, theta_1, theta_2 - theta_1, x, y)(alphas)
        curves[f"{split}_loss"], curves[f"{split}_acc"] = losses.tolist(), accuracies.tolist()
    return curves


def basin(model, theta, draws, rises, steps, ds):
    """Along each draw normalized to theta: the distances to each threshold on both sides, and the
    training-loss profile at `steps`."""
    named = list(model.named_parameters())
    parts = torch.split(theta, [p.numel() for _, p in named])
    params = {name: part.reshape(p.shape) for (name, p), part in zip(named, parts)}     # theta as the model's tensors
    plus, minus, profiles = [], [], []
    for raw in draws:
        line = LineLoss(model, theta, filter_normalized(raw, params), ds.x_train, ds.y_train)
        profile = line.loss(steps)
        found = threshold_distances(remembering(line.loss, steps, profile), rises, STEP, T_MAX, REFINEMENTS)
        plus.append(found["plus"])
        minus.append(found["minus"])
        profiles.append(profile.tolist())
    return {"t_plus": by_rise(plus), "t_minus": by_rise(minus), "profiles": profiles}


def remembering(loss, ts, values):
    """loss(ts) that looks up the t values already evaluated (ts, values) instead of recomputing them."""
    known = dict(zip(np.round(ts, 8).tolist(), values.tolist()))

    def lookup(query):
        query = np.asarray(query, dtype=float)
        keys = np.round(query, 8).tolist()
        out = np.array([known.get(k, np.nan) for k in keys])
        missing = np.isnan(out)
        if missing.any():
            out[missing] = loss(query[missing])
        return out
    return lookup


def by_rise(rows):
    """[direction][rise] -> [rise][direction]."""
    return [list(column) for column in zip(*rows)]


def run(args):
    seed_all(args.seed)
    device = args.device_resolved
    names = sorted({name for pair in PAIRS.values() for name in pair})
    records = approaches.trained_models(args, names, side_by_side_workers(args))
    ds = load_dataset_once("mnist", args.data_dir, device, approaches.data_subset(approaches.settings(args)))
    alphas = QUICK["alphas"] if args.quick else ALPHAS
    steps = QUICK["profile"] if args.quick else PROFILE
    n_directions = QUICK["directions"] if args.quick else DIRECTIONS
    rises = [RISE, *OTHER_RISES]
    seeds = approaches.seeds_of(args)
    model = approaches.load_model(records[names[0], seeds[0]], device)
    thetas = {k: r["theta"].to(device=device, dtype=torch.float32) for k, r in records.items()}

    # ------------------------------------------------------------------------ widths: one set of draws per seed
    basins = {}
    for seed_name in seeds:
        generator = torch.Generator().manual_seed(derive_seed(args.seed, "directions", seed_name))
        draws = [gaussian_draws(dict(model.named_parameters()), generator) for _ in range(n_directions)]
        for name in names:
            basins[name, seed_name] = basin(model, thetas[name, seed_name], draws, rises, steps, ds)
            log(f"widths: {name} {seed_name} along {n_directions} directions done")

    # ------------------------------------------------------------------------ the pairs
    results = {"model": "784-32-10", "params": count_params(model), "train_examples": len(ds.x_train),
               "test_examples": len(ds.x_test), "alphas": alphas.tolist(), "profile_steps": steps.tolist(),
               "seeds": seeds, "directions": n_directions, "rises": rises, "step": STEP, "t_max": T_MAX,
               "refinements": REFINEMENTS, "pairs": {}}
    for pair_name, (first, second) in PAIRS.items():
        runs = []
        for seed_name in seeds:
            theta_1, theta_2 = thetas[first, seed_name], thetas[second, seed_name]
            run = {"seed": seed_name, **interpolation(model, theta_1, theta_2, alphas, ds),
                   "distance": float((theta_2 - theta_1).norm())}
            for label, name, theta in (("model_1", first, theta_1), ("model_2", second, theta_2)):
                record = records[name, seed_name]
                run[label] = {"approach": name, "batch": approaches.APPROACHES[name][0],
                              "lr": approaches.APPROACHES[name][1], **approaches.summary(record),
                              "weight_norm": float(theta.norm()), **basins[name, seed_name]}
            runs.append(run)
        log(f"interpolation: {first} → {second} done for {len(seeds)} seeds")
        results["pairs"][pair_name] = {"model_1": first, "model_2": second, "runs": runs}
    return results


# ---------------------------------------------------------------------------- plot
def band(ax, x, curves, color, label, style="-"):
    """The mean over seeds, with the min-max band (curves: (S, T))."""
    mean, _ = stats.mean_std(curves)
    _, low, high = stats.median_band(curves)
    ax.plot(x, mean, style, color=color, label=label)
    ax.fill_between(x, low, high, color=color, alpha=0.2)


def widths_of(end, rise_index, t_max):
    """Per direction: t_plus + t_minus at one rise (a censored side counts as t_max)."""
    return [(p if p is not None else t_max) + (m if m is not None else t_max)
            for p, m in zip(end["t_plus"][rise_index], end["t_minus"][rise_index])]


def plot(results, figures_dir):
    alphas = np.array(results["alphas"])
    n_seeds = len(results["seeds"])
    seeds = f"{n_seeds} seed{'s' if n_seeds > 1 else ''}"
    for pair_name, pair in results["pairs"].items():
        runs = pair["runs"]
        fig, axes = plots.figure(ncols=4, width=4.2, height=3.7)
        ax = axes[0, 0]
        band(ax, alphas, [r["train_loss"] for r in runs], plots.PALETTE[0], "train cross-entropy")
        band(ax, alphas, [r["test_loss"] for r in runs], plots.PALETTE[0], "test cross-entropy", "--")
        ax.set(yscale="log", xlabel=r"$\alpha$  ($\theta = (1-\alpha)\,\theta_1 + \alpha\,\theta_2$)",
               ylabel="cross-entropy (log)",
               title=f"{pair['model_1']} → {pair['model_2']} (mean, band: {seeds})")
        acc_ax = plots.twin_axis(ax, "accuracy", color=plots.PALETTE[1])
        band(acc_ax, alphas, [r["train_acc"] for r in runs], plots.PALETTE[1], "train accuracy")
        band(acc_ax, alphas, [r["test_acc"] for r in runs], plots.PALETTE[1], "test accuracy", "--")
        for alpha in (0, 1):
            ax.axvline(alpha, color="gray", lw=0.8, ls=":")
        plots.merged_legend(ax, acc_ax, fontsize=6, loc="best")

        ax = axes[0, 1]
        for r, color in zip(runs, plots.PALETTE * 2):
            distance = alphas * r["distance"]
            norms = f"‖θ₁‖ {r['model_1']['weight_norm']:.1f}, ‖θ₂‖ {r['model_2']['weight_norm']:.1f}"
            ax.plot(distance, r["train_loss"], color=color, label=f"{r['seed']}: {norms}")
            ax.axvline(r["distance"], color=color, lw=0.8, ls=":")
        ax.axvline(0, color="gray", lw=0.8, ls=":")
        ax.set(yscale="log", xlabel="Euclidean distance from θ₁ along the line", ylabel="train cross-entropy",
               title="Same curves in Euclidean units")
        ax.legend(fontsize=6)

        ax = axes[0, 2]
        steps = np.array(results["profile_steps"])
        for label, color, name in (("model_1", plots.PALETTE[0], pair["model_1"]),
                                   ("model_2", plots.PALETTE[1], pair["model_2"])):
            profiles = [p for r in runs for p in r[label]["profiles"]]
            median, low, high = stats.median_band(profiles)
            ax.plot(steps, median, color=color, label=f"{name} (median)")
            ax.fill_between(steps, low, high, color=color, alpha=0.2)
        ax.set(yscale="log", xlabel="t (θ + t·d, d filter-normalized to θ)", ylabel="train cross-entropy",
               title=f"Along {results['directions']} shared directions × {seeds} (band: min-max)")
        ax.legend(fontsize=7)

        ax = axes[0, 3]
        top = 0.0
        for r, color in zip(runs, plots.PALETTE * 2):
            w1, w2 = widths_of(r["model_1"], 0, results["t_max"]), widths_of(r["model_2"], 0, results["t_max"])
            ax.plot(w1, w2, "o", color=color, ms=4, alpha=0.8, label=r["seed"])
            top = max(top, *w1, *w2)
        ax.plot([0, 1.05 * top], [0, 1.05 * top], color="gray", lw=0.8, ls=":", label="equal width")
        ax.set(xlabel=f"width of {pair['model_1']} (t₊ + t₋)", ylabel=f"width of {pair['model_2']}",
               title=f"Width at L(θ) + {results['rises'][0]:g}, one dot per direction", xlim=(0, 1.05 * top),
               ylim=(0, 1.05 * top))
        ax.legend(fontsize=6)
        plots.save(fig, figures_dir, f"{SCRIPT}_{pair_name}")


def main():
    args = parse_args()
    config = {"quick": args.quick, "seed": args.seed, "pairs": {k: list(v) for k, v in PAIRS.items()},
              "approaches": {k: list(v) for k, v in approaches.APPROACHES.items()},
              "training": approaches.settings(args), "directions": DIRECTIONS, "rises": [RISE, *OTHER_RISES],
              "step": STEP, "refinements": REFINEMENTS, "t_max": T_MAX, "profile": PROFILE.tolist()}

    def summarize(results):
        for name, pair in results["pairs"].items():
            i0, i1 = results["alphas"].index(0), results["alphas"].index(1)
            worst = [min(r["test_acc"][i0:i1 + 1]) for r in pair["runs"]]
            print(f"{name}: test acc {pair['model_1']} "
                  f"{np.mean([r['model_1']['test_acc'] for r in pair['runs']]):.4f}, {pair['model_2']} "
                  f"{np.mean([r['model_2']['test_acc'] for r in pair['runs']]):.4f}, worst between them "
                  f"{np.mean(worst):.4f} (mean over {len(worst)} seeds)")
            for r in pair["runs"]:
                w1 = widths_of(r["model_1"], 0, results["t_max"])
                w2 = widths_of(r["model_2"], 0, results["t_max"])
                wider = sum(a > b for a, b in zip(w1, w2))
                print(f"  {r['seed']}: width at +{results['rises'][0]:g}: {pair['model_1']} median "
                      f"{np.median(w1):.3f}, {pair['model_2']} median {np.median(w2):.3f}; {pair['model_1']} "
                      f"wider along {wider} of {len(w1)} directions")

    run_experiment(args, SCRIPT, config, run, plot, threads=2, summarize=summarize)


if __name__ == "__main__":
    run_main(main)
