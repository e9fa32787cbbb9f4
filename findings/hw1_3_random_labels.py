"""HW1-3 "Can a network fit random labels?": what the random-label run and its controls show.

From results/hw1_3_random_labels.json (one headline run of an MLP on MNIST with all 60,000
training labels permuted, trained until 99% training accuracy; controls on 10,000 images, 3
seeds each: labels corrupted with a probability, and inputs replaced while the labels stay true),
compared with the true-label MLP of the same width in results/hw1_3_params_mnist.json (its depth
read from the parameter counts, the input and output sizes from results/hw1_3_interp.json).

The section concludes, as Zhang et al. (2017, "Understanding deep learning requires rethinking
generalization", Sec. 2 and Fig. 1) found, that
  - the network memorizes the random labels (the headline run, one seed) while its test accuracy
    ends at chance and its test loss grows far above that of a uniform guess;
  - fitting noise takes many more epochs than fitting the true labels: stated on the like-for-like
    comparison, the controls' true labels (0%) against their fully corrupted labels (same network,
    schedule and images; every seed of one against every seed of the other); the headline run
    against the true-label MLP of the next section is context only, its differences (depth,
    batch, schedule) read from the two configs and named;
  - in the label controls every seed of every level is fitted; the epochs needed are compared as
    a jump from the true labels to every seed of every corrupted level, then among the corrupted
    levels alone (whether they rise gradually with the share of noise, as in Zhang et al.'s
    Fig. 1b), and the one-cycle schedule's peak (warm-up share x planned epochs, from the config)
    is named with which runs are fitted before and after it (a confound of the epoch counts);
    the test accuracy on the true labels falls with the corruption. Each ordering over levels is
    an inference.level_trend(paired=True) (Spearman rho of level against the mean over seeds; seed s
    shares one initialization across the levels, so its interval resamples whole seeds; each seed's
    own rho over the levels; the steps where the means move against the trend, and the steps whose
    seeds separate); a direction is stated only when the interval excludes 0, every seed alone goes
    that way and no step against it separates the seeds;
  - the input controls of Zhang's Fig. 1a (shuffled pixels, random pixels, Gaussian inputs, true
    labels) are fitted too; each one's epochs are compared with the true labels' and the fully
    corrupted labels' seeds, and its test accuracy with the true labels' and with chance
    (inference.compare: separated seed ranges or overlap, with the ranges printed).
The corruption rule is read from the results ("corruption" in results or config: "uniform", the
current script's and Zhang et al.'s rule, redraws a corrupted label from all classes, so it can
stay right and about (1 - 1/classes) p of the labels end wrong; "another", the earlier script's
rule, moved exactly a share p to another class, so at 100% no label was right); results without
it come from the earlier script ("another"). The measured share of wrong labels of every seed is
checked against the rule.
"""
import numpy as np

from common import inference
from common.claims import ReportError, by, choose, claim, count, fix, listing, num, pct, sci, span, times

SOURCES = ["hw1_3_random_labels", "hw1_3_params_mnist", "hw1_3_interp"]
EARLIER_RULE = "another"          # results without "corruption": the earlier script's rule (another class)
AT_CHANCE = 0.02                  # test accuracy within this of 1/classes counts as chance
AGREEMENT_AT_CHANCE = 0.01        # permuted labels agreeing with the true ones within this of 1/classes
UNIFORM_TOLERANCE = 0.02          # "uniform" rule: measured wrong share within this of (1 - 1/classes) * level
SLOWER = 3                        # "much slower": every fully corrupted control seed needs more than this
                                  # many times the epochs of every true-label control seed
CONSTANT = "constant"             # the schedule of results whose config names none (TrainConfig's default:
                                  # hw1_3_params.py trains at a constant rate)
MIN_TREND_SEEDS = 5               # paired: fewer seeds state an overall direction only when the first and
                                  # last levels separate that way (3 seeds: 10 distinct whole-seed resamples,
                                  # and all three go one way by chance a quarter of the time)
DISPLAY = {"gaussian inputs": "Gaussian inputs"}     # input controls as the report names them


def tenths_course(values):
    """'rises' / 'falls' when the mean over each tenth of a curve rises / falls from tenth to tenth,
    else 'uneven'; with the tenth means."""
    means = [float(np.mean(part)) for part in np.array_split(np.asarray(values, dtype=float), 10)]
    steps = np.diff(means)
    outcome = "rises" if (steps > 0).all() else "falls" if (steps < 0).all() else "uneven"
    return outcome, means


