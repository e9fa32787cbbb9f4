"""HW1-2 "What happens when the gradient is almost zero": end points of a critical-point finder,
their Hessian spectra (minimal ratio, index) against the loss.

From results/hw1_2_minratio.json: 240 runs of damped Newton-MR on ∇L = 0 (common/critical.py) for
a tanh MLP 1-8-1 on sinc5, started from snapshots of 16 Adam trajectories spread uniformly in log
loss (Pennington & Bahri 2017 took starts uniformly by loss), classified as in Frye et al. 2020
(Neural Computation 33:1469): "critical" when ‖∇L‖ is below their cutoff, "gradient-flat" when most
of the gradient lies in the Hessian's near-kernel. What the section concludes:
  - the outcome "critical" is a candidate passing the cutoff, not a confirmed critical point: no
    confirmation stage was run, and every run but those at the constant-output point stopped at
    the iteration cap (no gradient-norm history is saved, so no convergence rate is claimed);
  - the constant-output points (L = the variance of the target) are one degenerate family,
    counted once in statements about points; every one of its runs has a negative eigenvalue at
    the main tolerance;
  - "no eigenvalue below −ρ·max|λ|" depends on ρ: no end point passes at the strictest tolerances,
    and no descent test was run, so none is called a minimum;
  - among the other candidates the index rises with the loss (as Dauphin et al. 2014, Fig. 1,
    found for small MLPs) and the minimal ratio falls with it: tie-aware Spearman correlations
    with bootstrap intervals that resample whole Adam trajectories (the starts of one trajectory
    share its initialization);
  - the sampling definition of the minimal ratio (share of higher random neighbours) hardly sees
    the negative directions: at every candidate the positive eigenvalues outweigh the negative.
"""
import numpy as np

from common.claims import ReportError, choose, claim, count, listing, num, pct, sci
from common.critical import STOP_GRAD
from common.inference import pooled_spearman

SOURCES = ["hw1_2_minratio"]
CONSTANT = 1e-4          # a candidate is at the constant-output point when |L - var(y)| <= this * var(y)
QUADRATIC = 1e-8         # ‖∇L‖ at or below this: close to the finder's own stop
LOWEST = 3               # the lowest-loss candidates looked at
TOLERANCE_SHIFT = 0.1    # the median minimal ratio moves by more than this between the extreme tolerances
SAMPLED_HIGH = 0.95      # "hardly sees the saddles": every candidate has at least this share of higher neighbours
CLOSE_GAP = 2            # no gap at the cutoff: the nearest runs on its two sides within this factor


def negatives(run, tol):
    return run["shares"][tol]["negative_share"]


def correlation(runs, x_of):
    """Spearman of x_of(run) against the loss over runs (ties averaged), interval resampling whole
    Adam trajectories (common.inference.pooled_spearman, one unit per trajectory)."""
    trajectories = sorted({r["trajectory"] for r in runs}, key=str)
    units = [([x_of(r) for r in runs if r["trajectory"] == t], [r["loss"] for r in runs if r["trajectory"] == t])
             for t in trajectories]
    return pooled_spearman(units)


def direction(result):
    """'rises' / 'falls' when the bootstrap interval excludes zero, else 'unclear'."""
    if not np.isfinite(result["rho"]) or not np.isfinite(result["low"]):
        return "unclear"
    return "rises" if result["low"] > 0 else "falls" if result["high"] < 0 else "unclear"


def require(c, name):
    if not c.holds:
        raise ReportError(f"claim no longer holds: {c.phrasings[True]!r} ({name}; evidence {c.evidence})")
    return c


