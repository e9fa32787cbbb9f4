"""HW1-3 flatness, part 1: the training loss along the line between two models trained differently
(results/hw1_3_interp.json), for two pairs of the shared approaches, each from one initialization
per seed, and the width of each model's basin along random directions shared by both models.

Concludes, per pair and with counts of seeds:
  - whether the loss between the two models rises above twice the higher end (a barrier) or stays
    low (one low-loss region along the line, as in Goodfellow et al. 2015);
  - beyond which end the extrapolated line is lower (the raw line's "wider basin");
  - which model is wider, as a view that does not depend on the weights' scale (Dinh et al. 2017):
    along each of several random filter-normalized directions (Li et al. 2018, Sec. 4), the same
    draws normalized to each model, the distance t on each side at which the training loss first
    reaches its value at the model plus a fixed rise, summed over the two sides. The two models are
    compared direction by direction (paired: the same draw), per seed: how many directions find
    each model wider, and the mean log ratio of the widths over the directions; "wider" needs, for
    every seed, the mean log ratio on that model's side of 0 and more directions in its favour.
    The size is the geometric-mean ratio over directions and seeds, with a 95% percentile-bootstrap
    interval that resamples the seeds (the independent units: the directions of one seed probe the
    same two models; inference.bootstrap_interval). The same comparison at the other rises says
    whether it depends on the height;
  - which ends stopped at the training cap instead of the target loss (named: unlike ends);
  - whether the earlier reading (the loss at t = +-1, far above the models' loss) orders the two
    models the same way, and whether the raw line and the widths pick the same model.
"""
import numpy as np

from common import inference
from common.claims import ReportError, cap, choose, claim, count, fix, listing, span

SOURCES = ["hw1_3_interp"]
BARRIER = 2.0                     # the loss between the ends above this many times the higher end: a barrier


def direction_widths(end, rise, t_max):
    """Per direction: t_plus + t_minus at the rise of index `rise` (a side that never reached the
    threshold counts as t_max), and the number of such censored sides."""
    plus, minus = end["t_plus"][rise], end["t_minus"][rise]
    censored = sum(t is None for t in plus + minus)
    return [(p if p is not None else t_max) + (m if m is not None else t_max) for p, m in zip(plus, minus)], censored


def _interval(low, high):
    return (f"95% interval over seeds {fix(low, 2)}-{fix(high, 2)}" if np.isfinite(low)
            else "too few seeds for an interval")


def width_comparison(runs, rise, t_max, m1, m2):
    """The two ends of a pair along the shared directions at one rise: per seed the directions
    where each is wider and the mean log width ratio over the directions; the geometric-mean ratio
    over directions and seeds with a bootstrap interval over seeds; outcome "first" / "second"
    (for every seed, the mean log ratio on that end's side and more directions in its favour) or
    "mixed"."""
    w1 = [np.asarray(direction_widths(r["model_1"], rise, t_max)[0]) for r in runs]
    w2 = [np.asarray(direction_widths(r["model_2"], rise, t_max)[0]) for r in runs]
    log_ratio = np.array([np.mean(np.log(a / b)) for a, b in zip(w1, w2)])          # (S,): > 0 when 1 is wider
    first_wider = [int((a > b).sum()) for a, b in zip(w1, w2)]
    second_wider = [int((b > a).sum()) for a, b in zip(w1, w2)]
    verdicts = [1 if lr > 0 and a > b else 2 if lr < 0 and b > a else 0      # per seed: on average and by count
                for lr, a, b in zip(log_ratio, first_wider, second_wider)]
    outcome = "first" if set(verdicts) == {1} else "second" if set(verdicts) == {2} else "mixed"
    low, high = inference.bootstrap_interval(len(runs), lambda idx: float(np.mean(log_ratio[idx])))
    n, s = len(w1[0]), len(runs)
    ratio = float(np.exp(log_ratio.mean()))
    seed_ratios = np.exp(log_ratio)

    def wider(name, other, counts, factor, per_seed, lo, hi):
        return (f"{name} is wider than {other} for every seed: along {span(counts, lambda v: fix(v, 0))} of the "
                f"{count(n)} directions per seed ({', '.join(map(str, counts))}), and wider by a factor "
                f"{fix(factor, 2)} (geometric mean over the directions and seeds; per seed "
                f"{span(per_seed, lambda v: fix(v, 2))}; {_interval(lo, hi)})")
    found = choose(outcome, {
        "first": wider(m1, m2, first_wider, ratio, seed_ratios, np.exp(low), np.exp(high)),
        "second": wider(m2, m1, second_wider, 1 / ratio, 1 / seed_ratios, np.exp(-high), np.exp(-low)),
        "mixed": f"neither is wider for every seed: {m1} is wider along {', '.join(map(str, first_wider))} of the "
                 f"{count(n)} directions (per seed) and {m2} along {', '.join(map(str, second_wider))}; {m1} is wider "
                 f"on average over the directions for {count(int((log_ratio > 0).sum()))} of the {count(s)} seeds; "
                 f"width ratio {m1}/{m2} {fix(ratio, 2)} (geometric mean; per seed "
                 f"{span(seed_ratios, lambda v: fix(v, 2))}; {_interval(np.exp(low), np.exp(high))})",
    }, log_ratio=log_ratio.tolist(), first_wider=first_wider, second_wider=second_wider, verdicts=verdicts,
        low=low, high=high)
    return {"claim": found, "outcome": outcome, "ratio": ratio, "first_wider": first_wider,
            "second_wider": second_wider, "w1": w1, "w2": w2}


