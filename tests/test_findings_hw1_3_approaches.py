"""The training approaches' section: each claim flips when the results contradict it, and the
shared helpers (values per approach and seed, correlations between/within, trends) are checked
against hand-built data."""
import math

import numpy as np
import pytest
from scipy import stats as sps

from common.claims import ReportError
from findings import hw1_3_approaches as A
from tests.findings_data import reviewed, findings_of, section

NAME = "hw1_3_approaches"
SOURCE = "hw1_3_sensitivity"


def models_of(R, approach=None, which="main"):
    return sorted((m for m in R[SOURCE]["sets"][which]["models"] if approach is None or m["approach"] == approach),
                  key=lambda m: m["seed"])


def test_the_reviewed_results_render_the_section():
    R, C, P, T = reviewed()
    found = findings_of(NAME, R, C, P, T)
    assert not found["all_reached"].holds and found["all_reached"].evidence["capped"] == [
        "lr 1e-2 s0 (training loss 0.0544)"]
    assert found["fitted"]["all_reached"].holds
    assert found["decays"].outcome == "elsewhere"
    assert found["epochs_trend"].outcome == "rises" and found["epochs_ends"].holds
    assert found["not_critical"].holds
    assert found["fitted"]["fits"].outcome == "almost"
    text = section(NAME, found)
    assert ("49 of the 50 main-set models ended at the target within the band [0.0485, 0.05]; lr 1e-2 s0 (training "
            "loss 0.0544) stopped at the cap.") in text
    assert "Every one of the 45 fitted-set models ended at the target, within the tolerance" in text
    assert "these are not only the smallest batches and the largest rates" in text
    assert "the number of epochs to the target rises with the batch size (ρ = 1.00 over the 7 means" in text
    assert ("the seeds separate only at 64 → 256 (up), 256 → 1024 (up), 1024 → 4096 (up) and 4096 → 8192 (up)"
            in text)                                         # 16 → 32 and 32 → 64 overlap: not read either way
    assert "every seed of batch 8192 needs more epochs than every seed of batch 16" in text
    assert "None of these points is a critical point" in text
    assert "the same approaches except batch 8192 (9 approaches × 5 seeds)" in text
    assert "without any budget or limits, until the loss function ceased to improve" in " ".join(text.split())
    assert "until no improvement" not in text
    series = R[SOURCE]["batch_series"]                   # each seed's own rho, by scipy, seed by seed
    batches = [C[SOURCE]["approaches"][n][0] for n in series]
    per_seed = [sps.spearmanr(batches, [models_of(R, n)[k]["epochs"] for n in series]).statistic for k in range(5)]
    assert found["epochs_trend"].evidence["seed_rhos"] == pytest.approx(per_seed)
    assert "batch 4096 is the full batch there" in text
    assert "39 of the 45 fitted-set models classify all 4,096 training images right, the others all but" in text


def test_every_main_model_at_the_target_is_said():
    R, C, P, T = reviewed()
    capped = next(m for m in models_of(R, "lr 1e-2") if m["stop"] == "cap")
    capped["stop"], capped["train_loss"] = "target", 0.0499
    found = findings_of(NAME, R, C, P, T)
    assert found["all_reached"].holds
    text = section(NAME, found)
    assert "Every one of the 50 main-set models ended at the target, within the tolerance: final training loss" in text
    assert "stopped at the cap" not in text


def test_epochs_seconds_and_decays_by_hand():
    R, C, P, T = reviewed()
    found = findings_of(NAME, R, C, P, T)
    large = models_of(R, "batch 8192")
    assert found["epochs_large"] == pytest.approx(np.mean([m["steps"] * 8192 / 60000 for m in large]), rel=1e-9)
    assert found["seconds_main"] == pytest.approx(sum(m["seconds"] for m in models_of(R)))
    decayed = sum(m["decays"] > 0 for m in models_of(R))
    assert found["decays"].evidence["models"] == decayed
    row = next(r for r in found["table"]["rows"] if r[0] == "batch 16")
    assert row[5].startswith(f"{sum(m['decays'] > 0 for m in models_of(R, 'batch 16'))} of 5")


def test_a_model_below_the_band_and_a_capped_model_are_said():
    R, C, P, T = reviewed()
    target = R[SOURCE]["sets"]["main"]["target_loss"]
    models_of(R, "batch 256")[1]["train_loss"] = 0.9 * target                 # overshot by 10%
    capped = models_of(R, "batch 16")[0]
    capped["stop"], capped["train_loss"] = "cap", 0.07
    found = findings_of(NAME, R, C, P, T)
    assert not found["all_reached"].holds and found["all_reached"].evidence["inside"] == 47
    text = section(NAME, found)
    assert "47 of the 50 main-set models ended at the target within the band" in text
    assert ("batch 16 s0 (training loss 0.07) and lr 1e-2 s0 (training loss 0.0544) stopped at the cap; batch 256 s1 "
            "(0.045) ended outside the band") in text


