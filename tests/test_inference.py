"""The claim statistics against independent references: scipy's rank correlation on every
resample, hand-counted orderings, an exact permutation p-value by enumeration."""
import itertools

import numpy as np
import pytest
from scipy import stats

from common import inference


def test_spearman_averages_ties_like_scipy_and_unlike_argsort_ranks():
    index = [0.0, 0.04, 0.04, 0.08, 0.08, 0.08, 0.12, 0.16, 0.2, 0.2]          # few distinct values
    loss = [1e-5, 3e-5, 2e-5, 1e-4, 5e-5, 2e-4, 1e-3, 8e-4, 5e-3, 2e-3]
    rho = inference.spearman(index, loss)
    assert rho == pytest.approx(stats.spearmanr(index, loss).statistic, abs=1e-12)
    argsort_ranks = np.argsort(np.argsort(index))                                # ties broken by position
    assert rho != pytest.approx(np.corrcoef(argsort_ranks, np.argsort(np.argsort(loss)))[0, 1], abs=1e-3)
    assert np.isnan(inference.spearman([1, 1, 1], [1, 2, 3])) and np.isnan(inference.spearman([1, 2], [2, 1]))


def test_rowwise_spearman_matches_scipy_row_by_row():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, (50, 7)).astype(float)                                # many ties
    b = rng.normal(size=(50, 7))
    rows = inference._rowwise_spearman(a, b)
    for i in range(50):
        expected = stats.spearmanr(a[i], b[i]).statistic if np.ptp(a[i]) > 0 else np.nan
        assert rows[i] == pytest.approx(expected, abs=1e-12, nan_ok=True)


def test_compare_counts_and_an_exact_permutation_p():
    c = inference.compare([4.0, 5.0, 6.0], [1.0, 2.0, 3.5])
    assert c["larger"] == "a" and c["separated"] and c["a_above_b"] == 3 and c["b_above_a"] == 0
    # two-sided exact p: the share of the 20 splits of the 6 values whose |mean difference| is at least the observed
    values, observed = np.array([4, 5, 6, 1, 2, 3.5]), 5.0 - 6.5 / 3
    splits = [list(s) for s in itertools.combinations(range(6), 3)]
    diffs = [abs(values[s].mean() - np.delete(values, s).mean()) for s in splits]
    assert c["p"] == pytest.approx(np.mean(np.array(diffs) >= observed - 1e-12))
    overlap = inference.compare([1.0, 5.0], [2.0, 3.0])
    assert not overlap["separated"] and overlap["a_above_b"] == 1 and overlap["b_above_a"] == 0


def test_level_trend_steps_and_a_bootstrap_interval_that_contains_the_estimate():
    trend = inference.level_trend([1, 2, 3, 4], [[1.0, 1.1], [2.0, 2.2], [1.9, 2.1], [4.0, 4.2]])
    assert trend["rho"] == pytest.approx(stats.spearmanr([1, 2, 3, 4], [1.05, 2.1, 2.0, 4.1]).statistic)
    assert trend["monotone"] is None and [s["direction"] for s in trend["steps"]] == ["up", "down", "up"]
    assert [s["separated"] for s in trend["steps"]] == [True, False, True] and trend["separated_steps"] == 2
    assert trend["low"] - 1e-9 <= trend["rho"] <= trend["high"] + 1e-9
    rising = inference.level_trend([1, 2, 3], [[1, 1.2], [2, 2.2], [3, 3.2]])
    assert rising["monotone"] == "rises" and rising["low"] == rising["high"] == 1.0


def test_grouped_spearman_between_and_within_against_scipy():
    rng = np.random.default_rng(2)
    groups, seeds = [f"g{i}" for i in range(6)], ["s0", "s1", "s2", "s3"]
    base = {g: i for i, g in enumerate(groups)}
    x = {g: {s: base[g] + rng.normal() * 0.1 for s in seeds} for g in groups}
    y = {g: {s: -base[g] + 0.5 * (x[g][s] - base[g]) + rng.normal() * 0.01 for s in seeds} for g in groups}
    found = inference.grouped_spearman(x, y)
    means_x = [np.mean(list(x[g].values())) for g in groups]
    means_y = [np.mean(list(y[g].values())) for g in groups]
    assert found["between"] == pytest.approx(stats.spearmanr(means_x, means_y).statistic)   # -1: across groups
    dx = [x[g][s] - np.mean(list(x[g].values())) for g in groups for s in seeds]
    dy = [y[g][s] - np.mean(list(y[g].values())) for g in groups for s in seeds]
    assert found["within"] == pytest.approx(stats.spearmanr(dx, dy).statistic)               # > 0: within
    assert found["between"] < -0.9 and found["within"] > 0.5
    assert found["within_low"] <= found["within"] <= found["within_high"]
    anti = inference.grouped_spearman(x, {g: {s: -v for s, v in x[g].items()} for g in groups})
    assert anti["within"] == pytest.approx(-1) and anti["within_high"] == pytest.approx(-1)   # no rounding noise