def level_findings(levels, values, names, unit, verbs, prefix="", paired=False):
    """A quantity over ordered levels (corruption shares, widths), several seeds per level, as the
    report states it: inference.level_trend's rho and interval and three claims.
    levels: (K,); values: K lists of per-seed values; names: K labels of the levels ("20%", "4");
    unit: the levels' plural ("levels"); verbs: {"rises": ..., "falls": ..., "unclear": ...}, the
    phrasings of the direction (with paired=True also "seeds disagree" and "bent"); prefix: before
    each step's name ("w = " gives "w = 2 → 4").
    A direction is stated by inference.level_trend's rule: the interval of rho excludes 0 ("unclear"
    otherwise). paired=True: seed s of every level shares one initialization, so a seed is a unit
    followed across the levels (values must hold the same seeds in the same order at every level):
    the interval resamples whole seeds (inference.level_trend(paired=True)), and a direction also
    needs every seed's own Spearman over the levels to have its sign ("seeds disagree" otherwise), no
    step against it to separate the seeds ("bent" otherwise) and, with fewer than MIN_TREND_SEEDS
    seeds, the seeds of the first and last levels to separate that way ("few seeds" otherwise).
    Returns {"rho", "low", "high", "steps", "separated_steps", "resampled" (how the interval was
    drawn), "seed_rhos" (paired only, else None), "seeds_text" (each seed's own rho; paired only),
    "direction": rises / falls / unclear (and seeds disagree / bent / few seeds when paired),
    "monotone": every / not_every / overall / unclear (what the steps resolve: every step separates
    the seeds the way of the direction; a step against it separates them; a direction not resolved
    step by step; no direction, so no step is read but where it separates the seeds), "separation": all /
    some / none (the seeds of successive levels)}. A step whose seeds overlap is not read as a rise or a fall."""
    trend = inference.level_trend(levels, values, paired=paired, min_seeds=MIN_TREND_SEEDS if paired else None)
    steps = trend["steps"]
    step_names = [f"{prefix}{names[i]} → {names[i + 1]}" for i in range(len(steps))]
    direction = trend["direction"]
    seed_rhos = trend.get("seed_rhos")
    against = [step_names[i] for i in trend["against_steps"]]
    monotone = {"every": "every", "against": "not_every", "overall": "overall"}.get(trend["step_shape"], "unclear")
    verb = {"rises": "rises", "falls": "falls"}.get(direction, "")
    opposite = {"rises": "falls", "falls": "rises"}.get(direction, "")
    separated = [n for n, s in zip(step_names, steps) if s["separated"]]
    overlapping = [n for n, s in zip(step_names, steps) if not s["separated"]]
    k, n = len(separated), len(steps)
    evidence = {"rho": trend["rho"], "low": trend["low"], "high": trend["high"],
                "means": [float(np.mean(v)) for v in values], "steps": steps}
    if paired:
        evidence["seed_rhos"] = seed_rhos
    seeds_text = ("each seed's own ρ over the " + unit + ": "
                  + ", ".join("constant" if not np.isfinite(r) else fix(r, 2) for r in seed_rhos)
                  if paired else "")
    return {
        "rho": trend["rho"], "low": trend["low"], "high": trend["high"], "steps": n, "separated_steps": k,
        "resampled": "resampling whole seeds" if paired else "resampling each level's seeds",
        "seed_rhos": seed_rhos, "seeds_text": seeds_text,
        "direction": choose(direction, verbs, **evidence),
        "monotone": choose(monotone, {
            "every": f"the mean {verb} at every one of the {count(n)} steps, each step separating the seeds",
            "not_every": f"though not at every step: it {opposite}, the seeds separated, at {listing(against)}",
            "overall": "an overall trend, not one resolved step by step",
            "unclear": "read step by step only where a step separates the seeds"},
            against=against, **evidence),
        "separation": choose("all" if k == n else "none" if k == 0 else "some", {
            "all": f"the seeds of successive {unit} separate at every step",
            "some": f"the seeds of successive {unit} separate at {count(k)} of the {count(n)} steps "
                    f"({listing(separated)}) and overlap at {listing(overlapping)}",
            "none": f"the seeds of successive {unit} overlap at every step"},
            separated=separated, overlapping=overlapping, **evidence),
    }


def mlp_depth(models, inputs, outputs):
    """The hidden-layer counts (1..8) for which every model's parameter count is that of an MLP
    inputs-w-...-w-outputs of its width."""
    def params(width, depth):
        sizes = [inputs, *[width] * depth, outputs]
        return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    return [d for d in range(1, 9) if all(m["params"] == params(m["width"], d) for m in models)]


