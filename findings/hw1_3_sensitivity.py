"""HW1-3 flatness, part 2: the sensitivity of every model of the shared approaches to its input
(results/hw1_3_sensitivity.json), in two sets: the main set (all training images, every model at
the same training loss) and the fitted set (4,096 training images, every model at a low training
loss, about 100% training accuracy: Novak et al. 2018 compare models that fit their training set).

Concludes, for each set apart (every statement names its set and its gap): how Novak's sensitivity (b)
and the homework's (a) relate to the generalization gap, measured two ways, in loss (test - train
loss) and in accuracy (train - test accuracy; Novak et al. report that the Jacobian norm "correlates
well with generalization"), between approaches (over the approach means, and each seed alone) and
within approaches (seed to seed) apart, because seed s of every approach starts from the same
initialization, with intervals from resampling the seeds (inference.grouped_spearman); how (b) and the
gap in loss move over the batch sizes and over the learning rates (Spearman over the level means with
an interval from resampling whole seeds, each seed's own Spearman over the levels, monotone or not,
how many steps separate the seeds: inference.level_trend(paired=True); an overall direction only when
the interval excludes 0 and every seed goes that way, otherwise the shape) and the largest batch
against the smallest seed by seed (inference.compare); whether (a), which weights the Jacobian of the
logits by each example's error (p - y), orders the approaches as (b) does; and whether the
between-approach relation of (b) to each gap is the same in both sets.
"""
import numpy as np

from common import inference
from common.claims import choose, fix, mean_pm, pct, sci
from findings.hw1_3_approaches import between_relation, by_approach, grouped, relation, seed_values, sets_of, trend

SOURCES = ["hw1_3_sensitivity"]
KEYS = ("train_loss", "test_loss", "generalization_gap", "accuracy_gap", "test_acc", "loss_gradient",
        "jacobian_frobenius")
LOSS_GAP = "the generalization gap in loss"
ACC_GAP = "the gap in accuracy"


def _set(found, names, seeds, ap, sn, label):
    """The findings of one set."""
    table = {k: by_approach(found["models"], k, names, seeds, "hw1_3_sensitivity") for k in KEYS}
    a, b, gap, acc_gap = (table[k] for k in ("loss_gradient", "jacobian_frobenius", "generalization_gap",
                                              "accuracy_gap"))
    rows = [[n, mean_pm(seed_values(table["train_loss"], n), 4), mean_pm(seed_values(gap, n)),
             mean_pm(100 * np.asarray(seed_values(acc_gap, n)), 2), pct(np.mean(seed_values(table["test_acc"], n)), 2),
             mean_pm(seed_values(a, n)), mean_pm(seed_values(b, n))] for n in names]

    def against(g, obj):
        """(b) and (a) against one gap, between approaches (with each seed alone) and within."""
        return {"b_between": between_relation(b, g, names, "Novak's sensitivity (b)", obj),
                "b_within": relation(grouped(b, g, names), "within", "it", obj),
                "a_between": between_relation(a, g, names, "the homework's (a)", obj),
                "a_within": relation(grouped(a, g, names), "within", "it", obj)}
    gaps, acc_gaps = against(gap, LOSS_GAP), against(acc_gap, ACC_GAP)
    a_vs_b = {"between": between_relation(a, b, names, "(a)", "(b)"),
              "within": relation(grouped(a, b, names), "within", "it", "(b)")}

    bs = [n for n in sn["batch_series"] if n in names]
    ls = [n for n in sn["lr_series"] if n in names]
    small_b, large_b = bs[0], bs[-1]

    def batch_of(n):
        return min(ap[n][0], found["train_examples"])

    def over(series, table_, level, level_text, knob, subject):
        """A trend over ordered approaches; seed s shares one initialization across them (paired)."""
        return trend([level(n) for n in series], [seed_values(table_, n) for n in series], level_text, knob,
                     subject, paired=True)
    batch_trend = over(bs, b, batch_of, lambda x: f"{x:g}", "the batch size", "(b)")
    lr_trend = over(ls, b, lambda n: ap[n][1], lambda x: sci(x, 1), "the rate", "(b)")
    gap_batch = over(bs, gap, batch_of, lambda x: f"{x:g}", "the batch size", "the gap in loss")
    gap_lr = over(ls, gap, lambda n: ap[n][1], lambda x: sci(x, 1), "the rate", "the gap in loss")
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
            "table": {"header": ["approach", "train loss", "gap in loss (test − train)",
                                 "gap in accuracy (train − test, points)", "test acc", "sensitivity (a)",
                                 "sensitivity (b)"], "rows": rows},
            "gap": gaps, "acc_gap": acc_gaps, "a_vs_b": a_vs_b,
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
             "no interval": "no clear relation", "seeds disagree": "no clear relation"}

    def agree(key, what):
        m_out, f_out = words[main[key]["b_between"].outcome], words[fitted[key]["b_between"].outcome]
        return choose("same" if m_out == f_out else "different", {
            "same": f"the between-approach relation of (b) to {what} is the same in both sets: {m_out}",
            "different": f"the between-approach relation of (b) to {what} differs between the sets (main set: "
                         f"{m_out}; fitted set: {f_out})",
        }, main=m_out, fitted=f_out)
    return {"test_examples": sn["test_examples"], "input": sn["input"], "main": main, "fitted": fitted,
            "sets_agree": agree("gap", "the gap in loss"), "sets_agree_acc": agree("acc_gap", "the gap in accuracy"),
            "target_main": fix(main["target_loss"], 2), "target_fitted": fix(fitted["target_loss"], 3)}
