"""The training approaches' section: each claim flips when the results contradict it, and the
shared helpers (values per approach and seed, correlations between/within, trends) are checked
against hand-built data."""
import math

import numpy as np
import pytest
from scipy import stats as sps

from common.claims import ReportError
from findings import hw1_3_approaches as A
from tests.findings_data import committed, findings_of, section

NAME = "hw1_3_approaches"


def models_of(R, approach):
    return [m for m in R["hw1_3_sharpness"]["models"] if m["approach"] == approach]


def test_committed_results_render_the_section():
    R, C, P, T = committed()
    found = findings_of(NAME, R, C, P, T)
    assert not found["all_reached"].holds
    assert found["missed"] == ["batch 16", "batch 32", "lr 3e-3", "lr 1e-2"]
    assert found["missed_at_ends"].outcome is True
    assert found["missed_less_fitted"].outcome is True
    assert found["not_critical"].holds
    text = section(NAME, found)
    assert "batch 16 (3 of 3 seeds), batch 32 (1 of 3 seeds), lr 3e-3 (2 of 3 seeds) and lr 1e-2 (3 of 3 seeds)" in text
    assert "these are the smallest batch sizes and the largest learning rates" in text
    assert "by approach they are less fitted than the others" in text
    assert "None of these points is a critical point" in text
    assert "Batch 8192 needs 1,833 steps, batch 16 13,833: in epochs 250 against 3.7." in text


def test_epochs_and_counts_by_hand():
    R, C, P, T = committed()
    found = findings_of(NAME, R, C, P, T)
    steps = [m["steps"] for m in models_of(R, "batch 8192")]
    assert found["epochs_large"] == pytest.approx(sum(steps) / len(steps) * 8192 / 60000)
    stopped = sum(m["stop"] != "target" for m in models_of(R, "lr 3e-3"))
    assert stopped == 2 and "lr 3e-3 (2 of 3 seeds)" in section(NAME, found)


def test_every_approach_at_the_target_says_so():
    R, C, P, T = committed()
    for m in R["hw1_3_sharpness"]["models"]:
        m["stop"], m["train_loss"] = "target", min(m["train_loss"], 0.0499)
    found = findings_of(NAME, R, C, P, T)
    assert found["all_reached"].holds and found["missed_at_ends"].outcome == "none missed"
    text = section(NAME, found)
    assert "Every approach reached the target loss with every seed." in text
    assert "stopped for lack of improvement" not in text and "less fitted" not in text


def test_a_middle_batch_missing_the_target_is_not_at_the_ends():
    R, C, P, T = committed()
    m = models_of(R, "batch 256")[0]
    m["stop"], m["train_loss"] = "no improvement", 0.2
    found = findings_of(NAME, R, C, P, T)
    assert found["missed_at_ends"].outcome is False
    text = section(NAME, found)
    assert "these are not only the smallest batch sizes and the largest learning rates" in text
    assert "noise floor" not in text


def test_a_less_fitted_approach_with_a_low_mean_loss_is_said():
    R, C, P, T = committed()
    for m in models_of(R, "batch 32"):                 # one seed still stops early, the mean drops below the rest
        m["train_loss"] = 0.041
    found = findings_of(NAME, R, C, P, T)
    assert found["missed_less_fitted"].outcome is False
    text = section(NAME, found)
    assert "by approach they are not all less fitted than the others" in text
    assert "This confound remains" not in text


def test_a_critical_final_model_is_said():
    R, C, P, T = committed()
    R["hw1_3_sharpness"]["models"][4]["grad_norm"] = 1e-6
    found = findings_of(NAME, R, C, P, T)
    assert not found["not_critical"].holds and found["not_critical"].evidence["n_critical"] == 1
    text = section(NAME, found)
    assert "One of the 30 models ends at a critical point" in text
    assert "None of these points is a critical point" not in text


def test_a_missing_model_fails_the_findings():
    R, C, P, T = committed()
    R["hw1_3_sharpness"]["models"].pop(7)
    with pytest.raises(ReportError, match="every configured approach and seed"):
        findings_of(NAME, R, C, P, T)


def test_the_cutoff_is_the_critical_point_sections():
    from common.critical import CRITICAL_GRAD
    assert A.CRITICAL_GRAD == CRITICAL_GRAD


# ---------------------------------------------------------------------------- shared helpers
def test_relation_reads_the_interval():
    base = {"groups": 4, "seeds": 5}
    rises = A.relation(dict(base, between=0.8, between_low=0.2, between_high=0.9), "between", "x", "the gap")
    falls = A.relation(dict(base, between=-0.8, between_low=-0.9, between_high=-0.1), "between", "x", "the gap")
    unclear = A.relation(dict(base, within=0.3, within_low=-0.2, within_high=0.6), "within", "x", "the gap")
    none = A.relation(dict(base, within=0.3, within_low=math.nan, within_high=math.nan), "within", "x", "the gap")
    assert [c.outcome for c in (rises, falls, unclear, none)] == ["rises", "falls", "unclear", "no interval"]
    assert str(rises).startswith("x rises with the gap (ρ = 0.80, 95% interval 0.20 to 0.90")
    assert str(falls).startswith("x falls as the gap rises")
    assert "which includes 0" in str(unclear) and "no interval" in str(none)


def test_grouped_matches_scipy_over_the_approach_means():
    rng = np.random.default_rng(3)
    names, seeds = ["a", "b", "c", "d", "e"], ["s0", "s1", "s2", "s3"]
    x = {n: {s: float(rng.normal(i, 1)) for s in seeds} for i, n in enumerate(names)}
    y = {n: {s: float(rng.normal(-i, 1)) for s in seeds} for i, n in enumerate(names)}
    found = A.grouped(x, y, names)
    means_x = [np.mean(list(x[n].values())) for n in names]
    means_y = [np.mean(list(y[n].values())) for n in names]
    assert found["between"] == pytest.approx(sps.spearmanr(means_x, means_y).statistic)
    dx = [x[n][s] - np.mean(list(x[n].values())) for n in names for s in seeds]
    dy = [y[n][s] - np.mean(list(y[n].values())) for n in names for s in seeds]
    assert found["within"] == pytest.approx(sps.spearmanr(dx, dy).statistic)


def test_trend_says_monotone_or_not_and_the_separated_steps():
    up = A.trend([1, 2, 3, 4], [[1, 1.1, 1.2], [2, 2.1, 2.2], [3, 3.1, 3.2], [4, 4.1, 4.2]], str, "k")
    assert up.outcome == "rises" and "every step separates the seeds" in str(up)
    bent = A.trend([1, 2, 3, 4], [[1, 1.1, 1.2], [3, 3.1, 3.2], [2, 2.1, 2.2], [4, 4.1, 4.2]], str, "k")
    assert bent.outcome == "rises, not at every step"
    assert "falls from 2.0 to 3.0 (seeds separated)" in str(bent)
    flat = A.trend([1, 2, 3], [[1, 3, 5], [2, 4, 0], [1, 3, 4]], str, "k")
    assert flat.outcome == "no trend" and "no step separates the seeds" in str(flat)
    assert sps.spearmanr([1, 2, 3, 4], [1.1, 3.1, 2.1, 4.1]).statistic == pytest.approx(bent.evidence["rho"])
