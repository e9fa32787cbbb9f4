"""The critical-point section's claims: each flips when the runs contradict it; counts and rank
correlations against hand counts and scipy. The results are built here (`synthetic()`: the layout
hw1_2_minratio.py writes, small enough to read); the committed results are rendered too once they
have that layout."""
import copy
import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from common import inference
from common.claims import ReportError
from tests.findings_data import committed, findings_of, section

NAME = "hw1_2_minratio"
VAR = 0.0868
TOLS = {"1e-12": 1e-12, "1e-10": 1e-10, "1e-8": 1e-8, "1e-6": 1e-6, "1e-4": 1e-4}
MAIN = "1e-6"
BASE_RATIO = {"1e-12": 0.6, "1e-10": 0.55, "1e-8": 0.5, "1e-6": 0.4, "1e-4": 0.3}
EXTRA_INDEX = {"1e-12": 0.04, "1e-10": 0.04, "1e-8": 0.0, "1e-6": 0.0, "1e-4": -0.04}
GROUPS = [f"t{k}" for k in range(5)]
FULL_BOOTSTRAP = {"test_rank_correlations_are_tie_aware_over_start_groups"}


@pytest.fixture(autouse=True)
def fewer_resamples(request, monkeypatch):
    """The bootstrap with 99 resamples instead of 2000 (speed), except where the interval is tested."""
    if request.node.name not in FULL_BOOTSTRAP:
        monkeypatch.setattr(inference, "RESAMPLES", 99)


def shares(index):
    return {t: {"negative_share": max(index + EXTRA_INDEX[t], 0.0), "minimal_ratio": BASE_RATIO[t] - index,
                "zero_share": 1 - max(index + EXTRA_INDEX[t], 0.0) - (BASE_RATIO[t] - index), "tol": rel}
            for t, rel in TOLS.items()}


def point(outcome, loss, index, **fields):
    """One end point as the script saves it (the fields the findings read)."""
    critical = outcome == "critical"
    flat = outcome == "gradient-flat"
    out = {"outcome": outcome, "loss": loss, "shares": shares(index),
           "stop": "converged" if critical else "stalled" if flat else "cap",
           "grad_norm": 5e-11 if critical else 5e-5 if flat else 1e-4,
           "kernel_share": 0.3 if critical else 0.98 if flat else 0.1, "linear_slope": False,
           "slope": ({"0.001": 50.0, "0.01": -300.0, "0.1": 1e4} if critical else
                     {"0.001": 1.0, "0.01": 0.99, "0.1": 0.9} if flat else {"0.001": 0.2, "0.01": 0.2, "0.1": 0.2}),
           "frye_r": 1e-3 if flat else 0.5, "finder": "newton_mr",
           "finder_iterations": 80 if critical else 1000,
           "finder_history": ({"iteration": [0, 1, 10, 80], "grad_norm": [1e-1, 5e-2, 1e-4, 8e-10]} if critical else
                              {"iteration": [0, 1, 10, 100, 499, 999, 1000],
                               "grad_norm": [1e-2, 9e-3, 5e-3, 1e-3, 1e-4, 5e-5, 4.5e-5]}),
           "finder_grad_norm": 8e-10 if critical else 4.5e-5, "finder_loss": loss,
           "confirm_iterations": 2 if critical else 50 if flat else 500,
           "confirm_history": ({"iteration": [0, 1, 2], "grad_norm": [8e-10, 2e-10, 5e-11]} if critical else
                               {"iteration": [0, 50], "grad_norm": [5e-5, 4.9e-5]}),
           "last_step": 1e-5, "newton_step": 1e-5 if critical else 5.0,
           "sampled": ({"c=0.01": {"radius": 0.1, "ratio": 1.0}, "c=1": {"radius": 1.0, "ratio": 0.99},
                        "c=100": {"radius": 10.0, "ratio": 0.99}} if critical else None),
           "output_spread": 1.0, "constant_output": False,
           "minimum_test": ({"kind": "saddle", "lowest": -1e-3, "decrease": None, "margin": None,
                             "uncertainty": 1e-8, "newton_change": 1e-8, "code_spread": 1e-15, "floor": 1e-11}
                            if critical else None),
           "symmetry_class": None, "function_class": None, "eigenvalues": [], "theta": []}
    out.update(fields)
    return out


