"""The gradient-norm section's claims: each flips when the runs' data contradict it."""
import numpy as np
import pytest

from common.claims import ReportError
from tests.findings_data import committed, findings_of, section

NAME = "hw1_2_gradnorm"


def rendered(R, C):
    found = findings_of(NAME, R, C)
    return found, section(NAME, found)


def sim(R, C):
    return R[NAME][C[NAME]["function"]]


def test_the_committed_results_render():
    found, text = rendered(*committed()[:2])
    assert found["function_net"].holds and found["mnist"]["not_zero"].holds and found["mnist"]["peak"].holds
    assert found["sim"]["spikes"].holds and found["sim"]["decays_late"].holds and found["sim"]["same_net"].holds
    assert found["hw1_1"]["not_good"].holds and found["hw1_1"]["same"].outcome == "inside"
    assert "(the deep net of HW1-1)" in text and "does not go to zero at all" in text


def test_numbers_against_a_hand_count():
    R, C, _, _ = committed()
    found = findings_of(NAME, R, C)
    g = R[NAME]["mnist"]["grad_norm"]
    peak = max(range(len(g)), key=lambda i: g[i])
    assert found["mnist"]["peak_at"] == peak
    loss = sim(R, C)["loss"]
    first = next(i for i, v in enumerate(loss) if v <= 1.05 * loss[-1])
    assert found["sim"]["plateau_at"] == first
    best = R["hw1_1_simulate"]["functions"][C[NAME]["function"]]["models"]
    medians = {m["name"]: sorted(m["final_losses"])[len(m["final_losses"]) // 2] for m in best}
    assert np.isclose(found["hw1_1"]["best_loss"], min(medians.values()))


def test_a_function_net_of_another_size_fails():
    R, C, _, _ = committed()
    C[NAME]["function_params"] = 999
    with pytest.raises(ReportError, match="the function net has the configured size"):
        findings_of(NAME, R, C)


def test_a_minibatch_gradient_that_vanishes():
    R, C, _, _ = committed()
    g = R[NAME]["mnist"]["grad_norm"]
    half = len(g) // 2
    g[half:] = [0.01 * g[0]] * (len(g) - half)
    found, text = rendered(R, C)
    assert not found["mnist"]["not_zero"].holds
    assert "while the gradient norm falls:" in text


def test_a_gradient_largest_at_the_start():
    R, C, _, _ = committed()
    g = R[NAME]["mnist"]["grad_norm"]
    g[0] = max(g) + 1
    found, text = rendered(R, C)
    assert not found["mnist"]["peak"].holds
    assert "it is largest at the start" in text and "to a peak of" not in text


def test_a_loss_that_never_leaves_the_band():
    R, C, _, _ = committed()
    s = sim(R, C)
    s["loss"] = sorted(s["loss"], reverse=True)
    found, text = rendered(R, C)
    assert not found["sim"]["spikes"].holds
    assert "afterwards it leaves that band" not in text


def test_a_gradient_that_stays_large_late():
    R, C, _, _ = committed()
    plateau = findings_of(NAME, R, C)["sim"]["plateau_median"]
    g = sim(R, C)["grad_norm"]
    tenth = len(g) // 10
    g[-tenth:] = [plateau] * tenth                     # the last tenth as large as the plateau
    found, text = rendered(R, C)
    assert not found["sim"]["decays_late"].holds
    assert "does not get much smaller as the learning rate decays" in text


def test_a_final_loss_close_to_the_best_hw1_1_net():
    R, C, _, _ = committed()
    found = findings_of(NAME, R, C)
    sim(R, C)["final_train_loss"] = 1.5 * found["hw1_1"]["best_loss"]
    found, text = rendered(R, C)
    assert not found["hw1_1"]["not_good"].holds
    assert "Its final loss is at most 2x the median of the best net" in text


def test_a_final_loss_above_the_same_nets_range():
    R, C, _, _ = committed()
    s = sim(R, C)
    deep = next(m for m in R["hw1_1_simulate"]["functions"][C[NAME]["function"]]["models"]
                if m["name"].startswith("deep "))
    s["final_train_loss"] = 10 * max(deep["final_losses"])
    found, text = rendered(R, C)
    assert found["hw1_1"]["same"].outcome == "above"
    assert "it lies above the range of the same deep net's" in text


def test_no_hw1_1_net_of_the_same_layers():
    R, C, _, _ = committed()
    for m in R["hw1_1_simulate"]["functions"][C[NAME]["function"]]["models"]:
        m["widths"] = [m["widths"][0] + 1, *m["widths"][1:]]
    found, text = rendered(R, C)
    assert not found["sim"]["same_net"].holds
    assert "net of HW1-1)" not in text and "the range of the same" not in text


def test_the_end_point_is_not_called_a_minimum_and_the_setup_confound_is_named():
    R, C, _, _ = committed()
    found, text = rendered(R, C)
    assert "good minimum" not in text and "does not mean a low loss" in text
    assert found["hw1_1"]["setup"].holds
    assert "not like with like: HW1-1 trained its nets for 20,000 steps on 500 points" in text


def test_a_like_for_like_hw1_1_setup_is_not_called_a_confound():
    R, C, _, _ = committed()
    C["hw1_1_simulate"]["steps"] = C["hw1_2_gradnorm"]["steps"]
    C["hw1_1_simulate"]["points"] = C["hw1_2_gradnorm"]["function_points"]
    found, text = rendered(R, C)
    assert not found["hw1_1"]["setup"].holds
    assert "not like with like" not in text and "HW1-1 trained its nets for the same" in text
