"""The random-labels section: every claim flips when the results contradict it, and the section
then says the other phrasing (or fails to render, for the statements it may only make when true)."""
import functools

import numpy as np
import pytest
from scipy import stats as scipy_stats

from common.claims import ReportError, pct
from findings.hw1_3_random_labels import level_findings, mlp_depth, tenths_course
from tests import findings_data
from tests.findings_data import committed, findings_of

NAME = "hw1_3_random_labels"


@functools.lru_cache(maxsize=1)
def _committed_findings():
    return findings_of(NAME, *committed())


def original():
    """The findings of the committed results (computed once: inference.level_trend takes seconds)."""
    return _committed_findings()


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


# ---------------------------------------------------------------------------- the committed results
def test_the_committed_results_render():
    R, C, P, T = committed()
    found, text = found_and_text(R, C, P, T)
    assert "memorizes the 60,000 random labels" in text
    assert found["corruption"].outcome == "uniform" and found["corruption_checked"].holds
    assert "replaced by a class drawn uniformly from all ten (Zhang et al.'s rule" in text
    assert "within 2 points of (1 − 1/10) × its level" in text
    assert "| 100% | 90.1% |" in text
    assert "9.8%-9.9% of the training labels are still right" in text
    assert found["top_vs_chance"].outcome == "at" and "at chance for every seed (8.9%-9.6% against 1/10)" in text
    assert found["epochs_trend"]["separation"].outcome == "some"
    assert "| Gaussian inputs | 13 ± 0 (13) |" in text and "| shuffled pixels | 21 ± 1 (20-22) |" in text
    assert found["input_conclusion"].outcome == "faster"
    assert "Pure noise as input is the easiest thing to memorize here" in text


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


def earlier_relabelling(R):
    """Controls as the earlier rule made them: exactly a share p moved to another class."""
    for c in R[NAME]["controls"]:
        c["wrong_share"] = c["level"]
        c["label_agreement"] = 1 - c["level"]
    for c in R[NAME]["control_levels"]:
        c["wrong_share"] = {"mean": c["level"], "std": 0.0, "min": c["level"], "max": c["level"]}


@pytest.mark.parametrize("where", ["results", "config"])
def test_the_corruption_rule_is_read_from_the_results(where):
    R, C, P, T = committed()
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
    R, C, P, T = committed()
    del R[NAME]["corruption"], C[NAME]["corruption"]
    found = fails_to_render(R, C, P, T)                 # the earlier rule, but Zhang's shares: they do not match
    assert found["corruption"].outcome == "another" and not found["corruption_checked"].holds
    earlier_relabelling(R)
    found, text = found_and_text(R, C, P, T)
    assert found["corruption"].outcome == "another" and "set to another class" in text


def test_an_unknown_corruption_rule_fails_the_render():
    R, C, P, T = committed()
    R[NAME]["corruption"] = "swap pairs"
    assert fails_to_render(R, C, P, T)["corruption"].outcome == "swap pairs"


def test_wrong_shares_that_do_not_match_the_rule_fail_the_render():
    R, C, P, T = committed()
    assert original()["corruption_checked"].holds
    set_level(R, 0.5, "wrong_share", [0.45, 0.5, 0.45])     # one seed with the exact share: 5 points off 0.45
    found = fails_to_render(R, C, P, T)
    assert found["corruption"].outcome == "uniform" and not found["corruption_checked"].holds