def run(group, kind, outcome, loss, index, **fields):
    return point(outcome, loss, index, trajectory=group, kind=kind, scale=None if kind == "adam" else 1.0,
                 start_step=0, start_loss=10 * loss, **fields)


def constant_run(group, kind, index):
    return run(group, kind, "critical", VAR, index, constant_output=True, output_spread=1e-8, symmetry_class=0,
               function_class=0)


def synthetic():
    """(R, C) of a small run in the layout of hw1_2_minratio.py: five start groups; per group two Adam
    snapshots and a perturbed one ending gradient-flat (index rising with the loss), an Adam snapshot
    and a random initialization at the constant-output family (index varying), a random
    initialization not converged; one random initialization at another confirmed point."""
    runs = []
    for g, group in enumerate(GROUPS):
        for j, kind in enumerate(("adam", "adam", "perturbed")):
            loss = 10 ** (-4 + 0.5 * j + 0.1 * g)
            runs.append(run(group, kind, "gradient-flat", loss, round(0.04 * (j + 1) + 0.01 * g, 2),
                            grad_norm=3e-6 if j == 0 else 5e-5))
        runs.append(constant_run(group, "adam", 0.04 * (g % 3)))
        runs.append(constant_run(group, "random", 0.08))
        runs.append(run(group, "random", "not converged", 0.05, 0.2))
    runs.append(run("t0", "random", "critical", 0.07685, 0.24, symmetry_class=1, function_class=1))
    embedded = []
    for width, embedding, loss, index, kind in [(0, "zero units", VAR, 0.0, "degenerate: descent found"),
                                                (1, "zero units", 0.07685, 0.28, "saddle"),
                                                (1, "split unit", 0.07685, 0.24, "saddle"),
                                                (2, "zero units", 0.00793, 0.0, "degenerate: descent found"),
                                                (2, "split unit", 0.00793, 0.04, "saddle"),
                                                (3, "zero units", 0.00361, 0.2, "saddle"),
                                                (3, "split unit", 0.00361, 0.2, "saddle")]:
        e = point("critical", loss, index, width=width, source=0, embedding=embedding, small_loss=loss,
                  start_loss=loss, embedded_grad_norm=1e-13, also_in=[], point=len(embedded),
                  constant_output=width == 0)
        e["minimum_test"] = dict(e["minimum_test"], kind=kind)
        embedded.append(e)
    validation = [{"width": e["width"], "point": i, "finder": "newton_mr", "outcome": "critical", "stop": "converged",
                   "grad_norm": 5e-11, "loss": e["loss"], "target_loss": e["loss"], "same_loss": True, "success": True,
                   "finder_grad_norm": 5e-10, "finder_loss": e["loss"], "finder_stop": True}
                  for i, e in enumerate(embedded) for _ in range(4)]

    def small_point(loss, index, kind):
        return {"theta": [], "loss": loss, "grad_norm": 1e-13, "index": index, "runs": 3,
                "minimum_test": {"kind": kind, "lowest": 1e-4, "uncertainty": 1e-12} if kind else None}
    small = [{"width": 0, "runs": 0, "stops": {}, "outcomes": {}, "constant_output": 0, "symmetry_classes": 1,
              "points": [small_point(VAR, 0.0, None)]}]
    for width, points in [(1, [small_point(0.07685, 0.0, "minimum")]), (2, [small_point(0.00793, 0.0, "minimum")]),
                          (3, [small_point(0.00361, 0.0, "minimum")]), (4, [])]:
        small.append({"width": width, "runs": 54, "stops": {"converged": 20, "stalled": 34, "cap": 0},
                      "outcomes": {"critical": 20, "gradient-flat": 30, "not converged": 4}, "constant_output": 10,
                      "symmetry_classes": 12, "points": points})
    counts = {o: sum(r["outcome"] == o for r in runs) for o in ("critical", "gradient-flat", "not converged")}
    results = {"model": "1-8-1 tanh", "params": 25, "points": 200, "function": "sinc5", "target_variance": VAR,
               "confirm_grad": 1e-10, "critical_grad": 1e-10, "frye_grad": 1e-5, "kernel_tol": 1e-6, "flat_share": 0.5,
               "rel_tols": TOLS, "main_tol": MAIN, "radius_factors": {"c=0.01": 0.01, "c=1": 1.0, "c=100": 100.0},
               "samples": 500, "slope_distances": [0.001, 0.01, 0.1], "same_loss": 1e-6, "validation_radius": 0.01,
               "counts": counts,
               "stops": {s: sum(r["stop"] == s for r in runs) for s in ("converged", "stalled", "cap")},
               "runs": runs, "small": small, "embedded": embedded, "validation": validation,
               "seconds": {"adam": 1.0, "finder": 2.0}}
    config = {"trajectories": len(GROUPS), "adam_steps": 20000, "adam_lr": 0.01, "starts": 2, "perturbed": 1,
              "perturb": 0.3, "random_scales": [0.3, 1.0, 3.0], "newton_iters": 1000, "confirm_iters": 500,
              "function": "sinc5", "small_widths": [0, 1, 2, 3, 4], "validation_starts": 4}
    return {NAME: results}, {NAME: config}


