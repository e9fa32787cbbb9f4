"""The width-sweep section: every claim flips when the per-seed results contradict it, and the
section then says the other phrasing (or fails to render, for the statements it may only make
when true)."""
import functools

import numpy as np
import pytest

from common.claims import all_claims, cap, count, fix, listing, pct
from findings.hw1_3_params import shape_of
from tests import findings_data
from tests.findings_data import reviewed, findings_of

NAME = "hw1_3_params"
SOURCE = "hw1_3_params_mnist"


@functools.lru_cache(maxsize=1)
def original():
    """The findings of the reviewed results (computed once: inference.level_trend takes seconds)."""
    return findings_of(NAME, *reviewed())


def found_and_text(R, C, P, T):
    return findings_data.rendered(NAME, R, C, P, T)


def fails_to_render(R, C, P, T):
    """The findings of (R, C, P, T), after checking that they fail the render."""
    return findings_data.fails_to_render(NAME, R, C, P, T)


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


def separate(a, b):
    """By hand: the seed ranges of a and b do not overlap."""
    return min(a) > max(b) or min(b) > max(a)


def above_every(a, b):
    """By hand: how many values of a exceed every value of b."""
    return sum(x > max(b) for x in a)


def signed_range(values, decimals=3):
    """'−0.002 to 0.043', as the section writes a range of gaps."""
    return f"{fix(min(values), decimals)} to {fix(max(values), decimals)}".replace("-", "−")


def decimals_apart(values):
    """By hand: the fewest decimals, 3 to 5, at which the distinct values all print differently."""
    return next((d for d in (3, 4, 5) if len({fix(v, d) for v in set(values)}) == len(set(values))), 5)


def pair(a, b):
    """By hand: 'a vs b' with enough decimals to tell them apart."""
    d = decimals_apart([a, b])
    return f"{fix(a, d)} vs {fix(b, d)}"


# ---------------------------------------------------------------------------- the reviewed results
def test_the_reviewed_results_render():
    from common.models import count_params, mlp
    R, C, P, T = reviewed()
    found, text = found_and_text(R, C, P, T)
    # every claim is printed in the phrasing of its current outcome
    claims = all_claims(found)
    assert {name for name, _ in claims} >= {"shape", "complete", "collapsed", "best", "best_vs_runner_up",
                                            "lowest_test_vs_runner_up", "gap_halves", "no_classical_overfit",
                                            "gap_confound", "saturation", "loss_overfit", "overfit_verdict",
                                            "widest_vs_next", "top_ranked", "acc_trend.direction"}
    for name, c in claims:
        assert str(c) in text, name
    # the shape, by hand: the parameter counts of 784-w-...-w-10 MLPs of some depth
    models = R[SOURCE]["models"]
    depths = [d for d in range(1, 5) if all(m["params"] == count_params(mlp(784, [m["width"]] * d, 10))
                                            for m in models)]
    assert len(depths) == 1
    assert f"{cap(count(len(models), 'MLP'))} {'-'.join(['784', *['w'] * depths[0], '10'])}" in text
    # the collapsed seeds, by hand: test accuracy under 1.5 / 10
    collapsed = [(m["width"], r["seed"], r["test_acc"]) for m in models for r in m["runs"] if r["test_acc"] < 0.15]
    assert found["collapsed"].holds == bool(collapsed)
    for width, seed, acc in collapsed:
        assert f"{seed} of w = {width} ends at {pct(acc, 2)} test accuracy" in text
    # the separated steps of test accuracy, by hand
    acc = values(R, "test_acc")
    assert found["acc_trend"]["separated_steps"] == sum(separate(a, b) for a, b in zip(acc, acc[1:]))
    assert "the largest net has the best test accuracy" not in text


# ---------------------------------------------------------------------------- settings
def test_parameter_counts_of_no_mlp_shape_fail_the_render():
    R, C, P, T = reviewed()
    assert original()["shape"].holds
    model(R, 8)["params"] += 1
    assert not fails_to_render(R, C, P, T)["shape"].holds


