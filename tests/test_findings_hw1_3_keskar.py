"""The Keskar replication section: how the runs stopped, phi of the large against the small batch
beside Keskar et al.'s Tables 2 and 3 (ratio and spreads), what phi is at these points, the final
losses, accuracies and the generalization gap, and where the two batch sizes separate along
training; each claim is driven both ways by results that support one outcome, then the other."""
import numpy as np
import pytest

from common.claims import ReportError, count
from tests.findings_data import reviewed, findings_of, rendered

NAME = "hw1_3_keskar"


def results():
    R, C, P, T = reviewed()
    return R, C, P, T, R[NAME]


def runs(k, size):
    return sorted((r for r in k["runs"] if r["size"] == size), key=lambda r: r["seed"])


def set_values(k, size, key, values):
    for r, v in zip(runs(k, size), values):
        r[key] = float(v)


def set_phi(k, size, eps, values, first_share=0.1):
    set_values(k, size, f"keskar_{eps}", values)
    set_values(k, size, f"corner_{eps}", values)
    set_values(k, size, f"first_order_{eps}", [first_share * v for v in values])


def spread(n, low, step=0.1):
    return [low + step * j for j in range(n)]


def found_and_text(R, C, P, T):
    return rendered(NAME, R, C, P, T)


def test_the_reviewed_results_render_the_section():
    R, C, P, T, k = results()
    found, text = found_and_text(R, C, P, T)
    assert found["width"] == k["width"] and found["n_seeds"] == len(k["seeds"])
    assert f"at width **{k['width']}**" in text and "205.14 ± 69.52" in text and "99.66%" in text
    assert len(found["along_table"]["rows"]) >= 2
    # the outcomes of the reviewed results (each is driven both ways by the tests below)
    assert found["stopped"].holds and found["curvature"].holds and found["as_keskar"].outcome == "second half"
    assert [c["seeds"].outcome for c in found["comparisons"]] == ["large above", "large above"]
    assert [c["ratio_size"].outcome for c in found["comparisons"]] == ["smaller", "smaller"]
    assert [c["pairs"].outcome for c in found["comparisons"]] == ["all short", "all short"]
    assert found["loss_inflates"].outcome == "short, inflated" and not found["first_point"].holds
    assert found["test_loss"].outcome == "overlap" and found["loss_gap"].outcome == "small above"
    assert found["same_loss"].outcome == "large above" and found["accuracy_order"].outcome == "overlap"
    assert found["test_gap"].outcome == "small above"
    assert found["phi_along"].outcome == found["eig_along"].outcome == "crossed"


def test_numbers_by_hand():
    R, C, P, T, k = results()
    found = findings_of(NAME, R, C, P, T)
    small = np.mean([r["keskar_0.001"] for r in runs(k, "small")])
    large = np.mean([r["keskar_0.001"] for r in runs(k, "large")])
    assert found["comparisons"][0]["ratio"] == pytest.approx(large / small)
    assert found["comparisons"][0]["his_ratio"] == pytest.approx(205.14 / 1.23)
    assert found["table"]["rows"][1][6] == "x167" and found["table"]["rows"][2][6] == "x70"


def test_a_capped_run_is_said():
    R, C, P, T, k = results()
    for r in k["runs"]:
        r["stop"] = "accuracy"
    found, text = found_and_text(R, C, P, T)
    assert found["stopped"].holds and "No run reached the cap" in text
    runs(k, "small")[0]["stop"] = "cap"
    found, text = found_and_text(R, C, P, T)
    assert not found["stopped"].holds
    assert f"{runs(k, 'small')[0]['seed']} at batch {k['batches']['small']} reached the cap" in text
    assert "that run was still improving" in text