def rendered(R, C):
    found = findings_of(NAME, R, C)
    return found, " ".join(section(NAME, found).split())          # one line: phrases never split


def runs(R):
    return R[NAME]["runs"]


def recount(R):
    R[NAME]["counts"] = {o: sum(r["outcome"] == o for r in runs(R)) for o in R[NAME]["counts"]}


def of(R, outcome):
    return [r for r in runs(R) if r["outcome"] == outcome]


# ---------------------------------------------------------------------------- the defaults, hand counts, scipy
def test_the_synthetic_results_render_with_the_expected_outcomes():
    found, text = rendered(*synthetic())
    holding = ["counts_agree", "by_convergence", "converged_flat", "constant_varies", "off_path_new", "finder_minima",
               "flat_pass_frye", "flat_slope", "flat_stalled", "flat_crawl", "frye_small", "small_minima",
               "embedded_confirmed", "embedded_minima", "sampling_blind", "tolerance_matters", "lowest_known"]
    assert [name for name in holding if not found[name].holds] == []
    assert found["others_found"].outcome == "some" and found["rate_linear"].outcome == "linear"
    assert found["flat_trend"].outcome == "rises" and found["validation"].outcome == "all"
    assert found["confirmed_trend"].outcome == "no interval"
    assert "10 of the confirmed runs reached one function, the constant output" in text
    assert "minima (no" not in text and "are minima" not in text


def test_counts_against_a_hand_count():
    R, C = synthetic()
    found = findings_of(NAME, R, C)
    assert found["counts"] == {"critical": 11, "gradient-flat": 15, "not converged": 5}
    assert found["n_flat_pass"] == 5                              # the j = 0 gradient-flat run of every group
    assert found["n_constant"] == 10 and found["constant_kinds"] == {"adam": 5, "perturbed": 0, "random": 5}
    assert found["n_distinct"] == 2 and found["n_units"] == 5      # constant, finder 1, embedded 1-1-1, 1-2-1, 1-3-1
    assert found["minimum_kinds"] == {"minimum": 0, "saddle": 11, "degenerate: descent found": 0}
    assert found["kind_table"]["rows"][0][:2] == ["Adam snapshots", "15"]
    assert found["rate"] == pytest.approx(0.25)
    assert found["flat_fall"] == pytest.approx(4.5e-5 / 1e-4)


