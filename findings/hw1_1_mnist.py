"""HW1-1, train on actual tasks: three CNNs (1, 2, 4 conv layers) and three DNNs (1, 2, 4 hidden
layers) of ~25,450 parameters each, trained on MNIST and Fashion-MNIST over three seeds
(results/hw1_1_mnist_mnist.json, results/hw1_1_mnist_fashion-mnist.json).

What the section concludes, and how far the seeds support it: at equal parameter count the
family matters (whether every CNN run beats every DNN run on a task, and by how much at the
closest, is read off the seeds); within a
family, the depths are ordered by their mean test accuracy, and every ordering says whether
the seed ranges separate and how many seeds of each lie beyond the other's range
(common.inference.compare; with three seeds a side, the permutation p can go no lower than 0.1).
The reason given for the family gap (convolutions spend the budget on local, shared filters
instead of one weight per pixel) is the usual argument for weight sharing and locality, not
something measured here.
"""
import math

from common.claims import ReportError, by, cap, choose, claim, listing, num, pct, sci
from common.inference import compare

SOURCES = ["hw1_1_mnist_mnist", "hw1_1_mnist_fashion-mnist"]
TASKS = {"MNIST": "hw1_1_mnist_mnist", "Fashion-MNIST": "hw1_1_mnist_fashion-mnist"}
FAMILIES = ("CNN", "DNN")
ALPHA = 0.05                      # the level the report's "significant" refers to
SAME_SETTINGS = ("cnns", "dnns", "cnn_channels", "cnn_pools", "eval_subset", "seeds", "shallow_dnn_width", "lr",
                 "batch_size", "epochs", "optimizer", "schedule")


def short(name):
    """'CNN deep (4 conv)' -> 'CNN deep'."""
    return name.split(" (")[0]


def family(run, fam):
    """The models of one family in one task, shallowest first."""
    return sorted([m for m in run["models"] if m["family"] == fam], key=lambda m: m["depth"])


def seed_accs(m):
    """The final test accuracy of every seed of one model."""
    return [float(run["history"]["final"]["test_acc"]) for run in m["runs"]]


def accs(models):
    return [a for m in models for a in seed_accs(m)]


def points(x):
    """A difference of accuracies in percentage points: 0.0061 -> '0.6'."""
    return f"{100 * float(x):.1f}"


def prange(values):
    lo, hi = pct(min(values), 2), pct(max(values), 2)
    return lo if lo == hi else f"{lo}-{hi}"


# ---------------------------------------------------------------------------- required consistency
def checks(R, C):
    """The consistency the section relies on, as required claims (findings() raises when one fails)."""
    runs = {t: R[name] for t, name in TASKS.items()}
    cfg = C[TASKS["MNIST"]]
    names = sorted(m["name"] for m in runs["MNIST"]["models"])
    depths = {**cfg["cnns"], **cfg["dnns"]}
    seeds = runs["MNIST"]["seed_names"]
    cnn_maps = {tuple(m["feature_shape"]) for r in runs.values() for m in family(r, "CNN")}
    differ = [k for k in SAME_SETTINGS if any(C[name].get(k) != cfg.get(k) for name in TASKS.values())]
    return {
        "same_settings": claim(not differ, "both tasks train the same models with the same settings", differ=differ),
        "same_models": claim(all(sorted(m["name"] for m in r["models"]) == names == sorted(depths)
                                 for r in runs.values()),
                             "both tasks hold the same models, the configured ones",
                             models={t: [m["name"] for m in r["models"]] for t, r in runs.items()}),
        "depths": claim(all(m["depth"] == depths.get(m["name"]) for r in runs.values() for m in r["models"]),
                        "every model has its configured depth", configured=depths),
        "per_seed": claim(all(r["seed_names"] == seeds and len(seeds) == cfg["seeds"] and all(
            [run["seed_name"] for run in m["runs"]] == seeds and all(v["n"] == len(seeds) for v in m["final"].values())
            for m in r["models"]) for r in runs.values()), "every model has a run per configured seed",
            seeds=seeds, configured=cfg["seeds"]),
        "same_map": claim(len(cnn_maps) == 1 and all(shape[0] == cfg["cnn_channels"] for shape in cnn_maps),
                          "every CNN head sees the same map", maps=sorted(cnn_maps)),
    }