def test_large_above_small_overlap_and_the_reverse():
    R, C, P, T, k = results()
    n = len(k["seeds"])
    set_phi(k, "small", "0.001", spread(n, 1.0))
    set_phi(k, "large", "0.001", spread(n, 100.0))
    set_phi(k, "small", "0.0005", spread(n, 5.0))
    set_phi(k, "large", "0.0005", spread(n, 1.0))
    found, text = found_and_text(R, C, P, T)
    assert [c["seeds"].outcome for c in found["comparisons"]] == ["large above", "small above"]
    assert "At ε = 0.001, φ: every large-batch seed above every small-batch seed;" in text
    assert "At ε = 0.0005, φ: every small-batch seed above every large-batch seed;" in text
    set_phi(k, "large", "0.001", [0.5] + spread(n - 1, 100.0))
    found, text = found_and_text(R, C, P, T)
    assert found["comparisons"][0]["seeds"].outcome == "overlap"
    assert f"the seeds overlap ({n - 1} of {n} large-batch seeds above every small-batch seed, 0 of {n}" in text


@pytest.mark.parametrize("large, outcome, words", [(167.0, "larger", "is x1.0 larger than theirs (x167)"),
                                                   (10.0, "smaller", "is x17 smaller than theirs (x167)"),
                                                   (1000.0, "larger", "is x6.0 larger than theirs (x167)")])
def test_the_ratio_against_theirs(large, outcome, words):
    R, C, P, T, k = results()
    n = len(k["seeds"])
    set_phi(k, "small", "0.001", [1.0] * n)
    set_phi(k, "large", "0.001", [large] * n)
    found, text = found_and_text(R, C, P, T)
    assert found["comparisons"][0]["ratio_size"].outcome == outcome
    assert f"the ratio of the means, x{large:.1f}, {words}" in text


def test_our_seeds_against_their_spreads():
    """Our seeds' range against their mean ± std: above / below only when every seed lies outside."""
    R, C, P, T, k = results()
    n = len(k["seeds"])
    set_phi(k, "small", "0.001", [1.5] * n)          # theirs 1.23 ± 0.83
    set_phi(k, "large", "0.001", [300.0] * n)        # theirs 205.14 ± 69.52
    found, text = found_and_text(R, C, P, T)
    c = found["comparisons"][0]
    assert (c["small_place"].outcome, c["large_place"].outcome) == ("within", "above")
    assert (f"Our SB seeds (1.50 to 1.50) reach into their mean ± std (1.23 ± 0.83): {count(n)} of {count(n)} inside, "
            "our LB seeds (300.00 to 300.00) all lie above their mean + std (274.66)") in text
    set_phi(k, "large", "0.001", [100.0] * n)
    found, text = found_and_text(R, C, P, T)
    assert found["comparisons"][0]["large_place"].outcome == "below"
    assert "our LB seeds (100.00 to 100.00) all lie below their mean − std (135.62)" in text
    # one seed inside their band: not below, whatever the mean (here 100 + 40 / n, below 135.62)
    set_phi(k, "large", "0.001", [100.0] * (n - 1) + [140.0])
    found, text = found_and_text(R, C, P, T)
    assert np.mean(found["comparisons"][0]["large_place"].evidence["ours"]) < 135.62
    assert found["comparisons"][0]["large_place"].outcome == "within"
    # seeds on both sides of their band, none inside: not "within"
    set_phi(k, "large", "0.001", [100.0] * (n - 1) + [300.0])
    found, text = found_and_text(R, C, P, T)
    assert found["comparisons"][0]["large_place"].outcome == "straddle"
    assert "lie on both sides of their mean ± std (205.14 ± 69.52), none inside" in text


def test_the_first_order_share_at_the_end():
    R, C, P, T, k = results()
    for r in k["runs"]:
        r["first_order_0.001"] = 0.2 * r["keskar_0.001"]
    found, text = found_and_text(R, C, P, T)
    assert found["curvature"].holds and "at most 20% of φ at ε = 0.001 for every run" in text
    runs(k, "small")[0]["first_order_0.001"] = 0.7 * runs(k, "small")[0]["keskar_0.001"]
    found, text = found_and_text(R, C, P, T)
    assert not found["curvature"].holds and "more than half of φ at ε = 0.001 for some runs (up to 70%)" in text