def test_a_configured_width_without_runs_fails_the_render():
    R, C, P, T = reviewed()
    assert original()["complete"].holds
    C[SOURCE]["widths"] = C[SOURCE]["widths"] + [1024]
    assert not fails_to_render(R, C, P, T)["complete"].holds


# ---------------------------------------------------------------------------- test accuracy over the widths
def test_test_accuracy_that_falls_with_width_is_said():
    R, C, P, T = reviewed()
    assert original()["acc_trend"]["direction"].outcome == "rises"
    set_all(R, "test_acc", values(R, "test_acc")[::-1])
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["direction"].outcome == "falls"
    assert "Test accuracy falls with width" in text


def test_test_accuracy_that_does_not_rise_at_every_step():
    R, C, P, T = reviewed()
    ws = widths(R)
    # the measured seeds, the widths' sets ordered by their mean: the mean rises at every step
    rising = sorted(values(R, "test_acc"), key=np.mean)
    assert all(np.mean(a) < np.mean(b) for a, b in zip(rising, rising[1:]))
    set_all(R, "test_acc", rising)
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["direction"].outcome == "rises"
    # some of those steps overlap the seeds: the rise is stated overall, not at every step
    assert found["acc_trend"]["separation"].outcome == "some"
    assert found["acc_trend"]["monotone"].outcome == "overall"
    assert "an overall trend, not one resolved step by step" in text
    assert "at every one of the" not in comments(text).split("The highest mean")[0]
    # every step separates the seeds: a rise at every step
    apart = [[0.1 + 0.07 * i, 0.101 + 0.07 * i, 0.102 + 0.07 * i] for i in range(len(ws))]
    set_all(R, "test_acc", apart)
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["monotone"].outcome == "every"
    assert f"the mean rises at every one of the {count(len(ws) - 1)} steps, each step separating the seeds" in text
    # swap the two widths before the widest: that one step falls, the seeds separated
    set_width(R, ws[-3], "test_acc", apart[-2])
    set_width(R, ws[-2], "test_acc", apart[-3])
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["direction"].outcome == "rises"
    assert found["acc_trend"]["monotone"].outcome == "not_every"
    assert f"though not at every step: it falls, the seeds separated, at w = {ws[-3]} → {ws[-2]}," in text
    # the same swap with overlapping seeds: the dip of the means is not read as a fall
    set_width(R, ws[-3], "test_acc", [apart[-2][0], 0.95, 0.2])
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["monotone"].outcome == "overall" and "it falls" not in text


@pytest.mark.parametrize("seeds, outcome, phrase", [
    (lambda i: [0.1 + 0.07 * i, 0.101 + 0.07 * i, 0.102 + 0.07 * i], "all",
     "the seeds of successive widths separate at every step"),
    (lambda i: [0.5 + 0.001 * i, 0.9, 0.2], "none", "the seeds of successive widths overlap at every step"),
])
def test_how_far_the_seeds_separate_the_widths(seeds, outcome, phrase):
    R, C, P, T = reviewed()
    assert original()["acc_trend"]["separation"].outcome == "some"
    set_all(R, "test_acc", [seeds(i) for i in range(len(widths(R)))])
    found, text = found_and_text(R, C, P, T)
    assert found["acc_trend"]["separation"].outcome == outcome
    assert phrase in comments(text).split("The highest mean")[0]


def test_no_collapsed_seed_is_said():
    R, C, P, T = reviewed()
    assert original()["collapsed"].holds
    assert original()["collapsed"].evidence["seeds"] == [(2, "s1", 0.1135, pytest.approx(2.3012, abs=1e-4))]
    set_width(R, 2, "test_acc", [0.488, 0.5, 0.6837])
    found, text = found_and_text(R, C, P, T)
    assert not found["collapsed"].holds
    assert "No seed collapsed to chance level: every test accuracy is above 15%" in text