def corruption_findings(rl, rlc, classes, ctl):
    """The corruption rule (from the results, else the current script's) and the checks of the
    measured wrong/right label shares of every control seed against it."""
    rule = rl.get("corruption", rlc.get("corruption", EARLIER_RULE))
    runs = rl["controls"]
    n = rl["control_train_examples"]
    if rule == "another":
        matches = all(abs(c["wrong_share"] - c["level"]) <= 1 / n for c in runs)
    elif rule == "uniform":
        matches = all(abs(c["wrong_share"] - (1 - 1 / classes) * c["level"]) <= UNIFORM_TOLERANCE for c in runs)
    else:
        matches = False
    top = ctl[-1]
    agreement = [c["label_agreement"] for c in runs if c["level"] == top["level"]]
    return {
        "rule": choose(rule, {
            "another": "a share p of the training labels (exactly that many) set to another class, drawn "
                       f"uniformly from the other {count(classes - 1)}, so exactly that share is wrong",
            "uniform": "each training label, independently with probability p, replaced by a class drawn "
                       f"uniformly from all {count(classes)} (Zhang et al.'s rule: a redrawn label stays right "
                       f"with probability 1/{classes}, so about (1 − 1/{classes}) p of the labels end wrong)"},
            rule=rule),
        "rule_checked": claim(matches, {
            "another": "for every seed the measured share of wrong labels equals its level",
            "uniform": "for every seed the measured share of wrong labels is within "
                       f"{fix(100 * UNIFORM_TOLERANCE, 0)} points of (1 − 1/{classes}) × its level"}.get(rule, ""),
            rule=rule, wrong_shares={c["seed"] + "@" + str(c["level"]): c["wrong_share"] for c in runs}),
        "none_right": claim(max(agreement) == 0, "no training label is right",
                            f"{span(agreement, pct)} of the training labels are still right",
                            level=top["level"], label_agreement=agreement),
    }


def chance_position(values, chance):
    """at (every value within AT_CHANCE of chance) / above / below (every value beyond it on that
    side) / mixed."""
    values = np.asarray(values, dtype=float)
    if (np.abs(values - chance) < AT_CHANCE).all():
        return "at"
    if (values >= chance + AT_CHANCE).all():
        return "above"
    if (values <= chance - AT_CHANCE).all():
        return "below"
    return "mixed"


def versus(values, reference, name, formatter, higher, lower):
    """values against a reference group's per-seed values (inference.compare): `higher` / `lower`
    when the seed ranges separate, else overlapping; the reference's range printed."""
    c = inference.compare(values, reference)
    outcome = "overlap" if not c["separated"] else "higher" if c["larger"] == "a" else "lower"
    ref = span(reference, formatter)
    return choose(outcome, {"higher": f"{higher} {name} for every seed ({ref})",
                            "lower": f"{lower} {name} for every seed ({ref})",
                            "overlap": f"overlapping {name} ({ref})"},
                  values=list(values), reference=list(reference), p=c["p"])


def input_findings(rl, chance, true_epochs, noise_epochs, true_test, top_name):
    """Each input control (Zhang et al., Fig. 1a; true labels) against the true labels (level 0)
    and the fully corrupted labels: fitted by every seed, its epochs, its test accuracy."""
    found = []
    for kind in rl["input_kinds"]:
        name = kind["inputs"]
        runs = [c for c in rl["input_controls"] if c["inputs"] == name]
        if not runs:
            raise ReportError(f"input control {name!r} of hw1_3_random_labels has no runs")
        epochs = [c["epoch_reached_target"] for c in runs]
        test = [c["final_test_acc"] for c in runs]
        fitted = all(e is not None for e in epochs)
        position = chance_position(test, chance)
        item = {
            "name": DISPLAY.get(name, name), "n_seeds": len(runs),
            "fitted": claim(fitted, f"fitted by every seed in {span(epochs, lambda v: fix(v, 0))} epochs" if fitted
                            else "", f"fitted by {count(sum(e is not None for e in epochs))} of the "
                            f"{count(len(runs))} seeds within the schedule", epochs=epochs),
            "test": span(test, lambda v: pct(v, 1)),
            "test_vs_true": versus(test, true_test, "the true labels'", lambda v: pct(v, 1), "above", "below"),
            "chance": choose(position, {"at": f"at chance (1/{round(1 / chance)})",
                                        "above": f"above chance (1/{round(1 / chance)}) for every seed",
                                        "below": f"below chance (1/{round(1 / chance)}) for every seed",
                                        "mixed": f"near chance (1/{round(1 / chance)}) for some seeds only"},
                             test_acc=test, chance=chance, tolerance=AT_CHANCE),
        }
        item["note"] = ""
        if name == "shuffled pixels":
            item["note"] = claim(
                item["test_vs_true"].outcome == "overlap",
                ": a fully connected net is blind to a fixed order of its inputs (permuting the pixels permutes the "
                "columns of its first weight matrix, whose initialization does not change in distribution), so for "
                "it shuffled pixels are the true task (unlike for Zhang et al.'s convolutional nets)", "",
                test_vs_true=item["test_vs_true"].outcome)
        elif name == "random pixels":
            item["note"] = claim(
                position == "above",
                ": possibly because a permutation keeps each image's pixel values, only not their places, and how "
                "much ink an image has still says something about its digit (not tested here: no ink-only baseline "
                "was run)", "", position=position)
        for key, reference, group in (("vs_true", true_epochs, "the true labels"),
                                      ("vs_noise", noise_epochs, f"the labels corrupted at {top_name}")):
            if fitted and reference is not None:
                item[key] = versus(epochs, reference, group, lambda v: fix(v, 0), "slower than", "faster than")
            else:
                item[key] = choose("not_compared", {"not_compared": f"not compared with {group} (a seed did not fit)"},
                                   epochs=epochs, reference=reference)
        found.append(item)
    return found


