"""The sensitivity section, per set (main: every model at one training loss; fitted: every model
fits its 4,096 training images): sensitivity against the generalization gap (between and within
approaches), its trends and the gap's over batch sizes and rates, (a) against (b), and whether the
two sets agree; each claim flips when the results contradict it."""
import numpy as np
import pytest
from scipy import stats as sps

from common.claims import ReportError
from tests.findings_data import reviewed, findings_of, section

NAME = "hw1_3_sensitivity"
SETS = ("main", "fitted")


def models(R, approach=None, which="main"):
    return sorted((m for m in R[NAME]["sets"][which]["models"] if approach is None or m["approach"] == approach),
                  key=lambda m: m["seed"])


def set_values(R, approach, key, values, which="main"):
    for m, v in zip(models(R, approach, which), values):
        m[key] = v


def paragraph(text, which):
    """The comments on one set."""
    main, fitted = text.split("*Main set*")[1].split("*Fitted set*")
    return {"main": main, "fitted": fitted.split("Across the two sets")[0]}[which]


def outcomes(found, which):
    f = found[which]
    return {**{k: c.outcome for k, c in f["gap"].items()}, "a_vs_b": f["a_vs_b"]["between"].outcome,
            "batch_trend": f["batch_trend"].outcome, "lr_trend": f["lr_trend"].outcome,
            "gap_batch": f["gap_batch"].outcome, "gap_lr": f["gap_lr"].outcome, "batch_ends": f["batch_ends"].outcome}


COMMITTED = {
    "main": {"b_between": "unclear", "b_within": "rises", "a_between": "rises", "a_within": "rises", "a_vs_b": "rises",
             "batch_trend": "rises", "lr_trend": "bent",
             "gap_batch": "no trend", "gap_lr": "rises", "batch_ends": "large above"},
    "fitted": {"b_between": "rises", "b_within": "rises", "a_between": "rises", "a_within": "rises", "a_vs_b": "rises",
               "batch_trend": "rises", "lr_trend": "falls", "gap_batch": "rises",
               "gap_lr": "no trend", "batch_ends": "large above"},
}


def test_the_reviewed_results_render_the_section():
    R, C, P, T = reviewed()
    found = findings_of(NAME, R, C, P, T)
    for which in SETS:
        assert outcomes(found, which) == COMMITTED[which]
    assert found["sets_agree"].outcome == "different"
    text = section(NAME, found)
    assert ("between approaches, Novak's sensitivity (b) is not clearly related to the generalization gap in loss "
            "(ρ = 0.13") in text
    assert ("the between-approach relation of (b) to the gap in loss differs between the sets (main set: no clear "
            "relation; fitted set: it rises)") in text
    assert "the between-approach relation of (b) to the gap in accuracy is the same in both sets: it rises" in text
    assert "the quantity Novak et al. relate sensitivity to" not in text
    # the review's A4, A5: the gap over the batch sizes and (b) over the rates are not given a direction
    main = paragraph(text, "main")
    assert "the gap in loss shows no resolved trend with the batch size: its mean is highest at 16 (0.074)" in main
    assert "falls as the batch size rises" not in main and "rises with the rate overall" not in main
    assert "(b) is not monotone in the rate: its mean is highest at 1e-2 (0.150) and lowest at 1e-3 (0.096)" in main
    assert "the seeds separate only at 3e-4 → 1e-3 (down) and 3e-3 → 1e-2 (up)" in main
    # B1: the per-seed relations are printed; B2: the gap in accuracy is reported
    assert "(a) rises with (b) (ρ = 0.25 over the approach means" in text
    assert "each seed alone: ρ 0.41, 0.70, 0.71, 0.47, 0.98; the estimate sits at an end of its interval" in text
    assert found["main"]["acc_gap"]["b_between"].outcome == "rises"
    assert "Novak's sensitivity (b) rises with the gap in accuracy (ρ = 0.98" in main
    for which in SETS:
        assert [*found[which]["acc_gap"].values()] and all(str(c) in text for c in found[which]["acc_gap"].values())
    for which in SETS:
        f = found[which]
        for claim in [*f["gap"].values(), f["a_vs_b"]["between"], f["batch_trend"], f["lr_trend"], f["gap_batch"],
                      f["gap_lr"], f["batch_ends"]]:
            assert str(claim) in text
    assert str(found["sets_agree"]) in text
    assert "*Main set* (every model at training loss 0.05)" in text
    assert "*Fitted set* (every model at training loss 0.005)" in text
    assert "batch 4096, the full batch" in text