def test_rank_correlations_are_tie_aware_over_start_groups():
    R, C = synthetic()
    found = findings_of(NAME, R, C)
    flat = of(R, "gradient-flat")
    index = [r["shares"][MAIN]["negative_share"] for r in flat]
    assert found["flat_rho"]["rho"] == pytest.approx(scipy_stats.spearmanr(index, [r["loss"] for r in flat]).statistic)
    assert found["flat_rho"]["units"] == 5 and found["flat_rho"]["points"] == 15
    assert found["flat_rho"]["low"] <= found["flat_rho"]["rho"] <= found["flat_rho"]["high"]
    # the confirmed points: one value per function (the median of its points), not the points pooled
    confirmed = of(R, "critical") + R[NAME]["embedded"]
    functions = {}
    for p in confirmed:
        name = ("constant" if p["constant_output"] else f"embedded {p['width']}" if "width" in p
                else f"finder {p['function_class']}")
        functions.setdefault(name, []).append(p)
    index = [np.median([p["shares"][MAIN]["negative_share"] for p in ps]) for ps in functions.values()]
    loss = [np.median([p["loss"] for p in ps]) for ps in functions.values()]
    assert found["confirmed_rho"]["units"] == found["confirmed_rho"]["points"] == len(functions) == found["n_units"]
    assert found["confirmed_rho"]["rho"] == pytest.approx(scipy_stats.spearmanr(index, loss).statistic)


def _net(w1, b1, w2, b2):
    return list(w1) + list(b1) + list(w2) + [b2]


def test_a_finder_point_that_mirrors_an_embedded_one_is_one_function():
    R, C = synthetic()
    rng = np.random.default_rng(0)
    w1, b1, w2 = rng.normal(size=8), rng.normal(size=8), rng.normal(size=8)
    finder = next(r for r in of(R, "critical") if not r["constant_output"])
    embedded = [e for e in R[NAME]["embedded"] if e["width"] == 1]
    finder["theta"] = _net(w1, b1, w2, 0.1)
    for e in embedded:                                       # the mirror image f(-x): input weights negated
        e["theta"] = _net(-w1, b1, w2, 0.1)
    before = findings_of(NAME, *synthetic())["n_units"]
    found, text = rendered(R, C)
    assert found["n_units"] == before - 1
    for e in embedded:                                       # another function at the same loss stays apart
        e["theta"] = _net(-w1, b1, w2 + 0.01, 0.1)
    assert findings_of(NAME, R, C)["n_units"] == before


def test_the_committed_results_render():
    R, C, _, _ = committed()
    if "embedded" not in R[NAME]:
        pytest.skip("results/hw1_2_minratio.json predates the confirmation stage: rerun hw1_2_minratio.py")
    found, text = rendered(R, C)
    assert found["counts_agree"].holds and found["by_convergence"].holds
    assert "confirmed critical point" in text and "minima (no" not in text


# ---------------------------------------------------------------------------- required claims
def test_the_counts_must_agree_with_the_runs():
    R, C = synthetic()
    R[NAME]["counts"]["critical"] += 1
    with pytest.raises(ReportError, match="the outcome counts agree with the runs"):
        findings_of(NAME, R, C)


def test_a_critical_run_at_the_cap_fails_the_section():
    R, C = synthetic()
    of(R, "critical")[0]["stop"] = "cap"
    with pytest.raises(ReportError, match="by convergence, none at the cap"):
        findings_of(NAME, R, C)


# ---------------------------------------------------------------------------- each claim flipped
def test_a_converged_run_that_failed_the_slope_test():
    R, C = synthetic()
    of(R, "gradient-flat")[0]["stop"] = "converged"
    found, text = rendered(R, C)
    assert not found["converged_flat"].holds
    assert "one failed the slope test, the loss falling at its full slope" in text and "counts as gradient-flat" in text


