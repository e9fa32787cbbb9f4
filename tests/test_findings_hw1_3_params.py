"""The width-sweep section: every claim flips when the per-seed results contradict it, and the
section then says the other phrasing (or fails to render, for the statements it may only make
when true)."""
import functools

import pytest

from common.claims import ReportError
from findings.hw1_3_params import shape_of
from tests.findings_data import committed, findings_of, section

NAME = "hw1_3_params"
SOURCE = "hw1_3_params_mnist"


@functools.lru_cache(maxsize=1)
def original():
    """The findings of the committed results (computed once: inference.level_trend takes seconds)."""
    return findings_of(NAME, *committed())


def found_and_text(R, C, P, T):
    found = findings_of(NAME, R, C, P, T)
    return found, section(NAME, found)


def fails_to_render(R, C, P, T):
    found = findings_of(NAME, R, C, P, T)
    with pytest.raises(ReportError, match="claim no longer holds"):
        section(NAME, found)
    return found


def model(R, width):
    return next(m for m in R[SOURCE]["models"] if m["width"] == width)


def set_width(R, width, key, values):
    """Give the runs of one width these per-seed values (seed order s0, s1, s2)."""
    runs = model(R, width)["runs"]
    assert len(runs) == len(values)
    for run, value in zip(runs, values):
        run[key] = value


def widths(R):
    return sorted(m["width"] for m in R[SOURCE]["models"])


def values(R, key):
    return [[r[key] for r in model(R, w)["runs"]] for w in widths(R)]


def set_all(R, key, per_width):
    for w, vs in zip(widths(R), per_width):
        set_width(R, w, key, vs)


def comments(text):
    return text.split("**Comments.**")[1]


# ---------------------------------------------------------------------------- the committed results
def test_the_committed_results_render():
    R, C, P, T = committed()
    found, text = found_and_text(R, C, P, T)
    assert "Twelve MLPs 784-w-w-10" in text
    assert "s1 of w = 2 ends at 11.35% test accuracy" in text
    assert "but its seeds overlap those of the runner-up, w = 256 (98.02%)" in text
    assert found["acc_trend"]["separated_steps"] == 7
    assert "the largest net has the best test accuracy" not in text


# ---------------------------------------------------------------------------- settings
def test_parameter_counts_of_no_mlp_shape_fail_the_render():
    R, C, P, T = committed()
    assert original()["shape"].holds
    model(R, 8)["params"] += 1
    assert not fails_to_render(R, C, P, T)["shape"].holds


def test_a_configured_width_without_runs_fails_the_render():
    R, C, P, T = committed()
    assert original()["complete"].holds
    C[SOURCE]["widths"] = C[SOURCE]["widths"] + [1024]
    assert not fails_to_render(R, C, P, T)["complete"].holds


# ---------------------------------------------------------------------------- test accuracy over the widths
def test_test_accuracy_that_falls_with_width_is_said():
    R, C, P, T = committed()
    assert original()["acc_trend"]["direction"].outcome == "rises"
    set_all(R, "test_acc", values(R, "test_acc")[::-1])
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["direction"].outcome == "falls"
    assert "Test accuracy falls with width" in text


def test_test_accuracy_that_does_not_rise_at_every_step():
    R, C, P, T = committed()
    assert original()["acc_trend"]["monotone"].outcome == "every"
    acc = values(R, "test_acc")
    set_width(R, 128, "test_acc", acc[10])
    set_width(R, 256, "test_acc", acc[9])
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["monotone"].outcome == "not_every"
    assert "though not at every step: the mean does not rise at w = 128 → 256" in text


@pytest.mark.parametrize("seeds, outcome, phrase", [
    (lambda i: [0.1 + 0.07 * i, 0.101 + 0.07 * i, 0.102 + 0.07 * i], "all",
     "the seeds of successive widths separate at every step"),
    (lambda i: [0.5 + 0.001 * i, 0.9, 0.2], "none", "the seeds of successive widths overlap at every step"),
])
def test_how_far_the_seeds_separate_the_widths(seeds, outcome, phrase):
    R, C, P, T = committed()
    assert original()["acc_trend"]["separation"].outcome == "some"
    set_all(R, "test_acc", [seeds(i) for i in range(len(widths(R)))])
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["separation"].outcome == outcome
    assert phrase in comments(text).split("The highest mean")[0]


def test_no_collapsed_seed_is_said():
    R, C, P, T = committed()
    assert original()["collapsed"].holds
    assert original()["collapsed"].evidence["seeds"] == [(2, "s1", 0.1135, pytest.approx(2.3012, abs=1e-4))]
    set_width(R, 2, "test_acc", [0.488, 0.5, 0.6837])
    found, text = found_and_text(R, C, P, T)
    assert not found["collapsed"].holds
    assert "No seed collapsed to chance level: every test accuracy is above 15%" in text