def require(found):
    for name, c in found.items():
        if not c.holds:
            raise ReportError(f"claim no longer holds: {c.phrasings[True]!r} ({name}; evidence {c.evidence})")


# ---------------------------------------------------------------------------- orderings
def families(runs):
    """CNNs against DNNs on each task: per-task claims, the claim for both, and family_first."""
    per_task, gaps, spreads, sides = [], {}, {}, {}
    for t, r in runs.items():
        cnn, dnn = accs(family(r, "CNN")), accs(family(r, "DNN"))
        c = compare(cnn, dnn)
        side = "CNN" if c["separated"] and c["larger"] == "a" else "DNN" if c["separated"] else "overlap"
        gaps[t] = (min(cnn) - max(dnn), max(cnn) - min(dnn))
        spreads[t] = {"CNN": max(cnn) - min(cnn), "DNN": max(dnn) - min(dnn)}
        sides[t] = side
        per_task.append(choose(side, {
            "CNN": f"every CNN beats every DNN on {t} on every seed (by {points(gaps[t][0])}-{points(gaps[t][1])} "
                   "points of test accuracy)",
            "DNN": f"every DNN beats every CNN on {t} on every seed (by {points(min(dnn) - max(cnn))}-"
                   f"{points(max(dnn) - min(cnn))} points of test accuracy)",
            "overlap": f"the CNNs' and DNNs' per-seed test accuracies overlap on {t} (CNNs {prange(cnn)}, DNNs "
                       f"{prange(dnn)}; {c['a_above_b']} of the {c['n_a']} CNN runs above every DNN run, "
                       f"{c['b_above_a']} of the {c['n_b']} DNN runs above every CNN run)"},
            task=t, cnn=cnn, dnn=dnn, compare=c))
    both = all(s == "CNN" for s in sides.values())
    first = both and all(gaps[t][0] > max(spreads[t].values()) for t in runs)
    return {
        "per_task": per_task,
        "both": claim(both, "every CNN beats every DNN on both tasks on every seed, by "
                      + " and ".join(f"{points(lo)}-{points(hi)} ({t})" for t, (lo, hi) in gaps.items())
                      + " points of test accuracy (worst CNN seed minus best DNN seed, to best minus worst)",
                      sides=sides),
        "family_first": claim(first, ": the family matters more than the depth (the gap between the families is wider "
                                     "than the spread of the seeds within each), as expected if convolutions spend the "
                                     "budget better on local, shared filters than on one weight per pixel", "",
                              gaps=gaps, spreads=spreads),
        "confounds": "The comparison is at equal parameters, not equal computation (a conv filter is applied at "
                     "every position of the image, a dense weight once), and at one learning rate for all models, "
                     "not tuned per model",
        "gaps": {t: {"low": lo, "high": hi} for t, (lo, hi) in gaps.items()},
    }


def pair(a, b):
    """Two models ordered by mean test accuracy (the higher first; a first on a tie): how far the
    seeds support the order."""
    c = compare(seed_accs(a), seed_accs(b))
    if c["larger"] == "b":
        return pair(b, a)
    return {"higher": short(a["name"]), "lower": short(b["name"]), "compare": c,
            "margin": min(seed_accs(a)) - max(seed_accs(b)),
            "beats": bool(c["separated"] and c["larger"] == "a")}


def depths(t, models, fam):
    """The depths of one family on one task: the summary claim, the ranges, every pair's ordering."""
    ordered = [pair(a, b) for i, a in enumerate(models) for b in models[i + 1:]]
    steps = [compare(seed_accs(deeper), seed_accs(shallower)) for shallower, deeper in zip(models[:-1], models[1:])]
    up = all(c["separated"] and c["larger"] == "a" for c in steps)
    down = all(c["separated"] and c["larger"] == "b" for c in steps)
    separated = [p for p in ordered if p["beats"]]
    outcome = "helps" if up else "hurts" if down else "some" if separated else "none"
    return {
        "task": t, "family": fam,
        "order": choose(outcome, {
            "helps": f"depth helps on {t}: every seed of each deeper {fam} beats every seed of the shallower one",
            "hurts": f"depth hurts on {t}: every seed of each shallower {fam} beats every seed of the deeper one",
            "some": f"on {t} the seed ranges separate only where "
                    + listing([f"{p['higher']} beats {p['lower']}" for p in separated]) + " on every seed ("
                    + listing([f"{p['margin'] * 100:.2f}" for p in separated]) + " points between the closest seeds)"
                    + ("; the other pairs overlap" if len(separated) < len(ordered) else ""),
            "none": f"on {t} the seed ranges of all depths overlap: the seeds do not order them"},
            separated=[(p["higher"], p["lower"]) for p in separated], pairs=len(ordered)),
        "ranges": ", ".join(f"{short(m['name'])} {prange(seed_accs(m))}" for m in models),
        "pairs": [[t, f"{p['higher']} > {p['lower']}",
                   f"{pct(p['compare']['a_mean'], 2)} vs {pct(p['compare']['b_mean'], 2)}",
                   "separate" if p["beats"] else "overlap",
                   f"{p['compare']['a_above_b']} of {p['compare']['n_a']}",
                   f"{p['compare']['b_above_a']} of {p['compare']['n_b']}",
                   f"{p['compare']['p']:.2f}"] for p in ordered],
    }


