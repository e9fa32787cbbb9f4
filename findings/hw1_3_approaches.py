"""The training approaches shared by HW1-3's flatness questions (common/approaches.py), from
results/hw1_3_sensitivity.json, which holds every model of both sets with its training summary and
loss history (hw1_3_sensitivity measures every model; its config holds the training settings).

Concludes, for the main set (all training images; shared by the interpolation, sensitivity and
sharpness sections): whether every model ended at the common target loss within the stated
tolerance (the criterion in examples: Keskar et al. 2017 train "without any budget or limits, until
the loss function ceased to improve", as Hoffer et al. 2017 quote them; here every model to one
loss) or hit the cap; in which approaches the learning rate had to be decayed because
progress stalled, and whether those are the smallest batches and largest rates; how the epochs
to the target grow with the batch size (a trend over the batch sizes with an interval from
resampling whole seeds, and each seed's own trend) and the largest batch against the smallest
seed by seed; that no final model is a critical point (the cutoff of the critical-point section,
common/critical.py). For the fitted set (the first 4,096 training images, a low target loss):
whether every model reached its target
and how close to 100% training accuracy (Novak et al. 2018 compare models that fit their training
set). And what the training cost, as measured.

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

SOURCES = ["hw1_3_sensitivity"]
CRITICAL_GRAD = 1e-5              # common/critical.py's CRITICAL_GRAD: ||grad L|| at or below is critical
ALMOST_FITTED = 0.999             # a fitted set whose every model has at least this training accuracy fits it


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


def between_relation(x, y, names, measure_of, obj):
    """The between-approach claim of inference.grouped_spearman (Spearman over the approach means, interval
    from resampling the seeds) with each seed's own Spearman over the approaches (seed s of every approach
    shares one initialization, so each seed alone is one comparison of the approaches), stated by
    inference.signed_direction (rises / falls / seeds disagree / unclear). Names the
    estimate sitting at an end of its interval (other than +-1): a percentile interval over a few seeds
    is rough."""
    found = grouped(x, y, names)
    seeds = list(next(iter(x.values())))
    per_seed = [inference.spearman([x[n][s] for n in names], [y[n][s] for n in names]) for s in seeds]
    rho, low, high = found["between"], found["between_low"], found["between_high"]
    if math.isfinite(low) and math.isfinite(high):
        stat = (f"ρ = {fix(rho, 2)} over the approach means, 95% interval {fix(low, 2)} to {fix(high, 2)} from "
                f"resampling the {count(found['seeds'])} seeds; each seed alone: ρ {_rhos_text(per_seed)}")
    else:
        stat = (f"ρ = {fix(rho, 2)} over the approach means; no interval: most resamples of the "
                f"{count(found['seeds'])} seeds leave no spread to rank; each seed alone: ρ {_rhos_text(per_seed)}")
    edge = (math.isfinite(low) and math.isfinite(high)
            and any(abs(rho - end) < 0.005 and abs(end) < 0.995 for end in (low, high)))
    if edge:
        stat += (f"; the estimate sits at an end of its interval, as a percentile interval over "
                 f"{count(found['seeds'])} seeds is rough")
    if not (math.isfinite(low) and math.isfinite(high)) or not math.isfinite(rho):
        outcome = "no interval"
    else:
        outcome = inference.signed_direction(low, high, per_seed)
    return choose(outcome, {
        "rises": f"{measure_of} rises with {obj} ({stat})",
        "falls": f"{measure_of} falls as {obj} rises ({stat})",
        "seeds disagree": f"{measure_of} is not clearly related to {obj} ({stat}: the interval excludes 0, but not "
                          f"every seed alone goes that way)",
        "unclear": f"{measure_of} is not clearly related to {obj} ({stat}; the interval includes 0)",
        "no interval": f"{measure_of} is not clearly related to {obj} ({stat})",
    }, rho=rho, low=low, high=high, per_seed=per_seed, edge=edge, groups=found["groups"], seeds=found["seeds"])


def grouped(x, y, names):
    """inference.grouped_spearman over the approaches `names` of two {approach: {seed: value}}."""
    return inference.grouped_spearman({n: x[n] for n in names}, {n: y[n] for n in names})


def _rhos_text(rhos):
    return ", ".join("constant" if not math.isfinite(r) else fix(r, 2) for r in rhos)


def trend(levels, values, level_text, knob, subject="it", paired=False, value_text=None):
    """The claim of a quantity over ordered levels (inference.level_trend's rule): rises or falls when
    the interval of Spearman's rho over the level means excludes 0; which steps separate the seeds. A
    step whose seeds overlap is not read as a rise or a fall: "at every step" only when every step
    separates the seeds that way, "not at every step" only when a step the other way separates them.
    level_text formats one level; knob names the levels.

    paired=True (seed s of every level shares one initialization, so a seed is a unit followed across
    the levels: values hold the seeds in the same order at every level): the interval resamples whole
    seeds, and a direction also needs every seed's own rho over the levels to have its sign and no
    step against it to separate the seeds; otherwise the trend is not resolved ("no trend": the
    interval includes 0, or a seed goes the other way; the phrasing says which) or not monotone ("bent": a
    separated step goes against it), and the claim describes the shape instead (where the mean is
    highest and lowest, which steps separate the seeds, the ends). value_text formats one mean
    (default: 3 decimals)."""
    t = inference.level_trend(levels, values, paired=paired)
    steps, n = t["steps"], len(t["steps"])
    value_text = value_text or (lambda v: fix(v, 3))
    if paired:
        rhos = t["seed_rhos"]
        stat = (f"ρ = {fix(t['rho'], 2)} over the {t['levels']} means, 95% interval {fix(t['low'], 2)} to "
                f"{fix(t['high'], 2)} from resampling whole seeds; each seed's own ρ over the levels: "
                f"{_rhos_text(rhos)}")
    else:
        stat = (f"ρ = {fix(t['rho'], 2)} over the {t['levels']} means, 95% interval {fix(t['low'], 2)} to "
                f"{fix(t['high'], 2)} from resampling the seeds")
    means = [float(np.mean(v)) for v in values]
    top, bottom = int(np.argmax(means)), int(np.argmin(means))
    shape = (f"its mean is highest at {level_text(levels[top])} ({value_text(means[top])}) and lowest at "
             f"{level_text(levels[bottom])} ({value_text(means[bottom])}), means "
             f"{', '.join(value_text(m) for m in means)} in order")

    def step_name(s):
        return f"{level_text(s['from'])} → {level_text(s['to'])}"
    split = [f"{step_name(s)} ({'up' if s['direction'] == 'up' else 'down'})" for s in steps if s["separated"]]
    separated = ("no step separates the seeds" if not split else
                 f"the seeds separate only at {listing(split)}" if len(split) < n else
                 "every step separates the seeds")
    ends = inference.compare(values[-1], values[0])
    ends_text = (f"at {level_text(levels[0])} and at {level_text(levels[-1])} "
                 f"{'separate' if ends['separated'] else 'overlap'}")
    direction = t["direction"]                      # inference.level_trend's rule, paired or not
    if direction in ("rises", "falls"):
        outcome = direction + (", at every step" if t["step_shape"] == "every" else
                               ", not at every step" if t["step_shape"] == "against" else "")
    else:
        # one outcome for "no direction stated", whichever test withheld it (that turned between CPUs)
        outcome = {"unclear": "no trend", "seeds disagree": "no trend"}.get(direction, direction)   # or "bent"
    against = [step_name(steps[i]) for i in t["against_steps"]]
    phrasings = {
        "rises": f"{subject} rises with {knob} ({stat}); {separated}",
        "rises, at every step": f"{subject} rises with {knob} at every step ({stat}): every step separates the seeds",
        "rises, not at every step": f"{subject} rises with {knob} overall ({stat}) but not at every step: the seeds "
                                    f"separate the other way at {listing(against)}",
        "falls": f"{subject} falls as {knob} rises ({stat}); {separated}",
        "falls, at every step": f"{subject} falls as {knob} rises, at every step ({stat}): every step separates the "
                                "seeds",
        "falls, not at every step": f"{subject} falls as {knob} rises overall ({stat}) but not at every step: the "
                                    f"seeds separate the other way at {listing(against)}",
        "no trend": f"{subject} shows no resolved trend with {knob}: {shape}; {separated}, and the seeds {ends_text} "
                    f"({stat}" + (": the interval excludes 0, but not every seed goes that way)"
                                  if direction == "seeds disagree" else "; the interval includes 0)"),
    }
    evidence = {"means": means, "ends_separated": ends["separated"], "step_shape": t["step_shape"],
                "direction": direction}           # level_trend's: rises / falls / unclear / seeds disagree / bent
    if paired:
        phrasings["bent"] = (f"{subject} is not monotone in {knob}: {shape}; {separated}, so the seeds separate at a "
                             f"step against the sign of ρ and no overall direction is stated; the seeds {ends_text} "
                             f"({stat})")
        evidence.update(paired=True, seed_rhos=t["seed_rhos"])
    return choose(outcome, phrasings, rho=t["rho"], low=t["low"], high=t["high"], monotone=t["monotone"],
                  separated_steps=t["separated_steps"],
                  steps=[(s["from"], s["to"], s["direction"], s["separated"]) for s in steps], **evidence)


def sets_of(R, C, source="hw1_3_sensitivity"):
    """{set: (its results, its approach names, its seeds, its training settings)} of the sets
    hw1_3_sensitivity measured; ReportError unless each holds every configured (approach, seed) once."""
    out = {}
    for which, found in R[source]["sets"].items():
        names, seeds = list(C[source]["sets"][which]), found["seeds"]
        by_approach(found["models"], "train_loss", names, seeds, source)
        out[which] = (found, names, seeds, C[source]["training"][which])
    return out


# ---------------------------------------------------------------------------- this section
def _at_ends(chosen, batch_series, lr_series):
    """Whether the approaches `chosen` are the smallest batches and the largest rates: a prefix of
    the batch series and a suffix of the rate series, and nothing else."""
    in_b = [n for n in batch_series if n in chosen]
    in_l = [n for n in lr_series if n in chosen]
    return (set(chosen) <= set(in_b) | set(in_l) and in_b == batch_series[:len(in_b)]
            and in_l == lr_series[len(lr_series) - len(in_l):])


def _loss(v):
    """A training loss to 3 significant digits: 0.0485, 0.005."""
    return f"{float(v):.3g}"


def _ended(models, target, tolerance, what):
    """The claim that every model of a set ended at the target within the tolerance."""
    low = target * (1 - tolerance)
    inside = [m for m in models if m["stop"] == "target" and low <= m["train_loss"] <= target]
    capped = [f"{m['approach']} {m['seed']} (training loss {_loss(m['train_loss'])})" for m in models
              if m["stop"] == "cap"]
    outside = [f"{m['approach']} {m['seed']} ({_loss(m['train_loss'])})" for m in models
               if m["stop"] == "target" and not low <= m["train_loss"] <= target]
    losses = [m["train_loss"] for m in models]
    band = f"[{_loss(low)}, {_loss(target)}]"
    others = []
    if capped:
        others.append(f"{listing(capped)} stopped at the cap")
    if outside:
        others.append(f"{listing(outside)} ended outside the band")
    return claim(
        len(inside) == len(models),
        f"Every one of the {len(models)} {what} models ended at the target, within the tolerance: final training "
        f"loss {span(losses, _loss)}, in the band {band}.",
        f"{cap(count(len(inside)))} of the {len(models)} {what} models ended at the target within the band {band}; "
        f"{'; '.join(others)}.",
        inside=len(inside), models=len(models), capped=capped, outside=outside)


def findings(R, C, P, T):
    sets = sets_of(R, C)
    main, names, seeds, _ = sets["main"]
    fitted, f_names, f_seeds, _ = sets["fitted"]
    sn, ap = R["hw1_3_sensitivity"], C["hw1_3_sensitivity"]["approaches"]
    models, f_models = main["models"], fitted["models"]
    bs, ls = sn["batch_series"], sn["lr_series"]
    small_b, large_b = bs[0], bs[-1]
    crit = sn["criterion"]

    def of(ms, name):
        return [m for m in ms if m["approach"] == name]

    def mean(ms, name, key):
        return float(np.mean([m[key] for m in of(ms, name)]))

    def decays_cell(ms, name):
        chosen = of(ms, name)
        k = sum(m["decays"] > 0 for m in chosen)
        return f"{k} of {len(chosen)}" + (f" ({sum(m['decays'] for m in chosen)} in all)" if k else "")

    def lr_cell(ms, name):
        """The learning rates the seeds ended with, and how many ended with each."""
        ends = [m["lr_end"] for m in of(ms, name)]
        return ", ".join(f"{sci(v, 1)} ({ends.count(v)})" for v in sorted(set(ends), reverse=True))

    rows = [[n, ap[n][0], lr_cell(models, n), mean_pm([m["epochs"] for m in of(models, n)], 1),
             num(mean(models, n, "steps")), decays_cell(models, n),
             mean_pm([m["train_loss"] for m in of(models, n)], 4), mean_pm([m["test_loss"] for m in of(models, n)]),
             pct(mean(models, n, "test_acc"), 2), fix(mean(models, n, "grad_norm"), 3),
             fix(mean(models, n, "seconds"), 1)] for n in names]
    f_rows = [[n, min(ap[n][0], fitted["train_examples"]), lr_cell(f_models, n),
               mean_pm([m["epochs"] for m in of(f_models, n)], 1), num(mean(f_models, n, "steps")),
               decays_cell(f_models, n), mean_pm([m["train_loss"] for m in of(f_models, n)], 5),
               pct(min(m["train_acc"] for m in of(f_models, n)), 2), mean_pm([m["test_loss"] for m in of(f_models, n)]),
               pct(mean(f_models, n, "test_acc"), 2), fix(mean(f_models, n, "seconds"), 1)] for n in f_names]

    # every model at the target, within the tolerance
    tolerance = float(crit["tolerance"])
    all_main = _ended(models, float(main["target_loss"]), tolerance, "main-set")
    all_fitted = _ended(f_models, float(fitted["target_loss"]), tolerance, "fitted-set")

    # where the rate was decayed: which approaches, and whether they are the noisy ends
    decayed = [n for n in names if any(m["decays"] > 0 for m in of(models, n))]
    n_decayed = sum(m["decays"] > 0 for m in models)
    where = listing([f"{n} ({sum(m['decays'] > 0 for m in of(models, n))} of {len(seeds)} seeds)" for n in decayed])
    outcome = "none" if not decayed else "ends" if _at_ends(decayed, bs, ls) else "elsewhere"
    decays = choose(outcome, {
        "none": "No model needed a learning-rate decay: progress never stalled before the target",
        "ends": f"The rate was decayed (progress stalled) in {count(n_decayed)} of the {len(models)} models: "
                f"{where}; these are the smallest batches and the largest rates, where a constant rate leaves Adam "
                f"noisiest",
        "elsewhere": f"The rate was decayed (progress stalled) in {count(n_decayed)} of the {len(models)} models: "
                     f"{where}; these are not only the smallest batches and the largest rates",
    }, decayed=decayed, models=n_decayed)

    # epochs to the target over the batch sizes; the largest batch against the smallest, seed by seed
    epochs = by_approach(models, "epochs", names, seeds, "hw1_3_sensitivity")
    epochs_trend = trend([ap[n][0] for n in bs], [seed_values(epochs, n) for n in bs], lambda x: f"{x:g}",
                         "the batch size", "the number of epochs to the target", paired=True,
                         value_text=lambda v: fix(v, 1))
    c = inference.compare(seed_values(epochs, large_b), seed_values(epochs, small_b))
    epochs_ends = claim(c["separated"] and c["larger"] == "a",
                        f"every seed of batch {ap[large_b][0]} needs more epochs than every seed of batch "
                        f"{ap[small_b][0]}",
                        f"the seeds of batch {ap[large_b][0]} and batch {ap[small_b][0]} overlap or are the other "
                        f"way round ({c['a_above_b']} of {len(seeds)} seeds of batch {ap[large_b][0]} above every "
                        f"seed of batch {ap[small_b][0]})", **c)

    grads = [m["grad_norm"] for m in models]
    n_critical = sum(g <= CRITICAL_GRAD for g in grads)
    not_critical = claim(
        n_critical == 0,
        f"None of these points is a critical point (‖∇L‖ ≤ {sci(CRITICAL_GRAD, 1)}, the cutoff of the critical-point "
        f"section): the full-batch gradient norm over all training images is {span(grads, lambda x: fix(x, 2))} at "
        f"the end.",
        f"{cap(count(n_critical))} of the {len(grads)} models {'ends' if n_critical == 1 else 'end'} at a critical "
        f"point (‖∇L‖ ≤ {sci(CRITICAL_GRAD, 1)}, the cutoff of the critical-point section); the full-batch gradient "
        f"norm over all training images is {span(grads, sci)} at the end.",
        n_critical=n_critical, smallest=min(grads))

    # the fitted set fits its training images
    accs = [m["train_acc"] for m in f_models]
    n_full = sum(a >= 1.0 for a in accs)
    worst = min(accs)
    missing = round((1 - worst) * fitted["train_examples"])
    fits = choose("all" if n_full == len(accs) else "almost" if worst >= ALMOST_FITTED else "not", {
        "all": f"every fitted-set model classifies all its {num(fitted['train_examples'])} training images right "
               f"(100% training accuracy)",
        "almost": f"{count(n_full)} of the {len(accs)} fitted-set models classify all {num(fitted['train_examples'])} "
                  f"training images right, the others all but at most {count(missing)} (training accuracy ≥ "
                  f"{pct(worst, 2)})",
        "not": f"{n_full} of the {len(accs)} fitted-set models classify all their training images right; the "
               f"lowest training accuracy is {pct(worst, 2)}",
    }, full=n_full, models=len(accs), lowest=worst)

    steps_large, steps_small = mean(models, large_b, "steps"), mean(models, small_b, "steps")
    seconds = {"main": sum(m["seconds"] for m in models), "fitted": sum(m["seconds"] for m in f_models)}
    refined = sum(m["refinements"] > 0 for m in models)
    return {
        "n_seeds": len(seeds), "model": sn["model"], "params": sn["params"], "n_approaches": len(names),
        "n_models": len(models), "batch_sizes": [str(ap[n][0]) for n in bs], "batch_lr": sci(ap[bs[0]][1], 1),
        "rates": [sci(ap[n][1], 1) for n in ls], "rate_batch": ap[ls[0]][0],
        "train_examples": main["train_examples"], "target_loss": float(main["target_loss"]), "tolerance": tolerance,
        "band_low": float(main["target_loss"]) * (1 - tolerance),
        "check_epochs": crit["check_epochs"], "patience_epochs": crit["patience_epochs"], "lr_decay": crit["lr_decay"],
        "refine": crit["refine"], "max_epochs": crit["max_epochs"], "max_steps": crit["max_steps"],
        "stack_max_batch": sn["stack_max_batch"],
        "table": {"header": ["approach", "batch", "lr at the end (seeds)", "epochs", "steps", "seeds with lr decays",
                             "train loss", "test loss", "test acc", "‖∇L‖ (all training images)", "s / model"],
                  "rows": rows},
        "all_reached": all_main, "decays": decays, "refined": refined,
        "epochs_trend": epochs_trend, "epochs_ends": epochs_ends,
        "large_batch": ap[large_b][0], "small_batch": ap[small_b][0],
        "steps_large": steps_large, "steps_small": steps_small,
        "epochs_large": mean(models, large_b, "epochs"), "epochs_small": mean(models, small_b, "epochs"),
        "not_critical": not_critical,
        "fitted": {"n_models": len(f_models), "n_approaches": len(f_names), "n_seeds": len(f_seeds),
                   "train_examples": fitted["train_examples"], "target_loss": float(fitted["target_loss"]),
                   "left_out": [n for n in names if n not in f_names],
                   "full_batch": [n for n in f_names if ap[n][0] >= fitted["train_examples"]],
                   "table": {"header": ["approach", "batch", "lr at the end (seeds)", "epochs", "steps",
                                        "seeds with lr decays", "train loss", "lowest train acc", "test loss",
                                        "test acc", "s / model"], "rows": f_rows},
                   "all_reached": all_fitted, "fits": fits},
        "seconds_main": seconds["main"], "seconds_fitted": seconds["fitted"],
        "cpu": P["hw1_3_sensitivity"]["cpu"],
    }