def noise_against_true(true_epochs, noise_epochs, top_name, n_images):
    """The like-for-like speed comparison: the controls' true labels (level 0) against their fully
    corrupted labels, the same network, schedule and images (inference.compare over the seeds).
    much (every noise seed needs more than SLOWER times the epochs of every true-label seed) /
    slower (the seeds separate, by less) / faster / overlap / unfitted (a seed did not fit)."""
    setting = f"in the controls (the same network and schedule on the same {num(n_images)} images)"
    if any(e is None for e in [*true_epochs, *noise_epochs]):
        return choose("unfitted", {"unfitted": f"Not every seed of the true and the fully corrupted labels is fitted "
                                               f"{setting}, so they do not compare the speed of fitting noise"},
                      true_epochs=list(true_epochs), noise_epochs=list(noise_epochs))
    c = inference.compare(noise_epochs, true_epochs)
    low, high = min(noise_epochs) / max(true_epochs), max(noise_epochs) / min(true_epochs)
    outcome = ("much" if min(noise_epochs) > SLOWER * max(true_epochs) else "slower" if c["separated"] and
               c["larger"] == "a" else "faster" if c["separated"] else "overlap")
    true, noise = span(true_epochs, lambda v: fix(v, 0)), span(noise_epochs, lambda v: fix(v, 0))
    ratios = f"{times(min(noise_epochs), max(true_epochs))} to {times(max(noise_epochs), min(true_epochs))} times"
    return choose(outcome, {
        "much": f"Fitting noise is much slower than fitting the real task: {setting} the true labels need {true} "
                f"epochs and the labels corrupted at {top_name} need {noise}: each of these seeds needs more than "
                f"{count(SLOWER)} times the epochs of every true-label seed ({ratios} from range to range; the means "
                f"{times(c['a_mean'], c['b_mean'])} times)",
        "slower": f"Fitting noise is slower than fitting the real task, though not by more than {count(SLOWER)} "
                  f"times for every pair of seeds: {setting} the true labels need {true} epochs and the labels "
                  f"corrupted at {top_name} need {noise} ({ratios} from range to range)",
        "faster": f"Fitting noise is not slower here: {setting} the labels corrupted at {top_name} need {noise} "
                  f"epochs and the true labels {true}, every seed",
        "overlap": f"Fitting noise is not shown to be slower: {setting} the epochs for the labels corrupted at "
                   f"{top_name} ({noise}) overlap those for the true labels ({true})"},
        true_epochs=list(true_epochs), noise_epochs=list(noise_epochs), factor=SLOWER, low=low, high=high,
        p=c["p"])


def schedule_text(schedule, lr):
    return {"onecycle": f"one-cycle with peak {sci(lr, 1)}", CONSTANT: f"a constant rate {sci(lr, 1)}"}.get(
        schedule, f"{schedule} with rate {sci(lr, 1)}")


def headline_context(rl, rlc, reached, true_depth, pmc, true_train_min):
    """The headline run (one seed) against the true-label MLP of the next section: context only,
    with every difference of depth, batch and schedule read from the two configs."""
    head_depth = len(rlc["widths"])
    true_schedule = schedule_text(pmc.get("schedule", CONSTANT), pmc["lr"])
    head_schedule = schedule_text(rlc["schedule"], rlc["peak_lr"])
    differences = []
    if true_depth != head_depth:
        differences.append(f"depth ({count(true_depth) if true_depth else '?'} hidden layers against "
                           f"{count(head_depth)})")
    if pmc["batch"] != rlc["batch"]:
        differences.append(f"batch ({pmc['batch']} against {rlc['batch']})")
    if true_schedule != head_schedule:
        differences.append(f"schedule ({true_schedule} against {head_schedule})")
    head = (f"The headline run took {reached} epochs on all {num(rl['train_examples'])} images (one seed); for "
            f"comparison only, that MLP reaches at least {pct(true_train_min)} training accuracy (its lowest seed) on "
            f"the true labels in {pmc['epochs']} epochs")
    return choose("differs" if differences else "same", {
        "differs": f"{head}, but with a different {listing(differences)}, so the two epoch counts do not measure "
                   "the labels' effect alone",
        "same": f"{head}, with the same depth, batch and schedule"},
        differences=differences, true_depth=true_depth, head_depth=head_depth)