def test_a_collapsed_seed_of_another_width_is_named():
    R, C, P, T = reviewed()
    set_width(R, 2, "test_acc", [0.488, 0.5, 0.6837])
    set_width(R, 64, "test_acc", [0.9737, 0.0980, 0.972])
    found, text = found_and_text(R, C, P, T)
    assert found["collapsed"].holds
    assert "One seed collapsed to chance level (test accuracy under 15%): s1 of w = 64 ends at 9.80%" in text


# ---------------------------------------------------------------------------- the best widths
def test_a_best_width_whose_wider_nets_fall_below_it():
    R, C, P, T = reviewed()
    assert original()["best"].outcome == "tier" and original()["best"].evidence["best"] == 512
    set_width(R, 256, "test_acc", [0.99, 0.991, 0.992])
    found, text = found_and_text(R, C, P, T)
    assert found["best"].outcome == "falls"
    assert ("The highest mean test accuracy is 99.10% at w = 256 (269,322 params), and test accuracy falls past the "
            "best widths: every seed of a wider net lies below every seed of a narrower top one (w = 512 below "
            "w = 256)") in text
    assert found["best"].evidence["tier"] == [256]
    # and then the largest net overfits in the classical sense
    assert not found["no_classical_overfit"].holds
    assert "and the largest net (w = 512) overfits in the classical sense: every seed of w = 256" in text
    assert "do not overfit in the classical sense" not in text


def test_a_best_width_whose_wider_nets_overlap_it():
    R, C, P, T = reviewed()
    set_width(R, 256, "test_acc", [0.9818, 0.9788, 0.9830])          # w = 512: 0.9824, 0.9800, 0.9793
    found, text = found_and_text(R, C, P, T)
    assert found["best"].outcome == "tier" and found["best"].evidence["best"] == 256
    tier = found["best"].evidence["tier"]
    assert 256 in tier and 512 in tier
    assert ("at w = 256 (269,322 params), but the seeds do not single out a best width: no width lies above "
            f"w = {listing(tier)} on every seed, and no wider net below any of them") in text
    assert found["no_classical_overfit"].holds
    # the same widths with w = 512's mean the highest: the same outcome (which of two overlapping widths has the
    # higher mean turned with the machine), now the widest net's
    set_width(R, 256, "test_acc", [0.9810, 0.9788, 0.9800])
    found, text = found_and_text(R, C, P, T)
    assert found["best"].outcome == "tier" and found["best"].evidence["best"] == 512
    assert 256 in found["best"].evidence["tier"] and "(669,706 params; the widest net)" in text


def test_a_best_width_separated_from_the_runner_up():
    R, C, P, T = reviewed()
    ws = widths(R)
    best, runner = ws[-1], ws[-2]
    for w, vs in zip(ws[:-2], values(R, "test_acc")[:-2]):      # every other width below both
        set_width(R, w, "test_acc", [min(v, 0.97) for v in vs])
    runner_acc, best_acc = [0.979, 0.981, 0.983], [0.980, 0.982, 0.984]     # the best mean, seeds overlapping
    set_width(R, runner, "test_acc", runner_acc)
    set_width(R, best, "test_acc", best_acc)
    found, text = found_and_text(R, C, P, T)
    assert found["best"].outcome == "tier" and not found["best_vs_runner_up"].holds
    assert (f"but its seeds overlap those of the runner-up, w = {runner} ({pct(np.mean(runner_acc), 2)}): "
            f"w = {best} has {above_every(best_acc, runner_acc)} of its 3 seeds above every w = {runner} seed and "
            f"w = {runner} {above_every(runner_acc, best_acc)} of its 3 above every w = {best} seed") in text
    assert "the seeds do not rank them" in text
    set_width(R, best, "test_acc", [0.985, 0.986, 0.987])
    found, text = found_and_text(R, C, P, T)
    assert found["best_vs_runner_up"].holds
    assert found["best"].outcome == "alone" and "every seed of it above every seed of every other width" in text
    assert (f"and every one of its seeds lies above every seed of the runner-up, w = {runner} "
            f"({pct(np.mean(runner_acc), 2)}; permutation p = ") in text
    assert "the seeds do not rank them" not in text


