"""HW1-3 flatness, part 2: the sensitivity of every model of the shared approaches to its input
(results/hw1_3_sensitivity.json; the approaches' batch sizes and rates from the config of
results/hw1_3_sharpness.json, as the approaches section prints them).

Concludes: how sensitivity relates to the generalization gap (test - train loss, the quantity
Novak et al. 2018 relate it to), between approaches (over the approach means) and within approaches
(seed to seed) apart, because seed s of every approach starts from the same initialization; the same
among the approaches that reached the target loss with every seed (equally fitted); how Novak's
measure (b) moves over the batch sizes and over the learning rates (Spearman over the level means,
monotone or not, how many steps separate the seeds), and batch 16 against batch 8192; and, per seed
with counts, whether the homework's measure (a) (which weights the Jacobian by the error p - y) is
larger for the less-fitted approaches than for the approaches that reached the target.
"""
import numpy as np

from common import inference
from common.claims import ReportError, choose, fix, listing, mean_pm, pct, sci
from findings.hw1_3_approaches import approach_means, by_approach, grouped, relation, seed_values, split_by_fit, \
    trend

SOURCES = ["hw1_3_sensitivity", "hw1_3_sharpness"]


def _less_fitted_a(a, reached, missed, seeds, names):
    """(a) of each less-fitted approach against every approach that reached the target, seed by seed."""
    means = dict(zip(names, approach_means(a, names)))
    lowest = min(names, key=means.get)
    low_text = f"the lowest mean (a) of all {len(names)} approaches is {lowest}'s ({fix(means[lowest], 3)})"
    if not missed or not reached:
        return choose("no comparison", {"no comparison": f"every approach {'reached' if not missed else 'missed'} "
                                                         f"the target with every seed, so fit does not split them; "
                                                         f"{low_text}"}, missed=missed)
    above = {n: sum(a[n][s] > max(a[m][s] for m in reached) for s in seeds) for n in missed}
    below = {n: sum(a[n][s] < min(a[m][s] for m in reached) for s in seeds) for n in missed}
    S = len(seeds)
    larger = [n for n in missed if above[n] == S]
    rest = [n for n in missed if above[n] < S]

    def told(n):
        text = f"{n} (above all of them at {above[n]} of {S} seeds"
        return text + (f", below all of them at {below[n]} of {S})" if below[n] else ")")
    outcome = "all" if not rest else "none" if not larger else "some"
    return choose(outcome, {
        "all": f"(a) is larger for every less-fitted approach ({listing(missed)}): at every seed, each is above "
               f"every approach that reached the target; {low_text}",
        "some": f"(a) is larger for {listing(larger)}, at every seed above every approach that reached the "
                f"target, but not for {listing([told(n) for n in rest])}; {low_text}",
        "none": f"(a) is not larger for the less-fitted approaches: {listing([told(n) for n in rest])}; {low_text}",
    }, above=above, below=below, seeds=S, lowest=lowest)


def findings(R, C, P, T):
    sn, ap = R["hw1_3_sensitivity"], C["hw1_3_sharpness"]["approaches"]
    names, seeds, models = list(ap), sn["seeds"], sn["models"]
    if list(C["hw1_3_sensitivity"]["approaches"]) != names:
        raise ReportError("results/hw1_3_sensitivity.json and hw1_3_sharpness.json configure other approaches: "
                          "rerun them")
    table = {k: by_approach(models, k, names, seeds, "hw1_3_sensitivity")
             for k in ("train_loss", "generalization_gap", "test_acc", "loss_gradient", "jacobian_frobenius")}
    a, b, gap = table["loss_gradient"], table["jacobian_frobenius"], table["generalization_gap"]
    reached, missed = split_by_fit(models, names)

    rows = [[n, mean_pm(seed_values(table["train_loss"], n)), mean_pm(seed_values(gap, n)),
             pct(np.mean(seed_values(table["test_acc"], n)), 2), mean_pm(seed_values(a, n)),
             mean_pm(seed_values(b, n))] for n in names]

    g_b, g_a = grouped(b, gap, names), grouped(a, gap, names)
    obj = "the generalization gap"
    gaps = {"b_between": relation(g_b, "between", "Novak's sensitivity (b)", obj),
            "b_within": relation(g_b, "within", "it", obj),
            "a_between": relation(g_a, "between", "the homework's (a)", obj),
            "a_within": relation(g_a, "within", "it", obj)}
    fitted = None
    if len(reached) > 2:
        g_f = grouped(b, gap, reached)
        fitted = {"n": len(reached), "between": relation(g_f, "between", "(b)", obj),
                  "within": relation(g_f, "within", "it", obj)}

    bs, ls = sn["batch_series"], sn["lr_series"]
    small_b, large_b = bs[0], bs[-1]
    batch_trend = trend([ap[n][0] for n in bs], [seed_values(b, n) for n in bs], lambda x: f"{x:g}", "the batch size",
                        "(b)")
    lr_trend = trend([ap[n][1] for n in ls], [seed_values(b, n) for n in ls], lambda x: sci(x, 1), "the rate")
    c = inference.compare(seed_values(b, large_b), seed_values(b, small_b))
    S = len(seeds)
    ends = choose("overlap" if not c["separated"] else "large above" if c["larger"] == "a" else "small above", {
        "large above": f"every seed of batch {ap[large_b][0]} above every seed of batch {ap[small_b][0]}",
        "small above": f"every seed of batch {ap[small_b][0]} above every seed of batch {ap[large_b][0]}",
        "overlap": f"the seeds overlap ({c['a_above_b']} of {S} seeds of batch {ap[large_b][0]} above "
                   f"every seed of batch {ap[small_b][0]}, {c['b_above_a']} of {S} of batch {ap[small_b][0]} above "
                   f"every seed of batch {ap[large_b][0]})",
    }, **c)

    return {
        "n_models": len(models), "n_approaches": len(names), "n_seeds": S,
        "test_examples": sn["test_examples"], "input": sn["input"],
        "table": {"header": ["approach", "train loss", "gap (test − train loss)", "test acc", "sensitivity (a)",
                             "sensitivity (b)"], "rows": rows},
        "gap": gaps, "fitted": fitted,
        "batch_trend": batch_trend, "lr_trend": lr_trend,
        "small_batch": ap[small_b][0], "large_batch": ap[large_b][0],
        "b_small": mean_pm(seed_values(b, small_b)), "b_large": mean_pm(seed_values(b, large_b)),
        "batch_ends": ends,
        "missed": missed,
        "a_less_fitted": _less_fitted_a(a, reached, missed, seeds, names),
    }