def test_the_uniform_check_against_a_hand_computation():
    R, C, P, T = committed()
    shares = {(c["level"], c["seed"]): c["wrong_share"] for c in R[NAME]["controls"]}
    assert all(abs(share - 0.9 * level) <= 0.02 for (level, _), share in shares.items())
    assert original()["corruption_checked"].evidence["wrong_shares"] == {
        f"{seed}@{level}": share for (level, seed), share in shares.items()}


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
    from findings.hw1_3_random_labels import SLOWER
    R, C, P, T = committed()
    rl, true_epochs = R[NAME], C["hw1_3_params_mnist"]["epochs"]
    target = rl["target_acc"]
    net = next(m for m in R["hw1_3_params_mnist"]["models"] if m["width"] == max(C[NAME]["widths"]))
    true_accs = [target + (1 - target) * share for share in (0.7, 0.5, 0.6)]     # every seed above the target
    for run, acc in zip(net["runs"], true_accs):
        run["train_acc"] = acc
    true_min = min(true_accs)
    # the noise fitted in an epoch of the run past SLOWER times the true-label net's epochs: much slower
    slow = next(e for e in rl["epoch"] if e > SLOWER * true_epochs)
    rl["epoch_reached_target"] = slow
    found, text = found_and_text(R, C, P, T)
    assert found["noise_slower"].holds
    assert (f"Fitting noise is much slower than fitting the real task: {slow} epochs to {pct(target, 0)} training "
            f"accuracy here, while every seed of that MLP reaches at least {pct(true_min)} on the true labels in "
            f"{true_epochs} epochs") in text
    # fitted within SLOWER times those epochs: not called slower
    quick = max(e for e in rl["epoch"] if 0 < e <= SLOWER * true_epochs)
    rl["epoch_reached_target"] = quick
    found, text = found_and_text(R, C, P, T)
    assert not found["noise_slower"].holds
    assert (f"That MLP reaches {pct(true_min)} training accuracy (its lowest seed) on the true labels in "
            f"{true_epochs} epochs, against {quick} epochs to {pct(target, 0)} here") in text
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
    assert "| 100% | 90.1% | 2 of 3 seeds in 220 |" in text
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
    for level, start in ((0.2, 60), (0.5, 80), (0.8, 100), (1.0, 120)):
        set_level(R, level, "epoch_reached_target", [start, start + 1, start + 2])
    found, text = found_and_text(R, C, P, T)
    assert found["epochs_trend"]["monotone"].outcome == "every"
    assert "the mean rises at every one of the four steps" in text
    assert found["epochs_trend"]["separation"].outcome == "all"
    assert "(mean and range: 0%: 21 (20-22), 20%: 61 (60-62)" in text
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
    set_level(R, 1.0, "final_test_acc", [0.25, 0.26, 0.3102])    # 80%: 30.9%-31.1%
    found, text = found_and_text(R, C, P, T)
    assert found["test_trend"]["separation"].outcome == "some"
    assert ("the seeds of successive levels separate at three of the four steps (0% → 20%, 20% → 50% and "
            "50% → 80%) and overlap at 80% → 100%.") in text


def test_no_right_label_at_full_corruption_is_said():
    R, C, P, T = committed()
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
    R, C, P, T = committed()
    assert original()["top_vs_chance"].outcome == "at"
    set_level(R, 1.0, "final_test_acc", values)
    found, text = found_and_text(R, C, P, T)
    assert found["top_vs_chance"].outcome == outcome and said in text
    assert not found["taught_wrong"].holds and "predicts the wrong classes it was taught" not in text


def test_the_wrong_classes_taught_needs_no_right_label_and_a_net_below_chance():
    R, C, P, T = committed()
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
    R, C, P, T = committed()
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
    R, C, P, T = committed()
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
    R, C, P, T = committed()
    assert kind_of(original(), "random pixels")["chance"].outcome == "above"
    set_input(R, "random pixels", "final_test_acc", [0.1, 0.1, 0.1])
    found, text = found_and_text(R, C, P, T)
    random_pixels = kind_of(found, "random pixels")
    assert random_pixels["chance"].outcome == "at" and not random_pixels["note"].holds
    assert "test accuracy 10.0%, below the true labels' for every seed (94.5%-95.1%), at chance (1/10)." in text
    assert "how much ink" not in text


def test_noise_inputs_not_faster_than_the_true_labels():
    R, C, P, T = committed()
    set_input(R, "random pixels", "epoch_reached_target", [25, 26, 27])
    set_input(R, "gaussian inputs", "epoch_reached_target", [100, 50, 13])
    found, text = found_and_text(R, C, P, T)
    assert kind_of(found, "random pixels")["vs_true"].outcome == "higher"
    assert kind_of(found, "Gaussian inputs")["vs_noise"].outcome == "overlap"
    assert "overlapping the labels corrupted at 100% (96-111)" in text
    assert found["input_conclusion"].outcome == "other"
    assert "The network fits inputs without structure too" in text and "easiest thing" not in text


def test_an_input_control_without_runs_fails_the_findings():
    R, C, P, T = committed()
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
