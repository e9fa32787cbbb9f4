"""Statistics behind the report's claims: how far the seeds support an ordering, a trend or a
correlation. Used by findings/*.py only (presentation side: outside the code key of results).

Rank correlations are Spearman's with average ranks for ties (scipy.stats.spearmanr,
scipy.stats.rankdata); intervals are percentile bootstraps that resample the independent units
(seeds, trajectories, initializations), never points that share one; differences of two groups
of seeds get a permutation test (scipy.stats.permutation_test, exact for small samples).
"""
import warnings

import numpy as np
from scipy import stats

RESAMPLES = 2000              # bootstrap resamples
CONFIDENCE = 0.95             # of every interval


def spearman(x, y):
    """Spearman's rank correlation with ties averaged (scipy.stats.spearmanr); nan when either
    side is constant or there are fewer than 3 points."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(stats.spearmanr(x, y).statistic)


def _rowwise_spearman(a, b):
    """Spearman's correlation of each row of a with the same row of b, (R, n) each, ties
    averaged (scipy.stats.rankdata); nan for a row where either side is constant."""
    ra, rb = stats.rankdata(a, axis=1), stats.rankdata(b, axis=1)
    ra, rb = ra - ra.mean(1, keepdims=True), rb - rb.mean(1, keepdims=True)
    denominator = np.sqrt((ra * ra).sum(1) * (rb * rb).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (ra * rb).sum(1) / denominator, np.nan)


def _interval(values):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < RESAMPLES // 2:                  # mostly degenerate resamples: no interval
        return float("nan"), float("nan")
    low, high = np.quantile(values, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
    return float(low), float(high)


def bootstrap_interval(n_units, statistic, seed=0, vectorized=False):
    """Percentile bootstrap interval (scipy.stats.bootstrap) of statistic(indices) when the
    n_units independent units are resampled with replacement: statistic gets an int array of
    unit indices (with repeats) and returns a float; vectorized: it gets all resamples at once,
    (resamples, n_units), and returns one value per row (scipy draws the same resamples either
    way). (nan, nan) with fewer than 3 units."""
    if n_units < 3:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")               # a resample with a constant side gives nan
        found = stats.bootstrap((np.arange(n_units),), statistic, vectorized=vectorized, method="percentile",
                                n_resamples=RESAMPLES, confidence_level=CONFIDENCE, random_state=seed)
    return float(found.confidence_interval.low), float(found.confidence_interval.high)


def _weighted_average_ranks(values, weights):
    """Average ranks (ties averaged, as scipy.stats.rankdata) of each point in the multiset that
    holds weights[r, p] copies of point p, for every row r: (R, P) from values (P,)."""
    distinct, which = np.unique(values, return_inverse=True)
    copies = np.zeros((weights.shape[0], distinct.size))
    np.add.at(copies.T, which, weights.T)                                   # (R, V): copies of each value
    below = np.cumsum(copies, axis=1) - copies                              # copies of smaller values
    return (below + (copies + 1) / 2)[:, which]                             # ranks below+1 .. below+copies


def _pooled_rows(xs, ys, counts):
    """Spearman over the pooled points of each resample: row r pools counts[r, u] copies of unit
    u's points, (R, U) -> (R,). The Pearson correlation of the average ranks of the multiset,
    which equals scipy.stats.spearmanr of the concatenated copies; nan where either side is
    constant or fewer than 3 points are pooled."""
    unit = np.concatenate([np.full(len(x), u) for u, x in enumerate(xs)])
    x, y = np.concatenate(xs), np.concatenate(ys)
    w = counts[:, unit].astype(float)                                       # (R, P) copies of each point
    rx, ry = _weighted_average_ranks(x, w), _weighted_average_ranks(y, w)
    n = w.sum(1, keepdims=True)
    dx, dy = rx - (w * rx).sum(1, keepdims=True) / n, ry - (w * ry).sum(1, keepdims=True) / n
    sxx, syy, sxy = (w * dx * dx).sum(1), (w * dy * dy).sum(1), (w * dx * dy).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = sxy / np.sqrt(sxx * syy)
    return np.where((sxx > 0) & (syy > 0) & (n[:, 0] >= 3), rho, np.nan)


def pooled_spearman(units):
    """units: a list of (x values, y values), one pair per independent unit (a trajectory, a seed).
    Spearman over all points pooled, with a bootstrap interval that resamples whole units (all
    resamples at once: each is a multiset of units, _pooled_rows).
    {"rho", "low", "high", "units", "points"}."""
    xs = [np.asarray(x, dtype=float) for x, _ in units]
    ys = [np.asarray(y, dtype=float) for _, y in units]

    def rho(indices, axis=-1):                        # indices: (R, units) resampled unit numbers
        rows = np.atleast_2d(indices)
        counts = np.zeros((rows.shape[0], len(units)), dtype=np.int64)
        np.add.at(counts, (np.arange(rows.shape[0])[:, None], rows), 1)
        return _pooled_rows(xs, ys, counts)
    low, high = bootstrap_interval(len(units), rho, vectorized=True)
    return {"rho": spearman(np.concatenate(xs), np.concatenate(ys)), "low": low, "high": high,
            "units": len(units), "points": int(sum(x.size for x in xs))}


def grouped_spearman(x, y):
    """Correlation between and within groups (e.g. training approaches) whose members are seeds
    shared across groups (seed s of every group starts from the same initialization).
    x, y: {group: {seed: value}}. between: Spearman over the group means; within: Spearman over
    the values minus their group's mean, pooled over groups. Intervals: bootstrap over the seeds
    (a resampled seed brings its member of every group). {"between", "between_low",
    "between_high", "within", "within_low", "within_high", "groups", "seeds"}."""
    groups = list(x)
    seeds = sorted({s for g in groups for s in x[g]}, key=str)
    X = np.array([[x[g][s] for s in seeds] for g in groups], dtype=float)       # (G, S)
    Y = np.array([[y[g][s] for s in seeds] for g in groups], dtype=float)
    rng = np.random.default_rng(0)
    picks = np.vstack([np.arange(len(seeds)), rng.integers(0, len(seeds), (RESAMPLES, len(seeds)))])  # (1+B, S)
    xs, ys = X[:, picks].transpose(1, 0, 2), Y[:, picks].transpose(1, 0, 2)        # (1+B, G, S)
    between = _rowwise_spearman(xs.mean(2), ys.mean(2))
    dx, dy = xs - xs.mean(2, keepdims=True), ys - ys.mean(2, keepdims=True)
    within = _rowwise_spearman(dx.reshape(len(picks), -1), dy.reshape(len(picks), -1))
    one_seed = np.array([len(set(row)) < 2 for row in picks])       # no within-group spread, only rounding
    within[one_seed], between[one_seed] = np.nan, np.nan
    b_low, b_high = _interval(between[1:]) if len(seeds) >= 3 else (float("nan"), float("nan"))
    w_low, w_high = _interval(within[1:]) if len(seeds) >= 3 else (float("nan"), float("nan"))
    return {"between": float(between[0]), "between_low": b_low, "between_high": b_high,
            "within": float(within[0]), "within_low": w_low, "within_high": w_high,
            "groups": len(groups), "seeds": len(seeds)}


def compare(a, b):
    """Two sets of per-seed values: which is larger and how far the seeds support it.
    {"larger": "a" | "b" | "equal" (by mean), "separated": the ranges do not overlap,
    "a_above_b": how many of a's values exceed every b value, "b_above_a": the reverse,
    "p": two-sided permutation p-value of the difference of means (scipy.stats.permutation_test,
    exact for small samples), "a_mean", "b_mean", "n_a", "n_b"}."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    larger = "a" if a.mean() > b.mean() else "b" if b.mean() > a.mean() else "equal"
    if a.size > 1 and b.size > 1 and np.ptp(np.concatenate([a, b])) > 0:
        p = float(stats.permutation_test((a, b), lambda u, v, axis=-1: np.mean(u, axis=axis) - np.mean(v, axis=axis),
                                         n_resamples=9999, alternative="two-sided", vectorized=True,
                                         random_state=0).pvalue)
    else:
        p = float("nan")
    return {"larger": larger, "separated": bool(a.min() > b.max() or b.min() > a.max()),
            "a_above_b": int((a > b.max()).sum()), "b_above_a": int((b > a.max()).sum()),
            "p": p, "a_mean": float(a.mean()), "b_mean": float(b.mean()), "n_a": int(a.size), "n_b": int(b.size)}


