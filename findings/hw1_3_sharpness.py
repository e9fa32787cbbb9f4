"""Bonus: sharpness of every model of the shared approaches, and Dinh's reparametrization
(results/hw1_3_sharpness.json).

Concludes: Keskar et al. 2017's sharpness phi (Metric 2.1, A = I) of the largest batch against the
smallest at every epsilon, with how far the seeds separate, against the ratios Keskar et al. report
for their network F1 on MNIST (far smaller here); the trend of phi over the batch sizes at every
epsilon (Spearman over the level means, monotone or not, how many steps separate the seeds: it does
not move the same way at every epsilon) and of the top Hessian eigenvalue; that L-BFGS-B adds little
to the sign-gradient corner of the box and the random starts never beat it; that phi scales between
epsilon^1 and epsilon^2 (the models are not stationary); sharpness against the generalization gap
between approaches (over the approach means) and within approaches apart (seed s of every approach
starts from the same initialization), with intervals from resampling the seeds; and Dinh et al.
2017's point: rescaling layer 1 by a and layer 2 by 1/a leaves the function unchanged, yet moves the
top eigenvalue and phi, to larger values at some a and (phi) to smaller ones at another, so the same
function is made sharper and flatter by the parametrization alone.
"""
import numpy as np

from common import inference
from common.claims import ReportError, choose, claim, fix, listing, mean_pm, sci, span
from findings.hw1_3_approaches import by_approach, grouped, relation, seed_values, trend

SOURCES = ["hw1_3_sharpness"]


def _eps(e):
    return f"{e:g}"


def _dinh_direction(label, dinh, key, fmt):
    """Where the measure `key` of the rescaled models is above and below its value at a = 1."""
    base = by_scale(dinh, 1.0)[key]
    others = sorted((d for d in dinh if d["scale"] != 1.0), key=lambda d: d["scale"])
    ups = [d for d in others if d[key] > base]
    downs = [d for d in others if d[key] < base]

    def at(ds):
        return listing([_eps(d["scale"]) for d in ds])
    outcome = ("both" if ups and downs else "sharper" if ups and len(ups) == len(others) else
               "flatter" if downs and len(downs) == len(others) else "partly")
    return choose(outcome, {
        "sharper": f"{label} is larger than at a = 1 at every other a ({at(ups)})",
        "flatter": f"{label} is smaller than at a = 1 at every other a ({at(downs)})",
        "both": f"{label} is larger than at a = 1 at a = {at(ups)} and smaller at a = {at(downs)} "
                f"({listing([fmt(d[key]) for d in downs])} against {fmt(base)})",
        "partly": f"{label} is unchanged from a = 1 at some other a",
    }, base=base, up=[d["scale"] for d in ups], down=[d["scale"] for d in downs])


def by_scale(dinh, scale):
    found = [d for d in dinh if d["scale"] == scale]
    if len(found) != 1:
        raise ReportError(f"results/hw1_3_sharpness.json holds {len(found)} Dinh models at a = {scale:g}: rerun it")
    return found[0]