def epochs_findings(levels, epochs, names, seeds):
    """The epochs to fit over the corruption levels (every seed fitted): the jump from the true
    labels (the first level) to every seed of every corrupted level, then the trend among the
    corrupted levels alone (level_findings, paired: seed s shares one initialization across the
    levels) and whether it resolves a gradual rise with the share of noise (Zhang et al., Fig. 1b: a
    rise by level_findings' rule and with a separated step; a rise without one is an overall one)."""
    true, corrupted = epochs[0], [e for lv in epochs[1:] for e in lv]
    fmt = lambda v: fix(v, 0)                                                     # noqa: E731
    jump = ("jump" if min(corrupted) > max(true) else "drop" if max(corrupted) < min(true) else "overlap")
    evidence = {"true_epochs": list(true), "corrupted_epochs": corrupted}
    trend = level_findings(levels[1:], epochs[1:], names[1:], "corrupted levels",
                           {"rises": "rise with the corruption", "falls": "fall with the corruption",
                            "unclear": "show no clear trend with the corruption",
                            "seeds disagree": "show no resolved trend with the corruption, as not every seed "
                                              "goes the way of the means",
                            "bent": "are not monotone in the corruption: a step against the sign of ρ separates "
                                    "the seeds, so no overall direction is stated",
                            "few seeds": f"show no resolved trend with the corruption: the seeds of the first and "
                                         f"last corrupted levels overlap, and {count(seeds)} seeds are too few to "
                                         f"state an overall direction of the means that they do not show"},
                           paired=True)
    direction = trend["direction"].outcome
    gradual = ("rises" if direction == "rises" and trend["separated_steps"] > 0 else
               "overall" if direction == "rises" else "falls" if direction == "falls" else "unresolved")
    return {
        "jump": choose(jump, {
            "jump": f"the epochs needed jump from the true labels to any corruption: {span(true, fmt)} at {names[0]} "
                    f"against {span(corrupted, fmt)} for every seed of every corrupted level (their mean "
                    f"{times(np.mean(corrupted), np.mean(true))} times that at {names[0]})",
            "drop": f"the true labels need more epochs than any corruption: {span(true, fmt)} at {names[0]} against "
                    f"{span(corrupted, fmt)} for every seed of every corrupted level",
            "overlap": f"the epochs at {names[0]} ({span(true, fmt)}) overlap those of the corrupted levels "
                       f"({span(corrupted, fmt)})"}, **evidence),
        "corrupted": trend, "first": names[1], "last": names[-1],
        "by_level": [f"{nm}: {fix(np.mean(e), 0)} ({span(e, fmt)})" for nm, e in zip(names[1:], epochs[1:])],
        "gradual": choose(gradual, {
            "rises": "so among the corrupted levels too the epochs rise with the share of noise, as in Zhang et "
                     "al.'s Fig. 1b",
            "overall": f"so the rise is an overall one: no single step between corrupted levels separates the "
                       f"{count(seeds)} seeds, and a step-by-step rise with the share of noise, as in Zhang et al.'s "
                       f"Fig. 1b, is not resolved",
            "falls": "unlike the gradual slow-down with the share of noise in Zhang et al.'s Fig. 1b",
            "unresolved": f"so a gradual rise with the share of noise, as in Zhang et al.'s Fig. 1b, is not "
                          f"resolved by {count(seeds)} seeds"},
            direction=direction, separated_steps=trend["separated_steps"]),
    }


def none_or(k):
    """count(k), with 'none' for 0 ('none of the three')."""
    return "none" if k == 0 else count(k)


def schedule_phase(rlc, schedule, true_epochs, corrupted_epochs):
    """Where in the one-cycle schedule the runs are fitted: its peak (warm-up share x planned epochs,
    from the config) against each control's epoch to the target. split (every true-label seed by
    the peak, every corrupted seed after it) / counts / none (no one-cycle schedule: no sentence)."""
    if rlc["schedule"] != "onecycle":
        return choose("none", {"none": ""}, schedule=rlc["schedule"])
    peak = rlc["warmup_share"] * rlc["epochs"]
    true_before = sum(e <= peak for e in true_epochs)
    corrupted_before = sum(e <= peak for e in corrupted_epochs)
    outcome = "split" if true_before == len(true_epochs) and corrupted_before == 0 else "counts"
    where = (f"Under the {schedule} schedule the learning rate peaks at epoch {fix(peak, 0)} "
             f"({pct(rlc['warmup_share'], 0)} of the {rlc['epochs']} planned epochs)")
    return choose(outcome, {
        "split": f"{where}: every true-label seed is fitted during the warm-up (by epoch {max(true_epochs)}) and "
                 f"every corrupted seed after the peak (from epoch {min(corrupted_epochs)}), so the epoch counts "
                 "also reflect where in the schedule each run is, not only how hard its labels are.",
        "counts": f"{where}: {none_or(true_before)} of the {count(len(true_epochs))} true-label seeds and "
                  f"{none_or(corrupted_before)} of the {count(len(corrupted_epochs))} corrupted seeds are fitted by "
                  "then, the rest after it."},
        peak=peak, true_epochs=list(true_epochs), corrupted_epochs=list(corrupted_epochs))


