"""The sensitivity section: sensitivity against the generalization gap (between and within
approaches), its trends over batch sizes and rates, and measure (a) of the less-fitted approaches;
each claim flips when the results contradict it."""
import numpy as np
import pytest
from scipy import stats as sps

from common.claims import ReportError
from tests.findings_data import committed, findings_of, section

NAME = "hw1_3_sensitivity"
SEEDS = ["s0", "s1", "s2"]


def models(R, approach=None):
    return [m for m in R[NAME]["models"] if approach is None or m["approach"] == approach]


def set_values(R, approach, key, values):
    for m, v in zip(sorted(models(R, approach), key=lambda m: m["seed"]), values):
        m[key] = v


def test_committed_results_render_the_section():
    R, C, P, T = committed()
    found = findings_of(NAME, R, C, P, T)
    assert found["gap"]["b_between"].outcome == "rises" and found["gap"]["a_between"].outcome == "rises"
    assert found["fitted"]["between"].outcome == "rises"
    assert found["gap"]["b_within"].outcome == found["gap"]["a_within"].outcome == "rises"
    assert found["fitted"]["within"].outcome == "rises"
    assert found["batch_trend"].outcome == "rises, not at every step"
    assert found["lr_trend"].outcome == "rises, not at every step"
    assert found["batch_ends"].outcome == "large above"
    assert found["a_less_fitted"].outcome == "some"
    text = section(NAME, found)
    assert "Novak's sensitivity (b) rises with the generalization gap (ρ = 0.83" in text
    assert "it falls from 32 to 64 (seeds overlap)" in text
    assert "it falls from 3e-4 to 1e-3 (seeds separated); every step separates the seeds" in text
    assert "every seed of batch 8192 above every seed of batch 16" in text
    assert ("(a) is larger for lr 3e-3 and lr 1e-2, at every seed above every approach that reached the "
            "target, but not for batch 16 (above all of them at 0 of 3 seeds, below all of them at 2 of 3) and "
            "batch 32") in text
    assert "the lowest mean (a) of all 10 approaches is batch 16's (0.173)" in text


def test_between_rho_is_spearman_over_the_approach_means():
    R, C, P, T = committed()
    found = findings_of(NAME, R, C, P, T)
    names = list(C["hw1_3_sharpness"]["approaches"])
    b = [np.mean([m["jacobian_frobenius"] for m in models(R, n)]) for n in names]
    gap = [np.mean([m["generalization_gap"] for m in models(R, n)]) for n in names]
    assert found["gap"]["b_between"].evidence["rho"] == pytest.approx(sps.spearmanr(b, gap).statistic)


def test_sensitivity_falling_with_the_gap_is_said():
    R, C, P, T = committed()
    for m in models(R):
        m["jacobian_frobenius"] = 0.3 - m["generalization_gap"]
        m["loss_gradient"] = 0.5 - m["generalization_gap"]
    found = findings_of(NAME, R, C, P, T)
    gaps = found["gap"]
    assert gaps["b_between"].outcome == gaps["a_between"].outcome == "falls"
    assert found["fitted"]["between"].outcome == "falls"
    # within approaches the deviations are exactly opposite: no longer "rises" ("unclear" while resamples
    # of one seed repeated, whose deviations are rounding noise, count in the interval)
    for c in (gaps["b_within"], gaps["a_within"], found["fitted"]["within"]):
        assert c.evidence["rho"] == pytest.approx(-1.0) and c.outcome in ("falls", "unclear")
    text = section(NAME, found)
    assert "Novak's sensitivity (b) falls as the generalization gap rises" in text
    assert "the homework's (a) falls as the generalization gap rises" in text
    assert "within approaches it rises with the generalization gap" not in text
    assert str(gaps["b_within"]) in text


def test_too_few_fitted_approaches_leave_out_the_fitted_correlation():
    R, C, P, T = committed()
    for m in models(R):
        if m["approach"] not in ("batch 64", "batch 256"):
            m["stop"] = "no improvement"
    found = findings_of(NAME, R, C, P, T)
    assert found["fitted"] is None
    assert "Among the" not in section(NAME, found)


def test_a_monotone_rise_over_batch_sizes_is_said():
    R, C, P, T = committed()
    set_values(R, "batch 32", "jacobian_frobenius", [0.099, 0.1, 0.101])   # between batch 16 and batch 64
    set_values(R, "batch 16", "jacobian_frobenius", [0.090, 0.091, 0.092])
    found = findings_of(NAME, R, C, P, T)
    assert found["batch_trend"].outcome == "rises"
    assert "(b) rises with the batch size at every step" in section(NAME, found)


def test_a_monotone_rise_over_rates_is_said():
    R, C, P, T = committed()
    set_values(R, "lr 3e-4", "jacobian_frobenius", [0.090, 0.091, 0.092])
    found = findings_of(NAME, R, C, P, T)
    assert found["lr_trend"].outcome == "rises"
    assert "it rises with the rate at every step" in section(NAME, found)


def test_overlapping_ends_of_the_batch_series_are_said():
    R, C, P, T = committed()
    set_values(R, "batch 16", "jacobian_frobenius", [0.094, 0.130, 0.096])
    found = findings_of(NAME, R, C, P, T)
    assert found["batch_ends"].outcome == "overlap"
    assert ("the seeds overlap (1 of 3 seeds of batch 8192 above every seed of batch 16, 0 of 3 of batch 16 above"
            in section(NAME, found))


def test_a_larger_for_every_less_fitted_approach_is_said():
    R, C, P, T = committed()
    for name in ("batch 16", "batch 32"):
        set_values(R, name, "loss_gradient", [0.30, 0.31, 0.32])
    found = findings_of(NAME, R, C, P, T)
    assert found["a_less_fitted"].outcome == "all"
    text = section(NAME, found)
    assert "(a) is larger for every less-fitted approach (batch 16, batch 32, lr 3e-3 and lr 1e-2)" in text


def test_a_larger_for_no_less_fitted_approach_is_said():
    R, C, P, T = committed()
    for name in ("lr 3e-3", "lr 1e-2"):
        set_values(R, name, "loss_gradient", [0.19, 0.19, 0.19])
    found = findings_of(NAME, R, C, P, T)
    assert found["a_less_fitted"].outcome == "none"
    assert "(a) is not larger for the less-fitted approaches" in section(NAME, found)


def test_other_approaches_than_the_sharpness_config_fail_the_findings():
    R, C, P, T = committed()
    C[NAME]["approaches"].pop("lr 1e-2")
    with pytest.raises(ReportError, match="configure other approaches"):
        findings_of(NAME, R, C, P, T)
