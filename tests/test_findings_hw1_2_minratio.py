"""The minimal-ratio section's claims: each flips when the runs contradict it; counts and rank
correlations against independent hand counts and scipy."""
import numpy as np
import pytest
from scipy import stats as scipy_stats

from common import inference
from common.claims import ReportError
from tests.findings_data import committed, findings_of, section

NAME = "hw1_2_minratio"


FULL_BOOTSTRAP = {"test_the_committed_results_render", "test_rank_correlations_are_tie_aware_over_trajectories"}


@pytest.fixture(autouse=True)
def fewer_resamples(request, monkeypatch):
    """The trajectory bootstrap with 99 resamples instead of 2000 (speed), except where the
    interval itself is tested."""
    if request.node.name in FULL_BOOTSTRAP:
        return
    monkeypatch.setattr(inference, "RESAMPLES", 99)


def rendered(R, C):
    found = findings_of(NAME, R, C)
    return found, section(NAME, found)


def runs(R):
    return R[NAME]["runs"]


def groups(R):
    """(constant-output runs, other candidates) among the critical runs, counted by hand."""
    variance = R[NAME]["target_variance"]
    crit = [r for r in runs(R) if r["outcome"] == "critical"]
    constant = [r for r in crit if abs(r["loss"] - variance) / variance < 1e-4]
    return constant, [r for r in crit if r not in constant]


def main_tol(R):
    return R[NAME]["main_tol"]


def test_the_committed_results_render():
    found, text = rendered(*committed()[:2])
    assert "none failed to converge" not in text and "minima (no" not in text
    assert found["cap_reached"].outcome == "some" and found["early_stop"].holds
    assert found["index_trend"].outcome == "rises" and found["ratio_trend"].outcome == "falls"
    assert found["max_index"].outcome == "tie" and found["strict_none"].holds
    assert "38 runs reached one degenerate family" in text


def test_counts_against_a_hand_count():
    R, C, _, _ = committed()
    found = findings_of(NAME, R, C)
    cap = C[NAME]["newton_iters"]
    hand = {}
    for r in runs(R):
        if r["iterations"] >= cap:
            hand[r["outcome"]] = hand.get(r["outcome"], 0) + 1
    assert found["n_at_cap"] == sum(hand.values()) == 202
    assert found["at_cap"]["critical"] == hand["critical"] == 100
    assert found["at_cap"]["gradient-flat"] == hand["gradient-flat"] == 102
    constant, others = groups(R)
    assert found["n_constant"] == len(constant) == 38 and found["n_others"] == len(others) == 100
    for tol in R[NAME]["rel_tols"]:
        free = sum(all(e >= -r["shares"][tol]["tol"] for e in r["eigenvalues"]) for r in others)
        assert found["free_table"]["rows"][list(R[NAME]["rel_tols"]).index(tol)][1] == f"{free} of 100"


def test_rank_correlations_are_tie_aware_over_trajectories():
    R, C, _, _ = committed()
    found = findings_of(NAME, R, C)
    _, others = groups(R)
    index = [r["shares"][main_tol(R)]["negative_share"] for r in others]
    loss = [r["loss"] for r in others]
    assert np.isclose(found["index_rho"]["rho"], scipy_stats.spearmanr(index, loss).statistic)
    assert abs(found["index_rho"]["rho"] - 0.825) < 0.005               # ordinal ranks gave 0.79
    assert found["index_rho"]["units"] == len({r["trajectory"] for r in others}) == 16
    assert found["index_rho"]["points"] == 100
    assert found["index_rho"]["low"] < found["index_rho"]["rho"] < found["index_rho"]["high"]


def test_the_counts_must_agree_with_the_runs():
    R, C, _, _ = committed()
    R[NAME]["counts"]["critical"] += 1
    with pytest.raises(ReportError, match="the outcome counts agree with the runs"):
        findings_of(NAME, R, C)