def test_pooled_spearman_resamples_whole_units():
    rng = np.random.default_rng(3)
    units = [(np.arange(5.0), np.arange(5.0) + rng.normal(size=5) * 0.1) for _ in range(8)]
    found = inference.pooled_spearman(units)
    pooled_x = np.concatenate([u[0] for u in units])
    pooled_y = np.concatenate([u[1] for u in units])
    assert found["rho"] == pytest.approx(stats.spearmanr(pooled_x, pooled_y).statistic)
    assert found["units"] == 8 and found["points"] == 40 and -1 <= found["low"] <= found["high"] <= 1
    assert np.isnan(inference.pooled_spearman(units[:2])["low"])                  # 2 units: no interval


def test_pooled_spearman_interval_is_scipys_spearman_on_every_resample():
    """Units of unequal sizes with ties within and across units, and units that are constant on
    one side: the all-resamples-at-once interval equals scipy.stats.bootstrap's with
    scipy.stats.spearmanr of the concatenated resampled units, one resample at a time."""
    rng = np.random.default_rng(5)
    sizes = [1, 2, 7, 3, 12, 5, 1, 9]
    units = [(np.round(rng.normal(size=k), 1), np.round(rng.normal(size=k), 1)) for k in sizes]
    units[1] = (np.array([0.5, 0.5]), np.array([0.1, 0.2]))                      # constant x in one unit

    def reference(indices):
        x = np.concatenate([units[i][0] for i in indices])
        y = np.concatenate([units[i][1] for i in indices])
        if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
            return np.nan
        return stats.spearmanr(x, y).statistic
    with np.errstate(invalid="ignore"):
        want = stats.bootstrap((np.arange(len(units)),), reference, vectorized=False, method="percentile",
                               n_resamples=inference.RESAMPLES, confidence_level=inference.CONFIDENCE,
                               random_state=0).confidence_interval
    found = inference.pooled_spearman(units)
    assert (found["low"], found["high"]) == pytest.approx((want.low, want.high), abs=1e-12)
    # and row by row, against scipy on the multiset itself
    counts = rng.integers(0, 3, (50, len(units)))
    rows = inference._pooled_rows([u[0] for u in units], [u[1] for u in units], counts)
    for row, c in zip(rows, counts):
        picked = [i for i, k in enumerate(c) for _ in range(k)]
        assert row == pytest.approx(reference(picked), abs=1e-12, nan_ok=True)


def test_level_trend_paired_resamples_whole_seeds_and_gives_each_seeds_own_rho():
    levels = [1, 2, 3, 4]
    # three seeds followed across four levels; seed 2 goes the other way (falls), the others rise
    seeds = np.array([[1.0, 2.0, 3.0, 4.0], [1.5, 2.5, 2.4, 4.5], [4.0, 3.5, 3.0, 1.0]])      # (S, K)
    values = seeds.T.tolist()                                                               # K lists of S
    trend = inference.level_trend(levels, values, paired=True)
    expected = [stats.spearmanr(levels, row).statistic for row in seeds]                    # independent: per seed
    assert trend["seed_rhos"] == pytest.approx(expected) and trend["seed_rhos"][2] == pytest.approx(-1.0)
    assert trend["rho"] == pytest.approx(stats.spearmanr(levels, seeds.mean(0)).statistic)
    # the interval by hand: the same draws of whole seeds, scipy's Spearman on every resample
    rng = np.random.default_rng(0)
    picks = rng.integers(0, 3, (inference.RESAMPLES, 3))
    boot = [stats.spearmanr(levels, seeds[p].mean(0)).statistic for p in picks]
    boot = np.array([b for b in boot if np.isfinite(b)])
    low, high = np.quantile(boot, [0.025, 0.975])
    assert (trend["low"], trend["high"]) == pytest.approx((low, high))
    # a resample of whole seeds can be all seed 2: the interval reaches -1, unlike a rising-only draw
    assert trend["low"] == pytest.approx(-1.0)
    # the default (unpaired) result is unchanged: no per-seed rhos, the same keys and numbers as before
    unpaired = inference.level_trend(levels, values)
    assert "seed_rhos" not in unpaired and unpaired["rho"] == trend["rho"] and unpaired["steps"] == trend["steps"]
    with pytest.raises(ValueError):
        inference.level_trend(levels, [[1, 2], [1, 2, 3], [1, 2], [1, 2]], paired=True)
    constant = inference.level_trend([1, 2, 3], [[1, 1], [1, 2], [1, 3]], paired=True)
    assert np.isnan(constant["seed_rhos"][0]) and constant["seed_rhos"][1] == pytest.approx(1.0)


