"""HW1-2 "What happens when the gradient is almost zero": which end points of a critical-point finder
are critical points (confirmed by convergence), which are gradient-flat, what the known critical
points of smaller nets embedded in this one look like, and the minimal ratio and index of the
confirmed points against the loss.

From results/hw1_2_minratio.json: a tanh MLP 1-8-1 on sinc5; starts in groups (an Adam trajectory's
snapshots spread in log loss, as Pennington & Bahri 2017 took starts by loss; perturbed snapshots;
random initializations at several scales); damped Newton-MR, then undamped Newton-MR with a line
search on ||g||^2 (Frye et al. 2021, Neural Computation 33, use Newton-MR) with every run's ||g||
history; the outcome rule of common/critical.py; critical points of 1-k-1 nets embedded by zero
units and by a split unit (Fukumizu & Amari 2000). What the section concludes:
  - how many runs reached a confirmed critical point (||g|| <= 1e-10 by convergence, never at the
    cap), how many are gradient-flat and how many did not converge; how many gradient-flat points
    pass Frye et al.'s cutoff ||g||^2 <= 1e-10 and still fall at their full slope along the
    near-kernel part of g (so that cutoff does not make a critical point on this net), and that
    Frye's residual r is small at them;
  - the constant-output family counted once (with the runs that reached it) and whether its index
    varies between runs; the other confirmed points by symmetry class and by function; the linear
    rate of the confirmation at them (from the saved ||g|| histories);
  - the known critical points: which 1-k-1 nets gave confirmed points, that every embedding is a
    confirmed critical point of the 1-8-1 net, that the small nets' minima pass the minimum test in
    their own net and not once embedded (Fukumizu & Amari: embedded points are saddles or lines
    with descent), and the finder's success from starts near them;
  - minima only by the minimum test (no eigenvalue below the measured uncertainty, and no descent
    found by the probe): how many confirmed points pass it;
  - index against loss: over the confirmed points (tie-aware Spearman, interval resampling whole
    functions) and, apart, over the gradient-flat points (interval resampling whole start groups),
    where the rise Dauphin et al. 2014 (Fig. 1) show appears; Frye et al. 2021 found that such
    pictures come from gradient-flat points, so they are no evidence about critical points;
  - the sampling definition of the minimal ratio at the confirmed saddles, and the tolerance.
"""
import math
from collections import Counter

import numpy as np

from common.claims import ReportError, choose, claim, count, fix, listing, pct, sci, span
from common.inference import pooled_spearman

SOURCES = ["hw1_2_minratio"]
NAME = "hw1_2_minratio"
CONSTANT_LOSS = 1e-6     # the constant-output family: flagged constant by the script and |L - var(y)| <= this * var(y)
MOST = 0.5               # "most": more than this share
SAMPLED_HIGH = 0.95      # "hardly sees the saddles": at least this share of higher neighbours at every confirmed saddle
TOLERANCE_SHIFT = 0.1    # the median minimal ratio moves by more than this between the extreme tolerances
LINEAR = 0.05            # the confirmation's ||g|| falls by a factor above this per iteration: a linear rate
FULL_SLOPE = 0.5        # "falls at its full slope": ratio within [this, 1 / this] (common/critical.py FULL_SLOPE)
FEW = 4                  # fewer distinct confirmed functions than this: too few for a trend
START_KINDS = {"adam": "Adam snapshots", "perturbed": "perturbed snapshots", "random": "random initializations"}


def negatives(point, tol):
    return point["shares"][tol]["negative_share"]


def band(points, tols):
    """The index of each point over the tolerances: (smallest, largest) share of negative eigenvalues."""
    return [(min(negatives(p, t) for t in tols), max(negatives(p, t) for t in tols)) for p in points]


def direction(result):
    """'rises' / 'falls' when the bootstrap interval excludes zero, 'unclear' when it includes it,
    'no interval' with fewer than FEW units or without an interval (most resamples of a few units
    leave nothing to rank)."""
    if result["units"] < FEW or not all(math.isfinite(result[k]) for k in ("rho", "low", "high")):
        return "no interval"
    return "rises" if result["low"] > 0 else "falls" if result["high"] < 0 else "unclear"


def grouped(points, key, x_of):
    """pooled_spearman of x_of(point) against the loss, one unit per value of key(point)."""
    names = sorted({key(p) for p in points}, key=str)
    return pooled_spearman([([x_of(p) for p in points if key(p) == n], [p["loss"] for p in points if key(p) == n])
                            for n in names])


