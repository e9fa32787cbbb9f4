"""The random-labels section: every claim flips when the results contradict it, and the section
then says the other phrasing (or fails to render, for the statements it may only make when true)."""
import functools

import numpy as np
import pytest
from scipy import stats as scipy_stats

from common.claims import ReportError
from findings.hw1_3_random_labels import level_findings, mlp_depth, tenths_course
from tests.findings_data import committed, findings_of, section

NAME = "hw1_3_random_labels"


@functools.lru_cache(maxsize=1)
def _committed_findings():
    return findings_of(NAME, *committed())


def original():
    """The findings of the committed results (computed once: inference.level_trend takes seconds)."""
    return _committed_findings()


def found_and_text(R, C, P, T):
    found = findings_of(NAME, R, C, P, T)
    return found, section(NAME, found)


def fails_to_render(R, C, P, T):
    """The findings of (R, C, P, T), after checking that they fail the render."""
    found = findings_of(NAME, R, C, P, T)
    with pytest.raises(ReportError, match="claim no longer holds"):
        section(NAME, found)
    return found


def set_level(R, level, key, values):
    """Give the control runs of one level these per-seed values (seed order s0, s1, ...)."""
    runs = [c for c in R[NAME]["controls"] if c["level"] == level]
    assert len(runs) == len(values)
    for run, value in zip(runs, values):
        run[key] = value


def per_level(R, key):
    levels = sorted({c["level"] for c in R[NAME]["controls"]})
    return levels, [[c[key] for c in R[NAME]["controls"] if c["level"] == lv] for lv in levels]


# ---------------------------------------------------------------------------- the committed results
def test_the_committed_results_render():
    R, C, P, T = committed()
    found, text = found_and_text(R, C, P, T)
    assert "memorizes the 60,000 random labels" in text
    assert "at 100%\nno training label is right" in text
    assert "set to another class" in text
    assert found["corruption"].outcome == "another"
    assert found["epochs_trend"]["separation"].outcome == "some"
    assert "| 100% | 100.0% |" in text


# ---------------------------------------------------------------------------- settings
def test_label_agreement_away_from_chance():
    R, C, P, T = committed()
    assert original()["agreement_at_chance"].holds
    R[NAME]["label_agreement"] = 0.5
    found, text = found_and_text(R, C, P, T)
    assert not found["agreement_at_chance"].holds
    assert "(not chance, 1/10)" in text


def test_permuted_test_labels_are_said():
    R, C, P, T = committed()
    R[NAME]["test_labels"] = "random"
    found, text = found_and_text(R, C, P, T)
    assert not found["test_labels"].holds
    assert "The test labels are permuted too." in text and "Test labels stay true." not in text


def uniform_relabelling(R):
    """Controls as Zhang et al.'s rule makes them: a tenth of the redrawn labels stay right."""
    for c in R[NAME]["controls"]:
        c["wrong_share"] = 0.9 * c["level"]
        c["label_agreement"] = 1 - 0.9 * c["level"]
    for c in R[NAME]["control_levels"]:
        c["wrong_share"] = {"mean": 0.9 * c["level"] + 0.001, "std": 0.0, "min": 0.9 * c["level"],
                            "max": 0.9 * c["level"] + 0.002}


@pytest.mark.parametrize("where", ["results", "config"])
def test_the_corruption_rule_is_read_from_the_results(where):
    R, C, P, T = committed()
    assert original()["corruption"].outcome == "another"
    uniform_relabelling(R)
    (R if where == "results" else C)[NAME]["corruption"] = "uniform"
    found, text = found_and_text(R, C, P, T)
    assert found["corruption"].outcome == "uniform"
    assert found["corruption_checked"].holds
    assert "drawn uniformly from all ten (Zhang et al.'s rule" in text and "set to another class" not in text
    assert "within 2 points of (1 − 1/10) × its level" in text
    # at 100% a tenth of the labels are right: the section no longer says that none is
    assert not found["none_right"].holds and not found["taught_wrong"].holds
    assert "10.0% of the training labels are still right" in text
    assert "no training label is right" not in text


def test_an_unknown_corruption_rule_fails_the_render():
    R, C, P, T = committed()
    R[NAME]["corruption"] = "swap pairs"
    assert fails_to_render(R, C, P, T)["corruption"].outcome == "swap pairs"


def test_wrong_shares_that_do_not_match_the_rule_fail_the_render():
    R, C, P, T = committed()
    assert original()["corruption_checked"].holds
    uniform_relabelling(R)                   # Zhang's rule, but the results say nothing: the current rule
    found = fails_to_render(R, C, P, T)
    assert found["corruption"].outcome == "another" and not found["corruption_checked"].holds