def findings(R, C, P, T):
    mr, config = R["hw1_2_minratio"], C["hw1_2_minratio"]
    runs = mr["runs"]
    cap = config["newton_iters"]
    tols = list(mr["rel_tols"])
    main = mr["main_tol"]
    smallest = min(tols, key=mr["rel_tols"].get)
    largest = max(tols, key=mr["rel_tols"].get)
    outcomes = list(mr["counts"])
    recount = {name: sum(r["outcome"] == name for r in runs) for name in outcomes}
    counts_agree = require(claim(recount == mr["counts"] and sum(recount.values()) == len(runs),
                                 "the outcome counts agree with the runs", counts=mr["counts"], recount=recount),
                           "counts_agree")

    crit = [r for r in runs if r["outcome"] == "critical"]
    flat = [r for r in runs if r["outcome"] == "gradient-flat"]
    if len(crit) < 3:
        raise ReportError(f"claim no longer holds: 'the finder found candidate critical points' (evidence "
                          f"critical={len(crit)})")
    variance = mr["target_variance"]
    constant = [r for r in crit if abs(r["loss"] - variance) <= CONSTANT * variance]
    others = [r for r in crit if r not in constant]

    # --- where the runs stopped
    at_cap = {name: sum(r["outcome"] == name and r["iterations"] >= cap for r in runs) for name in outcomes}
    early = [r for r in runs if r["iterations"] < cap]
    early_met_stop = all(r["grad_norm"] <= STOP_GRAD for r in early)
    early_constant = {id(r) for r in early} == {id(r) for r in constant}
    n_cap = sum(at_cap.values())
    cap_outcome = "none" if n_cap == 0 else "all" if n_cap == len(runs) else "some"

    # --- Hessian: "no eigenvalue below −tol" over tolerances
    free = {t: {"others": sum(negatives(r, t) == 0 for r in others),
                "constant": sum(negatives(r, t) == 0 for r in constant)} for t in tols}
    none_free = [t for t in tols if free[t]["others"] == 0 and free[t]["constant"] == 0]
    band_rows = [[f"ρ = {t}", f"{free[t]['others']} of {len(others)}", f"{free[t]['constant']} of {len(constant)}"]
                 for t in tols]
    no_negative = [r for r in others if negatives(r, main) == 0]
    with_negative = [r for r in others if negatives(r, main) > 0]
    constant_negative = sum(negatives(r, main) > 0 for r in constant)

    # --- index: the constant-output family against the others
    constant_max = max((negatives(r, main) for r in constant), default=float("nan"))
    others_max = max(negatives(r, main) for r in others)
    reaching = sum(negatives(r, main) >= constant_max for r in others) if constant else 0
    if not constant:
        index_outcome = "no family"
    elif constant_max > others_max:
        index_outcome = "family most"
    elif constant_max == others_max:
        index_outcome = "tie"
    else:
        index_outcome = "others most"

    # --- correlations over the other candidates, units = trajectories
    index_rho = correlation(others, lambda r: negatives(r, main))
    ratio_rho = correlation(others, lambda r: r["shares"][main]["minimal_ratio"])
    lowest = sorted(crit, key=lambda r: r["loss"])[:LOWEST]
    lowest_free = [min((t for t in tols if negatives(r, t) == 0), key=mr["rel_tols"].get, default=None)
                   for r in lowest]

    # --- minimal ratio and its tolerance
    def median_ratio(chosen, tol):
        return float(np.median([r["shares"][tol]["minimal_ratio"] for r in chosen])) if chosen else float("nan")
    ratio_small, ratio_large = median_ratio(no_negative, smallest), median_ratio(no_negative, largest)

    # --- sampling definition
    sampled_1 = min(r["sampled"]["c=1"]["ratio"] for r in crit)
    sampled_100 = min(r["sampled"]["c=100"]["ratio"] for r in crit)
    weight = []
    for r in crit:
        e = np.asarray(r["eigenvalues"], dtype=float)
        weight.append(float(e[e > 0].sum() / -e[e < 0].sum()) if (e < 0).any() else float("inf"))

    # --- gradient norms
    top = np.array([np.abs(r["eigenvalues"]).max() for r in crit])
    newton_distance = float(np.median(mr["critical_grad"] / (mr["rel_tols"][main] * top)))
    crit_losses = [r["loss"] for r in crit]
    flat_losses = [r["loss"] for r in flat]
    largest_crit_grad = max(r["grad_norm"] for r in crit)
    smallest_flat_grad = min((r["grad_norm"] for r in flat), default=float("nan"))

    def at_cap_text():
        parts = [f'all {recount[name]} "{name}"' if at_cap[name] == recount[name] else
                 f'{at_cap[name]} of the {recount[name]} "{name}"' for name in outcomes if recount[name]]
        return listing(parts)

    return {
        "counts_agree": counts_agree,
        # settings
        "model": mr["model"].split()[0], "params": mr["params"], "points": mr["points"], "function": config["function"],
        "trajectories": config["trajectories"], "adam_lr": config["adam_lr"], "adam_steps": config["adam_steps"],
        "starts": config["starts"], "runs": len(runs),
        "start_loss_min": min(r["start_loss"] for r in runs), "start_loss_max": max(r["start_loss"] for r in runs),
        "cap": cap, "stop_grad": STOP_GRAD, "critical_grad": mr["critical_grad"], "flat_share": mr["flat_share"],
        "kernel_tol": mr["kernel_tol"], "tols": tols, "main_tol": main, "smallest_tol": smallest,
        "largest_tol": largest, "samples": mr["samples"],
        "radius_factors": "{" + ", ".join(f"{c:g}" for c in mr["radius_factors"].values()) + "}",
        "newton_distance": newton_distance,
        # outcomes
        "counts": recount,
        "n_critical": len(crit), "n_flat": len(flat), "n_not_converged": recount.get("not converged", 0),
        "at_cap": at_cap, "n_at_cap": n_cap,
        "cap_reached": choose(cap_outcome, {
            "none": f"no run reached the {num(cap)}-iteration cap",
            "some": f"{n_cap} of the {len(runs)} runs stopped at the {num(cap)}-iteration cap ({at_cap_text()})",
            "all": f"every run stopped at the {num(cap)}-iteration cap"}, at_cap=at_cap, runs=len(runs)),
        "n_early": len(early),
        "early_iterations": [min((r["iterations"] for r in early), default=0),
                             max((r["iterations"] for r in early), default=0)],
        "early_stop": claim(early_met_stop and early_constant and early,
                            f"only the runs at the constant-output point ({len(early)}) met the finder's own stop "
                            f"(‖∇L‖ ≤ {sci(STOP_GRAD, 1)})",
                            f"the {len(early)} runs that stopped before the cap are not exactly those at the "
                            f"constant-output point ({sum(r['grad_norm'] <= STOP_GRAD for r in early)} of them with "
                            f"‖∇L‖ ≤ {sci(STOP_GRAD, 1)})",
                            early=len(early), met_stop=early_met_stop, all_constant=early_constant,
                            constant=len(constant)),
        # candidates
        "loss_min": min(crit_losses), "loss_max": max(crit_losses),
        "decades": float(np.log10(max(crit_losses) / min(crit_losses))),
        "target_variance": variance,
        "n_constant": len(constant), "n_others": len(others),
        "constant_start_min": min((r["start_loss"] for r in constant), default=float("nan")),
        "constant_start_max": max((r["start_loss"] for r in constant), default=float("nan")),
        "others_loss_min": min(r["loss"] for r in others), "others_loss_max": max(r["loss"] for r in others),
        "others_grad_min": min(r["grad_norm"] for r in others), "others_grad_max": max(r["grad_norm"] for r in others),
        "others_capped": claim(all(r["iterations"] >= cap for r in others),
                               f"all {len(others)} others stopped at the cap",
                               f"{sum(r['iterations'] >= cap for r in others)} of the {len(others)} others stopped at "
                               "the cap", at_cap=sum(r["iterations"] >= cap for r in others), others=len(others)),
        "constant_negative": claim(constant and constant_negative == len(constant),
                                   f"every one of its {len(constant)} runs has an eigenvalue below −ρ·max|λ| "
                                   f"at ρ = {main}",
                                   f"{constant_negative} of its {len(constant)} runs have an eigenvalue below "
                                   f"−ρ·max|λ| at ρ = {main}", with_negative=constant_negative, runs=len(constant)),
        # no eigenvalue below −tol, over tolerances
        "free_table": {"header": ["tolerance", "other candidates with no λ < −ρ·max|λ|",
                                  "constant-output runs with no λ < −ρ·max|λ|"], "rows": band_rows},
        "free_main": free[main]["others"], "negative_main": len(with_negative),
        "strict_none": claim(bool(none_free),
                             f"no candidate has all its eigenvalues above −ρ·max|λ| at ρ = "
                             f"{listing(none_free)}",
                             f"even at ρ = {smallest}, {free[smallest]['others'] + free[smallest]['constant']} of the "
                             f"{len(crit)} candidate runs have no eigenvalue below −ρ·max|λ|", free=free),
        # index
        "constant_max_index": constant_max, "others_max_index": others_max, "others_reaching": reaching,
        "max_index": choose(index_outcome, {
            "family most": f"the constant-output family has the most negative directions ({pct(constant_max, 0)} at "
                           f"most; the other candidates {pct(others_max, 0)} at most)",
            "tie": f"the constant-output family reaches an index of {pct(constant_max, 0)}, and so do "
                   f"{count(reaching)} other candidates: none has more",
            "others most": f"the constant-output family's largest index ({pct(constant_max, 0)}) is exceeded by "
                           f"{count(sum(negatives(r, main) > constant_max for r in others), 'other candidate')} "
                           f"(up to {pct(others_max, 0)})",
            "no family": "no run reached the constant-output point"},
            constant_max=constant_max, others_max=others_max, reaching=reaching),
        "index_rho": index_rho,
        "index_trend": choose(direction(index_rho), {
            "rises": "rises with the loss, as Dauphin et al. 2014 (Fig. 1) found for small MLPs",
            "falls": "falls as the loss rises, unlike Dauphin et al. 2014",
            "unclear": "has no clear relation to the loss (the interval includes zero)"}, **index_rho),
        "ratio_rho": ratio_rho,
        "ratio_trend": choose(direction(ratio_rho), {
            "falls": "rises as the loss falls, the slides' picture",
            "rises": "falls as the loss falls, against the slides' picture",
            "unclear": "has no clear relation to the loss (the interval includes zero)"}, **ratio_rho),
        "lowest_count": len(lowest),
        "lowest_free": claim(all(negatives(r, main) == 0 for r in lowest),
                             f"have no eigenvalue below −ρ·max|λ| at ρ = {main}",
                             f"do not all lack eigenvalues below −ρ·max|λ| at ρ = {main} "
                             f"({sum(negatives(r, main) == 0 for r in lowest)} of {len(lowest)} do)",
                             indices=[negatives(r, main) for r in lowest]),
        "lowest_free_from": claim(all(t == main for t in lowest_free), f"from ρ = {main} up, not below",
                                  "the first tolerance without one: " + listing(
                                      [f"ρ = {t}" for t in sorted({t for t in lowest_free if t}, key=tols.index)]
                                      + (["none"] if None in lowest_free else [])),
                                  smallest_free_tol=lowest_free),
        # the minimal ratio
        "n_no_negative": len(no_negative),
        "ratio_below_one": claim(no_negative and max(r["shares"][main]["minimal_ratio"] for r in no_negative) < 1,
                                 "does not reach 1 even at the candidates with no negative eigenvalue",
                                 "reaches 1 at some of the candidates with no negative eigenvalue",
                                 largest=max((r["shares"][main]["minimal_ratio"] for r in no_negative), default=None)),
        "no_negative_ratio": median_ratio(no_negative, main),
        "no_negative_zero": float(np.median([r["shares"][main]["zero_share"] for r in no_negative]))
        if no_negative else float("nan"),
        "no_negative_ratio_small": ratio_small, "no_negative_ratio_large": ratio_large,
        "negative_ratio_small": median_ratio(with_negative, smallest),
        "negative_ratio_large": median_ratio(with_negative, largest),
        "tolerance_matters": claim(abs(ratio_small - ratio_large) > TOLERANCE_SHIFT,
                                   "so the ratio compares points only at one stated tolerance",
                                   "so the tolerance hardly changes the ratio",
                                   small=ratio_small, large=ratio_large, shift=TOLERANCE_SHIFT),
        # sampling
        "sampled_1": sampled_1, "sampled_100": sampled_100, "positive_weight": min(weight),
        "sampling_blind": claim(sampled_1 >= SAMPLED_HIGH,
                                f"at least {pct(sampled_1, 1)} of the random neighbours of every candidate have a "
                                "higher loss",
                                f"the share of higher neighbours ranges down to {pct(sampled_1, 1)}",
                                smallest=sampled_1, threshold=SAMPLED_HIGH),
        "positive_dominates": claim(min(weight) > 1,
                                    f"at every candidate the positive eigenvalues sum to at least "
                                    f"{min(weight):.0f}x the magnitude of the negative ones",
                                    "at some candidates the negative eigenvalues outweigh the positive ones",
                                    smallest=min(weight)),
        # gradient norms
        "n_quadratic": sum(r["grad_norm"] <= QUADRATIC for r in crit),
        "constant_quadratic": sum(r["grad_norm"] <= QUADRATIC for r in constant),
        "others_quadratic": claim(sum(r["grad_norm"] <= QUADRATIC for r in others) == 0, "none of the others",
                                  f"{sum(r['grad_norm'] <= QUADRATIC for r in others)} of the others",
                                  count=sum(r["grad_norm"] <= QUADRATIC for r in others)),
        "flat_grad_min": smallest_flat_grad,
        "flat_grad_max": max((r["grad_norm"] for r in flat), default=float("nan")),
        "flat_kernel": float(np.median([r["kernel_share"] for r in flat])) if flat else float("nan"),
        "flat_frye": float(np.median([r["frye_r"] for r in flat])) if flat else float("nan"),
        "flat_losses_inside": claim(flat and min(crit_losses) <= min(flat_losses)
                                    and max(flat_losses) <= max(crit_losses),
                                    "at losses inside the candidates' range",
                                    "at losses partly outside the candidates' range",
                                    flat=[min(flat_losses, default=None), max(flat_losses, default=None)],
                                    critical=[min(crit_losses), max(crit_losses)]),
        "frye_small": claim(flat and np.median([r["frye_r"] for r in flat]) < 0.1, "small at them",
                            "not small at them"),
        "no_gap": claim(smallest_flat_grad / largest_crit_grad < CLOSE_GAP,
                        "not a gap in the data",
                        "and also a gap in the data", largest_critical=largest_crit_grad,
                        smallest_flat=smallest_flat_grad, factor=CLOSE_GAP),
        "largest_crit_grad": largest_crit_grad,
        "flat_capped": claim(flat and at_cap.get("gradient-flat", 0) == len(flat),
                             f"all {len(flat)} gradient-flat runs stopped at the cap, so whether more iterations would "
                             "carry some of them below the cutoff is not known from these runs",
                             f"{at_cap.get('gradient-flat', 0)} of the {len(flat)} gradient-flat runs stopped at "
                             "the cap",
                             at_cap=at_cap.get("gradient-flat", 0), runs=len(flat)),
    }