@pytest.mark.parametrize("which", SETS)
def test_between_rho_is_spearman_over_the_approach_means(which):
    R, C, P, T = reviewed()
    found = findings_of(NAME, R, C, P, T)
    names = list(C[NAME]["sets"][which])
    b = [np.mean([m["jacobian_frobenius"] for m in models(R, n, which)]) for n in names]
    gap = [np.mean([m["generalization_gap"] for m in models(R, n, which)]) for n in names]
    assert found[which]["gap"]["b_between"].evidence["rho"] == pytest.approx(sps.spearmanr(b, gap).statistic)


@pytest.mark.parametrize("which", SETS)
def test_sensitivity_rising_and_falling_with_the_gap_are_said(which):
    R, C, P, T = reviewed()
    for m in models(R, which=which):                    # sensitivity a steep function of the gap
        m["jacobian_frobenius"] = 0.1 + m["generalization_gap"]
        m["loss_gradient"] = 0.2 + 2 * m["generalization_gap"]
    found = findings_of(NAME, R, C, P, T)
    gaps = found[which]["gap"]
    assert gaps["b_between"].outcome == gaps["a_between"].outcome == "rises"
    assert gaps["b_within"].evidence["rho"] == pytest.approx(1.0) == gaps["a_within"].evidence["rho"]
    assert "Novak's sensitivity (b) rises with the generalization gap" in section(NAME, found)
    for m in models(R, which=which):
        m["jacobian_frobenius"] = 1.0 - m["generalization_gap"]
        m["loss_gradient"] = 2.0 - m["generalization_gap"]
    found = findings_of(NAME, R, C, P, T)
    gaps = found[which]["gap"]
    assert gaps["b_between"].outcome == gaps["a_between"].outcome == "falls"
    for part in ("b_within", "a_within"):       # no longer "rises" ("unclear" while one-seed resamples count)
        assert gaps[part].evidence["rho"] == pytest.approx(-1.0) and gaps[part].outcome in ("falls", "unclear")
    text = section(NAME, found)
    assert "within approaches it rises with the generalization gap" not in paragraph(text, which)
    assert "Novak's sensitivity (b) falls as the generalization gap in loss rises" in text
    assert "the homework's (a) falls as the generalization gap in loss rises" in text


def test_unrelated_sensitivity_is_said():
    R, C, P, T = reviewed()
    rng = np.random.default_rng(0)
    for m in models(R):                                 # (b) noise around one value: no relation
        m["jacobian_frobenius"] = float(0.1 + 1e-3 * rng.standard_normal())
    found = findings_of(NAME, R, C, P, T)
    b_between = found["main"]["gap"]["b_between"]
    assert b_between.outcome == "unclear" and b_between.evidence["low"] < 0 < b_between.evidence["high"]
    assert "Novak's sensitivity (b) is not clearly related to the generalization gap" in section(NAME, found)


@pytest.mark.parametrize("which", SETS)
def test_a_monotone_rise_and_fall_over_batch_sizes_are_said(which):
    R, C, P, T = reviewed()
    series = [n for n in R[NAME]["batch_series"] if n in C[NAME]["sets"][which]]
    for i, name in enumerate(series):
        set_values(R, name, "jacobian_frobenius", [0.1 + 0.01 * i + 1e-4 * k for k in range(5)], which)
        set_values(R, name, "generalization_gap", [0.5 - 0.01 * i + 1e-4 * k for k in range(5)], which)
    found = findings_of(NAME, R, C, P, T)
    assert found[which]["batch_trend"].outcome == "rises, at every step"
    assert found[which]["gap_batch"].outcome == "falls, at every step"
    assert found[which]["batch_ends"].outcome == "large above"
    text = section(NAME, found)
    assert "(b) rises with the batch size at every step" in text
    assert "the gap in loss falls as the batch size rises, at every step" in text


@pytest.mark.parametrize("which", SETS)
def test_a_bent_rate_series_and_overlapping_ends_are_said(which):
    R, C, P, T = reviewed()
    rates = R[NAME]["lr_series"]
    for i, value in enumerate([0.10, 0.13, 0.12, 0.15]):            # up, down, up
        set_values(R, rates[i], "jacobian_frobenius", [value + 1e-4 * k for k in range(5)], which)
    series = [n for n in R[NAME]["batch_series"] if n in C[NAME]["sets"][which]]
    set_values(R, series[0], "jacobian_frobenius", [0.10, 0.30, 0.11, 0.12, 0.13], which)
    set_values(R, series[-1], "jacobian_frobenius", [0.20, 0.21, 0.05, 0.22, 0.23], which)
    found = findings_of(NAME, R, C, P, T)
    assert found[which]["lr_trend"].outcome == "bent"                # a separated step down: no direction
    assert found[which]["batch_ends"].outcome == "overlap"
    text = section(NAME, found)
    assert "(b) is not monotone in the rate: its mean is highest at 1e-2 (0.150)" in text
    assert ("every step separates the seeds, so the seeds separate at a step against the sign of ρ and no overall "
            "direction is stated") in text
    assert "rises with the rate overall" not in paragraph(text, which)
    assert "the seeds overlap (0 of 5 seeds of batch" in text