def per_function(points, key, x_of):
    """Spearman of x_of(point) against the loss over the functions, one value each: a function (the
    points key(point) names alike) is one unit, entered by the median of its points' values and
    losses (pooling its points would weight a function by how often the runs found it, and rank the
    roundoff between its points' losses); inference.pooled_spearman over those single points, so its
    interval resamples functions."""
    names = sorted({key(p) for p in points}, key=str)
    return pooled_spearman([([float(np.median([x_of(p) for p in points if key(p) == n]))],
                             [float(np.median([p["loss"] for p in points if key(p) == n]))]) for n in names])


SAME_FUNCTION = 1e-6           # one function: outputs within this on the grid, or those of its mirror f(-x) (sinc5
                               # is even on a grid symmetric about 0), as hw1_2_minratio.py's SAME_FUNCTION; the
                               # losses must agree within the results' same_loss (relative)


def outputs(theta, width, points):
    """The 1-width-1 tanh net's outputs on `points` evenly spaced points of [-1, 1]; theta is
    torch's parameter order (Linear(1, width): weight, bias; Linear(width, 1): weight, bias)."""
    theta = np.asarray(theta, dtype=float)
    w1, b1, w2, b2 = theta[:width], theta[width:2 * width], theta[2 * width:3 * width], theta[3 * width]
    return np.tanh(np.outer(np.linspace(-1.0, 1.0, points), w1) + b1) @ w2 + b2


def same_function(p, q, width, points, same_loss):
    """Whether two points compute one function (or mirror images of it) at one loss (False when a
    point holds no parameters of the net)."""
    if abs(p["loss"] - q["loss"]) > same_loss * max(p["loss"], q["loss"]) or \
            not len(p["theta"]) == len(q["theta"]) == 3 * width + 1:
        return False
    f, g = outputs(p["theta"], width, points), outputs(q["theta"], width, points)
    return min(np.abs(f - g).max(), np.abs(f - g[::-1]).max()) <= SAME_FUNCTION


def require(c, name):
    if not c.holds:
        raise ReportError(f"claim no longer holds: {c.phrasings[True]!r} ({name}; evidence {c.evidence})")
    return c


def last_ratio(run):
    """||g|| of the confirmation's last iteration over the one before (None without two iterations)."""
    history = run["confirm_history"]
    its, norms = history["iteration"], history["grad_norm"]
    if len(its) < 3 or its[-1] - its[-2] != 1 or norms[-2] <= 0:
        return None
    return norms[-1] / norms[-2]