def test_a_largest_net_below_many_widths_overfits():
    R, C, P, T = reviewed()
    assert original()["no_classical_overfit"].holds
    set_width(R, 512, "test_acc", [0.960, 0.961, 0.962])
    found, text = found_and_text(R, C, P, T)
    assert not found["no_classical_overfit"].holds
    # by hand: the widths whose lowest seed is above 0.962 (w = 24's lowest is 0.9598, w = 32's 0.963)
    assert found["no_classical_overfit"].evidence["widths_above_widest"] == [32, 48, 64, 128, 256]
    assert "every seed of w = 32, 48, 64, 128 and 256 has a higher test accuracy than every seed of it" in text


@pytest.mark.parametrize("outcome", ["all", "none"])
def test_how_far_the_seeds_rank_the_top_widths(outcome):
    R, C, P, T = reviewed()
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
    R, C, P, T = reviewed()
    assert original()["train_trend"]["direction"].outcome == "falls"
    set_all(R, "train_loss", values(R, "train_loss")[::-1])
    found, text = found_and_text(R, C, P, T)
    assert found["train_trend"]["direction"].outcome == "rises"
    assert "The training loss rises with width" in text


def test_a_training_loss_that_falls_at_every_step_with_separated_seeds():
    R, C, P, T = reviewed()
    assert original()["train_trend"]["monotone"].outcome == "overall"
    assert original()["train_trend"]["separation"].outcome == "some"
    set_all(R, "train_loss", [[1.0 - 0.08 * i, 1.001 - 0.08 * i, 1.002 - 0.08 * i] for i in range(12)])
    found, text = found_and_text(R, C, P, T)
    trend = found["train_trend"]
    assert trend["monotone"].outcome == "every" and trend["separation"].outcome == "all"
    assert ("The training loss falls with width (ρ = -1.00, interval -1.00 to -1.00), the mean falls at every one "
            "of the eleven steps, each step separating the seeds,\nand the seeds of successive widths separate at "
            "every step") in text


def test_a_lowest_test_loss_separated_from_the_runner_up():
    R, C, P, T = reviewed()
    for w, vs in zip(widths(R), values(R, "test_loss")):           # every width above the two below
        set_width(R, w, "test_loss", [max(v, 0.1) for v in vs])
    lowest = [0.05, 0.051, 0.052]
    set_width(R, 256, "test_loss", lowest)
    runner = [0.0505, 0.06, 0.07]                                   # overlapping the lowest
    set_width(R, 128, "test_loss", runner)
    found, text = found_and_text(R, C, P, T)
    assert not found["lowest_test_vs_runner_up"].holds
    assert (f"The test loss has its lowest mean at w=256 ({fix(np.mean(lowest))}), its seeds overlapping those of "
            f"the runner-up, w = 128 ({fix(np.mean(runner))}; w = 128 has {above_every(runner, lowest)} of its 3 "
            f"seeds with a higher (worse) test loss than every w = 256 seed, w = 256 {above_every(lowest, runner)} of "
            "its 3 with a higher (worse) test loss than every w = 128 seed)") in text
    runner = [0.06, 0.061, 0.062]                                   # every seed above every seed of the lowest
    set_width(R, 128, "test_loss", runner)
    found, text = found_and_text(R, C, P, T)
    assert found["lowest_test_vs_runner_up"].holds
    assert (f"The test loss has its lowest mean at w=256 ({fix(np.mean(lowest))}), every seed of it below every "
            f"seed of the runner-up, w = 128 ({fix(np.mean(runner))})") in text