def test_a_fitted_model_that_misses_its_target_is_said():
    R, C, P, T = reviewed()
    models_of(R, "lr 1e-2", "fitted")[2]["stop"] = "cap"
    found = findings_of(NAME, R, C, P, T)
    assert not found["fitted"]["all_reached"].holds
    text = section(NAME, found)
    assert "44 of the 45 fitted-set models ended at the target" in text
    assert "lr 1e-2 s2 (training loss 0.00" in text and ") stopped at the cap" in text


def test_decays_only_at_the_noisy_ends_and_none_at_all_are_said():
    R, C, P, T = reviewed()
    for m in models_of(R):
        m["decays"] = 1 if m["approach"] in ("batch 16", "batch 32", "lr 1e-2") else 0
    found = findings_of(NAME, R, C, P, T)
    assert found["decays"].outcome == "ends"
    text = section(NAME, found)
    assert "batch 16 (5 of 5 seeds), batch 32 (5 of 5 seeds) and lr 1e-2 (5 of 5 seeds)" in text
    assert "these are the smallest batches and the largest rates" in text
    for m in models_of(R):
        m["decays"] = 0
    found = findings_of(NAME, R, C, P, T)
    assert found["decays"].outcome == "none"
    assert "No model needed a learning-rate decay" in section(NAME, found)


def test_decays_in_a_middle_batch_are_not_at_the_ends():
    R, C, P, T = reviewed()
    for m in models_of(R):
        m["decays"] = 1 if m["approach"] in ("batch 16", "batch 256") else 0
    found = findings_of(NAME, R, C, P, T)
    assert found["decays"].outcome == "elsewhere"
    assert "these are not only the smallest batches and the largest rates" in section(NAME, found)


def test_epochs_falling_with_the_batch_size_and_overlapping_ends_are_said():
    R, C, P, T = reviewed()
    series = R[SOURCE]["batch_series"]
    for i, name in enumerate(series):                     # epochs now fall as the batch grows
        for k, m in enumerate(models_of(R, name)):
            m["epochs"] = 100.0 - 10 * i + 0.1 * k
    found = findings_of(NAME, R, C, P, T)
    assert found["epochs_trend"].outcome == "falls, at every step" and not found["epochs_ends"].holds
    text = section(NAME, found)
    assert "the number of epochs to the target falls as the batch size rises, at every step" in text
    assert "the seeds of batch 8192 and batch 16 overlap or are the other way round" in text


def test_a_critical_final_model_is_said():
    R, C, P, T = reviewed()
    models_of(R)[4]["grad_norm"] = 1e-6
    found = findings_of(NAME, R, C, P, T)
    assert not found["not_critical"].holds and found["not_critical"].evidence["n_critical"] == 1
    text = section(NAME, found)
    assert "One of the 50 models ends at a critical point" in text
    assert "None of these points is a critical point" not in text


def test_fitted_accuracy_all_and_not_are_said():
    R, C, P, T = reviewed()
    for m in models_of(R, which="fitted"):
        m["train_acc"] = 1.0
    found = findings_of(NAME, R, C, P, T)
    assert found["fitted"]["fits"].outcome == "all"
    assert "every fitted-set model classifies all its 4,096 training images right" in section(NAME, found)
    models_of(R, "batch 64", "fitted")[0]["train_acc"] = 0.99
    found = findings_of(NAME, R, C, P, T)
    assert found["fitted"]["fits"].outcome == "not"
    assert "44 of the 45 fitted-set models classify all their training images right; the lowest training accuracy " \
           "is 99.00%" in section(NAME, found)