def spread(widths):
    """Median over directions and seeds, the range of the per-seed medians, and the full range."""
    every = np.concatenate(widths)
    medians = [float(np.median(w)) for w in widths]
    return {"median": float(np.median(every)), "seed_low": min(medians), "seed_high": max(medians),
            "low": float(every.min()), "high": float(every.max())}


def _pair(name, pair, ip):
    runs = pair["runs"]
    seeds = ip["seeds"]
    if [r["seed"] for r in runs] != list(seeds):
        raise ReportError(f"results/hw1_3_interp.json: pair {name} holds seeds {[r['seed'] for r in runs]}, "
                          f"not {list(seeds)}: rerun it")
    alphas = np.asarray(ip["alphas"], dtype=float)
    steps = np.asarray(ip["profile_steps"], dtype=float)
    rises, t_max = ip["rises"], ip["t_max"]
    m1, m2 = pair["model_1"], pair["model_2"]
    ends = {1: m1, 2: m2}
    inside = (alphas > 0) & (alphas < 1)
    i_lo, i_hi = int(np.argmin(alphas)), int(np.argmax(alphas))
    n = len(runs)

    barriers = [float(np.max(np.asarray(r["train_loss"])[inside]) /
                      max(r["model_1"]["train_loss"], r["model_2"]["train_loss"])) for r in runs]
    above = sum(b > BARRIER for b in barriers)
    outcome = "none" if above == 0 else "all" if above == n else "some"
    barrier = choose(outcome, {
        "none": f"stays low for every seed (at most {fix(max(barriers), 2)}x the higher end): the two solutions lie "
                f"in one low-loss region along the line, as in Goodfellow et al. 2015",
        "all": f"rises to {span(barriers, lambda x: fix(x, 2))}x the higher end for every seed: a barrier "
               f"separates them",
        "some": f"rises to {span(barriers, lambda x: fix(x, 2))}x the higher end, above {fix(BARRIER, 0)}x (a "
                f"barrier) for {count(above)} of the {count(n)} seeds: a barrier for some seeds and not for others",
    }, barriers=barriers, threshold=BARRIER)

    # the raw line: the end beyond which the extrapolated loss is lower
    raw = [1 if r["train_loss"][i_lo] < r["train_loss"][i_hi] else 2 for r in runs]
    raw_same = len(set(raw)) == 1
    raw_end = claim(
        raw_same, f"{ends[raw[0]]} for every seed (the raw line calls it the wider basin)",
        f"{ends[1]} for {count(raw.count(1))} of the {count(n)} seeds and {ends[2]} for the others (the raw line "
        f"does not order the basins)",
        ends=raw, beyond_1=[r["train_loss"][i_lo] for r in runs], beyond_2=[r["train_loss"][i_hi] for r in runs])

    # the widths along the shared filter-normalized directions, at every rise
    compared = [width_comparison(runs, k, t_max, m1, m2) for k in range(len(rises))]
    main, others = compared[0], compared[1:]
    word = {"first": f"{m1} is wider for every seed", "second": f"{m2} is wider for every seed",
            "mixed": "neither is wider for every seed"}
    at_heights = [f"at +{fix(r, 2)} {word[c['outcome']]} ({m1} wider along {sum(c['first_wider'])} of the "
                  f"{sum(len(w) for w in c['w1'])} directions of all seeds)" for r, c in zip(rises[1:], others)]
    height = claim(all(c["outcome"] == main["outcome"] for c in others),
                   f"the same holds at the other rises: {listing(at_heights)}",
                   f"not so at every rise: {listing(at_heights)}",
                   outcomes=[c["outcome"] for c in compared], rises=rises)
    censored = sum(direction_widths(r[e], k, t_max)[1] for r in runs for e in ("model_1", "model_2")
                   for k in range(len(rises)))

    # the earlier reading: the loss at t = +-1 (the ends of the profiles), mean over the directions
    edge_index = [int(np.argmin(np.abs(steps + 1))), int(np.argmin(np.abs(steps - 1)))]
    if not np.allclose(steps[edge_index], [-1, 1]):
        raise ReportError("results/hw1_3_interp.json: the profiles do not reach t = ±1: rerun it")

    def edge(end):
        return float(np.mean([0.5 * (p[edge_index[0]] + p[edge_index[1]]) for p in end["profiles"]]))
    edges_1, edges_2 = [edge(r["model_1"]) for r in runs], [edge(r["model_2"]) for r in runs]
    lower = [1 if a < b else 2 for a, b in zip(edges_1, edges_2)]
    k1 = lower.count(1)
    edge_outcome = "first" if k1 == n else "second" if k1 == 0 else "mixed"
    at_zero = [r[f"model_{i}"]["train_loss"] for r in runs for i in (1, 2)]
    reading = (f"the loss at t = ±1 (the earlier reading: {span(edges_1 + edges_2, lambda x: fix(x, 1))} there, mean "
               f"over the directions, against {span(at_zero, lambda x: fix(x, 3))} at t = 0) is lower at")
    if edge_outcome == "mixed":
        agreement = "split"
    elif main["outcome"] == "mixed":
        agreement = "edge_only"
    else:
        agreement = "agree" if edge_outcome == main["outcome"] else "disagree"
    edge_reading = choose(agreement, {
        "agree": f"{reading} {ends[lower[0]]} for every seed too",
        "disagree": f"{reading} {ends[lower[0]]} for every seed: the opposite of the widths, so reading the loss "
                    "far up the walls reverses the comparison",
        "edge_only": f"{reading} {ends[lower[0]]} for every seed: an ordering that the widths, measured where the "
                     "loss has only doubled, do not make",
        "split": f"{reading} {ends[1]} for {count(k1)} of the {count(n)} seeds"
                 + ("" if main["outcome"] == "mixed" else ", so it does not give the widths' answer for every seed"),
    }, lower=lower, edges_1=edges_1, edges_2=edges_2, widths=main["outcome"])

    if raw_same and main["outcome"] != "mixed":
        views = "agree" if ends[raw[0]] == (m1 if main["outcome"] == "first" else m2) else "disagree"
    else:
        views = "unresolved"
    views_claim = choose(views, {
        "agree": "The raw line's wider end and the wider basin along the shared directions are the same model for "
                 "every seed, so the raw line's reading is not only an effect of the weights' scale here.",
        "disagree": "The raw line's wider end is the other model for every seed: its reading is an effect of the "
                    "weights' scale, which the filter-normalized widths remove.",
        "unresolved": "The raw line and the widths do not both order the two models the same way for every seed, so "
                      "one does not confirm the other.",
    }, raw=raw, widths=main["outcome"])

    # which ends stopped at the cap rather than at the target loss (unlike ends: named)
    capped = [f"{ends[i]} {r['seed']}, at training loss {fix(r[f'model_{i}']['train_loss'], 4)} against the target "
              f"{fix(r[f'model_{i}']['target_loss'], 2)}," for r in runs for i in (1, 2)
              if r[f"model_{i}"]["stop"] != "target"]
    capped_claim = claim(not capped, "Every model of this pair stopped at the target loss.",
                         f"Not every end stopped at the target: {listing(capped)} stopped at the training cap, so "
                         f"{'that end differs' if len(capped) == 1 else 'those ends differ'} from the others in loss "
                         f"as well as in approach.", capped=capped)

    rows = [[f"{m1} → {m2}", r["seed"],
             f"{fix(r['model_1']['weight_norm'], 1)} / {fix(r['model_2']['weight_norm'], 1)}",
             fix(r["distance"], 1), f"{fix(r['model_1']['train_loss'], 4)} / {fix(r['model_2']['train_loss'], 4)}",
             fix(b, 2), f"{fix(r['train_loss'][i_lo], 2)} / {fix(r['train_loss'][i_hi], 2)}",
             f"{fix(np.median(a), 3)} / {fix(np.median(c), 3)}", f"{k} of {len(a)}"]
            for r, b, a, c, k in zip(runs, barriers, main["w1"], main["w2"], main["first_wider"])]
    return {"name": f"{m1} → {m2}", "model_1": m1, "model_2": m2,
            "norm_1": float(np.mean([r["model_1"]["weight_norm"] for r in runs])),
            "norm_2": float(np.mean([r["model_2"]["weight_norm"] for r in runs])),
            "barrier": barrier, "raw_end": raw_end, "widths": main["claim"], "height": height,
            "edge_reading": edge_reading, "views": views_claim, "capped": capped_claim,
            "width_1": spread(main["w1"]), "width_2": spread(main["w2"]), "censored": censored, "rows": rows}