def set_gaps(R, gaps):
    """Test losses = training losses + these per-seed gaps."""
    train = values(R, "train_loss")
    set_all(R, "test_loss", [[t + g for t, g in zip(ts, gs)] for ts, gs in zip(train, gaps)])


def test_a_gap_that_shrinks_with_size_is_said():
    R, C, P, T = reviewed()
    assert original()["gap_trend"]["direction"].outcome == "rises"
    set_gaps(R, [[0.1 - 0.008 * i, 0.101 - 0.008 * i, 0.1005 - 0.008 * i] for i in range(12)])
    found, text = found_and_text(R, C, P, T)
    assert found["gap_trend"]["direction"].outcome == "falls"
    assert "The generalization gap in loss (test − train, per seed) shrinks with size" in text
    assert not found["gap_halves"].holds


def test_a_gap_that_grows_at_every_step_with_separated_seeds():
    R, C, P, T = reviewed()
    assert original()["gap_trend"]["monotone"].outcome == "overall"
    assert original()["gap_trend"]["separation"].outcome == "some"
    set_gaps(R, [[0.01 * i, 0.001 + 0.01 * i, 0.002 + 0.01 * i] for i in range(12)])
    found, text = found_and_text(R, C, P, T)
    assert found["gap_trend"]["monotone"].outcome == "every" and found["gap_trend"]["separation"].outcome == "all"
    gap = comments(text).split("The generalization gap")[1]
    assert ("the mean rises at every one of the eleven steps, each step separating the seeds, and the seeds of "
            "successive widths separate at every step") in gap.replace("\n", " ")


def gap_halves(R):
    """By hand: the per-seed gaps (test − train) of the smaller and the larger half of the widths."""
    gaps = [[te - tr for te, tr in zip(tes, trs)] for tes, trs in zip(values(R, "test_loss"), values(R, "train_loss"))]
    half = len(gaps) // 2
    return [g for gs in gaps[:half] for g in gs], [g for gs in gaps[half:] for g in gs], half, len(gaps) - half


def test_gaps_of_the_two_halves_that_overlap():
    R, C, P, T = reviewed()
    n = len(widths(R))
    set_gaps(R, [[0.002 * i, 0.0005 + 0.002 * i, 0.001 + 0.002 * i] if i < n // 2 else
                 [0.04 + 0.005 * i, 0.041 + 0.005 * i, 0.042 + 0.005 * i] for i in range(n)])
    small, big, n_small, n_big = gap_halves(R)
    assert min(big) > max(small)
    found, text = found_and_text(R, C, P, T)
    assert found["gap_halves"].holds
    d = decimals_apart([min(small), max(small), min(big), max(big)])
    assert (f"every seed of the {count(n_big)} largest widths has a larger gap ({signed_range(big, d)}) than every "
            f"seed of the {count(n_small)} smallest ({signed_range(small, d)})") in text
    set_width(R, widths(R)[0], "test_loss", [r["train_loss"] + 0.1 for r in model(R, widths(R)[0])["runs"]])
    small, big, n_small, n_big = gap_halves(R)
    found, text = found_and_text(R, C, P, T)
    assert not found["gap_halves"].holds
    d = decimals_apart([min(small), max(small), min(big), max(big)])
    assert (f"the gaps of the {count(n_big)} largest widths ({signed_range(big, d)}) and of the {count(n_small)} "
            f"smallest ({signed_range(small, d)}) overlap: {above_every(big, small)} of the {len(big)} seeds of the "
            "largest have a larger gap than every seed of the smallest") in text