def test_no_candidates_fail_the_section():
    R, C, _, _ = committed()
    for r in runs(R):
        r["outcome"] = "gradient-flat"
    R[NAME]["counts"] = {"critical": 0, "gradient-flat": len(runs(R)), "not converged": 0}
    with pytest.raises(ReportError, match="the finder found candidate critical points"):
        findings_of(NAME, R, C)


def test_no_run_at_the_cap():
    R, C, _, _ = committed()
    for r in runs(R):
        r["iterations"] = 10
    found, text = rendered(R, C)
    assert found["cap_reached"].outcome == "none"
    assert "no run reached the 2,000-iteration cap" in text


def test_an_early_stop_away_from_the_constant_output_point():
    R, C, _, _ = committed()
    _, others = groups(R)
    others[0]["iterations"] = 50
    found, text = rendered(R, C)
    assert not found["early_stop"].holds and not found["others_capped"].holds
    assert "the 39 runs that stopped before the cap are not exactly those at the constant-output point" in text
    assert "99 of the 100 others stopped at the cap" in text


def test_a_constant_output_run_without_a_negative_eigenvalue():
    R, C, _, _ = committed()
    constant, _ = groups(R)
    constant[0]["shares"][main_tol(R)]["negative_share"] = 0.0
    found, text = rendered(R, C)
    assert not found["constant_negative"].holds
    assert "37 of its 38 runs have an eigenvalue below" in text


def test_a_candidate_free_of_negative_eigenvalues_at_every_tolerance():
    R, C, _, _ = committed()
    _, others = groups(R)
    for share in others[0]["shares"].values():
        share["negative_share"] = 0.0
    found, text = rendered(R, C)
    assert not found["strict_none"].holds
    assert "even at ρ = 1e-12, 1 of the 138 candidate runs have no eigenvalue" in text


def test_the_constant_output_family_with_the_most_negative_directions():
    R, C, _, _ = committed()
    _, others = groups(R)
    for r in others:
        share = r["shares"][main_tol(R)]
        share["negative_share"] = min(share["negative_share"], 0.2)
    found, text = rendered(R, C)
    assert found["max_index"].outcome == "family most"
    assert "the constant-output family has the most negative directions (24% at most" in text


def test_another_candidate_with_more_negative_directions():
    R, C, _, _ = committed()
    _, others = groups(R)
    others[0]["shares"][main_tol(R)]["negative_share"] = 0.4
    found, text = rendered(R, C)
    assert found["max_index"].outcome == "others most"
    assert "is exceeded by one other candidate (up to 40%)" in text


def test_an_index_that_falls_with_the_loss():
    R, C, _, _ = committed()
    _, others = groups(R)
    for r in others:
        r["shares"][main_tol(R)]["negative_share"] = 1 / (1 + 100 * r["loss"])
    found, text = rendered(R, C)
    assert found["index_trend"].outcome == "falls"
    assert "falls as the loss rises, unlike Dauphin et al. 2014" in text


def test_an_index_unrelated_to_the_loss():
    R, C, _, _ = committed()
    _, others = groups(R)
    for r in others:
        r["shares"][main_tol(R)]["negative_share"] = 0.12
    found, text = rendered(R, C)
    assert found["index_trend"].outcome == "unclear"
    assert "the index\nhas no clear relation to the loss" in text


def test_a_minimal_ratio_that_rises_with_the_loss():
    R, C, _, _ = committed()
    _, others = groups(R)
    for r in others:
        r["shares"][main_tol(R)]["minimal_ratio"] = r["loss"] / (1 + r["loss"])
    found, text = rendered(R, C)
    assert found["ratio_trend"].outcome == "rises"
    assert "falls as the loss falls, against the slides' picture" in text


