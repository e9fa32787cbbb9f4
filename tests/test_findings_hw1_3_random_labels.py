"""The random-labels section: every claim flips when the results contradict it, and the section
then says the other phrasing (or fails to render, for the statements it may only make when true)."""
import functools

import numpy as np
import pytest
from scipy import stats as scipy_stats

from common.claims import ReportError
from findings.hw1_3_random_labels import level_findings, mlp_depth, tenths_course
from tests import findings_data
from tests.findings_data import reviewed, findings_of

NAME = "hw1_3_random_labels"


@functools.lru_cache(maxsize=1)
def _reviewed_findings():
    return findings_of(NAME, *reviewed())


def original():
    """The findings of the reviewed results (computed once: inference.level_trend takes seconds)."""
    return _reviewed_findings()


def found_and_text(R, C, P, T):
    return findings_data.rendered(NAME, R, C, P, T)


def fails_to_render(R, C, P, T):
    """The findings of (R, C, P, T), after checking that they fail the render."""
    return findings_data.fails_to_render(NAME, R, C, P, T)


def set_level(R, level, key, values):
    """Give the control runs of one level these per-seed values (seed order s0, s1, ...)."""
    runs = [c for c in R[NAME]["controls"] if c["level"] == level]
    assert len(runs) == len(values)
    for run, value in zip(runs, values):
        run[key] = value


def per_level(R, key):
    levels = sorted({c["level"] for c in R[NAME]["controls"]})
    return levels, [[c[key] for c in R[NAME]["controls"] if c["level"] == lv] for lv in levels]


# ---------------------------------------------------------------------------- the reviewed results
def test_the_reviewed_results_render():
    R, C, P, T = reviewed()
    found, text = found_and_text(R, C, P, T)
    assert "memorizes the 60,000 random labels" in text
    assert found["corruption"].outcome == "uniform" and found["corruption_checked"].holds
    assert "replaced by a class drawn uniformly from all ten (Zhang et al.'s rule" in text
    assert "within 2 points of (1 − 1/10) × its level" in text
    assert "| 100% | 90.1% |" in text
    assert "9.8%-9.9% of the training labels are still right" in text
    assert found["top_vs_chance"].outcome == "at" and "at chance for every seed (8.9%-9.6% against 1/10)" in text
    epochs = found["fit_epochs"]
    # seed s is followed across the levels (paired): the interval resamples whole seeds, and every seed's own
    # rho over the corrupted levels is above 0 (0.40, 0.20, 0.80) with no step against the rise separated; but
    # 20% and 100% overlap, and three seeds are too few for an overall direction the ends do not show
    assert epochs["jump"].outcome == "jump" and epochs["corrupted"]["direction"].outcome == "few seeds"
    assert epochs["corrupted"]["seed_rhos"] == pytest.approx([0.4, 0.2, 0.8])
    assert epochs["corrupted"]["low"] > 0
    assert epochs["corrupted"]["separation"].outcome == "none" and epochs["gradual"].outcome == "unresolved"
    assert ("the epochs needed jump from the true labels to any corruption: 20-22 at 0% against 85-114 for every "
            "seed of every corrupted level") in text
    assert ("Among the corrupted levels alone (20% to 100%) the epochs show no resolved trend with the corruption: "
            "the seeds of the first and last corrupted levels overlap, and three seeds are too few to state an "
            "overall direction of the means that they do not show") in text
    assert "from resampling whole seeds; each seed's own ρ over the corrupted levels: 0.40, 0.20, 0.80)" in text
    assert "as in Zhang et al.'s Fig. 1b, is not resolved by three seeds" in text
    assert "with fewer than five seeds only when the seeds of the first and last\nlevels also separate that way" in text
    assert "the epochs rise with the corruption" not in text
    assert found["test_trend"]["direction"].outcome == "falls"
    assert "each seed's own ρ over the levels: -1.00, -1.00, -1.00" in text
    assert found["schedule_phase"].outcome == "split"
    assert ("peaks at epoch 66 (30% of the 220 planned epochs): every true-label seed is fitted during the warm-up "
            "(by epoch 22) and every corrupted seed after the peak (from epoch 85)") in text
    assert found["noise_slower"].outcome == "much"
    assert ("in the controls (the same network and schedule on the same 10,000 images) the true labels need 20-22 "
            "epochs and the labels corrupted at 100% need 96-111") in text
    assert found["headline_context"].outcome == "differs"
    assert ("but with a different depth (two hidden layers against three), batch (128 against 256) and schedule "
            "(a constant rate 1e-3 against one-cycle with peak 3e-3)") in text
    assert "Test accuracy on the true test labels ends at chance (10.0%" in text and "learns nothing" not in text
    assert found["earlier_trials"].holds and "not in results/" in text
    assert "the same network memorized far more slowly" not in text
    assert "| Gaussian inputs | 13 ± 0 (13) |" in text and "| shuffled pixels | 21 ± 1 (20-22) |" in text
    assert found["input_conclusion"].outcome == "faster"
    assert "Pure noise as input is the easiest thing to memorize here" in text