def signed_direction(low, high, seed_rhos=None):
    """The sign rule of every relation claim: "rises" / "falls" when the interval (low, high) of a
    correlation lies above / below 0, else "unclear"; given each independent unit's own correlation
    (seed_rhos: one per seed, followed across the levels or approaches), a direction stands only when
    every one of them is finite and has its sign ("seeds disagree" otherwise)."""
    direction = "rises" if low > 0 else "falls" if high < 0 else "unclear"
    if direction != "unclear" and seed_rhos is not None:
        sign = 1 if direction == "rises" else -1
        if not all(np.isfinite(r) and sign * r > 0 for r in seed_rhos):
            direction = "seeds disagree"
    return direction


def level_trend(levels, values, paired=False, min_seeds=None):
    """A quantity measured over seeds at ordered levels (batch sizes, widths, corruption shares).
    levels: (K,) numbers; values: K sequences of per-seed values. Spearman of level against the
    level means (ties averaged) with a bootstrap interval that resamples the seeds within each
    level; each successive step's direction of the means and whether its seeds separate.
    {"rho", "low", "high", "monotone": "rises" | "falls" | None (the means at every step),
    "steps": [{"from", "to", "direction", "separated"}], "separated_steps", "levels"}.
    paired=True: seed s of every level is one unit followed across the levels (it shares an
    initialization), so values must hold the same seeds in the same order at every level; the
    interval resamples whole seeds (a resampled seed brings its value at every level), and the
    result also holds "seed_rhos": each seed's own Spearman of level against its values (nan where
    that seed's values are constant).
    "direction", the one rule every trend claim is stated by: "rises" / "falls" when the interval
    lies above / below 0, else "unclear"; paired, a direction stands only when every seed's own rho
    has its sign ("seeds disagree" otherwise) and no step against it separates the seeds ("bent"
    otherwise); and with fewer than min_seeds seeds (None: no minimum) only when the seeds of the
    first and last levels also separate that way ("few seeds" otherwise).
    "step_shape", how far the steps resolve a stated direction: "every" (every step separates the
    seeds that way), "against" (a step against it separates them; paired, that is "bent") or
    "overall" (neither); None without a direction; "against_steps": the indices of the steps that
    separate the seeds against the direction the interval gives ([] without one). A step whose seeds
    overlap is not read as a rise or a fall: the direction of its means alone turns with the seeds and
    with the machine (the same code and seeds on another CPU changed it, 2026-12-07).
    """
    levels = np.asarray(levels, dtype=float)
    values = [np.asarray(v, dtype=float) for v in values]
    means = np.array([v.mean() for v in values])
    rng = np.random.default_rng(0)
    if paired:
        if len({v.size for v in values}) != 1:
            raise ValueError("level_trend(paired=True) needs the same seeds at every level")
        table = np.stack(values)                                              # (K, S)
        picks = rng.integers(0, table.shape[1], (RESAMPLES, table.shape[1]))  # (B, S): whole seeds
        resampled = table[:, picks].mean(2).T                                 # (B, K)
    else:
        resampled = np.stack([v[rng.integers(0, v.size, (RESAMPLES, v.size))].mean(1) for v in values],
                             axis=1)                                          # (B, K)
    boot = _rowwise_spearman(np.broadcast_to(levels, resampled.shape), resampled)
    low, high = _interval(boot)
    steps = []
    for i in range(len(values) - 1):
        c = compare(values[i + 1], values[i])
        steps.append({"from": float(levels[i]), "to": float(levels[i + 1]),
                      "direction": "up" if c["larger"] == "a" else "down" if c["larger"] == "b" else "flat",
                      "separated": c["separated"]})
    directions = {s["direction"] for s in steps}
    monotone = "rises" if directions == {"up"} else "falls" if directions == {"down"} else None
    found = {"rho": spearman(levels, means), "low": low, "high": high, "monotone": monotone,
             "steps": steps, "separated_steps": sum(s["separated"] for s in steps), "levels": len(values)}
    if paired:
        found["seed_rhos"] = [spearman(levels, table[:, s]) for s in range(table.shape[1])]
    direction = signed_direction(low, high, found.get("seed_rhos"))
    found["against_steps"] = []
    if direction in ("rises", "falls"):
        sign = 1 if direction == "rises" else -1
        along, against = ("up", "down") if sign > 0 else ("down", "up")
        found["against_steps"] = [i for i, s in enumerate(steps) if s["separated"] and s["direction"] == against]
        first, last = values[0], values[-1]
        if paired and found["against_steps"]:
            direction = "bent"
        elif min_seeds is not None and len(first) < min_seeds and not (
                last.min() > first.max() if sign > 0 else last.max() < first.min()):
            direction = "few seeds"
        else:
            found["step_shape"] = ("every" if all(s["separated"] and s["direction"] == along for s in steps)
                                   else "against" if found["against_steps"] else "overall")
    found.setdefault("step_shape", None)
    found["direction"] = direction
    return found