def widest_vs_next_text(R, C, outcome):
    """By hand: the sentence on the largest net against the next narrower one, for this outcome."""
    ww, nw = widths(R)[-1], widths(R)[-2]
    train_w, test_w = [r["train_loss"] for r in model(R, ww)["runs"]], [r["test_loss"] for r in model(R, ww)["runs"]]
    train_n, test_n = [r["train_loss"] for r in model(R, nw)["runs"]], [r["test_loss"] for r in model(R, nw)["runs"]]
    means = (f"training loss {pair(np.mean(train_w), np.mean(train_n))}, test loss "
             f"{pair(np.mean(test_w), np.mean(test_n))}, means")
    counts = (f"w = {ww} has {above_every(train_w, train_n)} of its {len(train_w)} seeds with a higher (worse) "
              f"training loss than every w = {nw} seed and {above_every(test_w, test_n)} of {len(test_w)} with a "
              "higher (worse) test loss")
    return {"both_separated": f"The largest net (w = {ww}) ends worse than w = {nw} in both train and test loss "
                              f"({means}; every seed of it higher (worse) than every seed of w = {nw} in both)",
            "one_separated": f"The largest net (w = {ww}) ends with higher (worse) mean train and test losses than "
                             f"w = {nw} ({means}) after the same {C[SOURCE]['epochs']} epochs, but its seeds "
                             f"separate in only one of the two ({counts})",
            "overlapping": f"The largest net (w = {ww}) ends with higher (worse) mean train and test losses than "
                           f"w = {nw} after the same {C[SOURCE]['epochs']} epochs ({means}), but the seeds do not "
                           f"resolve either: they overlap in both ({counts})"
            }.get(outcome)


@pytest.mark.parametrize("train, test, outcome", [
    ([0.02, 0.021, 0.022], [0.1, 0.101, 0.102], "both_separated"),
    ([0.02, 0.021, 0.022], None, "one_separated"),
    (None, [0.1, 0.101, 0.102], "one_separated"),
    ([0.001, 0.002, 0.003], [0.05, 0.051, 0.052], "not_worse"),
])
def test_the_largest_net_against_the_next(train, test, outcome):
    R, C, P, T = reviewed()
    ww, nw = widths(R)[-1], widths(R)[-2]
    set_width(R, nw, "train_loss", [0.010, 0.011, 0.012])
    set_width(R, nw, "test_loss", [0.080, 0.081, 0.082])
    set_width(R, ww, "train_loss", [0.0115, 0.013, 0.014])        # higher means, overlapping seeds in both
    set_width(R, ww, "test_loss", [0.0815, 0.083, 0.084])
    found, text = found_and_text(R, C, P, T)
    assert found["widest_vs_next"].outcome == "overlapping"
    assert widest_vs_next_text(R, C, "overlapping") in text
    if train:
        set_width(R, ww, "train_loss", train)
    if test:
        set_width(R, ww, "test_loss", test)
    found, text = found_and_text(R, C, P, T)
    assert found["widest_vs_next"].outcome == outcome
    if outcome != "not_worse":
        assert widest_vs_next_text(R, C, outcome) in text
    else:
        assert f"The largest net (w = {ww}) ends" not in text


# ---------------------------------------------------------------------------- the shape, on hand-built nets
def test_the_shape_is_read_from_the_parameter_counts():
    from common.models import count_params, mlp
    nets = [{"width": w, "params": count_params(mlp(20, [w] * 3, 4))} for w in (2, 5, 9, 30)]
    assert shape_of(nets) == (20, 3, 4)
    nets = [{"width": w, "params": count_params(mlp(784, [w], 10))} for w in (2, 5, 9)]
    assert shape_of(nets) == (784, 1, 10)
    nets[1]["params"] += 1
    assert shape_of(nets) is None