def findings(R, C, P, T):
    ip = R["hw1_3_interp"]
    alphas = np.asarray(ip["alphas"], dtype=float)
    steps = np.asarray(ip["profile_steps"], dtype=float)
    pairs = [_pair(name, pair, ip) for name, pair in ip["pairs"].items()]
    losses = [r[f"model_{i}"]["train_loss"] for pair in ip["pairs"].values() for r in pair["runs"] for i in (1, 2)]
    rise = ip["rises"][0]
    censored = sum(p["censored"] for p in pairs)
    lo_a, hi_a = fix(alphas.min(), 0), fix(alphas.max(), 0)
    header = ["pair", "seed", "‖θ₁‖ / ‖θ₂‖", "‖θ₂ − θ₁‖", "train loss θ₁ / θ₂",
              "max train loss for 0<α<1 (x higher end)", f"train loss at α = {lo_a} / {hi_a}",
              f"median width at +{fix(rise, 2)}: θ₁ / θ₂", "directions where θ₁ is wider"]
    return {
        "n_pairs": cap(count(len(pairs), "pair")), "n_seeds": len(ip["seeds"]),
        "pair_names": listing([f"{p['model_1']} vs {p['model_2']}" for p in pairs]),
        "n_alphas": len(alphas), "alpha_lo": lo_a, "alpha_hi": hi_a,
        "train_examples": ip["train_examples"], "test_examples": ip["test_examples"],
        "t_lo": fix(steps.min(), 0), "t_hi": fix(steps.max(), 0),
        "directions": ip["directions"], "rise": rise, "other_rises": listing([fix(r, 2) for r in ip["rises"][1:]]),
        "step": ip["step"], "refinements": ip["refinements"], "t_max": ip["t_max"],
        "end_losses": span(losses, lambda x: fix(x, 4)),
        "capped": claim(not any(p["capped"].evidence["capped"] for p in pairs),
                        "every one of them stopped at the target",
                        f"{listing([c for p in pairs for c in p['capped'].evidence['capped']])} stopped at the "
                        f"training cap, not at the target; the others at the target",
                        capped=[c for p in pairs for c in p["capped"].evidence["capped"]]),
        "threshold_factor": span([1 + rise / loss for loss in losses], lambda x: fix(x, 2)),
        "censored": claim(censored == 0, "every side of every direction reaches the threshold within "
                                         f"|t| ≤ {fix(ip['t_max'], 0)}",
                          f"the threshold is not reached within |t| ≤ {fix(ip['t_max'], 0)} on "
                          f"{count(censored, 'side')} of a direction (counted as {fix(ip['t_max'], 0)})",
                          censored=censored),
        "pairs": pairs,
        "table": {"header": header, "rows": [row for p in pairs for row in p["rows"]]},
    }