def test_a_constant_output_family_of_one_index():
    R, C = synthetic()
    for r in of(R, "critical"):
        if r["constant_output"]:
            r["shares"] = shares(0.08)
    found, text = rendered(R, C)
    assert not found["constant_varies"].holds
    assert "its index is 8% at ρ = 1e-6 at every run" in text


def test_no_confirmed_point_beside_the_constant_output():
    R, C = synthetic()
    other = next(r for r in of(R, "critical") if not r["constant_output"])
    other.update(outcome="gradient-flat", stop="stalled", minimum_test=None, function_class=None)
    recount(R)
    found, text = rendered(R, C)
    assert found["others_found"].outcome == "none"
    assert "no run reached a confirmed critical point away from the constant output" in text


def test_the_other_point_reached_from_an_adam_snapshot():
    R, C = synthetic()
    next(r for r in of(R, "critical") if not r["constant_output"])["kind"] = "adam"
    found, text = rendered(R, C)
    assert not found["off_path_new"].holds
    assert "reached no confirmed point that the Adam snapshots did not" in text


def test_a_quadratic_rate_and_no_rate():
    R, C = synthetic()
    for r in of(R, "critical"):
        r["confirm_history"] = {"iteration": [0, 1, 2], "grad_norm": [1e-7, 1e-9, 1e-13]}
    found, text = rendered(R, C)
    assert found["rate_linear"].outcome == "faster" and "faster than linear" in text
    for r in of(R, "critical"):
        r["confirm_history"] = {"iteration": [0], "grad_norm": [5e-11]}
    found, text = rendered(R, C)
    assert found["rate_linear"].outcome == "none" and "no confirmed run took two confirmation iterations" in text


def test_a_confirmed_point_that_passes_the_minimum_test():
    R, C = synthetic()
    of(R, "critical")[0]["minimum_test"]["kind"] = "minimum"
    found, text = rendered(R, C)
    assert not found["finder_minima"].holds
    assert "One confirmed run passes the minimum test" in text


def test_no_gradient_flat_point_below_frye_s_cutoff():
    R, C = synthetic()
    for r in of(R, "gradient-flat"):
        r["grad_norm"] = 5e-5
    found, text = rendered(R, C)
    assert not found["flat_pass_frye"].holds
    assert "None of them has ‖∇L‖ ≤ 1e-5" in text


def test_gradient_flat_points_where_the_loss_does_not_fall_at_its_slope():
    R, C = synthetic()
    for r in of(R, "gradient-flat")[:10]:
        r["slope"]["0.1"] = 0.1
    found, text = rendered(R, C)
    assert not found["flat_slope"].holds
    assert "from only five of the 15 gradient-flat points" in text


def test_a_loss_falling_far_faster_than_its_slope_is_not_a_slope():
    """A ratio of 100 at 0.1 is curvature or higher-order terms (as at a confirmed critical point), not the full
    slope: only ratios within [0.5, 2] at every distance count, so these points leave the 'on a slope' count."""
    R, C = synthetic()
    for r in of(R, "gradient-flat")[:10]:
        r["slope"]["0.1"] = 100.0                       # ">= half the slope" still holds, the full slope does not
    found, text = rendered(R, C)
    assert not found["flat_slope"].holds and found["flat_slope"].evidence["full"] == 5
    assert "at its full slope (between half and twice it) at every distance out to 0.1" in text
    assert "from only five of the 15 gradient-flat points" in text


def test_the_committed_slope_count_uses_the_full_slope_band():
    found = findings_of(NAME, *committed()[:2])
    flat = [r for r in committed()[0][NAME]["runs"] if r["outcome"] == "gradient-flat"]
    assert found["flat_slope"].evidence["full"] == sum(r["linear_slope"] for r in flat)