def findings(R, C, P, T):
    rl, rlc = R["hw1_3_random_labels"], C["hw1_3_random_labels"]
    pm, pmc = sorted(R["hw1_3_params_mnist"]["models"], key=lambda m: m["params"]), C["hw1_3_params_mnist"]
    io = [int(x) for x in R["hw1_3_interp"]["model"].split("-")]
    classes = int(rl["model"].split("-")[-1])
    chance = 1 / classes
    schedule = {"onecycle": "one-cycle"}.get(rlc["schedule"], rlc["schedule"])

    # the headline run (one seed)
    reached = rl["epoch_reached_target"]
    at = rl["epoch"].index(reached) if reached is not None else None
    final_test = rl["test_acc"][-1]
    test_course, test_tenths = tenths_course(rl["test_loss"])
    train_course, train_tenths = tenths_course(rl["train_loss"])

    # the true-label net of the next section
    depths = mlp_depth(pm, io[0], io[-1])
    true_net = by(pm, "width", max(rlc["widths"]))
    true_runs = true_net["runs"]
    true_train_min = min(r["train_acc"] for r in true_runs)

    # the controls
    ctl = sorted(rl["control_levels"], key=lambda c: c["level"])
    levels = [c["level"] for c in ctl]
    names = [pct(lv, 0) for lv in levels]

    control_seeds = list(rl["control_seeds"])

    def per_seed(key):
        """Per level, the values of the control seeds in the order of control_seeds: seed s shares one
        initialization across the levels, so the trends follow each seed across them (paired)."""
        return [[by_seed[lv][s][key] for s in control_seeds] for lv in levels]
    by_seed = {}
    for lv in levels:
        runs = [c for c in rl["controls"] if c["level"] == lv]
        if not runs:
            raise ReportError("a control level of hw1_3_random_labels has no runs")
        held = sorted(c["seed"] for c in runs)
        if held != sorted(control_seeds):
            raise ReportError(f"control level {pct(lv, 0)} of hw1_3_random_labels holds the seeds {held}, not each "
                              f"of {control_seeds} once: rerun it")
        by_seed[lv] = {c["seed"]: c for c in runs}
    unfitted = [pct(c["level"], 0) for c in ctl if c["n_fitted"] < c["n_seeds"]]
    epochs = per_seed("epoch_reached_target")
    fitted = not unfitted and all(e is not None for lv in epochs for e in lv)
    test = per_seed("final_test_acc")
    top_test = test[-1]
    verbs_test = {"rises": "rises with the corruption", "falls": "falls with the corruption",
                  "unclear": "shows no clear trend with the corruption",
                  "seeds disagree": "shows no resolved trend with the corruption, as not every seed goes the way "
                                    "of the means",
                  "bent": "is not monotone in the corruption: a step against the sign of ρ separates the seeds, so "
                          "no overall direction is stated",
                  "few seeds": "shows no resolved trend with the corruption: the seeds of the first and last levels "
                               f"overlap, and {count(len(rl['control_seeds']))} seeds are too few to state an "
                               "overall direction they do not show"}
    test_trend = level_findings(levels, test, names, "levels", verbs_test, paired=True)
    epochs_found = epochs_findings(levels, epochs, names, len(rl["control_seeds"])) if fitted else None
    phase = (schedule_phase(rlc, schedule, epochs[0], [e for lv in epochs[1:] for e in lv]) if fitted
             else choose("none", {"none": ""}))
    corruption = corruption_findings(rl, rlc, classes, ctl)
    top_position = chance_position(top_test, chance)

    # the input controls (true labels)
    complete = [all(e is not None for e in lv) for lv in epochs]
    inputs = input_findings(rl, chance, epochs[0] if complete[0] else None,
                            epochs[-1] if complete[-1] else None, test[0], names[-1])
    inputs_fitted = all(k["fitted"].holds for k in inputs)
    noise_inputs = [k for k in inputs if k["name"] != "shuffled pixels"]           # no image left in the input
    noise_names = [k["name"] for k in noise_inputs]
    if not inputs_fitted:
        noise_speed = "unfitted"
    elif all(k["vs_true"].outcome == "lower" and k["vs_noise"].outcome == "lower" for k in noise_inputs):
        noise_speed = "faster"
    else:
        noise_speed = "other"
    input_rows = []
    for kind, k in zip(rl["input_kinds"], inputs):
        e = [c["epoch_reached_target"] for c in rl["input_controls"] if c["inputs"] == kind["inputs"]]
        input_rows.append([
            DISPLAY.get(kind["inputs"], kind["inputs"]),
            f"{fix(kind['epoch_reached_target']['mean'], 0)} ± {fix(kind['epoch_reached_target']['std'], 0)} "
            f"({span(e, lambda v: fix(v, 0))})" if k["fitted"].holds
            else f"{kind['n_fitted']} of {kind['n_seeds']} seeds in {rlc['epochs']}",
            fix(kind["seconds"]["mean"], 0), pct(kind["final_train_acc"]["mean"], 1),
            f"{pct(kind['final_test_acc']['mean'], 1)} ± {pct(kind['final_test_acc']['std'], 1)}"])

    rows = [[pct(c["level"], 0), pct(c["wrong_share"]["mean"], 1),
             f"{fix(c['epoch_reached_target']['mean'], 0)} ± {fix(c['epoch_reached_target']['std'], 0)} "
             f"({span(e, lambda v: fix(v, 0))})" if c["n_fitted"] == c["n_seeds"]
             else f"{c['n_fitted']} of {c['n_seeds']} seeds in {rlc['epochs']}",
             fix(c["seconds"]["mean"], 0), pct(c["final_train_acc"]["mean"], 1),
             f"{pct(c['final_test_acc']['mean'], 1)} ± {pct(c['final_test_acc']['std'], 1)}"]
            for c, e in zip(ctl, epochs)]

    return {
        # settings
        "model": rl["model"], "params": rl["params"], "classes": classes,
        "train_examples": rl["train_examples"], "label_seed": rlc["label_seed"],
        "label_agreement": rl["label_agreement"],
        "agreement_at_chance": claim(abs(rl["label_agreement"] - chance) < AGREEMENT_AT_CHANCE,
                                     f"chance: 1/{classes}", f"not chance, 1/{classes}",
                                     agreement=rl["label_agreement"], chance=chance),
        "test_labels": claim(rl["test_labels"] == "true", "Test labels stay true.",
                             "The test labels are permuted too.", test_labels=rl["test_labels"]),
        "batch": rlc["batch"], "schedule": schedule, "peak_lr": rlc["peak_lr"],
        "warmup_share": rlc["warmup_share"], "epochs": rlc["epochs"], "target_acc": rl["target_acc"],
        "control_train_examples": rl["control_train_examples"],
        "control_test_examples": rl["control_test_examples"],
        "control_seeds": len(rl["control_seeds"]), "min_trend_seeds": MIN_TREND_SEEDS, "level_names": names,
        "corruption": corruption["rule"], "corruption_checked": corruption["rule_checked"],
        "minutes": rl["seconds"] / 60,
        "table": {"header": ["corruption probability p", "wrong labels (measured, mean)",
                             f"epochs to {pct(rl['target_acc'], 0)} train acc (mean ± std, range)",
                             "wall time (s, 1 thread)", "train acc", "test acc (true labels)"],
                  "rows": rows},
        # the headline run
        "memorized": claim(reached is not None, "memorizes", epoch_reached_target=reached,
                           last_train_acc=rl["train_acc"][-1]),
        "reached_epoch": reached,
        "acc_at_reached": rl["train_acc"][at] if at is not None else None,
        "loss_at_reached": rl["train_loss"][at] if at is not None else None,
        "ends_at_chance": claim(
            abs(final_test - chance) < AT_CHANCE,
            f"Test accuracy on the true test labels ends at chance ({pct(final_test)}; "
            f"1/{classes} = {pct(chance, 0)})",
            f"Test accuracy ends at {pct(final_test)}, not at chance (1/{classes} = {pct(chance, 0)})",
            final_test_acc=final_test, chance=chance, tolerance=AT_CHANCE),
        "max_test_acc": max(rl["test_acc"]),
        "test_loss_course": choose(test_course, {
            "rises": f"rises overall from {fix(rl['test_loss'][0], 2)} to {fix(rl['test_loss'][-1], 1)} "
                     "(its mean over each tenth of the run rises from tenth to tenth)",
            "falls": f"falls overall from {fix(rl['test_loss'][0], 2)} to {fix(rl['test_loss'][-1], 1)} "
                     "(its mean over each tenth of the run falls from tenth to tenth)",
            "uneven": f"changes unevenly from {fix(rl['test_loss'][0], 2)} to {fix(rl['test_loss'][-1], 1)} "
                      "(its mean over each tenth of the run does not move the same way from tenth to tenth)"},
            tenth_means=test_tenths),
        "confidently_wrong": claim(
            rl["test_loss"][-1] > 2 * np.log(classes),
            f", far above the {fix(np.log(classes), 2)} of a uniform guess: the net becomes confidently wrong "
            "on the test images", "", final_test_loss=rl["test_loss"][-1], uniform_guess=float(np.log(classes))),
        "train_loss_course": choose(train_course, {
            "falls": "falls throughout (its mean over each tenth of the run falls from tenth to tenth)",
            "rises": "rises throughout (its mean over each tenth of the run rises from tenth to tenth)",
            "uneven": "does not fall throughout (its mean over each tenth of the run does not fall from every "
                      "tenth to the next)"},
            tenth_means=train_tenths),
        # the true-label net
        "true_net_named": claim(
            len(depths) == 1,
            f"the {depths[0] if depths else '?'}-hidden-layer width-{true_net['width']} MLP of the next section",
            depths=depths, params=[m["params"] for m in pm]),
        "true_net": {"width": true_net["width"], "depth": depths[0] if len(depths) == 1 else None,
                     "params": true_net["params"], "test_acc": true_net["test_acc"],
                     "test_accs": [r["test_acc"] for r in true_runs], "epochs": pmc["epochs"],
                     "train_acc_min": true_train_min},
        "noise_slower": noise_against_true(epochs[0], epochs[-1], names[-1], rl["control_train_examples"]),
        "headline_context": headline_context(rl, rlc, reached, depths[0] if len(depths) == 1 else None, pmc,
                                             true_train_min),
        # the controls
        "controls_fitted": claim(
            fitted, "every seed of every corruption level is fitted",
            f"not every seed of every corruption level is fitted within the schedule ({listing(unfitted)} not)",
            unfitted=unfitted),
        "fit_epochs": epochs_found,
        "schedule_phase": phase,
        "test_trend": test_trend,
        "first_level": names[0], "last_level": names[-1],
        "first_test": float(np.mean(test[0])), "last_test": float(np.mean(top_test)),
        "none_right": corruption["none_right"],
        "top_vs_chance": choose(top_position, {
            "at": f"at chance for every seed ({span(top_test, lambda v: pct(v, 1))} against 1/{classes})",
            "below": f"below chance for every seed, {span(top_test, lambda v: pct(v, 1))} against 1/{classes}",
            "above": f"above chance for every seed, {span(top_test, lambda v: pct(v, 1))} against 1/{classes}",
            "mixed": f"near chance for some seeds only, {span(top_test, lambda v: pct(v, 1))} against "
                     f"1/{classes}"},
            test_acc=top_test, chance=chance, tolerance=AT_CHANCE),
        "taught_wrong": claim(
            top_position == "below" and corruption["none_right"].holds,
            ": the net predicts the wrong classes it was taught", "",
            test_acc=top_test, label_agreement=corruption["none_right"].evidence["label_agreement"]),
        # the input controls
        "input_kinds": inputs,
        "inputs_fitted": claim(
            inputs_fitted, "every seed of every input control is fitted, as Zhang et al. fit them on CIFAR-10",
            "not every seed of every input control is fitted within the schedule",
            fitted=[k["fitted"].outcome for k in inputs]),
        "input_table": {"header": ["inputs (true labels)", f"epochs to {pct(rl['target_acc'], 0)} train acc "
                                   "(mean ± std, range)", "wall time (s, 1 thread)", "train acc",
                                   "test acc"],
                        "rows": input_rows},
        "conclusion": claim(
            reached is not None and fitted and test_trend["direction"].outcome == "falls",
            "The network fits whatever labels it is given; what it learns about the test images degrades with "
            "the share of noise, as Zhang et al. found.",
            "The controls do not reproduce the whole of Zhang et al.'s finding (a network that fits any labels "
            "while its test accuracy falls with the share of noise).",
            reached=reached, controls_fitted=fitted, test_direction=test_trend["direction"].outcome),
        "input_conclusion": choose(noise_speed, {
            "faster": "Pure noise as input is the easiest thing to memorize here: every seed of "
                      f"{listing(noise_names)} is fitted faster than the true labels, and far faster than real "
                      "images with random labels, as Arpit et al. (2017) observed for random inputs against random "
                      "labels. In both the labels say (almost) nothing about the inputs, so memorizing that many "
                      "arbitrary pairs is not slow in itself: here it is slow when the inputs are real images.",
            "other": "The network fits inputs without structure too: what it memorizes does not have to be an "
                     "image.",
            "unfitted": "The input controls do not all fit within the schedule: the network does not fit every kind "
                        "of input noise here."},
            noise=noise_names, vs_true=[k["vs_true"].outcome for k in noise_inputs],
            vs_noise=[k["vs_noise"].outcome for k in noise_inputs]),
        # the choice of schedule: earlier trials, not stored in results/ (the script's notes)
        "earlier_trials": claim(
            rlc["schedule"] != CONSTANT,
            f"The {schedule} schedule, the batch and the peak rate were chosen from earlier trials that are not "
            "in results/ and were not rerun by this script (the script's notes only): there, Adam at a constant "
            "1e-3 with batch 128 was near 65% training accuracy on the random labels after 130 epochs, and batch "
            "128 with a one-cycle peak of 2e-3 memorized too, in more wall time.",
            "", schedule=rlc["schedule"]),
    }