# ---------------------------------------------------------------------------- review A3, A6, B4, B5
def test_the_reviewed_verdict_on_classical_overfitting():
    """A3: no overfitting in accuracy (no width above the largest; accuracy saturates), and the loss is
    not resolved (the lowest mean test loss is at a smaller width whose seeds overlap the largest's)."""
    R, C, P, T = reviewed()
    found, text = found_and_text(R, C, P, T)
    ws, acc, test = widths(R), values(R, "test_acc"), values(R, "test_loss")
    assert found["no_classical_overfit"].holds
    # by hand: the first width from which no two widths separate
    start = min(i for i in range(len(ws)) if not any(separate(acc[a], acc[b]) for a in range(i, len(ws))
                                                     for b in range(a + 1, len(ws))))
    assert ws[start] == 128 and found["saturation"].evidence["plateau_from"] == 128
    assert (f"from w = {ws[start]} on they resolve no change in test accuracy: the seeds of every two widths from "
            "w = 128 to w = 512 overlap (means ") in text
    low = int(np.argmin([np.mean(v) for v in test]))
    assert ws[low] == 128 and not separate(test[low], test[-1])
    assert found["loss_overfit"].outcome == "overlapping"
    assert (f"In test loss the largest net is higher (worse) than w = 128, the width of the lowest mean "
            f"({pair(np.mean(test[-1]), np.mean(test[low]))}, means)") in text
    assert "but the seeds of the two overlap" in text
    assert ("So three seeds resolve no classical overfitting in test accuracy (the slides expect none), nor in test "
            "loss (the seeds overlap).") in text
    assert "does not cost" not in text and "saturates" not in text      # overlapping seeds show no absence
    assert "do not overfit in the classical sense" not in text


@pytest.mark.parametrize("widest_test, widest_train, outcome, phrase", [
    ([0.095, 0.096, 0.097], [0.001, 0.0011, 0.0012], "separated", "but overfitting in test loss."),
    ([0.095, 0.096, 0.097], [0.03, 0.031, 0.032], "worse_fit", "and a worse fit, not overfitting, in test loss."),
    ([0.095, 0.096, 0.097], None, "fit_unresolved",          # the measured training losses: the seeds overlap
     "and a higher test loss they do not resolve as overfitting or a worse fit."),
    ([0.06, 0.061, 0.062], None, "widest", "nor in test loss, where the largest net has the lowest mean."),
])
def test_the_loss_side_of_the_overfitting_verdict(widest_test, widest_train, outcome, phrase):
    R, C, P, T = reviewed()
    set_width(R, 512, "test_loss", widest_test)
    if widest_train:
        set_width(R, 512, "train_loss", widest_train)
    found, text = found_and_text(R, C, P, T)
    assert found["loss_overfit"].outcome == outcome
    assert "nor in test loss (the seeds overlap)" not in text
    assert (f"So three seeds resolve no classical overfitting in test accuracy (the slides expect none), {phrase}"
            in text)
    if outcome == "separated":
        assert ("In test loss every seed of the largest net is higher (worse) than every seed of w = 128, the width "
                "of the lowest mean") in text
    if outcome == "worse_fit":
        assert "but so is its training loss on every seed" in text and "it fits worse, it does not overfit" in text
    if outcome == "fit_unresolved":               # the mean training loss is lower, but the seeds do not say so
        assert found["loss_overfit"].evidence["train_lower_at_widest"]
        assert "while the seeds do not order their training losses" in text and "overfitting in test loss" not in text


def test_accuracy_that_does_not_saturate():
    R, C, P, T = reviewed()
    set_width(R, 512, "test_acc", [0.985, 0.986, 0.987])        # above every seed of w = 256 (and of 128)
    found, text = found_and_text(R, C, P, T)
    assert not found["saturation"].holds
    assert "; the seeds of the two largest widths, w = 256 and w = 512, separate in test accuracy." in text
    assert "resolve no change in test accuracy" not in text