def findings(R, C, P, T):
    sh, ap = R["hw1_3_sharpness"], C["hw1_3_sharpness"]["approaches"]
    names, seeds, models, eps_list = list(ap), sh["seeds"], sh["models"], list(sh["epsilons"])
    bs = sh["batch_series"]
    small_b, large_b = bs[0], bs[-1]
    e0 = eps_list[0]
    phi = {e: by_approach(models, f"keskar_{_eps(e)}", names, seeds) for e in eps_list}
    corner = {e: by_approach(models, f"corner_{_eps(e)}", names, seeds) for e in eps_list}
    eig = by_approach(models, "top_eigenvalue", names, seeds)
    gap = by_approach(models, "generalization_gap", names, seeds)
    loss = by_approach(models, "train_loss", names, seeds)
    grad = by_approach(models, "subset_grad_norm", names, seeds)
    dinh = sh["dinh"]
    d_id = by_scale(dinh, 1.0)

    # the maximization keeps the best start, so phi is never below the corner's value
    below = [(m.get("approach", "Dinh"), m.get("seed", m.get("scale")), e) for m in models + dinh for e in eps_list
             if m[f"keskar_{_eps(e)}"] < m[f"corner_{_eps(e)}"]]
    never_below = claim(not below, "never below the corner's", below=below)

    rows = [[n, fix(np.mean(seed_values(loss, n)), 3)] + [mean_pm(seed_values(phi[e], n)) for e in eps_list] +
            [fix(np.mean(seed_values(corner[e0], n)), 3), mean_pm(seed_values(eig, n), 2),
             fix(np.mean(seed_values(grad, n)), 3)] for n in names]
    header = (["approach", "train loss"] + [f"Keskar ε={_eps(e)}" for e in eps_list] +
              [f"corner ε={_eps(e0)}", "‖H‖₂", "‖∇L‖"])
    dinh_rows = [[_eps(d["scale"]), sci(d["max_output_change"]) if d["max_output_change"] else "0",
                  fix(d["subset_loss"], 5), fix(d["top_eigenvalue"], 1)] +
                 [fix(d[f"keskar_{_eps(e)}"], 2) for e in eps_list] for d in sorted(dinh, key=lambda d: d["scale"])]
    dinh_header = (["a", "max output change (relative)", "subset loss", "‖H‖₂"] +
                   [f"Keskar ε={_eps(e)}" for e in eps_list])

    # large against small batch, per epsilon
    S = len(seeds)
    ratios = []
    for e in eps_list:
        large, small = seed_values(phi[e], large_b), seed_values(phi[e], small_b)
        c = inference.compare(large, small)
        outcome = "overlap" if not c["separated"] else "large above" if c["larger"] == "a" else "small above"
        paper = sh["keskar_paper_ratios"].get(str(e))
        ratios.append({"eps": _eps(e), "ratio": float(np.mean(large) / np.mean(small)), "paper": paper,
                       "seeds": choose(outcome, {
                           "large above": f"every seed of batch {ap[large_b][0]} above every seed of batch "
                                          f"{ap[small_b][0]}",
                           "small above": f"every seed of batch {ap[small_b][0]} above every seed of batch "
                                          f"{ap[large_b][0]}",
                           "overlap": f"seeds overlap ({c['a_above_b']} of {S} seeds of batch {ap[large_b][0]} "
                                      f"above every seed of batch {ap[small_b][0]}, {c['b_above_a']} of {S} the "
                                      f"other way)"}, eps=e, **c)})
    far = claim(max(r["ratio"] for r in ratios) < 10,
                "Our ratios are far from the two orders of magnitude Keskar et al. report. Their large-batch runs "
                "were not trained to a common loss, and their networks were larger; which of these accounts for the "
                "difference was not tested here.",
                "The ratio is of the order Keskar et al. report.", ratios=[r["ratio"] for r in ratios])

    # trends over the batch sizes, at every epsilon, and of the top eigenvalue
    levels = [ap[n][0] for n in bs]
    trends = [{"eps": _eps(e), "trend": trend(levels, [seed_values(phi[e], n) for n in bs], lambda x: f"{x:g}",
                                               "the batch size")} for e in eps_list]
    directions = {str(t["trend"].outcome).split(",")[0] for t in trends}
    trend_agrees = claim(len(directions) == 1, "moves the same way at every ε", "does not move the same way at every ε",
                         directions=sorted(directions))
    eig_trend = trend(levels, [seed_values(eig, n) for n in bs], lambda x: f"{x:g}", "the batch size",
                      "the top eigenvalue ‖H‖₂")

    # the maximization against the sign-gradient corner
    gain = [m[f"keskar_{_eps(e)}"] / m[f"corner_{_eps(e)}"] - 1 for m in models for e in eps_list]
    beaten = [(m["approach"], m["seed"], e) for m in models for e in eps_list
              if max(m[f"starts_{_eps(e)}"][1:]) > m[f"starts_{_eps(e)}"][0]]
    n_runs = len(models) * len(eps_list)
    random_starts = claim(not beaten, "the random starts never beat it",
                          f"random starts beat it in {len(beaten)} of {n_runs} maximizations", beaten=beaten)
    e_hi, e_lo = max(eps_list), min(eps_list)
    eps_ratio = [m[f"keskar_{_eps(e_hi)}"] / m[f"keskar_{_eps(e_lo)}"] for m in models]
    eps_power = [float(np.log(r) / np.log(e_hi / e_lo)) for r in eps_ratio]
    inside = sum(1 < p < 2 for p in eps_power)
    order = claim(inside == len(eps_power),
                  f"between first order (ε¹, the gradient term) and second order (ε², the curvature term that the "
                  f"slides' estimate ‖H‖₂ε²/(2(1+L)) keeps alone) for every model (exponents "
                  f"{span(eps_power, lambda x: fix(x, 2))})",
                  f"between first order (ε¹, the gradient term) and second order (ε², the curvature term that the "
                  f"slides' estimate ‖H‖₂ε²/(2(1+L)) keeps alone) for {inside} of the {len(eps_power)} models only "
                  f"(exponents {span(eps_power, lambda x: fix(x, 2))})",
                  inside=inside, models=len(eps_power))

    # against the generalization gap: between and within approaches
    def interval(g, part):
        low, high = g[f"{part}_low"], g[f"{part}_high"]
        shown = f" ({fix(low, 2)} to {fix(high, 2)})" if np.isfinite(low) and np.isfinite(high) else " (none)"
        return f"{fix(g[part], 2)}{shown}"
    measured = [(f"φ (ε = {_eps(e)})", grouped(phi[e], gap, names)) for e in eps_list]
    measured.append(("the top eigenvalue ‖H‖₂", grouped(eig, gap, names)))
    gap_table = {"header": ["measure", "between approaches: ρ (95% interval)", "within approaches: ρ (95% interval)"],
                 "rows": [[label, interval(g, "between"), interval(g, "within")] for label, g in measured]}
    phi_parts = [(e, part, relation(g, part, "φ", "the gap")) for e, (_, g) in zip(eps_list, measured[:-1])
                 for part in ("between", "within")]
    resolved = [(e, part, c.outcome) for e, part, c in phi_parts if c.outcome in ("rises", "falls")]
    phi_gap = claim(
        not resolved, "is not clearly related to the gap at any ε, between or within approaches (every interval "
                      "includes 0 or there is none)",
        "is related to the gap only " + listing([f"{part} approaches at ε = {_eps(e)} ({outcome})"
                                                 for e, part, outcome in resolved]),
        resolved=resolved, rho={(e, part): c.evidence["rho"] for e, part, c in phi_parts})
    g_eig = measured[-1][1]
    eig_gap = {"between": relation(g_eig, "between", "the top eigenvalue ‖H‖₂", "the gap"),
               "within": relation(g_eig, "within", "it", "the gap")}

    # Dinh et al.: the same function, another sharpness
    losses = {fix(d["subset_loss"], 5) for d in dinh}
    dinh_loss = claim(len(losses) == 1, f"not at all ({fix(d_id['subset_loss'], 5)} for every a)",
                      f"only slightly ({span([d['subset_loss'] for d in dinh], lambda x: fix(x, 5))})",
                      losses=sorted(losses))
    measures = [_dinh_direction("the top eigenvalue", dinh, "top_eigenvalue", lambda x: fix(x, 1))]
    measures += [_dinh_direction(f"φ (ε = {_eps(e)})", dinh, f"keskar_{_eps(e)}", lambda x: fix(x, 2))
                 for e in eps_list]
    outcomes = {m.outcome for m in measures}
    both = ("sharper and flatter" if outcomes & {"both", "flatter"} else "sharper" if outcomes == {"sharper"}
            else "unchanged")
    dinh_both = choose(both, {
        "sharper and flatter": "Rescaling alone makes the same function sharper, and by φ also flatter: the "
                               "parametrization moves these measures either way while the function stays put",
        "sharper": "Rescaling alone makes the same function sharper by every measure here, at every a ≠ 1",
        "unchanged": "Rescaling leaves some of these measures unchanged",
    }, outcomes=sorted(outcomes))
    d_lo, d_hi = min(dinh, key=lambda d: d["scale"]), max(dinh, key=lambda d: d["scale"])

    return {
        "subset": sh["subset"], "keskar_iters": sh["keskar_iters"], "random_starts": sh["random_starts"],
        "epsilons": [_eps(e) for e in eps_list], "dinh_model": " ".join(sh["dinh_model"]),
        "never_below_corner": never_below,
        "table": {"header": header, "rows": rows},
        "dinh_table": {"header": dinh_header, "rows": dinh_rows},
        "large_batch": ap[large_b][0], "small_batch": ap[small_b][0],
        "loss_large": mean_pm(seed_values(loss, large_b)), "loss_small": mean_pm(seed_values(loss, small_b)),
        "ratios": ratios, "far_from_keskar": far,
        "trend_agrees": trend_agrees, "trends": trends, "eig_trend": eig_trend,
        "gain_low": max(0.0, min(gain)), "gain_high": max(gain), "random_starts_never": random_starts,
        "grad_range": span([m["subset_grad_norm"] for m in models], lambda x: fix(x, 2)),
        "eps_high": _eps(e_hi), "eps_low": _eps(e_lo),
        "eps_ratio_median": float(np.median(eps_ratio)), "eps_ratio_range": span(eps_ratio, lambda x: fix(x, 1)),
        "eps_power_median": float(np.median(eps_power)), "eps_order": order,
        "n_models": len(models), "n_approaches": len(names), "n_seeds": S,
        "gap_table": gap_table, "phi_gap": phi_gap, "eig_gap": eig_gap,
        "dinh_output_change": max(d["max_output_change"] for d in dinh), "dinh_loss": dinh_loss,
        "eig_id": d_id["top_eigenvalue"], "eig_lo": d_lo["top_eigenvalue"], "eig_hi": d_hi["top_eigenvalue"],
        "phi_id": d_id[f"keskar_{_eps(e0)}"], "phi_lo": d_lo[f"keskar_{_eps(e0)}"],
        "phi_hi": d_hi[f"keskar_{_eps(e0)}"], "scale_lo": _eps(d_lo["scale"]), "scale_hi": _eps(d_hi["scale"]),
        "eps0": _eps(e0),
        "dinh_measures": measures, "dinh_both": dinh_both,
    }
