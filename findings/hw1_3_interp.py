"""HW1-3 flatness, part 1: the training loss along the line between two models trained differently
(results/hw1_3_interp.json), for two pairs of the shared approaches, each from one initialization
per seed.

Concludes, per pair and with counts of seeds: whether the loss between the two models rises above
twice the higher end (a barrier) or stays low (one low-loss region along the line, as in Goodfellow
et al. 2015); beyond which end the extrapolated line is lower (the raw line's "wider basin"); and,
as a view that does not depend on the weights' scale (Dinh et al. 2017; Li et al. 2018), which
endpoint has the lower training loss at t = +-1 along one filter-normalized random direction of its
own (each endpoint draws one direction per seed): that is a reading of one direction at one
distance, where the loss is already far above the endpoint's, not a measure of width; and whether
the two views pick the same end.
"""
import numpy as np

from common.claims import ReportError, cap, choose, claim, count, fix, listing, span

SOURCES = ["hw1_3_interp"]
BARRIER = 2.0                     # the loss between the ends above this many times the higher end: a barrier


def _pair(name, pair, alphas, seeds):
    runs = pair["runs"]
    if [r["seed"] for r in runs] != list(seeds):
        raise ReportError(f"results/hw1_3_interp.json: pair {name} holds seeds {[r['seed'] for r in runs]}, "
                          f"not {list(seeds)}: rerun it")
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

    # each endpoint along one filter-normalized random direction: the loss at t = +-1
    def edge(profile):
        return 0.5 * (profile[0] + profile[-1])
    edges_1 = [edge(r["model_1"]["profile"]) for r in runs]
    edges_2 = [edge(r["model_2"]["profile"]) for r in runs]
    lower = [1 if a < b else 2 for a, b in zip(edges_1, edges_2)]
    k1 = lower.count(1)
    reading = (f"the training loss at t = ±1 along one filter-normalized random direction per endpoint (mean of "
               f"the two sides: {span(edges_1 + edges_2, lambda x: fix(x, 1))}, against "
               f"{span([r[f'model_{i}']['train_loss'] for r in runs for i in (1, 2)], lambda x: fix(x, 2))} at "
               f"t = 0) is lower at")
    profile_same = len(set(lower)) == 1
    profile_end = claim(
        profile_same, f"{reading} {ends[lower[0]]} for every seed",
        f"{reading} {ends[1]} for {count(k1)} of the {count(n)} seeds and at {ends[2]} for "
        f"{'the other' if n - k1 == 1 else 'the other ' + count(n - k1)}",
        ends=lower, edges_1=edges_1, edges_2=edges_2)

    if raw_same and profile_same:
        views = "agree" if raw[0] == lower[0] else "disagree"
    else:
        views = "unresolved"
    agreement = choose(views, {
        "agree": ": the two views pick the same end for every seed, so the raw line's wider basin is not only an "
                 "effect of the weights' scale here",
        "disagree": ": the two views pick different ends for every seed, so the raw line's wider basin is an effect "
                    "of the weights' scale",
        "unresolved": ": this view does not order the two ends the same way for every seed, so it does not "
                      "confirm the raw line's wider basin",
    }, raw=raw, profile=lower)

    rows = [[f"{m1} → {m2}", r["seed"], fix(r["model_1"]["weight_norm"], 1), fix(r["model_2"]["weight_norm"], 1),
             fix(r["distance"], 1), f"{fix(r['model_1']['train_loss'], 3)} / {fix(r['model_2']['train_loss'], 3)}",
             fix(b, 2), f"{fix(r['train_loss'][i_lo], 2)} / {fix(r['train_loss'][i_hi], 2)}",
             f"{fix(e1, 3)} / {fix(e2, 3)}"] for r, b, e1, e2 in zip(runs, barriers, edges_1, edges_2)]
    return {"name": f"{m1} → {m2}", "model_1": m1, "model_2": m2,
            "norm_1": float(np.mean([r["model_1"]["weight_norm"] for r in runs])),
            "norm_2": float(np.mean([r["model_2"]["weight_norm"] for r in runs])),
            "barrier": barrier, "raw_end": raw_end, "profile_end": profile_end, "views": agreement,
            "rows": rows}


def findings(R, C, P, T):
    ip = R["hw1_3_interp"]
    alphas = np.asarray(ip["alphas"], dtype=float)
    steps = np.asarray(ip["profile_steps"], dtype=float)
    pairs = [_pair(name, pair, alphas, ip["seeds"]) for name, pair in ip["pairs"].items()]
    lo_a, hi_a = fix(alphas.min(), 0), fix(alphas.max(), 0)
    header = ["pair", "seed", "‖θ₁‖", "‖θ₂‖", "‖θ₂ − θ₁‖", "train loss θ₁ / θ₂",
              "max train loss for 0<α<1 (x higher end)", f"train loss at α = {lo_a} / {hi_a}",
              "filter-normalized profile at t = ±1: θ₁ / θ₂"]
    return {
        "n_pairs": cap(count(len(pairs), "pair")), "n_seeds": len(ip["seeds"]),
        "pair_names": listing([f"{p['model_1']} vs {p['model_2']}" for p in pairs]),
        "n_alphas": len(alphas), "alpha_lo": lo_a, "alpha_hi": hi_a,
        "train_examples": ip["train_examples"], "test_examples": ip["test_examples"],
        "t_lo": fix(steps.min(), 0), "t_hi": fix(steps.max(), 0),
        "pairs": pairs,
        "table": {"header": header, "rows": [row for p in pairs for row in p["rows"]]},
    }
