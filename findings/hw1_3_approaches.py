"""The training approaches shared by HW1-3's flatness questions (common/approaches.py), from
results/hw1_3_sharpness.json (its models list holds every approach's training results per seed).

Concludes: which approaches reached the common stopping criterion (full training loss <= target)
with every seed and which stopped for lack of improvement (Keskar et al. 2017 train "until no
improvement"); whether those are the smallest batches and largest rates, and whether they are less
fitted than the others by approach (mean training loss, with the count of their seeds that reached
the target all the same); how many steps and epochs the largest and smallest batch need; and that
no final model is a critical point (the cutoff of the critical-point section, common/critical.py).

Also the helpers the three flatness modules share (hw1_3_interp, hw1_3_sensitivity,
hw1_3_sharpness): values per approach and seed, the less-fitted split, and the claims of a
correlation between/within approaches (inference.grouped_spearman) and of a trend over ordered levels
(inference.level_trend). Seed s of every approach starts from the same initialization, so the models of
different approaches are not independent: correlations are taken between approaches (over their
means) and within approaches apart, with intervals from resampling the seeds.
"""
import math

import numpy as np

from common import inference
from common.claims import ReportError, cap, choose, claim, count, fix, listing, mean_pm, num, pct, sci, span

SOURCES = ["hw1_3_sharpness"]
CRITICAL_GRAD = 1e-5              # common/critical.py's CRITICAL_GRAD: ||grad L|| at or below is critical


# ---------------------------------------------------------------------------- shared helpers
def by_approach(models, key, names, seeds, source="hw1_3_sharpness"):
    """{approach: {seed: value of key}} over names x seeds; ReportError unless the models hold
    exactly one entry per configured (approach, seed)."""
    found = {}
    for m in models:
        pair = (m["approach"], m["seed"])
        if pair in found:
            raise ReportError(f"results/{source}.json holds {pair} twice")
        found[pair] = float(m[key])
    wanted = {(n, s) for n in names for s in seeds}
    if set(found) != wanted:
        missing, extra = sorted(wanted - set(found)), sorted(set(found) - wanted)
        raise ReportError(f"results/{source}.json does not hold every configured approach and seed once "
                          f"(missing {missing}, not configured {extra}): rerun it")
    return {n: {s: found[(n, s)] for s in seeds} for n in names}


def seed_values(table, name):
    """The per-seed values of one approach, in seed order."""
    return list(table[name].values())


def approach_means(table, names):
    return [float(np.mean(seed_values(table, n))) for n in names]


def split_by_fit(models, names, target="target"):
    """(reached, missed): approaches whose every seed stopped at the target loss, and the others."""
    missed = [n for n in names if any(m["stop"] != target for m in models if m["approach"] == n)]
    return [n for n in names if n not in missed], missed


def _span(values):
    values = list(values)
    return span(values) if values else "none"


def interval_text(rho, low, high, units, what="seeds"):
    if not (math.isfinite(low) and math.isfinite(high)):
        return (f"ρ = {fix(rho, 2)}; no interval: most resamples of the {count(units)} {what} leave no "
                f"spread to rank")
    return f"ρ = {fix(rho, 2)}, 95% interval {fix(low, 2)} to {fix(high, 2)} from resampling the {count(units)} {what}"


def relation(found, part, measure_of, obj):
    """The claim of one part ("between" or "within") of inference.grouped_spearman: the measure rises
    with obj (interval above 0), falls (below 0), or is not clearly related (interval spans 0 or
    there is none). measure_of: the subject as the sentence names it."""
    rho, low, high = found[part], found[f"{part}_low"], found[f"{part}_high"]
    stat = interval_text(rho, low, high, found["seeds"])
    if not (math.isfinite(low) and math.isfinite(high)) or not math.isfinite(rho):
        outcome = "no interval"
    else:
        outcome = "rises" if low > 0 else "falls" if high < 0 else "unclear"
    return choose(outcome, {
        "rises": f"{measure_of} rises with {obj} ({stat})",
        "falls": f"{measure_of} falls as {obj} rises ({stat})",
        "unclear": f"{measure_of} is not clearly related to {obj} ({stat}, which includes 0)",
        "no interval": f"{measure_of} is not clearly related to {obj} ({stat})",
    }, rho=rho, low=low, high=high, part=part, groups=found["groups"], seeds=found["seeds"])