# ---------------------------------------------------------------------------- the headline run
def test_a_run_that_never_reaches_the_target_fails_the_render():
    R, C, P, T = committed()
    R[NAME]["epoch_reached_target"] = None
    assert original()["memorized"].holds
    assert not fails_to_render(R, C, P, T)["memorized"].holds


def test_test_accuracy_above_chance_is_said():
    R, C, P, T = committed()
    R[NAME]["test_acc"][-1] = 0.5
    found, text = found_and_text(R, C, P, T)
    assert not found["ends_at_chance"].holds
    assert "Test accuracy ends at 50.0%, not at chance (1/10 = 10%)" in text
    assert "learns nothing that transfers" not in text


@pytest.mark.parametrize("change, outcome, phrase", [
    (lambda loss: loss[::-1], "falls", "falls steadily from"),
    (lambda loss: loss[:len(loss) // 2] + loss[:len(loss) - len(loss) // 2][::-1], "uneven", "changes unevenly from"),
])
def test_the_course_of_the_test_loss(change, outcome, phrase):
    R, C, P, T = committed()
    assert original()["test_loss_course"].outcome == "rises"
    R[NAME]["test_loss"] = change(R[NAME]["test_loss"])
    found, text = found_and_text(R, C, P, T)
    assert found["test_loss_course"].outcome == outcome
    assert phrase in text and "grows steadily" not in text


def test_a_test_loss_near_the_uniform_guess_is_not_called_confidently_wrong():
    R, C, P, T = committed()
    R[NAME]["test_loss"][-1] = 2.4
    found, text = found_and_text(R, C, P, T)
    assert not found["confidently_wrong"].holds
    assert "confidently wrong" not in text and "of a uniform guess" not in text


@pytest.mark.parametrize("change, outcome, phrase", [
    (lambda loss: loss[::-1], "rises", "the training loss rises throughout"),
    (lambda loss: loss[:len(loss) // 2] + loss[:len(loss) - len(loss) // 2][::-1], "uneven",
     "the training loss does not fall throughout"),
])
def test_the_course_of_the_training_loss(change, outcome, phrase):
    R, C, P, T = committed()
    assert original()["train_loss_course"].outcome == "falls"
    R[NAME]["train_loss"] = change(R[NAME]["train_loss"])
    found, text = found_and_text(R, C, P, T)
    assert found["train_loss_course"].outcome == outcome
    assert phrase in text


# ---------------------------------------------------------------------------- the true-label net
def test_parameter_counts_of_no_mlp_shape_fail_the_render():
    R, C, P, T = committed()
    R["hw1_3_params_mnist"]["models"][0]["params"] += 1
    assert original()["true_net_named"].holds
    assert not fails_to_render(R, C, P, T)["true_net_named"].holds


def test_fitting_noise_quickly_is_not_called_slower():
    R, C, P, T = committed()
    assert original()["noise_slower"].holds
    R[NAME]["epoch_reached_target"] = 25           # under three times the true-label net's 10 epochs
    found, text = found_and_text(R, C, P, T)
    assert not found["noise_slower"].holds
    assert "That MLP reaches 99.6% training accuracy (its lowest seed)" in text
    assert "much slower" not in text


def test_a_true_label_seed_below_the_target_is_not_called_faster():
    R, C, P, T = committed()
    net = next(m for m in R["hw1_3_params_mnist"]["models"] if m["width"] == 256)
    net["runs"][1]["train_acc"] = 0.95
    found, text = found_and_text(R, C, P, T)
    assert not found["noise_slower"].holds
    assert "That MLP reaches 95.0% training accuracy (its lowest seed)" in text


# ---------------------------------------------------------------------------- the controls
def unfit(R, level=1.0):
    set_level(R, level, "epoch_reached_target", [113, None, 108])
    row = next(c for c in R[NAME]["control_levels"] if c["level"] == level)
    row["n_fitted"] = 2


def test_an_unfitted_seed_is_said_and_the_conclusion_weakened():
    R, C, P, T = committed()
    unfit(R)
    found, text = found_and_text(R, C, P, T)
    assert not found["controls_fitted"].holds and found["epochs_trend"] is None
    assert "not every seed of every corruption level is fitted within the schedule (100% not)" in text
    assert "| 100% | 100.0% | 2 of 3 seeds in 220 |" in text
    assert not found["conclusion"].holds
    assert "do not reproduce the whole of Zhang et al.'s finding" in text


def test_epochs_that_fall_with_the_corruption_are_said():
    R, C, P, T = committed()
    levels, epochs = per_level(R, "epoch_reached_target")
    for level, values in zip(levels, epochs[::-1]):
        set_level(R, level, "epoch_reached_target", values)
    found, text = found_and_text(R, C, P, T)
    assert found["epochs_trend"]["direction"].outcome == "falls"
    assert "the epochs needed fall with the corruption" in text


def test_epochs_without_a_trend_are_said():
    R, C, P, T = committed()
    for level in per_level(R, "epoch_reached_target")[0]:
        set_level(R, level, "epoch_reached_target", [100, 101, 102])
    found, text = found_and_text(R, C, P, T)
    trend = found["epochs_trend"]
    assert trend["direction"].outcome == "unclear" and trend["monotone"].outcome == "unclear"
    assert "show no clear trend with the corruption" in text
    assert "the mean unchanged at four of the four steps" in text
    assert trend["separation"].outcome == "none"
    assert "the seeds of successive levels overlap at every step" in text


def test_epochs_that_rise_at_every_step_with_separated_seeds():
    R, C, P, T = committed()
    found = original()
    assert found["epochs_trend"]["monotone"].outcome == "not_every"
    assert found["epochs_trend"]["separation"].outcome == "some"
    set_level(R, 1.0, "epoch_reached_target", [120, 121, 122])
    found, text = found_and_text(R, C, P, T)
    assert found["epochs_trend"]["monotone"].outcome == "every"
    assert "the mean rises at every one of the four steps" in text
    assert found["epochs_trend"]["separation"].outcome == "all"
    assert "(mean and range: 0%: 21 (20-22)" in text
    assert "the seeds of successive levels separate at every step" in text.split("The test accuracy")[0]


def test_test_accuracy_that_rises_with_the_corruption_is_said():
    R, C, P, T = committed()
    levels, accs = per_level(R, "final_test_acc")
    for level, values in zip(levels, accs[::-1]):
        set_level(R, level, "final_test_acc", values)
    found, text = found_and_text(R, C, P, T)
    assert found["test_trend"]["direction"].outcome == "rises"
    assert "The test accuracy on the true labels rises with the corruption" in text
    assert not found["conclusion"].holds and "do not reproduce" in text


def test_test_accuracy_that_does_not_fall_at_every_step():
    R, C, P, T = committed()
    assert original()["test_trend"]["monotone"].outcome == "every"
    levels, accs = per_level(R, "final_test_acc")
    set_level(R, 0.5, "final_test_acc", accs[3])
    set_level(R, 0.8, "final_test_acc", accs[2])
    found, text = found_and_text(R, C, P, T)
    assert found["test_trend"]["direction"].outcome == "falls"
    assert found["test_trend"]["monotone"].outcome == "not_every"
    assert "though not at every step: the mean does not fall at 50% → 80%" in text


def test_overlapping_test_accuracies_of_successive_levels():
    R, C, P, T = committed()
    assert original()["test_trend"]["separation"].outcome == "all"
    set_level(R, 1.0, "final_test_acc", [0.21, 0.2, 0.22])    # 80%: 0.2167, 0.2072, 0.2111
    found, text = found_and_text(R, C, P, T)
    assert found["test_trend"]["separation"].outcome == "some"
    assert ("the seeds of successive levels separate at three of the four steps (0% → 20%, 20% → 50% and "
            "50% → 80%) and overlap at 80% → 100%.") in text


def test_some_right_labels_at_full_corruption_are_said():
    R, C, P, T = committed()
    assert original()["none_right"].holds
    set_level(R, 1.0, "label_agreement", [0.1, 0.1, 0.1])
    found, text = found_and_text(R, C, P, T)
    assert not found["none_right"].holds
    assert "at 100%\n10.0% of the training labels are still right" in text
    assert found["top_below_chance"].holds and not found["taught_wrong"].holds
    assert "predicts the wrong classes it was taught" not in text


def test_test_accuracy_at_chance_under_full_corruption():
    R, C, P, T = committed()
    assert original()["top_below_chance"].holds
    set_level(R, 1.0, "final_test_acc", [0.09, 0.12, 0.1])
    found, text = found_and_text(R, C, P, T)
    assert not found["top_below_chance"].holds and not found["taught_wrong"].holds
    assert "not below chance for every seed, 9.0%-12.0% against 1/10" in text
    assert "predicts the wrong classes it was taught" not in text


def test_the_wrong_classes_taught_needs_a_net_below_chance():
    R, C, P, T = committed()
    assert original()["taught_wrong"].holds
    set_level(R, 1.0, "final_test_acc", [0.05, 0.11, 0.06])
    found, text = found_and_text(R, C, P, T)
    assert not found["taught_wrong"].holds
    assert "the net predicts the wrong classes it was taught" not in text


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