# ---------------------------------------------------------------------------- settings
def test_label_agreement_away_from_chance():
    R, C, P, T = reviewed()
    assert original()["agreement_at_chance"].holds
    R[NAME]["label_agreement"] = 0.5
    found, text = found_and_text(R, C, P, T)
    assert not found["agreement_at_chance"].holds
    assert "(not chance, 1/10)" in text


def test_permuted_test_labels_are_said():
    R, C, P, T = reviewed()
    R[NAME]["test_labels"] = "random"
    found, text = found_and_text(R, C, P, T)
    assert not found["test_labels"].holds
    assert "The test labels are permuted too." in text and "Test labels stay true." not in text


def earlier_relabelling(R):
    """Controls as the earlier rule made them: exactly a share p moved to another class."""
    for c in R[NAME]["controls"]:
        c["wrong_share"] = c["level"]
        c["label_agreement"] = 1 - c["level"]
    for c in R[NAME]["control_levels"]:
        c["wrong_share"] = {"mean": c["level"], "std": 0.0, "min": c["level"], "max": c["level"]}


@pytest.mark.parametrize("where", ["results", "config"])
def test_the_corruption_rule_is_read_from_the_results(where):
    R, C, P, T = reviewed()
    assert original()["corruption"].outcome == "uniform"
    earlier_relabelling(R)
    del R[NAME]["corruption"]
    C[NAME]["corruption"] = "uniform"
    (R if where == "results" else C)[NAME]["corruption"] = "another"
    found, text = found_and_text(R, C, P, T)
    assert found["corruption"].outcome == "another" and found["corruption_checked"].holds
    assert "set to another class, drawn uniformly from the other nine" in text and "Zhang et al.'s rule" not in text
    assert "for every seed the measured share of wrong labels equals its level" in text
    # at 100% no label is right: the section says so
    assert found["none_right"].holds and "at 100%\nno training label is right" in text


def test_results_without_a_rule_are_the_earlier_scripts():
    R, C, P, T = reviewed()
    del R[NAME]["corruption"], C[NAME]["corruption"]
    found = fails_to_render(R, C, P, T)                 # the earlier rule, but Zhang's shares: they do not match
    assert found["corruption"].outcome == "another" and not found["corruption_checked"].holds
    earlier_relabelling(R)
    found, text = found_and_text(R, C, P, T)
    assert found["corruption"].outcome == "another" and "set to another class" in text


def test_an_unknown_corruption_rule_fails_the_render():
    R, C, P, T = reviewed()
    R[NAME]["corruption"] = "swap pairs"
    assert fails_to_render(R, C, P, T)["corruption"].outcome == "swap pairs"


def test_wrong_shares_that_do_not_match_the_rule_fail_the_render():
    R, C, P, T = reviewed()
    assert original()["corruption_checked"].holds
    set_level(R, 0.5, "wrong_share", [0.45, 0.5, 0.45])     # one seed with the exact share: 5 points off 0.45
    found = fails_to_render(R, C, P, T)
    assert found["corruption"].outcome == "uniform" and not found["corruption_checked"].holds


def test_the_uniform_check_against_a_hand_computation():
    R, C, P, T = reviewed()
    shares = {(c["level"], c["seed"]): c["wrong_share"] for c in R[NAME]["controls"]}
    assert all(abs(share - 0.9 * level) <= 0.02 for (level, _), share in shares.items())
    assert original()["corruption_checked"].evidence["wrong_shares"] == {
        f"{seed}@{level}": share for (level, seed), share in shares.items()}


# ---------------------------------------------------------------------------- the headline run
def test_a_run_that_never_reaches_the_target_fails_the_render():
    R, C, P, T = reviewed()
    R[NAME]["epoch_reached_target"] = None
    assert original()["memorized"].holds
    assert not fails_to_render(R, C, P, T)["memorized"].holds