def test_a_collapsed_seed_of_another_width_is_named():
    R, C, P, T = committed()
    set_width(R, 2, "test_acc", [0.488, 0.5, 0.6837])
    set_width(R, 64, "test_acc", [0.9737, 0.0980, 0.972])
    found, text = found_and_text(R, C, P, T)
    assert found["collapsed"].holds
    assert "One seed collapsed to chance level (test accuracy under 15%): s1 of w = 64 ends at 9.80%" in text


# ---------------------------------------------------------------------------- the best widths
def test_a_best_width_whose_wider_nets_fall_below_it():
    R, C, P, T = committed()
    assert original()["best"].outcome == "widest"
    set_width(R, 256, "test_acc", [0.99, 0.991, 0.992])
    found, text = found_and_text(R, C, P, T)
    assert found["best"].outcome == "falls"
    assert ("The highest mean test accuracy is 99.10% at w = 256 (269,322 params), and it then falls: every seed "
            "of w = 512 lies below every seed of w = 256") in text
    # and then the largest net overfits in the classical sense
    assert not found["no_classical_overfit"].holds
    assert "and the largest net (w = 512) overfits in the classical sense: every seed of w = 256" in text
    assert "do not overfit in the classical sense" not in text


def test_a_best_width_whose_wider_nets_overlap_it():
    R, C, P, T = committed()
    set_width(R, 256, "test_acc", [0.9818, 0.9788, 0.9830])          # w = 512: 0.9824, 0.9800, 0.9793
    found, text = found_and_text(R, C, P, T)
    assert found["best"].outcome == "saturates"
    assert "and it then saturates: the seeds of every wider net overlap its own" in text
    assert found["no_classical_overfit"].holds


def test_a_best_width_separated_from_the_runner_up():
    R, C, P, T = committed()
    assert not original()["best_vs_runner_up"].holds
    set_width(R, 512, "test_acc", [0.985, 0.986, 0.987])
    found, text = found_and_text(R, C, P, T)
    assert found["best_vs_runner_up"].holds
    assert "and every one of its seeds lies above every seed of the runner-up, w = 256 (98.02%" in text
    assert "the seeds do not rank them" not in text


def test_a_largest_net_below_many_widths_overfits():
    R, C, P, T = committed()
    assert original()["no_classical_overfit"].holds
    set_width(R, 512, "test_acc", [0.960, 0.961, 0.962])
    found, text = found_and_text(R, C, P, T)
    assert not found["no_classical_overfit"].holds
    # by hand: the widths whose lowest seed is above 0.962 (w = 24's lowest is 0.9598, w = 32's 0.963)
    assert found["no_classical_overfit"].evidence["widths_above_widest"] == [32, 48, 64, 128, 256]
    assert "every seed of w = 32, 48, 64, 128 and 256 has a higher test accuracy than every seed of it" in text


@pytest.mark.parametrize("outcome", ["all", "none"])
def test_how_far_the_seeds_rank_the_top_widths(outcome):
    R, C, P, T = committed()
    assert original()["top_ranked"].outcome == "some"
    for i, w in enumerate([48, 64, 128, 256, 512]):
        set_width(R, w, "test_acc", [0.970 + 0.002 * i, 0.9705 + 0.002 * i, 0.971 + 0.002 * i] if outcome == "all"
                  else [0.975 + 0.0001 * i, 0.98, 0.97])
    found, text = found_and_text(R, C, P, T)
    assert found["top_ranked"].outcome == outcome
    assert {"all": "and the seeds rank them: the seeds of successive ones (by width) separate at every step",
            "none": "and the seeds do not rank them: successive ones (by width) overlap at every step"}[outcome] in text


# ---------------------------------------------------------------------------- losses
def test_a_training_loss_that_rises_with_width_is_said():
    R, C, P, T = committed()
    assert original()["train_trend"]["direction"].outcome == "falls"
    set_all(R, "train_loss", values(R, "train_loss")[::-1])
    found, text = found_and_text(R, C, P, T)
    assert found["train_trend"]["direction"].outcome == "rises"
    assert "The training loss rises with width" in text


def test_a_training_loss_that_falls_at_every_step_with_separated_seeds():
    R, C, P, T = committed()
    assert original()["train_trend"]["monotone"].outcome == "not_every"
    assert original()["train_trend"]["separation"].outcome == "some"
    set_all(R, "train_loss", [[1.0 - 0.08 * i, 1.001 - 0.08 * i, 1.002 - 0.08 * i] for i in range(12)])
    found, text = found_and_text(R, C, P, T)
    trend = found["train_trend"]
    assert trend["monotone"].outcome == "every" and trend["separation"].outcome == "all"
    assert ("The training loss falls with width (ρ = -1.00, interval -1.00 to -1.00), the mean falls at every one "
            "of the eleven steps,\nand the seeds of successive widths separate at every step") in text