def test_final_losses_apart_either_way_or_overlapping():
    R, C, P, T, k = results()
    n = len(k["seeds"])
    set_values(k, "small", "train_loss", [0.003] * n)
    set_values(k, "large", "train_loss", [0.015] * n)
    found, text = found_and_text(R, C, P, T)
    assert found["same_loss"].outcome == "large above"
    assert "the large batch's is x5.0 the small batch's (every large-batch seed above every small-batch seed)" in text
    set_values(k, "small", "train_loss", [0.03] * n)
    found, text = found_and_text(R, C, P, T)
    assert found["same_loss"].outcome == "small above" and "the small batch's is x2.0 the large batch's" in text
    set_values(k, "large", "train_loss", [0.03] * n)
    found, text = found_and_text(R, C, P, T)
    assert found["same_loss"].outcome == "overlap"
    assert "The final training losses of the two batch sizes overlap" in text


def test_training_accuracy_order_and_the_generalization_gap():
    R, C, P, T, k = results()
    n = len(k["seeds"])
    set_values(k, "small", "train_acc", [0.9991] * n)
    set_values(k, "large", "train_acc", [0.9993] * n)
    set_values(k, "small", "test_acc", spread(n, 0.980, 0.0001))
    set_values(k, "large", "test_acc", spread(n, 0.975, 0.0001))
    found, text = found_and_text(R, C, P, T)
    assert found["accuracy_order"].outcome == "large above" and found["test_gap"].outcome == "small above"
    assert "the large batch ends at the higher training accuracy (every large-batch seed above every small-batch " \
           "seed), as in their Table 2 (theirs: SB 99.66%, LB 99.92%)" in text
    assert "the small batch tests better, as Keskar et al. report" in text
    set_values(k, "large", "train_acc", [0.9990] * n)
    set_values(k, "large", "test_acc", spread(n, 0.985, 0.0001))
    found, text = found_and_text(R, C, P, T)
    assert found["accuracy_order"].outcome == "small above" and found["test_gap"].outcome == "large above"
    assert "the small batch ends at the higher training accuracy (every small-batch seed above every large-batch " \
           "seed), unlike their Table 2" in text
    assert "the large batch tests better, unlike Keskar et al." in text
    set_values(k, "large", "train_acc", [0.9991] * n)
    set_values(k, "large", "test_acc", spread(n, 0.9801, 0.0001))
    found, text = found_and_text(R, C, P, T)
    assert found["accuracy_order"].outcome == "overlap" and found["test_gap"].outcome == "overlap"
    assert ("the training accuracies overlap (99.91% vs 99.91%; 0 of 3 small-batch seeds above every large-batch "
            "seed") in text
    assert "the test accuracies do not separate" in text


def _large_above_at_the_end(k):
    """The final models: every large-batch seed above every small-batch seed in phi and lambda_max; the seed count."""
    n = len(k["seeds"])
    set_phi(k, "small", "0.001", spread(n, 1.0))
    set_phi(k, "large", "0.001", spread(n, 50.0))
    set_values(k, "small", "top_eigenvalue", spread(n, 1.0))
    set_values(k, "large", "top_eigenvalue", spread(n, 50.0))
    return n


def _checkpoints(k, small, large, eig=None):
    """Every run's checkpoints replaced: one per level of k["loss_levels"][:len(small)], phi = small[i] + 0.01 s
    (small batch) or large[i] + 0.01 s (large batch), seed s; the same for lambda_max from eig (or phi)."""
    levels = k["loss_levels"][:len(small)]
    for size, table in (("small", small), ("large", large)):
        for j, r in enumerate(runs(k, size)):
            r["checkpoints"] = [{"examples": 1000 * (i + 1), "epochs": 0.1 * (i + 1), "train_loss": level,
                                 "train_acc": 0.9, "levels": [level], "keskar_0.001": table[i] + 0.01 * j,
                                 "first_order_0.001": 0.1 * (table[i] + 0.01 * j),
                                 "top_eigenvalue": (eig or table)[i] + 0.01 * j} for i, level in enumerate(levels)]
    return levels