# ---------------------------------------------------------------------------- findings
def findings(R, C, P, T):
    require(checks(R, C))
    runs = {t: R[name] for t, name in TASKS.items()}
    cfg = C[TASKS["MNIST"]]
    first = runs["MNIST"]
    cnns, dnns = family(first, "CNN"), family(first, "DNN")
    ref = min(dnns, key=lambda m: m["depth"])
    dev = max(abs(m["params"] - ref["params"]) / ref["params"] for r in runs.values() for m in r["models"])
    shape = cnns[0]["feature_shape"]
    seeds = first["seed_names"]
    eval_sizes = sorted({r["eval_subset"] for r in runs.values()})

    def ms(m, key):
        f = m["final"][key]
        return f"{100 * f['mean']:.2f} ± {100 * f['std']:.2f}"
    order = [m["name"] for m in cnns + dnns]
    min_p = min(2 / math.comb(2 * len(seeds), len(seeds)), 1.0)     # exact two-sided, all values distinct
    depth_header = ["task", "ordering (mean test acc)", "means", "ranges", "seeds of the first above the second's best",
                    "seeds of the second above the first's best", "permutation p"]
    by_family = {fam: [depths(t, family(r, fam), fam) for t, r in runs.items()] for fam in FAMILIES}
    return {
        "checks": checks(R, C),
        "n_cnns": len(cnns), "n_dnns": len(dnns),
        "ref": {"name": ref["name"], "layers": ref["layers"], "params": ref["params"]},
        "deviation": dev,
        "cnn_depths": [str(m["depth"]) for m in cnns], "dnn_depths": [str(m["depth"]) for m in dnns],
        "channels": cfg["cnn_channels"], "pools": cfg["cnn_pools"],
        "feature_map": f"{shape[1]}x{shape[2]}x{shape[0]}",
        "classes": ref["layers"].split("-")[-1],
        "dense_widths": listing([f"{short(m['name'])} {int(m['layers'].rsplit('dense ', 1)[1])}" for m in cnns]),
        "models_table": {"header": ["model", "layers", "params"],
                         "rows": [[m["name"], m["layers"], num(m["params"])] for m in cnns + dnns]},
        "tasks": list(runs),
        "optimizer": cap(cfg["optimizer"]), "lr": sci(cfg["lr"], 1), "schedule": cfg["schedule"],
        "batch_size": cfg["batch_size"], "epochs": cfg["epochs"], "n_seeds": len(seeds), "base_seed": cfg["seed"],
        "eval_subsets": eval_sizes,
        "accuracy_table": {
            "header": ["model", *[f"{t} {s} acc" for t in runs for s in ("train", "test")]],
            "rows": [[name, *[ms(by(r["models"], "name", name), f"{s}_acc")
                              for r in runs.values() for s in ("train", "test")]] for name in order]},
        "family": families(runs),
        "depth": by_family,
        "min_p": min_p,
        "no_significance": claim(min_p > ALPHA,
                                 f"cannot go below {min_p:.2f}, so no single ordering here can be significant at the "
                                 f"{pct(ALPHA, 0)} level: a separated pair is the strongest support these seeds "
                                 "can give",
                                 f"reaches {sci(min_p)} when the seeds of a pair separate", min_p=min_p, alpha=ALPHA),
        "depth_table": {"header": ["family", *depth_header],
                        "rows": [[fam, *row] for fam in FAMILIES for d in by_family[fam] for row in d["pairs"]]},
    }