def test_a_missing_model_fails_the_findings():
    R, C, P, T = reviewed()
    R[SOURCE]["sets"]["main"]["models"].pop(7)
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
    assert up.outcome == "rises, at every step" and "every step separates the seeds" in str(up)
    # the same means, but the middle step's seeds overlap: a rise, not one stated at every step
    loose = A.trend([1, 2, 3, 4], [[1, 1.1, 1.2], [2, 2.1, 2.9], [2.8, 3.1, 3.2], [4, 4.1, 4.2]], str, "k")
    assert loose.outcome == "rises" and "at every step" not in str(loose)
    assert "the seeds separate only at 1.0 → 2.0 (up) and 3.0 → 4.0 (up)" in str(loose)
    # a dip of the means whose seeds overlap is not read as a fall
    dip = A.trend([1, 2, 3, 4], [[1, 1.1, 1.2], [2, 2.3, 3.0], [2.1, 2.2, 2.4], [4, 4.1, 4.2]], str, "k")
    assert dip.evidence["steps"][1][2] == "down" and not dip.evidence["steps"][1][3]
    assert dip.outcome == "rises" and "falls" not in str(dip) and "not at every step" not in str(dip)
    bent = A.trend([1, 2, 3, 4], [[1, 1.1, 1.2], [3, 3.1, 3.2], [2, 2.1, 2.2], [4, 4.1, 4.2]], str, "k")
    assert bent.outcome == "rises, not at every step"
    assert "the seeds separate the other way at 2.0 → 3.0" in str(bent)
    flat = A.trend([1, 2, 3], [[1, 3, 5], [2, 4, 0], [1, 3, 4]], str, "k")
    assert flat.outcome == "no trend" and "no step separates the seeds" in str(flat)
    assert sps.spearmanr([1, 2, 3, 4], [1.1, 3.1, 2.1, 4.1]).statistic == pytest.approx(bent.evidence["rho"])
    level = A.trend([1, 2, 3, 4], [[1, 1.1, 1.2], [2, 2.1, 2.2], [2, 2.1, 2.2], [4, 4.1, 4.2]], str, "k")
    assert level.outcome == "rises" and "the seeds separate only at 1.0 → 2.0 (up) and 3.0 → 4.0 (up)" in str(level)


def test_paired_trend_states_a_direction_only_when_every_seed_goes_that_way():
    # seed s is the same unit at every level (the k-th value of each list); four seeds rise, one falls
    rising = [[1.0, 1.1, 1.2, 1.3, 4.0], [2.0, 2.1, 2.2, 2.3, 3.0], [3.0, 3.1, 3.2, 3.3, 2.0],
              [4.0, 4.1, 4.2, 4.3, 1.0]]
    found = A.trend([1, 2, 3, 4], rising, str, "k", "q", paired=True)
    per_seed = [sps.spearmanr([1, 2, 3, 4], [row[k] for row in rising]).statistic for k in range(5)]
    assert found.evidence["seed_rhos"] == pytest.approx(per_seed) and per_seed[4] == pytest.approx(-1.0)
    assert found.evidence["rho"] == pytest.approx(1.0)
    assert found.outcome == "no trend"                              # never "rises"
    text = str(found)
    assert "q shows no resolved trend with k: its mean is highest at 4 (" in text and "rises with k" not in text
    assert "-1.00" in text and "the seeds at 1 and at 4 overlap" in text
    # the same without the contrary seed: the direction is stated
    agreeing = [row[:4] for row in rising]
    assert A.trend([1, 2, 3, 4], agreeing, str, "k", "q", paired=True).outcome == "rises, at every step"
    # every seed rises overall but a separated step goes down: not monotone, no overall direction
    bent = [[1.0, 1.1, 1.2], [3.0, 3.1, 3.2], [2.0, 2.1, 2.2], [4.0, 4.1, 4.2]]
    found = A.trend([1, 2, 3, 4], bent, str, "k", "q", paired=True)
    assert found.outcome == "bent" and min(found.evidence["seed_rhos"]) > 0 and found.evidence["low"] > 0
    assert "every step separates the seeds, so the seeds separate at a step against the sign of ρ" in str(found)
    bent[3] = [2.15, 3.3, 3.4]                                     # the last step no longer separates
    found = A.trend([1, 2, 3, 4], bent, str, "k", "q", paired=True)
    assert found.outcome == "bent" and "the seeds separate only at 1.0 → 2.0 (up) and 2.0 → 3.0 (down)" in str(found)
    # unpaired (the default, used by other sections) keeps the old rule
    assert A.trend([1, 2, 3, 4], bent, str, "k").outcome == "rises, not at every step"


def test_between_relation_needs_every_seed_alone():
    names, seeds = [f"g{i}" for i in range(6)], ["s0", "s1", "s2", "s3", "s4"]
    x = {n: {s: float(i) + 0.01 * k for k, s in enumerate(seeds)} for i, n in enumerate(names)}
    y = {n: {s: (float(i) if s != "s4" else -float(i)) + 0.01 * k for k, s in enumerate(seeds)}
         for i, n in enumerate(names)}                             # s4 alone goes the other way
    found = A.between_relation(x, y, names, "m", "o")
    per_seed = [sps.spearmanr([x[n][s] for n in names], [y[n][s] for n in names]).statistic for s in seeds]
    assert found.evidence["per_seed"] == pytest.approx(per_seed) and per_seed[4] == pytest.approx(-1.0)
    assert found.outcome in ("seeds disagree", "unclear") and "m is not clearly related to o" in str(found)
    y_all = {n: {s: float(i) + 0.01 * k for k, s in enumerate(seeds)} for i, n in enumerate(names)}
    agree = A.between_relation(x, y_all, names, "m", "o")
    assert agree.outcome == "rises" and "each seed alone: ρ 1.00, 1.00, 1.00, 1.00, 1.00" in str(agree)