def grouped(x, y, names):
    """inference.grouped_spearman over the approaches `names` of two {approach: {seed: value}}."""
    return inference.grouped_spearman({n: x[n] for n in names}, {n: y[n] for n in names})


def trend(levels, values, level_text, knob, subject="it"):
    """The claim of a quantity over ordered levels (inference.level_trend): rises or falls (the interval
    of Spearman's rho over the level means excludes 0), at every step of the means or not, and how
    many steps separate the seeds. level_text formats one level; knob names the levels."""
    t = inference.level_trend(levels, values)
    steps, n = t["steps"], len(t["steps"])
    stat = (f"ρ = {fix(t['rho'], 2)} over the {t['levels']} means, 95% interval {fix(t['low'], 2)} to "
            f"{fix(t['high'], 2)} from resampling the seeds")
    k = t["separated_steps"]
    sep = ("no step separates the seeds" if k == 0 else "every step separates the seeds" if k == n
           else f"{count(k)} of the {count(n)} steps {'separates' if k == 1 else 'separate'} the seeds")

    def moves(direction):
        chosen = [s for s in steps if s["direction"] == direction]
        return listing([f"from {level_text(s['from'])} to {level_text(s['to'])} "
                        f"({'seeds separated' if s['separated'] else 'seeds overlap'})" for s in chosen])
    ups = sum(s["direction"] == "up" for s in steps)
    downs = sum(s["direction"] == "down" for s in steps)
    if t["low"] > 0:
        outcome = "rises" if t["monotone"] == "rises" else "rises, not at every step"
    elif t["high"] < 0:
        outcome = "falls" if t["monotone"] == "falls" else "falls, not at every step"
    else:
        outcome = "no trend"
    return choose(outcome, {
        "rises": f"{subject} rises with {knob} at every step ({stat}); {sep}",
        "rises, not at every step": f"{subject} rises with {knob} overall ({stat}) but not at every step: it "
                                    f"falls {moves('down')}; {sep}",
        "falls": f"{subject} falls as {knob} rises, at every step ({stat}); {sep}",
        "falls, not at every step": f"{subject} falls as {knob} rises overall ({stat}) but not at every step: "
                                    f"it rises {moves('up')}; {sep}",
        "no trend": f"{subject} shows no clear trend with {knob} ({stat}, which includes 0): the mean rises at "
                    f"{count(ups)} and falls at {count(downs)} of the {count(n)} steps; {sep}",
    }, rho=t["rho"], low=t["low"], high=t["high"], monotone=t["monotone"], separated_steps=t["separated_steps"],
        steps=[(s["from"], s["to"], s["direction"], s["separated"]) for s in steps])