def test_level_trend_direction_rule_on_hand_made_seeds():
    """The one rule trend claims are stated by, on data whose answer is known by construction
    (columns are seeds, rows levels)."""
    levels = [1, 2, 3, 4]
    rising = [[1.0, 2.0, 3.0], [1.5, 2.5, 3.5], [2.2, 3.2, 4.2], [3.0, 4.0, 5.0]]     # every seed rises
    assert inference.level_trend(levels, rising, paired=True)["direction"] == "rises"
    # the ends overlap (level 1: 1-3, level 4: 3.0-5.0 vs min 3.0 not above max 3.0): too few seeds
    assert inference.level_trend(levels, rising, paired=True, min_seeds=5)["direction"] == "few seeds"
    assert inference.level_trend(levels, rising, paired=True, min_seeds=3)["direction"] == "rises"
    apart = [[1.0, 1.1, 1.2], [2.0, 2.1, 2.2], [3.0, 3.1, 3.2], [4.0, 4.1, 4.2]]      # ends separate
    assert inference.level_trend(levels, apart, paired=True, min_seeds=5)["direction"] == "rises"
    one_falls = [[1.0, 2.0, 9.0], [2.0, 3.0, 8.0], [3.0, 4.0, 7.5], [4.0, 5.0, 7.0]]
    found = inference.level_trend(levels, one_falls, paired=True)
    assert found["seed_rhos"][2] == -1 and found["direction"] in ("seeds disagree", "unclear")
    if found["low"] > 0:
        assert found["direction"] == "seeds disagree"
    bent = [[1.0, 1.1, 1.2], [5.0, 5.1, 5.2], [3.0, 3.1, 3.2], [6.0, 6.1, 6.2]]       # a separated step down
    found = inference.level_trend(levels, bent, paired=True)
    assert found["low"] > 0 and found["direction"] == "bent"
    assert inference.level_trend(levels, bent)["direction"] == "rises"              # unpaired: the interval only


def test_level_trend_reads_a_step_only_where_its_seeds_separate():
    """step_shape: "every" only when every step separates the seeds the trend's way, "against" only when
    a step the other way separates them; a step whose seeds overlap counts neither way, whatever its means."""
    levels = [1, 2, 3, 4]
    apart = [[1.0, 1.1, 1.2], [2.0, 2.1, 2.2], [3.0, 3.1, 3.2], [4.0, 4.1, 4.2]]
    assert inference.level_trend(levels, apart, paired=True)["step_shape"] == "every"
    dip = [[1.0, 1.1, 1.2], [2.0, 2.1, 3.5], [2.05, 2.15, 3.3], [4.0, 4.1, 4.2]]     # 2 -> 3: a dip, overlapping
    found = inference.level_trend(levels, dip, paired=True)
    assert found["steps"][1]["direction"] == "down" and not found["steps"][1]["separated"]
    assert found["monotone"] is None and found["direction"] == "rises" and found["step_shape"] == "overall"
    bent = [[1.0, 1.1, 1.2], [5.0, 5.1, 5.2], [3.0, 3.1, 3.2], [6.0, 6.1, 6.2]]       # 2 -> 3 separated, down
    assert inference.level_trend(levels, bent)["against_steps"] == [1]                # 2 -> 3, by index
    assert inference.level_trend(levels, apart)["against_steps"] == []
    assert inference.level_trend(levels, bent)["step_shape"] == "against"   # unpaired: stated, not every step
    assert inference.level_trend(levels, bent, paired=True)["step_shape"] is None    # paired: "bent", no direction
    flat = [[1.0, 3.0, 2.0], [2.0, 1.0, 3.0], [3.0, 2.0, 1.0], [1.5, 2.5, 2.0]]
    assert inference.level_trend(levels, flat)["step_shape"] is None                 # no direction


def test_signed_direction_by_hand():
    assert inference.signed_direction(0.2, 0.9) == "rises"
    assert inference.signed_direction(-0.9, -0.1) == "falls"
    assert inference.signed_direction(-0.1, 0.8) == "unclear"                      # the interval holds 0
    assert inference.signed_direction(0.2, 0.9, [0.5, 0.4, 0.9]) == "rises"
    assert inference.signed_direction(0.2, 0.9, [0.5, -0.4, 0.9]) == "seeds disagree"
    assert inference.signed_direction(0.2, 0.9, [0.5, float("nan")]) == "seeds disagree"   # a constant seed
    assert inference.signed_direction(-0.9, -0.2, [-0.5, 0.0]) == "seeds disagree"         # a flat seed
    assert inference.signed_direction(-0.1, 0.8, [-0.5, 0.4]) == "unclear"
