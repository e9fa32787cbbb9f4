"""Summaries over seeds: the numbers behind every band, error bar and "median run" of the report.

Seeds are the first axis: values (S,) or curves (S, T). Nothing here trains or plots.
"""
import numpy as np


def median_band(curves):
    """Pointwise median and min-max band of S curves (S, T): (median, low, high), each (T,).
    Every seed lies inside the band; with S odd the median is one of the seeds' values."""
    curves = np.asarray(curves, dtype=float)
    if curves.ndim == 1:
        curves = curves[None]
    return np.median(curves, axis=0), curves.min(axis=0), curves.max(axis=0)


def quartile_band(curves):
    """Pointwise median and interquartile band (25th-75th percentile, linear interpolation)."""
    curves = np.asarray(curves, dtype=float)
    low, median, high = np.percentile(curves, [25, 50, 75], axis=0)
    return median, low, high


def mean_std(values):
    """(mean, sample standard deviation with ddof=1; 0 for one value) of values (S,) or curves (S, T)."""
    values = np.asarray(values, dtype=float)
    std = values.std(axis=0, ddof=1) if values.shape[0] > 1 else np.zeros_like(values[0])
    return values.mean(axis=0), std


def median_index(values):
    """Index of the seed with the median value; for an even count, the lower of the two middle ones."""
    order = np.argsort(np.asarray(values, dtype=float), kind="stable")
    return int(order[(len(order) - 1) // 2])


def summary(values):
    """{median, min, max, mean, std, n} of one value per seed, as plain floats (for results JSON)."""
    values = np.asarray(values, dtype=float)
    mean, std = mean_std(values)
    return {"median": float(np.median(values)), "min": float(values.min()), "max": float(values.max()),
            "mean": float(mean), "std": float(std), "n": int(values.size)}


def separated(better, worse, lower_is_better=True):
    """True when the seed ranges do not overlap: every value of `better` beats every value of `worse`."""
    better, worse = np.asarray(better, dtype=float), np.asarray(worse, dtype=float)
    return bool(better.max() < worse.min()) if lower_is_better else bool(better.min() > worse.max())


# ---------------------------------------------------------------------------- tests of claims
# Rank correlations are scipy's (ties get average ranks); intervals resample the independent
# units (seeds, trajectories, initializations), never points that share one.
def spearman(x, y):
    """Spearman's rank correlation with average ranks for ties (scipy.stats.spearmanr);
    nan when either side is constant or there are fewer than 3 points."""
    from scipy import stats
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(stats.spearmanr(x, y).statistic)


def bootstrap_interval(n_units, statistic, resamples=2000, confidence=0.95, seed=0):
    """Percentile bootstrap interval (scipy.stats.bootstrap) of statistic(indices) when the
    n_units independent units are resampled with replacement: statistic gets an int array of
    unit indices (with repeats) and returns a float. (low, high); (nan, nan) with fewer than 3 units."""
    import warnings
    from scipy import stats
    if n_units < 3:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # a resample with a constant side gives nan
        found = stats.bootstrap((np.arange(n_units),), statistic, vectorized=False, method="percentile",
                                n_resamples=resamples, confidence_level=confidence, random_state=seed)
    return float(found.confidence_interval.low), float(found.confidence_interval.high)


def pooled_spearman(units):
    """units: a list of (x values, y values), one pair per independent unit (a trajectory, a seed).
    Spearman over all points pooled, with a bootstrap interval that resamples whole units.
    {"rho", "low", "high", "units", "points"}."""
    xs = [np.asarray(x, dtype=float) for x, _ in units]
    ys = [np.asarray(y, dtype=float) for _, y in units]

    def rho(indices):
        return spearman(np.concatenate([xs[i] for i in indices]), np.concatenate([ys[i] for i in indices]))
    all_units = np.arange(len(units))
    low, high = bootstrap_interval(len(units), rho)
    return {"rho": rho(all_units), "low": low, "high": high, "units": len(units),
            "points": int(sum(x.size for x in xs))}


def grouped_spearman(x, y):
    """Correlation between and within groups (e.g. training approaches) whose members are seeds
    shared across groups (seed s of every group starts from the same initialization).
    x, y: {group: {seed: value}}. between: Spearman over the group means; within: Spearman over
    the values minus their group's mean (pooled over groups). Intervals: bootstrap over the seeds
    (a resampled seed brings its member of every group). {"between", "between_low", "between_high",
    "within", "within_low", "within_high", "groups", "seeds"}."""
    groups = list(x)
    seeds = sorted({s for g in groups for s in x[g]}, key=str)
    X = np.array([[x[g].get(s, np.nan) for s in seeds] for g in groups], dtype=float)   # (G, S)
    Y = np.array([[y[g].get(s, np.nan) for s in seeds] for g in groups], dtype=float)

    def between(idx):
        return spearman(np.nanmean(X[:, idx], axis=1), np.nanmean(Y[:, idx], axis=1))

    def within(idx):
        xs, ys = X[:, idx], Y[:, idx]
        dx, dy = xs - np.nanmean(xs, axis=1, keepdims=True), ys - np.nanmean(ys, axis=1, keepdims=True)
        keep = np.isfinite(dx) & np.isfinite(dy)
        return spearman(dx[keep], dy[keep])
    everything = np.arange(len(seeds))
    b_low, b_high = bootstrap_interval(len(seeds), between)
    w_low, w_high = bootstrap_interval(len(seeds), within)
    return {"between": between(everything), "between_low": b_low, "between_high": b_high,
            "within": within(everything), "within_low": w_low, "within_high": w_high,
            "groups": len(groups), "seeds": len(seeds)}


def compare(a, b):
    """Two sets of per-seed values: which is larger and how far the seeds support it.
    {"larger": "a" | "b" | "equal" (by mean), "separated": the ranges do not overlap,
    "a_above_b": how many of a's values exceed every b value, "b_above_a": the reverse,
    "p": two-sided permutation p-value of the difference of means (scipy.stats.permutation_test,
    exact for small samples), "a_mean", "b_mean", "n_a", "n_b"}."""
    from scipy import stats
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    larger = "a" if a.mean() > b.mean() else "b" if b.mean() > a.mean() else "equal"
    if a.size > 1 and b.size > 1 and np.ptp(np.concatenate([a, b])) > 0:
        p = float(stats.permutation_test((a, b), lambda u, v: np.mean(u) - np.mean(v), n_resamples=9999,
                                         alternative="two-sided", random_state=0).pvalue)
    else:
        p = float("nan")
    return {"larger": larger, "separated": bool(a.min() > b.max() or b.min() > a.max()),
            "a_above_b": int((a > b.max()).sum()), "b_above_a": int((b > a.max()).sum()),
            "p": p, "a_mean": float(a.mean()), "b_mean": float(b.mean()), "n_a": int(a.size), "n_b": int(b.size)}


def level_trend(levels, values):
    """A quantity measured over seeds at ordered levels (batch sizes, widths, corruption shares).
    levels: (K,) numbers; values: K sequences of per-seed values. Spearman of level against the
    level means (ties averaged) with a bootstrap interval that resamples the seeds within each
    level; each successive step's direction of the means and whether its seeds separate.
    {"rho", "low", "high", "monotone": "rises" | "falls" | None (the means at every step),
    "steps": [{"from", "to", "direction", "separated"}], "separated_steps", "levels"}."""
    levels = np.asarray(levels, dtype=float)
    values = [np.asarray(v, dtype=float) for v in values]
    means = np.array([v.mean() for v in values])
    rng = np.random.default_rng(0)
    boot = []
    for _ in range(2000):
        resampled = [v[rng.integers(0, v.size, v.size)].mean() for v in values]
        boot.append(spearman(levels, resampled))
    boot = np.array(boot)
    boot = boot[np.isfinite(boot)]
    low, high = (np.quantile(boot, [0.025, 0.975]) if boot.size else (np.nan, np.nan))
    steps = []
    for i in range(len(values) - 1):
        c = compare(values[i + 1], values[i])
        steps.append({"from": float(levels[i]), "to": float(levels[i + 1]),
                      "direction": "up" if c["larger"] == "a" else "down" if c["larger"] == "b" else "flat",
                      "separated": c["separated"]})
    directions = {s["direction"] for s in steps}
    monotone = "rises" if directions == {"up"} else "falls" if directions == {"down"} else None
    return {"rho": spearman(levels, means), "low": float(low), "high": float(high), "monotone": monotone,
            "steps": steps, "separated_steps": sum(s["separated"] for s in steps), "levels": len(values)}