def test_the_gap_names_the_under_fitting_of_the_narrow_nets():
    """A6: every width trains the same epochs, so the narrow nets end at far higher training losses."""
    R, C, P, T = reviewed()
    found, text = found_and_text(R, C, P, T)
    train = values(R, "train_loss")
    small, big = [t for v in train[:6] for t in v], [t for v in train[6:] for t in v]
    assert min(small) > max(big) and found["gap_confound"].holds
    means = [np.mean(v) for v in train]
    lowest = min(means)
    assert (f"(but every width trains the same 10 epochs, so the gap is compared at very different training losses: "
            f"the narrow nets are under-fitted, every seed of the six smallest widths ends at a higher training loss "
            f"than every seed of the six largest (means {fix(min(means[:6]))} to {fix(max(means[:6]))} against "
            f"{fix(min(means[6:]))} to {fix(max(means[6:]))}, ") in text
    assert max(means[:6]) / lowest > 100               # the ~100x of the review
    # training losses of the two halves that overlap: the under-fitting is no longer said
    set_all(R, "train_loss", [[0.05, 0.06, 0.07]] * len(widths(R)))
    found, text = found_and_text(R, C, P, T)
    assert not found["gap_confound"].holds
    assert "under-fitted" not in text
    assert ("(every width trains the same 10 epochs; the training losses of the six smallest widths (means 0.060 to "
            "0.060) overlap those of the six largest (0.060 to 0.060))") in text


def test_no_comparison_prints_two_different_numbers_alike():
    """B4: the largest net against the next prints its test-loss means with enough digits (0.0881 vs
    0.0880, not 0.088 vs 0.088), the gap ranges likewise (0.0433 vs 0.0425); B5: losses say 'higher (worse)'."""
    R, C, P, T = reviewed()
    found, text = found_and_text(R, C, P, T)
    test = values(R, "test_loss")
    a, b = np.mean(test[-1]), np.mean(test[-2])
    assert fix(a) == fix(b) and fix(a, 4) != fix(b, 4)            # the case the review names
    assert f"test loss {fix(a, 4)} vs {fix(b, 4)}, means" in text
    assert "ends with higher (worse) mean train and test losses than w = 256" in text
    assert "but the seeds do not resolve either: they overlap in both" in text
    assert "about the same" not in text                      # overlapping seeds are not shown to be the same
    assert "larger gap (0.0433 to 0.0844) than every seed of the six smallest (−0.0015 to 0.0425)" in text
    loss_part = comments(text).split("The training loss")[1]                 # accuracy may say 'above'
    assert "above every w =" not in loss_part
    assert "w = 256 has 0 of its 3 seeds with a higher (worse) test loss than every w = 128 seed" in loss_part
    # equal means print as such
    set_width(R, 512, "test_loss", [0.0880, 0.0881, 0.0882])
    set_width(R, 256, "test_loss", [0.0879, 0.0881, 0.0883])
    set_width(R, 512, "train_loss", [0.0140, 0.0141, 0.0142])
    found, text = found_and_text(R, C, P, T)
    assert found["widest_vs_next"].outcome == "not_worse"     # equal means: not 'higher' in both
    from findings.hw1_3_params import versus
    assert versus(0.08810, 0.08810) == "0.088 vs 0.088 (equal at the printed precision)"
    assert versus(0.088131, 0.087963) == "0.0881 vs 0.0880"


@pytest.mark.parametrize("w256", [[0.982, 0.987, 0.990], [0.980, 0.9865, 0.988]])
def test_the_best_outcome_does_not_follow_which_overlapping_width_has_the_top_mean(w256):
    """w = 512 lies below w = 128 on every seed and overlaps w = 256, which overlaps w = 128: with w = 256's
    mean above w = 128's or below it, the outcome is the same ("falls": a wider net below a top one)."""
    R, C, P, T = reviewed()
    set_width(R, 128, "test_acc", [0.985, 0.986, 0.987])
    set_width(R, 256, "test_acc", w256)
    set_width(R, 512, "test_acc", [0.981, 0.982, 0.984])
    found, text = found_and_text(R, C, P, T)
    assert found["best"].outcome == "falls" and (128, 512) in found["best"].evidence["falls_below"]
    assert found["best"].evidence["tier"] == [128, 256]
    assert "(w = 512 below w = 128)" in text