def finder_fall(run, cap):
    """||g|| at the finder's end over ||g|| at half its cap (from the saved history)."""
    its, norms = run["finder_history"]["iteration"], run["finder_history"]["grad_norm"]
    half = max((k for k, it in enumerate(its) if it <= cap // 2), default=0)
    return norms[-1] / norms[half] if norms[half] > 0 else float("nan")


def trend_text(result, what):
    """The statistic behind a trend claim, as the report prints it."""
    if not math.isfinite(result["rho"]):
        return f"no rank correlation: the {what} leave nothing to rank"
    if math.isfinite(result["low"]) and math.isfinite(result["high"]):
        interval = (f"95% interval {fix(result['low'], 2)} to {fix(result['high'], 2)} resampling the "
                    f"{result['units']} {what}")
    else:
        interval = f"no bootstrap interval over {count(result['units'])} {what}"
    return f"Spearman's r_s = {fix(result['rho'], 2)}, ties averaged; {interval}"


def findings(R, C, P, T):
    mr, config = R[NAME], C[NAME]
    runs, embedded, validation, small = mr["runs"], mr["embedded"], mr["validation"], mr["small"]
    if not runs:
        raise ReportError("results/hw1_2_minratio.json holds no runs: rerun it")
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
    unconverged = [r for r in runs if r["outcome"] == "not converged"]
    confirm_grad = mr["confirm_grad"]
    by_convergence = require(claim(all(r["stop"] == "converged" and r["grad_norm"] <= confirm_grad for r in crit),
                                   f"every one of them reached ‖∇L‖ ≤ {sci(confirm_grad, 1)} by convergence, none at "
                                   "the cap", stops=sorted({r["stop"] for r in crit}),
                                   largest=max((r["grad_norm"] for r in crit), default=None)), "by_convergence")

    # --- starts
    kind_rows = []
    for kind, label in START_KINDS.items():
        chosen = [r for r in runs if r["kind"] == kind]
        if chosen:
            kind_rows.append([label, str(len(chosen)), f"{sci(min(r['start_loss'] for r in chosen))} to "
                              f"{sci(max(r['start_loss'] for r in chosen))}"]
                             + [str(sum(r["outcome"] == o for r in chosen)) for o in outcomes])

    # --- the confirmed points: the constant-output family, the others by class
    variance = mr["target_variance"]
    constant = [r for r in crit if r["constant_output"] and abs(r["loss"] - variance) <= CONSTANT_LOSS * variance]
    others = [r for r in crit if id(r) not in {id(c) for c in constant}]
    other_functions = sorted({r["function_class"] for r in others})
    other_symmetry = sorted({r["symmetry_class"] for r in others})
    function_losses = [min(r["loss"] for r in others if r["function_class"] == f) for f in other_functions]
    known = [sorted({f"1-{e['width']}-1" for e in embedded if abs(e["loss"] - loss) <= mr["same_loss"] * loss})
             for loss in function_losses]
    loss_texts = [sci(loss, 3) + (f" (the loss of the embedded critical point of the {listing(k)} net)" if k else
                                  " (no known point at this loss)") for loss, k in zip(function_losses, known)]
    constant_index = [negatives(r, main) for r in constant]
    rated = [(x, id(r) in {id(c) for c in constant}) for x, r in ((last_ratio(r), r) for r in crit) if x is not None]
    ratios = [x for x, _ in rated]
    rate = float(np.median(ratios)) if ratios else float("nan")
    rate_spread = [float(np.percentile(ratios, 10)), float(np.percentile(ratios, 90))] if ratios else [math.nan] * 2
    rate_constant = sum(c for _, c in rated)
    constant_kinds = {kind: sum(r["kind"] == kind for r in constant) for kind in START_KINDS}
    adam_functions = {r["function_class"] for r in crit if r["kind"] == "adam"}
    off_path_new = sorted({r["function_class"] for r in crit if r["kind"] != "adam"} - adam_functions)

    # --- the minimum test at the confirmed points
    kinds = {k: sum(r["minimum_test"]["kind"] == k for r in crit) for k in ("minimum", "saddle",
                                                                              "degenerate: descent found")}
    uncertainty = [r["minimum_test"]["uncertainty"] for r in crit]

    # --- gradient-flat points
    frye_grad = mr["frye_grad"]
    far = f"{max(mr['slope_distances']):g}"
    flat_pass = [r for r in flat if r["grad_norm"] <= frye_grad]
    # "falls at its full slope": between FULL_SLOPE and 1 / FULL_SLOPE times ||g_K|| at EVERY distance (the rule of
    # common/critical.py); a ratio far above 1 is higher-order terms (curvature), as at a critical point, not a slope
    flat_full = [r for r in flat if all(FULL_SLOPE <= r["slope"][f"{t:g}"] <= 1 / FULL_SLOPE
                                        for t in mr["slope_distances"])]
    full_ids = {id(r) for r in flat_full}
    flat_stalled = sum(r["stop"] == "stalled" for r in flat)
    stop_names = {"cap": lambda n: "reached the confirmation's cap",
                  "converged": lambda n: "converged (gradient norm and Newton step below the confirmation's "
                                         f"thresholds) and {'was' if n == 1 else 'were'} still classed gradient-flat"}
    flat_other_stops = [f"{count(n)} {stop_names[stop](n) if stop in stop_names else f'stopped ({stop})'}"
                        for stop, n in sorted(Counter(r["stop"] for r in flat if r["stop"] != "stalled").items())]
    flat_rho = grouped(flat, lambda r: r["trajectory"], lambda r: negatives(r, main))
    finder_cap = config["newton_iters"]
    flat_at_cap = sum(r["finder_iterations"] >= finder_cap for r in flat)
    flat_confirm = float(np.median([r["confirm_iterations"] for r in flat])) if flat else float("nan")
    flat_fall = float(np.median([finder_fall(r, finder_cap) for r in flat])) if flat else float("nan")
    flat_frye = float(np.median([r["frye_r"] for r in flat])) if flat else float("nan")

    # --- known points: the small nets and their embeddings
    small_rows, small_minima, small_empty = [], [], []
    for s in small:
        points = s["points"]
        if s["width"] and not points:
            small_empty.append(f"1-{s['width']}-1")
        small_minima += [dict(p, width=s["width"]) for p in points
                         if p.get("minimum_test") and p["minimum_test"]["kind"] == "minimum"]
        cells = ", ".join(f"{sci(p['loss'], 3)} (index {pct(p['index'], 0)}, "
                          f"{p['minimum_test']['kind'] if p.get('minimum_test') else 'exact'})"
                          for p in points) or "none"
        small_rows.append([f"1-{s['width']}-1", str(s["runs"]) if s["width"] else "(exact)",
                           str(s["outcomes"].get("critical", 0)) if s["width"] else "-", cells])
    minima_text = listing([f"1-{p['width']}-1 at L = {sci(p['loss'], 3)}" for p in small_minima])
    confirmed_embedded = [e for e in embedded if e["outcome"] == "critical"]
    embedded_grads = [e["embedded_grad_norm"] for e in embedded]
    embedded_kinds = {k: sum((e["minimum_test"] or {}).get("kind") == k for e in embedded)
                      for k in ("minimum", "saddle", "degenerate: descent found")}
    embedded_rows = [[f"1-{e['width']}-1", e["embedding"], sci(e["loss"], 3), sci(e["embedded_grad_norm"], 1),
                      pct(negatives(e, main), 0), f"{pct(low, 0)}-{pct(high, 0)}",
                      e["minimum_test"]["kind"] if e["minimum_test"] else e["outcome"]]
                     for e, (low, high) in zip(embedded, band(embedded, tols))]
    successes = sum(v["success"] for v in validation)
    finder_alone = sum(v["finder_stop"] for v in validation)
    if not validation:
        validation_outcome = "none"
    elif successes == len(validation):
        validation_outcome = "all"
    elif successes > MOST * len(validation):
        validation_outcome = "most"
    else:
        validation_outcome = "few"
    failed_points = sorted({v["point"] for v in validation if not v["success"]})

    # --- index and minimal ratio against the loss over the confirmed points (one unit per function)
    confirmed = crit + confirmed_embedded
    constant_ids, embedded_ids = {id(r) for r in constant}, {id(e) for e in confirmed_embedded}

    # one unit per function: the finder's points by their function class, the embedded ones by width and
    # loss, and two of those classes merged where they compute the same function (or its mirror image)
    # at one loss: a finder's point and an embedded one can be one function (the finder's 7.68e-2 point
    # is the embedded 1-1-1 point mirrored)
    width = int(mr["model"].split("-")[1].split()[0])

    def class_of(p):
        if id(p) in constant_ids or (id(p) in embedded_ids and p["width"] == 0):
            return "constant"
        if id(p) in embedded_ids:
            return f"embedded {p['width']}/{p['loss']:.9g}"
        return f"finder {p['function_class']}"
    classes = {}                                                # class: its points
    for p in confirmed:
        classes.setdefault(class_of(p), []).append(p)
    merged = {name: name for name in classes}                   # class: the class it is counted with
    names = [name for name in classes if name != "constant"]

    def root(name):
        while merged[name] != name:
            name = merged[name]
        return name
    for i, a in enumerate(names):                               # single linkage over every pair of points
        for b in names[i + 1:]:
            if root(a) != root(b) and any(same_function(p, q, width, mr["points"], mr["same_loss"])
                                          for p in classes[a] for q in classes[b]):
                merged[root(b)] = root(a)
    merged = {name: root(name) for name in classes}

    def function_of(p):
        return merged[class_of(p)]
    units = {function_of(p) for p in confirmed}
    confirmed_rho = per_function(confirmed, function_of, lambda p: negatives(p, main))
    confirmed_ratio_rho = per_function(confirmed, function_of, lambda p: p["shares"][main]["minimal_ratio"])
    saddles = [p for p in confirmed if negatives(p, smallest) > 0 and p["sampled"]]
    sampled = min((p["sampled"]["c=1"]["ratio"] for p in saddles), default=float("nan"))

    def median_ratio(points, tol):
        return float(np.median([p["shares"][tol]["minimal_ratio"] for p in points])) if points else float("nan")

    def function_median(tol):
        """The median over functions, each function (the constant-output family included) counted once by the
        median of its points."""
        names = sorted(units)
        return (float(np.median([median_ratio([p for p in confirmed if function_of(p) == n], tol) for n in names]))
                if names else float("nan"))
    ratio_small, ratio_large = function_median(smallest), function_median(largest)
    point_small, point_large = median_ratio(confirmed, smallest), median_ratio(confirmed, largest)
    n_constant_points = sum(function_of(p) == "constant" for p in confirmed)
    # the margin of the saddles: how far the lowest eigenvalue lies below -delta, in units of delta
    saddle_points = [p for p in confirmed if (p.get("minimum_test") or {}).get("kind") == "saddle"]
    margins = [-p["minimum_test"]["lowest"] / p["minimum_test"]["uncertainty"] for p in saddle_points]
    MARGIN_NEAR = 3.0
    near = sum(m < MARGIN_NEAR for m in margins)
    constant_band = band(constant, tols)

    kind_parts = [f"{count(n)} {label if n != 1 else single}" for label, single, n in (
        ("saddles (an eigenvalue below −δ)", "saddle (an eigenvalue below −δ)", kinds["saddle"]),
        ("degenerate, with no eigenvalue below −δ but a descent direction", "degenerate, with no eigenvalue below −δ "
         "but a descent direction", kinds["degenerate: descent found"]),
        ("minima", "minimum", kinds["minimum"])) if n]
    empty_nets = [f"1-{s['width']}-1, of whose {s['runs']} runs {s['outcomes'].get('critical', 0)} reached the "
                  f"constant output, {s['outcomes'].get('gradient-flat', 0)} ended gradient-flat and "
                  f"{s['outcomes'].get('not converged', 0)} did not converge"
                  for s in small if s["width"] and not s["points"]]
    cap_stops = {s: sum(r["stop"] == s for r in runs) for s in ("converged", "stalled", "cap")}
    converged_flat = [r for r in runs if r["stop"] == "converged" and r["outcome"] != "critical"]
    flat_at_constant = [r for r in converged_flat
                        if r["constant_output"] and abs(r["loss"] - variance) <= CONSTANT_LOSS * variance]
    lie = 'it lies' if len(converged_flat) == 1 else f'{count(len(flat_at_constant))} of them lie'
    flat_ratios = [v for r in flat_at_constant for v in r['slope'].values()]
    return {
        "counts_agree": counts_agree, "by_convergence": by_convergence,
        # settings
        "model": mr["model"].split()[0], "params": mr["params"], "points": mr["points"], "function": config["function"],
        "groups": config["trajectories"], "adam_lr": config["adam_lr"], "adam_steps": config["adam_steps"],
        "starts": config["starts"], "perturbed": config["perturbed"], "perturb": config["perturb"],
        "random_scales": listing([f"{s:g}" for s in config["random_scales"]]), "runs": len(runs),
        "start_loss_min": min(r["start_loss"] for r in runs), "start_loss_max": max(r["start_loss"] for r in runs),
        "kind_table": {"header": ["starts", "runs", "start loss", *outcomes], "rows": kind_rows},
        "finder_cap": config["newton_iters"], "confirm_cap": config["confirm_iters"], "confirm_grad": confirm_grad,
        "frye_grad": frye_grad, "kernel_tol": mr["kernel_tol"], "flat_share": mr["flat_share"],
        "slope_far": max(mr["slope_distances"]), "slope_distances": listing([f"{t:g}" for t in mr["slope_distances"]]),
        "tols": tols, "main_tol": main, "smallest_tol": smallest, "largest_tol": largest, "samples": mr["samples"],
        "radius_factors": "{" + ", ".join(f"{c:g}" for c in mr["radius_factors"].values()) + "}",
        "small_widths": listing([f"1-{k}-1" for k in config["small_widths"]]),
        "validation_starts": config["validation_starts"], "validation_radius": mr["validation_radius"],
        "same_loss": mr["same_loss"],
        # outcomes
        "counts": recount, "n_critical": len(crit), "n_flat": len(flat), "n_not_converged": len(unconverged),
        "stops": cap_stops,
        "unconverged_at_cap": sum(r["stop"] == "cap" for r in unconverged),
        "converged_flat": claim(not converged_flat, "",
                                f"; of the {cap_stops['converged']} runs whose confirmation converged, "
                                f"{count(len(converged_flat))} failed the slope test, the loss falling at its full "
                                "slope along the gradient's near-kernel part there, and "
                                f"{'counts' if len(converged_flat) == 1 else 'count'} as "
                                f"{listing(sorted({r['outcome'] for r in converged_flat}))}"
                                + (f" ({lie} at the constant-output loss, with ‖∇L‖ "
                                   f"{span([r['grad_norm'] for r in flat_at_constant], sci)} like the confirmed points "
                                   f"there and slope ratios {span(flat_ratios, lambda x: fix(x, 2))}: "
                                   "a borderline call that rests on the slope test alone)" if flat_at_constant else ""),
                                runs=len(converged_flat), at_constant=len(flat_at_constant)),
        # confirmed points
        "n_constant": len(constant), "constant_kinds": constant_kinds, "target_variance": variance,
        "constant_index": [min(constant_index, default=float("nan")), max(constant_index, default=float("nan"))],
        "constant_band": [min((b[0] for b in constant_band), default=float("nan")),
                          max((b[1] for b in constant_band), default=float("nan"))],
        "constant_varies": claim(constant and max(constant_index) > min(constant_index),
                                 f"its index differs between runs ({pct(min(constant_index, default=0), 0)} to "
                                 f"{pct(max(constant_index, default=0), 0)} at ρ = {main}): critical points of one "
                                 "function at different parameters, not one point, and counted once below",
                                 f"its index is {pct(min(constant_index, default=0), 0)} at ρ = {main} at every run; "
                                 "it is counted once below", index=constant_index),
        "n_others": len(others), "n_other_functions": len(other_functions), "n_other_symmetry": len(other_symmetry),
        "other_losses": listing([sci(x, 3) for x in sorted(function_losses)]),
        "n_distinct": len(other_functions) + (1 if constant else 0),
        "others_found": choose("none" if not others else "some", {
            "none": "no run reached a confirmed critical point away from the constant output",
            "some": f"{count(len(others), 'run')} reached {count(len(other_functions), 'other point')} (counted by "
                    f"function; {count(len(other_symmetry), 'symmetry class', 'symmetry classes')} of the parameters) "
                    f"at L = {listing(loss_texts)}"},
            others=len(others), functions=len(other_functions), symmetry=len(other_symmetry)),
        "off_path_new": claim(bool(off_path_new),
                              "the starts away from Adam's paths reached "
                              f"{count(len(off_path_new), 'confirmed point')} that no Adam snapshot reached",
                              "the starts away from Adam's paths reached no confirmed point that the Adam snapshots "
                              "did not", new=off_path_new),
        "rate": rate, "n_rate": len(ratios), "rate_spread": rate_spread, "rate_constant": rate_constant,
        "rate_linear": choose("none" if not ratios else "linear" if rate > LINEAR else "faster", {
            "linear": f"linear: ‖∇L‖ fell by a factor of about {fix(rate, 2) if ratios else ''} per iteration (median "
                      "over the last "
                      f"iteration of {count(len(ratios), 'run')}, 10-90% "
                      f"{fix(rate_spread[0], 2) if ratios else ''}-{fix(rate_spread[1], 2) if ratios else ''}; "
                      + ("all of them at the constant output" if ratios and rate_constant == len(ratios) else
                         f"{count(rate_constant)} of them at the constant output")
                      + "), the rate of Newton's method at a degenerate critical point",
            "faster": f"faster than linear: ‖∇L‖ fell by a factor of {sci(rate, 1) if ratios else ''} in the last "
                      "iteration (median over "
                      f"{count(len(ratios), 'run')}), as at a nondegenerate critical point",
            "none": "not measured: no confirmed run took two confirmation iterations"},
            median=rate, runs=len(ratios)),
        # minimum test
        "minimum_kinds": kinds, "kind_parts": kind_parts,
        "uncertainty": [min(uncertainty, default=float("nan")), max(uncertainty, default=float("nan"))],
        "finder_minima": claim(kinds["minimum"] == 0,
                               "none of the confirmed points passes the minimum test",
                               f"{count(kinds['minimum'], 'confirmed run')} "
                               f"{'passes' if kinds['minimum'] == 1 else 'pass'} the minimum test", **kinds),
        # gradient-flat
        "flat_grad": [min((r["grad_norm"] for r in flat), default=float("nan")),
                      max((r["grad_norm"] for r in flat), default=float("nan"))],
        "flat_loss": [min((r["loss"] for r in flat), default=float("nan")),
                      max((r["loss"] for r in flat), default=float("nan"))],
        "flat_kernel": float(np.median([r["kernel_share"] for r in flat])) if flat else float("nan"),
        "n_flat_pass": len(flat_pass),
        "flat_pass_frye": claim(bool(flat_pass),
                                f"{count(len(flat_pass))} of them have ‖∇L‖ ≤ {sci(frye_grad, 1)} (Frye et al.'s "
                                f"‖g‖² ≤ 1e-10; down to {sci(min((r['grad_norm'] for r in flat), default=0))}): "
                                "that cutoff alone would call them critical points",
                                f"none of them has ‖∇L‖ ≤ {sci(frye_grad, 1)} (Frye et al.'s ‖g‖² ≤ 1e-10)",
                                passing=len(flat_pass)),
        "flat_slope": claim(flat and len(flat_full) > MOST * len(flat),
                            f"from {count(len(flat_full))} of the {count(len(flat))} gradient-flat points "
                            f"({pct(len(flat_full) / max(len(flat), 1), 0)}; "
                            f"{count(sum(id(r) in full_ids for r in flat_pass))} of the {count(len(flat_pass))} "
                            "below the cutoff) the loss falls at its full slope ‖g_K‖ (between half and twice it) "
                            f"at every distance out to {far} along the near-kernel part g_K of the gradient: "
                            "they sit on a slope, not at a critical point",
                            f"the loss falls at its full slope (between half and twice it) at every distance out to "
                            f"{far} along the near-kernel part of the gradient from only {count(len(flat_full))} of "
                            f"the {count(len(flat))} gradient-flat points", full=len(flat_full), flat=len(flat)),
        "flat_stalled": claim(flat and flat_stalled == len(flat),
                              f"every one of the {count(len(flat))} stalled in the confirmation",
                              f"{count(flat_stalled)} of the {count(len(flat))} stalled in the confirmation; of the "
                              f"rest, {listing(flat_other_stops)}", stalled=flat_stalled, flat=len(flat),
                              other_stops=flat_other_stops),
        "flat_crawl": claim(flat and flat_at_cap == len(flat),
                            f"every gradient-flat run used the finder's whole cap of {finder_cap:,} iterations",
                            f"{count(flat_at_cap)} of the {count(len(flat))} gradient-flat runs used the finder's "
                            f"whole cap of {finder_cap:,} iterations", at_cap=flat_at_cap, flat=len(flat)),
        "flat_fall": flat_fall, "flat_confirm": flat_confirm,
        "flat_frye": flat_frye,
        "frye_small": claim(flat and flat_frye < 0.1, "small at them, so r would not flag them",
                            "not small at them", median=flat_frye),
        "flat_rho": flat_rho, "flat_rho_text": trend_text(flat_rho, "start groups"),
        "flat_trend": choose(direction(flat_rho), {
            "rises": "rises with the loss, the picture of Dauphin et al. 2014 (Fig. 1)",
            "falls": "falls as the loss rises, unlike Dauphin et al. 2014",
            "unclear": "has no clear relation to the loss, the interval including zero",
            "no interval": "cannot be given a direction: there is no bootstrap interval over so few start groups"},
            **flat_rho),
        # known points
        "small_table": {"header": ["net", "runs", "confirmed runs", "critical points (L, index at ρ = " + main
                                   + ", minimum test in that net)"], "rows": small_rows},
        "small_empty": listing(empty_nets) if empty_nets else "none",
        "small_minima": claim(bool(small_minima),
                              f"the test calls {count(len(small_minima))} of them minima in their own nets "
                              f"({minima_text})",
                              "the test calls none of them a minimum in its own net",
                              minima=[(p["width"], p["loss"]) for p in small_minima]),
        "n_embedded": len(embedded), "embedded_grad": [min(embedded_grads, default=float("nan")),
                                                       max(embedded_grads, default=float("nan"))],
        "embedded_confirmed": claim(embedded and len(confirmed_embedded) == len(embedded),
                                    f"every one of the {count(len(embedded), 'embedded point')} is a confirmed "
                                    "critical point of the 1-8-1 net",
                                    f"only {count(len(confirmed_embedded))} of the {count(len(embedded))} embedded "
                                    "points are confirmed critical points of the 1-8-1 net",
                                    confirmed=len(confirmed_embedded), embedded=len(embedded)),
        "embedded_table": {"header": ["from", "embedding", "L", "‖∇L‖ embedded", f"index at ρ = {main}",
                                      f"index, ρ = {smallest}..{largest}", "minimum test"], "rows": embedded_rows},
        "embedded_kinds": embedded_kinds,
        "embedded_minima": claim(embedded_kinds["minimum"] == 0,
                                 "none passes it in the 1-8-1 net, the small nets' minima included: embedded, they "
                                 "are saddles or have a descent direction (Fukumizu & Amari 2000)",
                                 f"{count(embedded_kinds['minimum'])} "
                                 f"{'passes' if embedded_kinds['minimum'] == 1 else 'pass'} it in the 1-8-1 net",
                                 **embedded_kinds),
        "n_validation": len(validation), "validation_successes": successes, "validation_finder_alone": finder_alone,
        "validation": choose(validation_outcome, {
            "all": f"from all {len(validation)} starts the finder and the confirmation returned to a confirmed "
                   "critical point at the same loss",
            "most": f"from {successes} of the {len(validation)} starts the finder and the confirmation returned to a "
                    f"confirmed critical point at the same loss (not from every start near the points "
                    f"{listing([str(i + 1) for i in failed_points])} of the table)",
            "few": f"from only {successes} of the {len(validation)} starts did the finder and the confirmation return "
                   "to a confirmed critical point at the same loss",
            "none": "no start near them was run"}, successes=successes, starts=len(validation)),
        # index and minimal ratio of the confirmed points
        "n_units": len(units),
        "confirmed_rho": confirmed_rho, "confirmed_rho_text": trend_text(confirmed_rho, "functions"),
        "confirmed_trend": choose(direction(confirmed_rho), {
            "rises": "rises with the loss",
            "falls": "falls as the loss rises",
            "unclear": "has no clear relation to the loss, the interval including zero",
            "no interval": f"cannot be given a direction from only {count(len(units), 'function')}"},
            **confirmed_rho),
        "confirmed_ratio_rho": confirmed_ratio_rho,
        "confirmed_ratio_text": trend_text(confirmed_ratio_rho, "functions"),
        "loss_span": [min((p["loss"] for p in confirmed), default=float("nan")),
                      max((p["loss"] for p in confirmed), default=float("nan"))],
        "n_saddles_sampled": len(saddles), "sampled": sampled,
        "sampling_blind": claim(saddles and sampled >= SAMPLED_HIGH,
                                f"at least {pct(sampled, 1)} of the random neighbours of every one of them have a "
                                "higher loss at ½r²λ_max = L",
                                f"the share of higher neighbours goes down to {pct(sampled, 1)} at ½r²λ_max = L",
                                smallest=sampled, threshold=SAMPLED_HIGH),
        "ratio_small": ratio_small, "ratio_large": ratio_large, "point_small": point_small,
        "point_large": point_large, "n_confirmed_points": len(confirmed), "n_constant_points": n_constant_points,
        "ratio_weighting": claim(n_constant_points <= 1,
                                 "",
                                 f" (over the {len(confirmed)} points instead, where the constant output counts "
                                 f"{n_constant_points} times: {fix(point_small, 2)} and {fix(point_large, 2)})",
                                 constant_points=n_constant_points),
        "n_saddle_margins": len(margins),
        "saddle_margin": claim(bool(margins) and near == 0,
                               f"the lowest eigenvalue of every saddle lies at least {fix(MARGIN_NEAR, 0)}δ below zero "
                               f"(smallest {fix(min(margins, default=0), 1)}δ)",
                               f"at {count(near)} of the {count(len(margins), 'saddle')} "
                               f"the lowest eigenvalue is within {fix(MARGIN_NEAR, 0)}δ of zero (down to "
                               f"{fix(min(margins, default=0), 1)}δ): saddles by the test, but only just",
                               near=near, smallest=min(margins, default=None)),
        "tolerance_matters": claim(abs(ratio_small - ratio_large) > TOLERANCE_SHIFT,
                                   "so a minimal ratio compares points only at one stated tolerance",
                                   f"so the median over functions moves by {fix(abs(ratio_small - ratio_large), 2)} "
                                   f"between the two tolerances, not more than {TOLERANCE_SHIFT:g}", small=ratio_small,
                                   large=ratio_large),
        "lowest_known": claim(crit and confirmed_embedded and min(r["loss"] for r in crit)
                              > min(e["loss"] for e in confirmed_embedded),
                              "the lowest point the finder confirmed (L = "
                              f"{sci(min((r['loss'] for r in crit), default=0), 3)}) lies above the lowest known "
                              f"critical point (L = {sci(min((e['loss'] for e in confirmed_embedded), default=0), 3)}, "
                              "embedded): no start, from Adam's paths or away from them, reached the lowest known one",
                              "the finder confirmed points as low as the lowest known one (L = "
                              f"{sci(min((e['loss'] for e in confirmed_embedded), default=0), 3)})",
                              finder=min((r["loss"] for r in crit), default=None),
                              known=min((e["loss"] for e in confirmed_embedded), default=None)),
        "seconds": mr["seconds"],
        "loss_range": span([p["loss"] for p in confirmed], sci) if confirmed else "none",
    }