def test_test_accuracy_above_chance_is_said():
    R, C, P, T = reviewed()
    R[NAME]["test_acc"][-1] = 0.5
    found, text = found_and_text(R, C, P, T)
    assert not found["ends_at_chance"].holds
    assert "Test accuracy ends at 50.0%, not at chance (1/10 = 10%)" in text
    assert "ends at chance" not in text


@pytest.mark.parametrize("change, outcome, phrase", [
    (lambda loss: loss[::-1], "falls", "falls overall from"),
    (lambda loss: loss[:len(loss) // 2] + loss[:len(loss) - len(loss) // 2][::-1], "uneven", "changes unevenly from"),
])
def test_the_course_of_the_test_loss(change, outcome, phrase):
    R, C, P, T = reviewed()
    assert original()["test_loss_course"].outcome == "rises"
    R[NAME]["test_loss"] = change(R[NAME]["test_loss"])
    found, text = found_and_text(R, C, P, T)
    assert found["test_loss_course"].outcome == outcome
    assert phrase in text and "rises overall from" not in text


def test_a_test_loss_near_the_uniform_guess_is_not_called_confidently_wrong():
    R, C, P, T = reviewed()
    R[NAME]["test_loss"][-1] = 2.4
    found, text = found_and_text(R, C, P, T)
    assert not found["confidently_wrong"].holds
    assert "confidently wrong" not in text and "of a uniform guess" not in text


@pytest.mark.parametrize("change, outcome, phrase", [
    (lambda loss: loss[::-1], "rises", "the headline run's training loss rises throughout"),
    (lambda loss: loss[:len(loss) // 2] + loss[:len(loss) - len(loss) // 2][::-1], "uneven",
     "the headline run's training loss does not fall throughout"),
])
def test_the_course_of_the_training_loss(change, outcome, phrase):
    R, C, P, T = reviewed()
    assert original()["train_loss_course"].outcome == "falls"
    R[NAME]["train_loss"] = change(R[NAME]["train_loss"])
    found, text = found_and_text(R, C, P, T)
    assert found["train_loss_course"].outcome == outcome
    assert phrase in text


# ---------------------------------------------------------------------------- the true-label net
def test_parameter_counts_of_no_mlp_shape_fail_the_render():
    R, C, P, T = reviewed()
    R["hw1_3_params_mnist"]["models"][0]["params"] += 1
    assert original()["true_net_named"].holds
    assert not fails_to_render(R, C, P, T)["true_net_named"].holds


@pytest.mark.parametrize("noise, outcome, phrase", [
    ([50, 55, 60], "slower", "Fitting noise is slower than fitting the real task, though not by more than three times"),
    ([15, 21, 30], "overlap", "Fitting noise is not shown to be slower"),
    ([10, 11, 12], "faster", "Fitting noise is not slower here"),
])
def test_the_speed_of_fitting_noise_rests_on_the_controls(noise, outcome, phrase):
    R, C, P, T = reviewed()
    assert original()["noise_slower"].outcome == "much"
    set_level(R, 1.0, "epoch_reached_target", noise)
    found, text = found_and_text(R, C, P, T)
    assert found["noise_slower"].outcome == outcome
    assert phrase in text and "much slower" not in text


def test_an_unfitted_control_does_not_compare_the_speed():
    R, C, P, T = reviewed()
    unfit(R, level=0.0)
    found, text = found_and_text(R, C, P, T)
    assert found["noise_slower"].outcome == "unfitted"
    assert "so they do not compare the speed of fitting noise" in text and "much slower" not in text


def test_the_headline_context_names_only_the_differences_of_the_configs():
    R, C, P, T = reviewed()
    C["hw1_3_params_mnist"]["batch"] = C[NAME]["batch"]
    C["hw1_3_params_mnist"]["schedule"] = C[NAME]["schedule"]
    C["hw1_3_params_mnist"]["lr"] = C[NAME]["peak_lr"]
    found, text = found_and_text(R, C, P, T)
    assert found["headline_context"].evidence["differences"] == ["depth (two hidden layers against three)"]
    assert "but with a different depth (two hidden layers against three), so the two epoch counts" in text
    assert "batch (128 against 256)" not in text


def test_a_true_label_seed_below_the_target_is_printed():
    R, C, P, T = reviewed()
    net = next(m for m in R["hw1_3_params_mnist"]["models"] if m["width"] == 256)
    net["runs"][1]["train_acc"] = 0.95
    found, text = found_and_text(R, C, P, T)
    assert "that MLP reaches at least 95.0% training accuracy (its lowest seed) on the true labels in 10 epochs" in text


# ---------------------------------------------------------------------------- the controls
def unfit(R, level=1.0):
    set_level(R, level, "epoch_reached_target", [113, None, 108])
    row = next(c for c in R[NAME]["control_levels"] if c["level"] == level)
    row["n_fitted"] = 2


def test_an_unfitted_seed_is_said_and_the_conclusion_weakened():
    R, C, P, T = reviewed()
    unfit(R)
    found, text = found_and_text(R, C, P, T)
    assert not found["controls_fitted"].holds and found["fit_epochs"] is None
    assert found["schedule_phase"].outcome == "none" and "peaks at epoch" not in text
    assert "not every seed of every corruption level is fitted within the schedule (100% not)" in text
    assert "| 100% | 90.1% | 2 of 3 seeds in 220 |" in text
    assert not found["conclusion"].holds
    assert "do not reproduce the whole of Zhang et al.'s finding" in text


def test_epochs_that_fall_with_the_corruption_are_said():
    R, C, P, T = reviewed()
    levels, epochs = per_level(R, "epoch_reached_target")
    for level, values in zip(levels, epochs[::-1]):
        set_level(R, level, "epoch_reached_target", values)
    found, text = found_and_text(R, C, P, T)
    assert found["fit_epochs"]["jump"].outcome == "overlap"
    assert "the epochs at 0% (96-111) overlap those of the corrupted levels (20-114)" in text
    assert found["schedule_phase"].outcome == "counts"
    assert "none of the three true-label seeds and three of the twelve corrupted seeds are fitted by then" in text
    # reversed, 100% gets the true labels' 20-22 epochs: the ends separate, so the fall is stated
    assert found["fit_epochs"]["corrupted"]["direction"].outcome == "falls"
    assert "Among the corrupted levels alone (20% to 100%) the epochs fall with the corruption" in text
    assert found["fit_epochs"]["gradual"].outcome == "falls" and "unlike the gradual slow-down" in text


def test_true_labels_slower_than_every_corruption_are_said():
    R, C, P, T = reviewed()
    set_level(R, 0.0, "epoch_reached_target", [150, 151, 152])
    found, text = found_and_text(R, C, P, T)
    assert found["fit_epochs"]["jump"].outcome == "drop"
    assert "the true labels need more epochs than any corruption: 150-152 at 0% against 85-114" in text
    assert "jump from the true labels" not in text


def test_epochs_without_a_trend_are_said():
    R, C, P, T = reviewed()
    for level in per_level(R, "epoch_reached_target")[0]:
        set_level(R, level, "epoch_reached_target", [100, 101, 102])
    found, text = found_and_text(R, C, P, T)
    epochs = found["fit_epochs"]
    assert epochs["jump"].outcome == "overlap"
    trend = epochs["corrupted"]
    assert trend["direction"].outcome == "unclear" and trend["monotone"].outcome == "unclear"
    assert "the epochs show no clear trend with the corruption" in text
    assert "read step by step only where a step separates the seeds" in text
    assert trend["separation"].outcome == "none"
    assert "the seeds of successive corrupted levels overlap at every step" in text
    assert epochs["gradual"].outcome == "unresolved"
    assert found["schedule_phase"].outcome == "counts"
    assert "none of the three true-label seeds and none of the twelve corrupted seeds are fitted by then" in text


def test_epochs_that_rise_at_every_step_with_separated_seeds():
    R, C, P, T = reviewed()
    found = original()
    assert found["fit_epochs"]["corrupted"]["direction"].outcome == "few seeds"
    assert found["fit_epochs"]["corrupted"]["separation"].outcome == "none"
    for level, start in ((0.2, 60), (0.5, 80), (0.8, 100), (1.0, 120)):
        set_level(R, level, "epoch_reached_target", [start, start + 1, start + 2])
    found, text = found_and_text(R, C, P, T)
    epochs = found["fit_epochs"]
    assert epochs["jump"].outcome == "jump"
    assert epochs["corrupted"]["direction"].outcome == "rises"
    assert epochs["corrupted"]["monotone"].outcome == "every"
    assert "the mean rises at every one of the three steps" in text
    assert epochs["corrupted"]["separation"].outcome == "all"
    assert "(mean and range: 20%: 61 (60-62), 50%: 81 (80-82)" in text
    assert "the seeds of successive corrupted levels separate at every step" in text
    assert epochs["gradual"].outcome == "rises"
    assert "so among the corrupted levels too the epochs rise with the share of noise" in text
    # 20% is fitted before the peak at epoch 66: the runs no longer split at the peak
    assert found["schedule_phase"].outcome == "counts"
    assert "three of the three true-label seeds and three of the twelve corrupted seeds are fitted by then" in text


def set_seed(R, seed, key, values):
    """Give one control seed these values at the corrupted levels (20%, 50%, 80%, 100%)."""
    runs = sorted((c for c in R[NAME]["controls"] if c["seed"] == seed and c["level"] > 0), key=lambda c: c["level"])
    assert len(runs) == len(values)
    for run, value in zip(runs, values):
        run[key] = value


def test_a_seed_going_the_other_way_leaves_the_rise_of_the_epochs_unresolved():
    R, C, P, T = reviewed()
    assert original()["fit_epochs"]["corrupted"]["seed_rhos"] == pytest.approx([0.4, 0.2, 0.8])
    set_seed(R, "s2", "epoch_reached_target", [108, 104, 102, 96])      # s2 falls with the corruption
    found, text = found_and_text(R, C, P, T)
    trend = found["fit_epochs"]["corrupted"]
    assert trend["seed_rhos"][2] == pytest.approx(-1)
    assert trend["direction"].outcome == "unclear" and found["fit_epochs"]["gradual"].outcome == "unresolved"
    assert "Among the corrupted levels alone (20% to 100%) the epochs show no clear trend with the corruption" in text
    assert "is not resolved by three seeds" in text and "the epochs rise with the corruption" not in text
    # two seeds rise at every step and the third stays put: the interval excludes 0, but not every seed goes its way
    set_seed(R, "s0", "epoch_reached_target", [60, 80, 100, 120])
    set_seed(R, "s1", "epoch_reached_target", [61, 81, 101, 121])
    set_seed(R, "s2", "epoch_reached_target", [90, 90, 90, 90])
    found, text = found_and_text(R, C, P, T)
    trend = found["fit_epochs"]["corrupted"]
    assert trend["low"] > 0 and trend["direction"].outcome == "seeds disagree"
    assert "the epochs show no resolved trend with the corruption, as not every seed goes the way of the means" in text
    assert "each seed's own ρ over the corrupted levels: 1.00, 1.00, constant" in text
    assert found["fit_epochs"]["gradual"].outcome == "unresolved"


def test_a_separated_step_against_the_rise_of_the_epochs_bends_it():
    R, C, P, T = reviewed()
    for level, start in ((0.2, 60), (0.5, 100), (0.8, 80), (1.0, 120)):
        set_level(R, level, "epoch_reached_target", [start, start + 1, start + 2])
    found, text = found_and_text(R, C, P, T)
    trend = found["fit_epochs"]["corrupted"]
    assert trend["low"] > 0 and all(r > 0 for r in trend["seed_rhos"])
    assert trend["direction"].outcome == "bent" and found["fit_epochs"]["gradual"].outcome == "unresolved"
    assert ("the epochs are not monotone in the corruption: a step against the sign of ρ separates the seeds, so no "
            "overall direction is stated") in text
    assert "the epochs rise with the corruption" not in text


def test_the_levels_are_aligned_by_seed_name():
    R, C, P, T = reviewed()
    controls = R[NAME]["controls"]                   # the seeds of 50% listed in another order than elsewhere
    R[NAME]["controls"] = [c for c in controls if c["level"] != 0.5] + [c for c in controls if c["level"] == 0.5][::-1]
    found = findings_of(NAME, R, C, P, T)
    for key in ("rho", "low", "high", "seed_rhos"):
        assert found["fit_epochs"]["corrupted"][key] == original()["fit_epochs"]["corrupted"][key]
        assert found["test_trend"][key] == original()["test_trend"][key]
    next(c for c in R[NAME]["controls"] if c["level"] == 0.5 and c["seed"] == "s1")["seed"] = "s0"
    with pytest.raises(ReportError,
                       match=r"control level 50% of hw1_3_random_labels holds the seeds \['s0', 's0', 's2'\]"):
        findings_of(NAME, R, C, P, T)


def test_a_schedule_without_a_peak_drops_the_schedule_sentences():
    R, C, P, T = reviewed()
    C[NAME]["schedule"] = "constant"
    found, text = found_and_text(R, C, P, T)
    assert found["schedule_phase"].outcome == "none" and "peaks at epoch" not in text
    assert not found["earlier_trials"].holds and "earlier trials" not in text
    assert found["headline_context"].outcome == "differs"
    assert "schedule (a constant rate 1e-3 against a constant rate 3e-3)" in text


def test_test_accuracy_that_rises_with_the_corruption_is_said():
    R, C, P, T = reviewed()
    levels, accs = per_level(R, "final_test_acc")
    for level, values in zip(levels, accs[::-1]):
        set_level(R, level, "final_test_acc", values)
    found, text = found_and_text(R, C, P, T)
    assert found["test_trend"]["direction"].outcome == "rises"
    assert "The test accuracy on the true labels rises with the corruption" in text
    assert not found["conclusion"].holds and "do not reproduce" in text


def test_test_accuracy_that_does_not_fall_at_every_step():
    R, C, P, T = reviewed()
    assert original()["test_trend"]["monotone"].outcome == "every"
    set_level(R, 0.8, "final_test_acc", [0.60, 0.62, 0.63])     # 50%: 59.4%-62.5%: up, the seeds overlap
    found, text = found_and_text(R, C, P, T)
    # every seed falls overall and 100% separates from 0%: stated; the step up overlaps the seeds, so it is
    # not read as a rise, and the fall is an overall one
    assert found["test_trend"]["direction"].outcome == "falls"
    assert found["test_trend"]["monotone"].outcome == "overall"
    assert "falls with the corruption" in text and "an overall trend, not one resolved step by step" in text
    assert "though not at every step" not in text
    # the same with the ends overlapping: three seeds are too few to state the fall
    for level, top in ((0.0, 0.9), (0.2, 0.85), (0.5, 0.8), (0.8, 0.75), (1.0, 0.7)):   # each seed falls,
        set_level(R, level, "final_test_acc", [top - 0.4, top - 0.2, top])               # no step separates
    found, text = found_and_text(R, C, P, T)
    assert all(r == pytest.approx(-1) for r in found["test_trend"]["seed_rhos"]) and found["test_trend"]["high"] < 0
    assert found["test_trend"]["direction"].outcome == "few seeds"
    assert ("The test accuracy on the true labels shows no resolved trend with the corruption: the seeds of the "
            "first and last levels overlap, and three seeds are too few") in text


def test_test_accuracy_with_a_separated_step_against_the_fall_is_not_monotone():
    R, C, P, T = reviewed()
    levels, accs = per_level(R, "final_test_acc")
    set_level(R, 0.5, "final_test_acc", accs[3])                 # 50% and 80% swapped: a separated step up
    set_level(R, 0.8, "final_test_acc", accs[2])
    found, text = found_and_text(R, C, P, T)
    trend = found["test_trend"]
    assert trend["high"] < 0 and all(r < 0 for r in trend["seed_rhos"])
    assert trend["direction"].outcome == "bent" and trend["monotone"].outcome == "unclear"
    assert ("The test accuracy on the true labels is not monotone in the corruption: a step against the sign of ρ "
            "separates the seeds") in text
    assert "falls with the corruption" not in text
    assert not found["conclusion"].holds and "do not reproduce" in text


def test_a_seed_whose_test_accuracy_rises_leaves_the_fall_unresolved():
    R, C, P, T = reviewed()
    runs = sorted((c for c in R[NAME]["controls"] if c["seed"] == "s2"), key=lambda c: c["level"])
    for run, value in zip(runs, [0.1, 0.3, 0.6, 0.8, 0.95]):                 # s2 rises with the corruption
        run["final_test_acc"] = value
    found, text = found_and_text(R, C, P, T)
    trend = found["test_trend"]
    assert trend["seed_rhos"][2] == pytest.approx(1) and trend["direction"].outcome == "unclear"
    assert "The test accuracy on the true labels shows no clear trend with the corruption" in text
    assert "falls with the corruption" not in text
    assert not found["conclusion"].holds


def test_overlapping_test_accuracies_of_successive_levels():
    R, C, P, T = reviewed()
    assert original()["test_trend"]["separation"].outcome == "all"
    set_level(R, 1.0, "final_test_acc", [0.25, 0.26, 0.3102])    # 80%: 30.9%-31.1%
    found, text = found_and_text(R, C, P, T)
    assert found["test_trend"]["separation"].outcome == "some"
    assert ("the seeds of successive levels separate at three of the four steps (0% → 20%, 20% → 50% and "
            "50% → 80%) and overlap at 80% → 100%.") in text


def test_no_right_label_at_full_corruption_is_said():
    R, C, P, T = reviewed()
    assert not original()["none_right"].holds
    set_level(R, 1.0, "label_agreement", [0.0, 0.0, 0.0])
    found, text = found_and_text(R, C, P, T)
    assert found["none_right"].holds
    assert "at 100%\nno training label is right" in text
    assert not found["taught_wrong"].holds                 # at chance: it was not taught the wrong classes


@pytest.mark.parametrize("values, outcome, said", [
    ([0.01, 0.015, 0.012], "below", "below chance for every seed, 1.0%-1.5% against 1/10"),
    ([0.2, 0.25, 0.3], "above", "above chance for every seed, 20.0%-30.0% against 1/10"),
    ([0.05, 0.1, 0.2], "mixed", "near chance for some seeds only, 5.0%-20.0% against 1/10"),
])
def test_the_test_accuracy_at_full_corruption_against_chance(values, outcome, said):
    R, C, P, T = reviewed()
    assert original()["top_vs_chance"].outcome == "at"
    set_level(R, 1.0, "final_test_acc", values)
    found, text = found_and_text(R, C, P, T)
    assert found["top_vs_chance"].outcome == outcome and said in text
    assert not found["taught_wrong"].holds and "predicts the wrong classes it was taught" not in text


def test_the_wrong_classes_taught_needs_no_right_label_and_a_net_below_chance():
    R, C, P, T = reviewed()
    assert not original()["taught_wrong"].holds
    set_level(R, 1.0, "final_test_acc", [0.01, 0.015, 0.012])
    set_level(R, 1.0, "label_agreement", [0.0, 0.0, 0.0])
    found, text = found_and_text(R, C, P, T)
    assert found["taught_wrong"].holds
    assert "against 1/10: the net predicts the wrong classes it was taught" in text


# ---------------------------------------------------------------------------- the input controls
def set_input(R, kind, key, values):
    """Give the runs of one input control these per-seed values (seed order s0, s1, ...)."""
    runs = [c for c in R[NAME]["input_controls"] if c["inputs"] == kind]
    assert len(runs) == len(values)
    for run, value in zip(runs, values):
        run[key] = value


def kind_of(found, name):
    return next(k for k in found["input_kinds"] if k["name"] == name)


def test_an_unfitted_input_control_is_said():
    R, C, P, T = reviewed()
    assert original()["inputs_fitted"].holds
    set_input(R, "gaussian inputs", "epoch_reached_target", [13, None, 13])
    next(k for k in R[NAME]["input_kinds"] if k["inputs"] == "gaussian inputs")["n_fitted"] = 2
    found, text = found_and_text(R, C, P, T)
    gaussian = kind_of(found, "Gaussian inputs")
    assert not gaussian["fitted"].holds and gaussian["vs_true"].outcome == "not_compared"
    assert "Gaussian inputs: fitted by two of the three seeds within the schedule, not compared with the true " \
           "labels (a seed did not fit)" in text
    assert "| Gaussian inputs | 2 of 3 seeds in 220 |" in text
    assert not found["inputs_fitted"].holds and found["input_conclusion"].outcome == "unfitted"
    assert "not every seed of every input control is fitted" in text
    assert "The input controls do not all fit within the schedule" in text


def test_shuffled_pixels_slower_and_worse_than_the_true_labels_are_said():
    R, C, P, T = reviewed()
    shuffled = kind_of(original(), "shuffled pixels")
    assert shuffled["vs_true"].outcome == "overlap" and shuffled["note"].holds
    set_input(R, "shuffled pixels", "epoch_reached_target", [40, 41, 42])
    set_input(R, "shuffled pixels", "final_test_acc", [0.90, 0.91, 0.92])
    found, text = found_and_text(R, C, P, T)
    shuffled = kind_of(found, "shuffled pixels")
    assert shuffled["vs_true"].outcome == "higher" and shuffled["test_vs_true"].outcome == "lower"
    assert "fitted by every seed in 40-42 epochs, slower than the true labels for every seed (20-22)" in text
    assert "test accuracy 90.0%-92.0%, below the true labels' for every seed (94.5%-95.1%)" in text
    assert not shuffled["note"].holds and "blind to a fixed order" not in text


def test_random_pixels_at_chance_lose_their_note():
    R, C, P, T = reviewed()
    assert kind_of(original(), "random pixels")["chance"].outcome == "above"
    set_input(R, "random pixels", "final_test_acc", [0.1, 0.1, 0.1])
    found, text = found_and_text(R, C, P, T)
    random_pixels = kind_of(found, "random pixels")
    assert random_pixels["chance"].outcome == "at" and not random_pixels["note"].holds
    assert "test accuracy 10.0%, below the true labels' for every seed (94.5%-95.1%), at chance (1/10)." in text
    assert "how much ink" not in text


def test_the_random_pixels_mechanism_is_said_as_untested():
    _, text = found_and_text(*reviewed())
    assert ("above chance (1/10) for every seed: possibly because a permutation keeps each image's pixel values"
            in text)
    assert "(not tested here: no ink-only baseline was run)" in text


def test_noise_inputs_not_faster_than_the_true_labels():
    R, C, P, T = reviewed()
    set_input(R, "random pixels", "epoch_reached_target", [25, 26, 27])
    set_input(R, "gaussian inputs", "epoch_reached_target", [100, 50, 13])
    found, text = found_and_text(R, C, P, T)
    assert kind_of(found, "random pixels")["vs_true"].outcome == "higher"
    assert kind_of(found, "Gaussian inputs")["vs_noise"].outcome == "overlap"
    assert "overlapping the labels corrupted at 100% (96-111)" in text
    assert found["input_conclusion"].outcome == "other"
    assert "The network fits inputs without structure too" in text and "easiest thing" not in text


def test_an_input_control_without_runs_fails_the_findings():
    R, C, P, T = reviewed()
    R[NAME]["input_controls"] = [c for c in R[NAME]["input_controls"] if c["inputs"] != "random pixels"]
    with pytest.raises(ReportError, match="'random pixels' of hw1_3_random_labels has no runs"):
        findings_of(NAME, R, C, P, T)


# ---------------------------------------------------------------------------- the helpers, on hand-built data
def test_level_findings_against_scipy_and_a_hand_count():
    levels = [1, 2, 3, 4]
    values = [[1, 2, 3], [2, 3, 4], [10, 11, 12], [9, 10, 11]]
    found = level_findings(levels, values, ["a", "b", "c", "d"], "levels",
                           {"rises": "up", "falls": "down", "unclear": "?"})
    assert found["rho"] == pytest.approx(scipy_stats.spearmanr(levels, [2, 3, 11, 10]).statistic)
    assert found["separated_steps"] == 1                      # only b -> c: 4 < 10
    assert found["separation"].outcome == "some"
    assert found["separation"].evidence["separated"] == ["b → c"]
    assert found["separation"].evidence["overlapping"] == ["a → b", "c → d"]


def test_mlp_depth_and_tenths_on_hand_built_data():
    from common.models import count_params, mlp
    models = [{"width": w, "params": count_params(mlp(20, [w, w, w], 4))} for w in (3, 5, 9)]
    assert mlp_depth(models, 20, 4) == [3]
    assert tenths_course(np.arange(30.0)) == ("rises", [1.0 + 3 * i for i in range(10)])
    assert tenths_course([1, 3] * 10)[0] == "uneven"


def test_steps_of_the_means_whose_seeds_overlap_are_not_read_without_a_direction():
    """No direction stated (three seeds, the ends overlap): the means rise at every corrupted step, but no
    step separates the seeds, so no step is called a rise."""
    R, C, P, T = reviewed()
    levels = per_level(R, "epoch_reached_target")[0]
    for i, level in enumerate(levels[1:]):
        set_level(R, level, "epoch_reached_target", [100 + i, 110 + i, 120 + i])
    found, text = found_and_text(R, C, P, T)
    trend = found["fit_epochs"]["corrupted"]
    assert all(s["direction"] == "up" and not s["separated"] for s in trend["direction"].evidence["steps"])
    assert trend["direction"].outcome == "few seeds" and trend["monotone"].outcome == "unclear"
    assert "read step by step only where a step separates the seeds" in str(trend["monotone"])
    assert "rising at" not in text and "rises at every" not in text