def test_a_gradient_flat_run_at_the_confirmation_s_cap():
    R, C = synthetic()
    of(R, "gradient-flat")[0]["stop"] = "cap"
    found, text = rendered(R, C)
    assert not found["flat_stalled"].holds
    assert "14 of the 15 stalled in the confirmation; of the rest, one reached the confirmation's cap" in text
    flat = of(R, "gradient-flat")
    flat[1]["stop"] = "converged"                       # the rest named by how each stopped, not all "cap"
    found, text = rendered(R, C)
    assert ("13 of the 15 stalled in the confirmation; of the rest, one reached the confirmation's cap and one "
            "converged (gradient norm and Newton step below the confirmation's thresholds) and was still") in text


def test_a_gradient_flat_run_that_left_the_finder_early():
    R, C = synthetic()
    of(R, "gradient-flat")[0]["finder_iterations"] = 300
    found, text = rendered(R, C)
    assert not found["flat_crawl"].holds
    assert "14 of the 15 gradient-flat runs used the finder's whole cap" in text


def test_a_large_frye_residual():
    R, C = synthetic()
    for r in of(R, "gradient-flat"):
        r["frye_r"] = 0.5
    found, text = rendered(R, C)
    assert not found["frye_small"].holds
    assert "Frye's residual r, saved too, is not small at them" in text


@pytest.mark.parametrize("pattern, outcome, phrase", [
    ("falls", "falls", "falls as the loss rises, unlike Dauphin et al. 2014"),
    ("flat", "unclear", "has no clear relation to the loss, the interval including zero"),
    ("three groups", "no interval", "there is no bootstrap interval over so few start groups"),
])
def test_the_gradient_flat_index_against_the_loss(pattern, outcome, phrase):
    R, C = synthetic()
    flat = of(R, "gradient-flat")
    for k, r in enumerate(flat):
        if pattern == "falls":
            r["shares"] = shares(round(0.3 - 20 * r["loss"], 3))
        elif pattern == "flat":                                    # rising in three groups, falling in two
            group = int(r["trajectory"][1:])
            position = k % 3 if group % 2 == 0 else 2 - k % 3
            r["loss"] = 10 ** (-4 + 0.5 * position + 0.01 * group)
            r["shares"] = shares(0.04 * (k % 3 + 1))
        elif r["trajectory"] in ("t3", "t4"):
            r["outcome"] = "not converged"
    recount(R)
    found, text = rendered(R, C)
    assert found["flat_trend"].outcome == outcome
    assert phrase in text


def test_no_small_net_minimum():
    R, C = synthetic()
    for s in R[NAME]["small"]:
        for p in s["points"]:
            if p["minimum_test"]:
                p["minimum_test"]["kind"] = "saddle"
    found, text = rendered(R, C)
    assert not found["small_minima"].holds
    assert "the test calls none of them a minimum in its own net" in text


def test_an_embedded_point_that_is_not_confirmed():
    R, C = synthetic()
    R[NAME]["embedded"][3]["outcome"] = "gradient-flat"
    found, text = rendered(R, C)
    assert not found["embedded_confirmed"].holds
    assert "Only six of the seven embedded points are confirmed critical points" in text


def test_an_embedded_point_that_passes_the_minimum_test():
    R, C = synthetic()
    R[NAME]["embedded"][3]["minimum_test"]["kind"] = "minimum"
    found, text = rendered(R, C)
    assert not found["embedded_minima"].holds
    assert "of the embedded points, one passes it in the 1-8-1 net" in text


@pytest.mark.parametrize("failures, outcome, phrase", [
    (3, "most", "from 25 of the 28 starts the finder and the confirmation returned"),
    (20, "few", "from only 8 of the 28 starts did the finder and the confirmation return"),
    (None, "none", "no start near them was run"),
])
def test_the_finder_failing_near_embedded_points(failures, outcome, phrase):
    R, C = synthetic()
    if failures is None:
        R[NAME]["validation"] = []
    for v in R[NAME]["validation"][:failures or 0]:
        v["success"] = False
    found, text = rendered(R, C)
    assert found["validation"].outcome == outcome
    assert phrase in text