def test_along_training_alike_then_apart_throughout_at_the_end_only_and_not():
    R, C, P, T, k = results()
    n = _large_above_at_the_end(k)
    levels = _checkpoints(k, [2.0, 2.0], [2.0, 10.0])            # alike at the first level, apart at the second
    found, text = found_and_text(R, C, P, T)
    assert found["phi_along"].outcome == "alike, then apart" and found["eig_along"].outcome == "alike, then apart"
    assert found["as_keskar"].outcome == "alike, then apart"
    assert ("As Keskar et al. observe, small- and large-batch sharpness separate as the loss falls, and early in "
            "training the seeds do not tell them apart") in text
    assert "are alike" not in text                       # overlapping seeds are not shown to be alike
    assert (f"φ (ε = 0.001): at the checkpoint at loss ≤ {levels[0]:g}, the seeds overlap (LB / SB x1.0); at the "
            f"checkpoint at loss ≤ {levels[1]:g} and the final models, every large-batch seed above every small-batch "
            f"seed") in text
    _checkpoints(k, [2.0, 2.0], [5.0, 10.0])
    found, text = found_and_text(R, C, P, T)
    assert found["phi_along"].outcome == "apart throughout" and "at every checkpoint" in text
    assert found["as_keskar"].outcome == "other" and "here φ does not follow that pattern" in text
    _checkpoints(k, [2.0, 2.0], [2.0, 2.0])
    found, text = found_and_text(R, C, P, T)
    assert found["phi_along"].outcome == "alike, then apart"      # overlapping until the final models
    assert "separate, the large batch above, from the final models on" in text
    set_phi(k, "large", "0.001", spread(n, 1.0))                   # the final models overlap too
    found, text = found_and_text(R, C, P, T)
    assert found["phi_along"].outcome == "not apart at the end"
    assert "The large batch is not above on every seed at the end" in text
    assert found["eig_along"].outcome == "alike, then apart"       # lambda_max kept apart at the end


def test_a_missing_seed_or_no_common_checkpoint_fails_the_findings():
    R, C, P, T, k = results()
    k["runs"] = [r for r in k["runs"] if not (r["size"] == "large" and r["seed"] == k["seeds"][0])]
    with pytest.raises(ReportError, match="every seed once at the large batch"):
        findings_of(NAME, R, C, P, T)
    R, C, P, T, k = results()
    runs(k, "small")[0]["checkpoints"] = []
    with pytest.raises(ReportError, match="no checkpoint that every run reached"):
        findings_of(NAME, R, C, P, T)


def test_along_training_each_checkpoint_three_ways_and_the_crossing():
    """small above at the first checkpoint, overlap at the second, large above at the end: "crossed";
    Keskar's second half (LB rises, SB falls) holds; with SB not falling it does not."""
    R, C, P, T, k = results()
    n = _large_above_at_the_end(k)
    levels = _checkpoints(k, [30.0, 20.0], [10.0, 20.0])
    found, text = found_and_text(R, C, P, T)
    assert found["phi_along"].evidence["outcomes"] == ["small above", "overlap", "large above"]
    assert found["phi_along"].outcome == "crossed" and found["as_keskar"].outcome == "second half"
    assert (f"at the checkpoint at loss ≤ {levels[0]:g}, every small-batch seed above every large-batch seed (LB / SB "
            f"x0.3); at the checkpoint at loss ≤ {levels[1]:g}, the seeds overlap") in text
    assert "the two cross as the loss falls" in text and "The first half does not" in text
    set_phi(k, "small", "0.001", spread(n, 40.0))          # SB ends above where it began: not the second half
    set_phi(k, "large", "0.001", spread(n, 50.0))
    found, text = found_and_text(R, C, P, T)
    assert found["phi_along"].outcome == "crossed" and found["as_keskar"].outcome == "other"
    _checkpoints(k, [30.0, 20.0], [10.0, 30.0])            # large above from the second checkpoint on
    set_phi(k, "small", "0.001", spread(n, 1.0))
    found, text = found_and_text(R, C, P, T)
    assert found["phi_along"].evidence["outcomes"] == ["small above", "large above", "large above"]