def test_a_lowest_loss_candidate_with_a_negative_eigenvalue():
    R, C, _, _ = committed()
    lowest = min((r for r in runs(R) if r["outcome"] == "critical"), key=lambda r: r["loss"])
    lowest["shares"][main_tol(R)]["negative_share"] = 0.04
    found, text = rendered(R, C)
    assert not found["lowest_free"].holds
    assert "do not all lack eigenvalues below −ρ·max|λ| at ρ = 1e-6 (2 of 3 do)" in text


def test_a_lowest_loss_candidate_free_at_a_stricter_tolerance():
    R, C, _, _ = committed()
    lowest = min((r for r in runs(R) if r["outcome"] == "critical"), key=lambda r: r["loss"])
    lowest["shares"]["1e-8"]["negative_share"] = 0.0
    found, text = rendered(R, C)
    assert not found["lowest_free_from"].holds
    assert "(the first tolerance without one: ρ = 1e-8 and ρ = 1e-6)" in text


def test_a_minimal_ratio_of_one():
    R, C, _, _ = committed()
    _, others = groups(R)
    free = next(r for r in others if r["shares"][main_tol(R)]["negative_share"] == 0)
    free["shares"][main_tol(R)]["minimal_ratio"] = 1.0
    found, text = rendered(R, C)
    assert not found["ratio_below_one"].holds
    assert "reaches 1 at some of the candidates with no negative eigenvalue" in text


def test_a_minimal_ratio_that_ignores_the_tolerance():
    R, C, _, _ = committed()
    _, others = groups(R)
    for r in others:
        for share in r["shares"].values():
            share["minimal_ratio"] = 0.7
    found, text = rendered(R, C)
    assert not found["tolerance_matters"].holds
    assert "so the tolerance hardly changes the ratio" in text


def test_sampling_that_sees_a_saddle():
    R, C, _, _ = committed()
    constant, _ = groups(R)
    constant[0]["sampled"]["c=1"]["ratio"] = 0.5
    found, text = rendered(R, C)
    assert not found["sampling_blind"].holds
    assert "the share of higher neighbours ranges down to 50.0%" in text


def test_negative_eigenvalues_that_outweigh_the_positive():
    R, C, _, _ = committed()
    constant, _ = groups(R)
    constant[0]["eigenvalues"][0] = -1e6
    found, text = rendered(R, C)
    assert not found["positive_dominates"].holds
    assert "at some candidates the negative eigenvalues outweigh the positive ones" in text


def test_another_candidate_at_the_finders_stop():
    R, C, _, _ = committed()
    _, others = groups(R)
    others[0]["grad_norm"] = 1e-9
    found, text = rendered(R, C)
    assert not found["others_quadratic"].holds
    assert "(38 at the constant-output\npoint, 1 of the others)" in text


def test_a_gradient_flat_point_outside_the_candidates_losses():
    R, C, _, _ = committed()
    next(r for r in runs(R) if r["outcome"] == "gradient-flat")["loss"] = 1.0
    found, text = rendered(R, C)
    assert not found["flat_losses_inside"].holds
    assert "at losses partly outside the candidates' range" in text


def test_a_large_frye_residual():
    R, C, _, _ = committed()
    for r in runs(R):
        if r["outcome"] == "gradient-flat":
            r["frye_r"] = 0.5
    found, text = rendered(R, C)
    assert not found["frye_small"].holds
    assert "Frye's residual r, saved too, is not small at them" in text


def test_a_gap_at_the_cutoff():
    R, C, _, _ = committed()
    for r in runs(R):
        if r["outcome"] == "gradient-flat":
            r["grad_norm"] *= 10
    found, text = rendered(R, C)
    assert not found["no_gap"].holds
    assert "recommend,\nand also a gap in the data" in text


def test_a_gradient_flat_run_that_stopped_early():
    R, C, _, _ = committed()
    next(r for r in runs(R) if r["outcome"] == "gradient-flat")["iterations"] = 10
    found, text = rendered(R, C)
    assert not found["flat_capped"].holds
    assert "101 of the 102 gradient-flat runs stopped at the cap" in text
