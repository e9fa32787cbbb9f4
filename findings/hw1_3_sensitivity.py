"""HW1-3 flatness, part 2: the sensitivity of every model of the shared approaches to its input
(results/hw1_3_sensitivity.json), in two sets: the main set (all training images, every model at
the same training loss) and the fitted set (4,096 training images, every model at a low training
loss, about 100% training accuracy: Novak et al. 2018 compare models that fit their training set).

Concludes, for each set apart (every statement names its set): how Novak's sensitivity (b) and the
homework's (a) relate to the generalization gap (test - train loss, the quantity Novak et al. relate
sensitivity to), between approaches (over the approach means) and within approaches (seed to seed)
apart, because seed s of every approach starts from the same initialization, with intervals from
resampling the seeds (inference.grouped_spearman); how (b) and the gap move over the batch sizes and
over the learning rates (Spearman over the level means with an interval, monotone or not, how many
steps separate the seeds: inference.level_trend) and the largest batch against the smallest seed by
seed (inference.compare); whether (a), which weights the Jacobian of the logits by each example's
error (p - y), orders the approaches as (b) does; and whether the between-approach relation of (b)
to the gap is the same in both sets.
"""
import numpy as np

from common import inference
from common.claims import choose, fix, mean_pm, pct, sci
from findings.hw1_3_approaches import by_approach, grouped, relation, seed_values, sets_of, trend

SOURCES = ["hw1_3_sensitivity"]
KEYS = ("train_loss", "test_loss", "generalization_gap", "test_acc", "loss_gradient", "jacobian_frobenius")


def _set(found, names, seeds, ap, sn, label):
    """The findings of one set."""
    table = {k: by_approach(found["models"], k, names, seeds, "hw1_3_sensitivity") for k in KEYS}
    a, b, gap = table["loss_gradient"], table["jacobian_frobenius"], table["generalization_gap"]
    rows = [[n, mean_pm(seed_values(table["train_loss"], n), 4), mean_pm(seed_values(gap, n)),
             pct(np.mean(seed_values(table["test_acc"], n)), 2), mean_pm(seed_values(a, n)),
             mean_pm(seed_values(b, n))] for n in names]

    obj = "the generalization gap"
    g_b, g_a = grouped(b, gap, names), grouped(a, gap, names)
    gaps = {"b_between": relation(g_b, "between", "Novak's sensitivity (b)", obj),
            "b_within": relation(g_b, "within", "it", obj),
            "a_between": relation(g_a, "between", "the homework's (a)", obj),
            "a_within": relation(g_a, "within", "it", obj)}
    g_ab = grouped(a, b, names)
    a_vs_b = {"between": relation(g_ab, "between", "(a)", "(b)"), "within": relation(g_ab, "within", "it", "(b)")}

    bs = [n for n in sn["batch_series"] if n in names]
    ls = [n for n in sn["lr_series"] if n in names]
    small_b, large_b = bs[0], bs[-1]

    def batch_of(n):
        return min(ap[n][0], found["train_examples"])
    batch_trend = trend([batch_of(n) for n in bs], [seed_values(b, n) for n in bs], lambda x: f"{x:g}",
                        "the batch size", "(b)")
    lr_trend = trend([ap[n][1] for n in ls], [seed_values(b, n) for n in ls], lambda x: sci(x, 1), "the rate")
    gap_batch = trend([batch_of(n) for n in bs], [seed_values(gap, n) for n in bs], lambda x: f"{x:g}",
                      "the batch size", "the gap")
    gap_lr = trend([ap[n][1] for n in ls], [seed_values(gap, n) for n in ls], lambda x: sci(x, 1), "the rate")
    c = inference.compare(seed_values(b, large_b), seed_values(b, small_b))
    S, big, small = len(seeds), batch_of(large_b), batch_of(small_b)
    ends = choose("overlap" if not c["separated"] else "large above" if c["larger"] == "a" else "small above", {
        "large above": f"every seed of batch {big} above every seed of batch {small}",
        "small above": f"every seed of batch {small} above every seed of batch {big}",
        "overlap": f"the seeds overlap ({c['a_above_b']} of {S} seeds of batch {big} above every seed of batch "
                   f"{small}, {c['b_above_a']} of {S} of batch {small} above every seed of batch {big})",
    }, **c)
    return {"label": label, "n_models": len(found["models"]), "n_approaches": len(names), "n_seeds": S,
            "train_examples": found["train_examples"], "target_loss": float(found["target_loss"]),
            "table": {"header": ["approach", "train loss", "gap (test − train loss)", "test acc", "sensitivity (a)",
                                 "sensitivity (b)"], "rows": rows},
            "gap": gaps, "a_vs_b": a_vs_b,
            "batch_trend": batch_trend, "lr_trend": lr_trend, "gap_batch": gap_batch, "gap_lr": gap_lr,
            "small_batch": small, "large_batch": big,
            "b_small": mean_pm(seed_values(b, small_b)), "b_large": mean_pm(seed_values(b, large_b)),
            "batch_ends": ends}


def findings(R, C, P, T):
    sn, ap = R["hw1_3_sensitivity"], C["hw1_3_sensitivity"]["approaches"]
    sets = {which: _set(found, names, seeds, ap, sn, which)
            for which, (found, names, seeds, _) in sets_of(R, C).items()}
    main, fitted = sets["main"], sets["fitted"]
    words = {"rises": "it rises", "falls": "it falls", "unclear": "no clear relation",
             "no interval": "no clear relation"}
    m_out, f_out = words[main["gap"]["b_between"].outcome], words[fitted["gap"]["b_between"].outcome]
    both = choose("same" if m_out == f_out else "different", {
        "same": f"the between-approach relation of (b) to the gap is the same in both sets: {m_out}",
        "different": f"the between-approach relation of (b) to the gap differs between the sets (main set: "
                     f"{m_out}; fitted set: {f_out})",
    }, main=m_out, fitted=f_out)
    return {"test_examples": sn["test_examples"], "input": sn["input"], "main": main, "fitted": fitted,
            "sets_agree": both, "target_main": fix(main["target_loss"], 2),
            "target_fitted": fix(fitted["target_loss"], 3)}