@pytest.mark.parametrize("sign, outcome", [(1, "rises"), (-1, "falls"), (0, "unclear")])
def test_the_index_of_confirmed_points_against_the_loss(sign, outcome):
    R, C = synthetic()
    base = R[NAME]["embedded"][1]
    for r in of(R, "critical"):                                  # the finder's points at the top of the loss range
        r["shares"] = shares(0.15 + sign * 0.15 + (0.01 if r["loss"] == VAR else 0.0) * sign)
    extra = []
    for k in range(12):                                          # twelve known points, one function each
        loss = 10 ** (-3 + 0.1 * k)
        index = 0.1 + sign * 0.01 * k if sign else [0.1, 0.2, 0.15][k % 3]
        for embedding in ("zero units", "split unit"):
            e = copy.deepcopy(base)
            split = 0.01 if embedding == "split unit" else 0
            e.update(loss=loss, width=5, embedding=embedding, shares=shares(index + split))
            extra.append(e)
    R[NAME]["embedded"] = extra
    found, text = rendered(R, C)
    assert found["confirmed_trend"].outcome == outcome, found["confirmed_rho"]
    assert {"rises": "the index rises with the loss", "falls": "the index falls as the loss rises",
            "unclear": "the index has no clear relation to the loss"}[outcome] in text


def test_sampling_that_sees_a_saddle():
    R, C = synthetic()
    of(R, "critical")[0]["sampled"]["c=1"]["ratio"] = 0.5
    found, text = rendered(R, C)
    assert not found["sampling_blind"].holds
    assert "the share of higher neighbours goes down to 50.0%" in text


def test_a_minimal_ratio_that_ignores_the_tolerance():
    R, C = synthetic()
    for p in of(R, "critical") + R[NAME]["embedded"]:
        for share in p["shares"].values():
            share["minimal_ratio"] = 0.3
    found, text = rendered(R, C)
    assert not found["tolerance_matters"].holds
    assert "so the median over functions moves by 0.00 between the two tolerances, not more than 0.1" in text


def test_the_finder_confirming_a_point_as_low_as_the_known_ones():
    R, C = synthetic()
    next(r for r in of(R, "critical") if not r["constant_output"])["loss"] = 0.001
    found, text = rendered(R, C)
    assert not found["lowest_known"].holds
    assert "the finder confirmed points as low as the lowest known one" in text.lower()


def test_trend_text_without_an_interval():
    from findings import hw1_2_minratio as F
    text = F.trend_text({"rho": 0.5, "low": math.nan, "high": math.nan, "units": 3, "points": 9}, "functions")
    assert text == "Spearman's r_s = 0.50, ties averaged; no bootstrap interval over three functions"
    assert F.direction({"rho": 0.5, "low": 0.1, "high": 0.9, "units": 3, "points": 9}) == "no interval"
    assert F.direction({"rho": 0.5, "low": 0.1, "high": 0.9, "units": 5, "points": 9}) == "rises"
    assert np.isclose(F.last_ratio({"confirm_history": {"iteration": [0, 4, 5], "grad_norm": [1.0, 0.5, 0.1]}}), 0.2)