def test_a_lowest_test_loss_separated_from_the_runner_up():
    R, C, P, T = committed()
    assert not original()["lowest_test_vs_runner_up"].holds
    set_width(R, 256, "test_loss", [0.05, 0.051, 0.052])
    found, text = found_and_text(R, C, P, T)
    assert found["lowest_test_vs_runner_up"].holds
    assert "The test loss has its lowest mean at w=256 (0.051), every seed of it below every seed of the " \
           "runner-up, w = 128 (0.086)" in text


def set_gaps(R, gaps):
    """Test losses = training losses + these per-seed gaps."""
    train = values(R, "train_loss")
    set_all(R, "test_loss", [[t + g for t, g in zip(ts, gs)] for ts, gs in zip(train, gaps)])


def test_a_gap_that_shrinks_with_size_is_said():
    R, C, P, T = committed()
    assert original()["gap_trend"]["direction"].outcome == "rises"
    set_gaps(R, [[0.1 - 0.008 * i, 0.101 - 0.008 * i, 0.1005 - 0.008 * i] for i in range(12)])
    found, text = found_and_text(R, C, P, T)
    assert found["gap_trend"]["direction"].outcome == "falls"
    assert "The generalization gap in loss (test − train, per seed) shrinks with size" in text
    assert not found["gap_halves"].holds


def test_a_gap_that_grows_at_every_step_with_separated_seeds():
    R, C, P, T = committed()
    assert original()["gap_trend"]["monotone"].outcome == "not_every"
    assert original()["gap_trend"]["separation"].outcome == "some"
    set_gaps(R, [[0.01 * i, 0.001 + 0.01 * i, 0.002 + 0.01 * i] for i in range(12)])
    found, text = found_and_text(R, C, P, T)
    assert found["gap_trend"]["monotone"].outcome == "every" and found["gap_trend"]["separation"].outcome == "all"
    gap = comments(text).split("The generalization gap")[1]
    assert "the mean rises at every one of the eleven steps, and the seeds of successive widths separate at every" \
           " step" in gap.replace("\n", " ")


def test_gaps_of_the_two_halves_that_overlap():
    R, C, P, T = committed()
    assert original()["gap_halves"].holds
    set_width(R, 2, "test_loss", [r["train_loss"] + 0.1 for r in model(R, 2)["runs"]])
    found, text = found_and_text(R, C, P, T)
    assert not found["gap_halves"].holds
    assert "the gaps of the six largest widths (0.044 to 0.077) and of the six smallest (−0.002 to 0.100) overlap" \
           in text


@pytest.mark.parametrize("train, test, outcome, phrase", [
    ([0.02, 0.021, 0.022], [0.1, 0.101, 0.102], "both_separated",
     "The largest net (w = 512) ends worse than w = 256 in both train and test loss (0.021 / 0.101 vs 0.011 / "
     "0.082, means; every seed of it above every seed of w = 256 in both)"),
    ([0.02, 0.021, 0.022], None, "one_separated", "but its seeds separate in only one of the two (w = 512 has "
     "3 of its 3 seeds above every w = 256 seed in training loss and 1 of 3 in test loss)"),
    ([0.001, 0.002, 0.003], [0.05, 0.051, 0.052], "not_worse", None),
])
def test_the_largest_net_against_the_next(train, test, outcome, phrase):
    R, C, P, T = committed()
    assert original()["widest_vs_next"].outcome == "overlapping"
    set_width(R, 512, "train_loss", train)
    if test:
        set_width(R, 512, "test_loss", test)
    found, text = found_and_text(R, C, P, T)
    assert found["widest_vs_next"].outcome == outcome
    if phrase:
        assert phrase in text
    else:
        assert "The largest net (w = 512) ends" not in text


# ---------------------------------------------------------------------------- the shape, on hand-built nets
def test_the_shape_is_read_from_the_parameter_counts():
    from common.models import count_params, mlp
    nets = [{"width": w, "params": count_params(mlp(20, [w] * 3, 4))} for w in (2, 5, 9, 30)]
    assert shape_of(nets) == (20, 3, 4)
    nets = [{"width": w, "params": count_params(mlp(784, [w], 10))} for w in (2, 5, 9)]
    assert shape_of(nets) == (784, 1, 10)
    nets[1]["params"] += 1
    assert shape_of(nets) is None