# ---------------------------------------------------------------------------- this section
def findings(R, C, P, T):
    sh, shc = R["hw1_3_sharpness"], C["hw1_3_sharpness"]
    ap, tr, models, seeds = shc["approaches"], shc["training"], sh["models"], sh["seeds"]
    names = list(ap)
    by_approach(models, "train_loss", names, seeds)              # every (approach, seed) once
    reached, missed = split_by_fit(models, names)
    target = float(tr["target_loss"])
    bs, ls = sh["batch_series"], sh["lr_series"]
    small_b, large_b = bs[0], bs[-1]

    def of(name):
        return [m for m in models if m["approach"] == name]

    def mean(name, key):
        return float(np.mean([m[key] for m in of(name)]))

    rows = [[n, ap[n][0], sci(ap[n][1], 1), num(mean(n, "steps")), ", ".join(sorted({m["stop"] for m in of(n)})),
             mean_pm([m["train_loss"] for m in of(n)]), mean_pm([m["test_loss"] for m in of(n)]),
             pct(mean(n, "test_acc"), 2), fix(mean(n, "subset_grad_norm"), 3)] for n in names]

    # which approaches stopped above the target, and with how many seeds
    stopped = {n: sum(m["stop"] != "target" for m in of(n)) for n in missed}
    stopped_losses = [m["train_loss"] for n in missed for m in of(n) if m["stop"] != "target"]
    reached_losses = [m["train_loss"] for n in reached for m in of(n)]
    missed_text = listing([f"{n} ({stopped[n]} of {len(seeds)} seeds)" for n in missed])
    all_reached = claim(
        not missed, "Every approach reached the target loss with every seed.",
        f"{cap(count(len(reached)))} of the {len(names)} approaches reached the target loss with every seed (final "
        f"training loss {_span(reached_losses)}); {missed_text} stopped for lack of improvement (final training loss "
        f"of those seeds {_span(stopped_losses)})",
        missed=missed, stopped=stopped)

    # the smallest batches and the largest rates: a prefix of the batch series, a suffix of the rates
    missed_b = [n for n in bs if n in missed]
    missed_l = [n for n in ls if n in missed]
    at_ends = (set(missed) <= set(missed_b) | set(missed_l) and missed_b == bs[:len(missed_b)]
               and missed_l == ls[len(ls) - len(missed_l):])
    ends = choose("none missed" if not missed else bool(at_ends), {
        "none missed": "",
        True: "these are the smallest batch sizes and the largest learning rates, where a constant learning "
              "rate leaves Adam at a noise floor above the target",
        False: "these are not only the smallest batch sizes and the largest learning rates",
    }, missed=missed, batch_series=bs, lr_series=ls)

    # less fitted by approach: every missed approach's mean training loss above every other's
    missed_means = {n: mean(n, "train_loss") for n in missed}
    reached_means = {n: mean(n, "train_loss") for n in reached}
    hit = sum(m["stop"] == "target" for n in missed for m in of(n))
    also = (f"; {count(hit)} of their {count(len(missed) * len(seeds))} seeds reached the target all the same"
            if hit else "")
    if not missed or not reached:
        outcome = "none missed" if not missed else "none reached"
    else:
        outcome = min(missed_means.values()) > max(reached_means.values())
    less_fitted = choose(outcome, {
        "none missed": "",
        "none reached": "no approach reached the target with every seed to compare them with",
        True: f"by approach they are less fitted than the others: their mean training loss "
              f"({_span(missed_means.values())}) is above every other approach's ({_span(reached_means.values())})"
              f"{also}. This confound remains and is named below where it matters",
        False: f"yet by approach they are not all less fitted than the others: their mean training loss "
               f"({_span(missed_means.values())}) is not above every other approach's "
               f"({_span(reached_means.values())}){also}",
    }, missed_means=missed_means, reached_means=reached_means, seeds_at_target=hit)

    grads = [m["grad_norm"] for m in models]
    n_critical = sum(g <= CRITICAL_GRAD for g in grads)
    not_critical = claim(
        n_critical == 0,
        f"None of these points is a critical point (‖∇L‖ ≤ {sci(CRITICAL_GRAD, 1)}, the cutoff of the critical-point "
        f"section): the full-batch gradient norm is {span(grads, lambda x: fix(x, 2))} at the end.",
        f"{cap(count(n_critical))} of the {len(grads)} models {'ends' if n_critical == 1 else 'end'} at a critical "
        f"point (‖∇L‖ ≤ {sci(CRITICAL_GRAD, 1)}, the cutoff of the critical-point section); the full-batch gradient "
        f"norm is "
        f"{span(grads, sci)} at the end.",
        n_critical=n_critical, smallest=min(grads))

    steps_large, steps_small = mean(large_b, "steps"), mean(small_b, "steps")
    return {
        "n_seeds": len(seeds), "model": sh["model"], "params": sh["params"], "n_approaches": len(names),
        "batch_sizes": [str(ap[n][0]) for n in bs], "batch_lr": sci(ap[bs[0]][1], 1),
        "rates": [sci(ap[n][1], 1) for n in ls], "rate_batch": ap[ls[0]][0],
        "target_loss": target, "check_every": tr["check_every"], "patience": tr["patience"],
        "max_steps": tr["max_steps"],
        "table": {"header": ["approach", "batch", "lr", "steps", "stopped by", "train loss", "test loss", "test acc",
                             "‖∇L‖ (10k images)"], "rows": rows},
        "reached": reached, "missed": missed,
        "all_reached": all_reached, "missed_at_ends": ends, "missed_less_fitted": less_fitted,
        "large_batch": ap[large_b][0], "small_batch": ap[small_b][0],
        "steps_large": steps_large, "steps_small": steps_small,
        "epochs_large": steps_large * ap[large_b][0] / sh["train_examples"],
        "epochs_small": steps_small * ap[small_b][0] / sh["train_examples"],
        "not_critical": not_critical,
    }