# ---------------------------------------------------------------------------- review items 5-8
def test_the_median_minimal_ratio_counts_each_function_once():
    """Ten constant-output runs at ratio 0.9 must not outvote the other functions: the median is over functions."""
    R, C = synthetic()
    confirmed = of(R, "critical") + R[NAME]["embedded"]
    for p in confirmed:
        for t in p["shares"]:
            p["shares"][t]["minimal_ratio"] = 0.9 if p["constant_output"] else 0.2
    found, text = rendered(R, C)
    functions = found["n_units"]
    assert functions >= 4
    # constant family 0.9, every other function 0.2: the median over functions is 0.2, the one over points 0.9
    assert found["ratio_small"] == pytest.approx(0.2) and found["point_small"] == pytest.approx(0.9)
    assert f"each of the {functions} functions counted once" in text or "functions counted once" in text
    assert f"where the constant output counts {found['n_constant_points']} times: 0.90 and 0.90" in text


def test_a_single_constant_point_needs_no_weighting_note():
    R, C = synthetic()
    keep = [r for r in runs(R) if not (r["outcome"] == "critical" and r["constant_output"])]
    R[NAME]["runs"] = keep
    recount(R)
    R[NAME]["embedded"] = [e for e in R[NAME]["embedded"]]
    found = findings_of(NAME, R, C)
    assert found["n_constant_points"] == 1 and found["ratio_weighting"].holds


def test_saddles_near_the_uncertainty_are_named():
    R, C = synthetic()
    found, text = rendered(R, C)
    assert found["saddle_margin"].holds and "lies at least 3δ below zero" in text
    of(R, "critical")[0]["minimum_test"]["lowest"] = -2e-8          # 2δ with δ = 1e-8
    found, text = rendered(R, C)
    assert not found["saddle_margin"].holds
    assert "within 3δ of zero (down to 2.0δ): saddles by the test, but only just" in text


def test_the_rate_prints_its_spread_and_its_family():
    R, C = synthetic()
    found, text = rendered(R, C)
    assert found["rate_constant"] == 10 and found["n_rate"] == 11
    assert "10-90% 0.25-0.25; ten of them at the constant output" in text
    for r in of(R, "critical"):
        if not r["constant_output"]:
            r["confirm_history"] = {"iteration": [0], "grad_norm": [5e-11]}
    recount(R)
    found, text = rendered(R, C)
    assert "all of them at the constant output" in text


def test_a_converged_gradient_flat_run_at_the_constant_loss_is_called_borderline():
    R, C = synthetic()
    r = of(R, "gradient-flat")[0]
    r.update(stop="converged", loss=VAR, constant_output=True, grad_norm=6e-11,
             slope={"0.001": 0.95, "0.01": 0.55, "0.1": 1.12})
    found, text = rendered(R, C)
    assert found["converged_flat"].evidence["at_constant"] == 1
    assert "it lies at the constant-output loss, with ‖∇L‖ 6.0e-11" in text
    assert "a borderline call that rests on the slope test alone" in text
    r.update(loss=0.01, constant_output=False)
    found, text = rendered(R, C)
    assert found["converged_flat"].evidence["at_constant"] == 0 and "borderline" not in text


def test_the_committed_finder_point_is_the_embedded_one_1_1_1_mirrored():
    R, C, _, _ = committed()
    assert findings_of(NAME, R, C)["n_units"] == 5
    finder = next(r for r in R[NAME]["runs"] if r["outcome"] == "critical" and not r["constant_output"])
    width = 8
    x = np.linspace(-1, 1, R[NAME]["points"])
    theta = np.asarray(finder["theta"])
    out = np.tanh(np.outer(x, theta[:width]) + theta[width:2 * width]) @ theta[2 * width:3 * width] + theta[-1]
    embedded = next(e for e in R[NAME]["embedded"] if e["width"] == 1 and abs(e["loss"] - finder["loss"]) < 1e-9)
    e = np.asarray(embedded["theta"])
    mirrored = np.tanh(np.outer(-x, e[:width]) + e[width:2 * width]) @ e[2 * width:3 * width] + e[-1]
    assert np.abs(out - mirrored).max() < 1e-6                # an independent check of what the findings merge
    finder["theta"][-1] += 1e-3                               # no longer that function: six
    assert findings_of(NAME, R, C)["n_units"] == 6