@pytest.mark.parametrize("which", SETS)
def test_the_gap_falling_over_the_rates_is_said(which):
    R, C, P, T = reviewed()
    for i, name in enumerate(R[NAME]["lr_series"]):
        set_values(R, name, "generalization_gap", [0.5 - 0.05 * i + 1e-3 * k for k in range(5)], which)
    found = findings_of(NAME, R, C, P, T)
    assert found[which]["gap_lr"].outcome == "falls, at every step"
    assert ("over the rates, the gap in loss falls as the rate rises, at every step"
            in paragraph(section(NAME, found), which))


@pytest.mark.parametrize("which", SETS)
def test_a_against_b_is_said_both_ways(which):
    R, C, P, T = reviewed()
    for m in models(R, which=which):
        m["loss_gradient"] = 2 * m["jacobian_frobenius"]
    found = findings_of(NAME, R, C, P, T)
    assert found[which]["a_vs_b"]["between"].outcome == "rises"
    assert found[which]["a_vs_b"]["within"].evidence["rho"] == pytest.approx(1.0)
    assert "(a) rises with (b)" in section(NAME, found)
    for m in models(R, which=which):
        m["loss_gradient"] = 1.0 - m["jacobian_frobenius"]
    found = findings_of(NAME, R, C, P, T)
    assert found[which]["a_vs_b"]["between"].outcome == "falls"
    assert found[which]["a_vs_b"]["within"].evidence["rho"] == pytest.approx(-1.0)
    assert found[which]["a_vs_b"]["within"].outcome in ("falls", "unclear")
    assert "(a) falls as (b) rises" in section(NAME, found)


def test_the_sets_agreeing_and_disagreeing_is_said():
    R, C, P, T = reviewed()
    for which in SETS:
        for m in models(R, which=which):
            m["jacobian_frobenius"] = 0.1 + m["generalization_gap"]
    found = findings_of(NAME, R, C, P, T)
    assert found["sets_agree"].outcome == "same"
    assert ("the between-approach relation of (b) to the gap in loss is the same in both sets: it rises"
            in section(NAME, found))
    for m in models(R, which="fitted"):
        m["jacobian_frobenius"] = 1.0 - m["generalization_gap"]
    found = findings_of(NAME, R, C, P, T)
    assert found["sets_agree"].outcome == "different"
    assert ("the between-approach relation of (b) to the gap in loss differs between the sets (main set: it rises; "
            "fitted set: it falls)") in section(NAME, found)


def test_a_missing_model_fails_the_findings():
    R, C, P, T = reviewed()
    R[NAME]["sets"]["fitted"]["models"].pop(3)
    with pytest.raises(ReportError, match="every configured approach and seed"):
        findings_of(NAME, R, C, P, T)


@pytest.mark.parametrize("which", SETS)
def test_a_rise_that_one_seed_contradicts_is_not_resolved(which):
    R, C, P, T = reviewed()
    series = [n for n in R[NAME]["batch_series"] if n in C[NAME]["sets"][which]]
    for i, name in enumerate(series):             # four seeds rise with the batch size, seed 5 falls
        set_values(R, name, "jacobian_frobenius", [0.1 + 0.01 * i + 1e-4 * k for k in range(4)] + [0.3 - 0.01 * i],
                   which)
    found = findings_of(NAME, R, C, P, T)
    t = found[which]["batch_trend"]
    assert t.evidence["seed_rhos"][4] == pytest.approx(-1.0) and min(t.evidence["seed_rhos"][:4]) == pytest.approx(1.0)
    assert t.outcome == "no trend"
    text = paragraph(section(NAME, found), which)
    assert "(b) shows no resolved trend with the batch size" in text and "(b) rises with the batch size" not in text


@pytest.mark.parametrize("which", SETS)
def test_the_accuracy_gap_relation_flips(which):
    R, C, P, T = reviewed()
    for m in models(R, which=which):               # (b) falls with the accuracy gap, seed by seed
        m["accuracy_gap"] = 1.0 - 5 * m["jacobian_frobenius"]
    found = findings_of(NAME, R, C, P, T)
    assert found[which]["acc_gap"]["b_between"].outcome == "falls"
    assert found["sets_agree_acc"].outcome == "different"
    text = section(NAME, found)
    assert "Novak's sensitivity (b) falls as the gap in accuracy rises" in paragraph(text, which)
    assert "the between-approach relation of (b) to the gap in accuracy differs between the sets" in text