def test_first_checkpoint_share_and_the_equal_loss_ratio():
    R, C, P, T, k = results()
    for r in k["runs"]:
        for c in r["checkpoints"]:
            c["first_order_0.001"] = 0.2 * c["keskar_0.001"]
    found, text = found_and_text(R, C, P, T)
    assert found["first_point"].holds and "φ is mostly curvature (its first-order part 20%)" in text
    # the final ratio no larger than at the checkpoint of nearest equal loss: not inflated
    n = len(k["seeds"])
    set_phi(k, "small", "0.001", [100.0] * n)
    set_phi(k, "large", "0.001", [101.0] * n)
    found, text = found_and_text(R, C, P, T)
    assert found["loss_inflates"].outcome == "not inflated"
    assert "The ratio at the end is not inflated by the end losses: at the checkpoint of nearest equal loss" in text


def test_test_loss_and_loss_gap_either_way():
    R, C, P, T, k = results()
    n = len(k["seeds"])
    set_values(k, "small", "train_loss", [0.001] * n)
    set_values(k, "large", "train_loss", [0.001] * n)
    set_values(k, "small", "test_loss", spread(n, 0.05, 0.001))
    set_values(k, "large", "test_loss", spread(n, 0.10, 0.001))
    found, text = found_and_text(R, C, P, T)
    assert found["test_loss"].outcome == "large above" and "By test loss the small batch tests better" in text
    assert found["loss_gap"].outcome == "large above" and "is smaller for the small batch" in text
    set_values(k, "large", "test_loss", spread(n, 0.01, 0.001))
    found, text = found_and_text(R, C, P, T)
    assert found["test_loss"].outcome == "small above" and "By test loss the large batch tests better" in text
    assert found["loss_gap"].outcome == "small above" and "is smaller for the large batch" in text


def test_seed_pairings_against_their_ratio():
    R, C, P, T, k = results()
    n = len(k["seeds"])
    set_phi(k, "small", "0.001", [1.0] * n)
    set_phi(k, "large", "0.001", [100.0, 170.0, 200.0][:n])
    found, text = found_and_text(R, C, P, T)
    assert found["comparisons"][0]["pairs"].outcome == "straddle" and "range over theirs (x100 to x200)" in text
    set_phi(k, "large", "0.001", [300.0] * n)
    found, text = found_and_text(R, C, P, T)
    assert found["comparisons"][0]["pairs"].outcome == "all beyond" and "exceeds theirs" in text


def test_apart_early_then_not_is_not_read_as_alike():
    """The large batch above on every seed at the first checkpoint, overlapping at the second, above again
    from the third: "on and off", never "alike early"."""
    R, C, P, T, k = results()
    _large_above_at_the_end(k)
    levels = _checkpoints(k, [2.0, 2.0, 2.0], [10.0, 2.0, 10.0])
    found, text = found_and_text(R, C, P, T)
    assert found["phi_along"].evidence["outcomes"] == ["large above", "overlap", "large above", "large above"]
    assert found["phi_along"].outcome == "on and off" and found["as_keskar"].outcome == "other"
    assert (f"The large batch is above on every seed from the checkpoint at loss ≤ {levels[2]:g} on, and earlier at "
            "some checkpoints but not at others") in text
    assert "do not tell them apart" not in text and "do not separate early" not in text
