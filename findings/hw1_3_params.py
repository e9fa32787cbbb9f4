"""HW1-3 "Number of parameters vs generalization": what the width sweep shows.

From results/hw1_3_params_mnist.json (MLPs of one shape, two hidden layers of width w over 2+
decades of parameter count, several seeds per width, final loss and accuracy on the full training
and test sets). Every ordering between widths is decided on the per-seed values (results
models[i].runs): trends over the widths are inference.level_trend (Spearman rho of width against the
mean over seeds, its interval from resampling each width's seeds, the steps where the means move
against the trend, the steps whose seeds separate), and pairwise orderings are inference.compare
(separated or overlapping, how many seeds of one lie above every seed of the other).

The section concludes that
  - test accuracy rises with width; the seeds separate the small widths but overlap at several
    steps among the large ones, and the best mean (the widest net at present) is not separated
    from the runner-up;
  - a seed that ends at chance level (a collapsed run, at present one seed of w = 2) is named;
  - the training loss falls with width up to its lowest mean and the generalization gap in loss
    (test − train, per seed) grows with size; every width trains the same number of epochs, so the
    narrow nets end at far higher training losses (under-fitted), a confound the section names with
    the two halves' training losses;
  - whether the largest net overfits in the classical sense is judged in both measures: in test
    accuracy (does some width have every seed above every seed of the largest; from which width on
    do the seeds of every two wider widths overlap, i.e. accuracy saturates) and in test loss (is the
    width of the lowest mean test loss separated from the largest by its seeds). With the present
    three seeds: none in accuracy, as the course slides expect (and as Neyshabur et al. 2015, "In
    search of the real inductive bias", observed for growing hidden layers), and not resolved in
    loss (lowest mean at a smaller width, seeds overlapping the largest's);
  - the differences between the largest nets are within the seed-to-seed spread.
The shape (inputs-w-...-w-outputs) is read from the parameter counts, which are a quadratic in w.
"""
import numpy as np

from common import inference, stats
from common.claims import ReportError, cap, choose, claim, count, fix, listing, num, pct, span, times
from findings.hw1_3_random_labels import level_findings

SOURCES = ["hw1_3_params_mnist"]
TOP = 5                    # the widths with the highest mean test accuracy compared at the end
COLLAPSED = 1.5            # a seed whose test accuracy is below this / classes has collapsed to chance


def shape_of(models):
    """(inputs, hidden layers, outputs) of MLPs inputs-w-...-w-outputs whose parameter counts
    (d - 1) w^2 + (inputs + d + outputs) w + outputs the models' widths and counts fit exactly;
    None when no such shape fits every model."""
    widths = np.array([m["width"] for m in models], dtype=float)
    counts = np.array([m["params"] for m in models], dtype=float)
    if len(set(widths)) < 3:
        return None
    a, b, c = (int(round(x)) for x in np.polyfit(widths, counts, 2))
    depth, outputs = a + 1, c
    inputs = b - depth - outputs
    fits = all(m["params"] == a * m["width"] ** 2 + b * m["width"] + c for m in models)
    return (inputs, depth, outputs) if fits and depth >= 1 and inputs >= 1 and outputs >= 1 else None


def apart(values, decimals=3, most=5):
    """The fewest decimals (from `decimals` up to `most`) at which the distinct `values` all print
    differently, so that no comparison prints two different numbers alike (0.0881 vs 0.0880, not
    0.088 vs 0.088); `most` when they do not."""
    distinct = sorted(set(float(v) for v in values))
    for d in range(decimals, most + 1):
        if len({fix(v, d) for v in distinct}) == len(distinct):
            return d
    return most


def versus(a, b, decimals=3, most=5):
    """'0.0881 vs 0.0880': two numbers with enough decimals to tell them apart; when they print alike
    even at `most` decimals, '0.088 vs 0.088 (equal at the printed precision)'."""
    d = apart([a, b], decimals, most)
    if fix(a, d) == fix(b, d):
        return f"{fix(a, decimals)} vs {fix(b, decimals)} (equal at the printed precision)"
    return f"{fix(a, d)} vs {fix(b, d)}"


def gap_range(values, decimals=3):
    """'−0.002 to 0.043': a range whose ends may be negative."""
    return f"{fix(min(values), decimals)} to {fix(max(values), decimals)}".replace("-", "−")


def findings(R, C, P, T):
    res, config = R["hw1_3_params_mnist"], C["hw1_3_params_mnist"]
    pm = sorted(res["models"], key=lambda m: m["params"])
    if len(pm) < 3:
        raise ReportError("hw1_3_params_mnist holds fewer than three widths")
    shape = shape_of(pm)
    inputs, depth, classes = shape if shape else (None, None, 10)
    seeds = res["seeds"]
    widths = [m["width"] for m in pm]
    complete = (sorted(widths) == sorted(config["widths"])
                and all(sorted(r["seed"] for r in m["runs"]) == sorted(config["seeds"]) for m in pm))

    def per_seed(key):
        return [[r[key] for r in m["runs"]] for m in pm]
    acc, train_loss, test_loss = per_seed("test_acc"), per_seed("train_loss"), per_seed("test_loss")
    gaps = [[r["test_loss"] - r["train_loss"] for r in m["runs"]] for m in pm]
    mean = {key: [float(np.mean(v)) for v in values]
            for key, values in (("acc", acc), ("train", train_loss), ("test", test_loss), ("gap", gaps))}
    names = [str(w) for w in widths]

    def trend(values, verbs):
        return level_findings(widths, values, names, "widths", verbs, prefix="w = ")

    # collapsed seeds
    threshold = COLLAPSED / classes
    collapsed = [(m, r) for m in pm for r in m["runs"] if r["test_acc"] < threshold]
    collapsed_text = listing([
        f"{r['seed']} of w = {m['width']} ends at {pct(r['test_acc'], 2)} test accuracy with a training loss of "
        f"{fix(r['train_loss'], 3)} (ln {classes} = {fix(np.log(classes), 3)} is that of a uniform guess), "
        f"where the other seeds of w = {m['width']} reach {span([o['test_acc'] for o in m['runs'] if o is not r], pct)}"
        for m, r in collapsed])

    # the best mean test accuracy, the runner-up, the wider nets
    order = np.argsort(mean["acc"], kind="stable")
    best, runner = int(order[-1]), int(order[-2])
    widest = len(pm) - 1
    bw, rw = pm[best]["width"], pm[runner]["width"]
    vs_runner = inference.compare(acc[best], acc[runner])

    def beats(i, j):
        """Every seed of width i above every seed of width j in test accuracy."""
        return stats.separated(acc[i], acc[j], lower_is_better=False)
    above_widest = [pm[i]["width"] for i in range(widest) if beats(i, widest)]
    # The outcome must not depend on which of several widths whose seeds overlap has the highest mean
    # (that turned with the machine), so it is read off the top tier: the widths no other width beats on
    # every seed. "alone": one width beats every other on every seed; "falls": a wider net lies below a
    # top-tier width on every seed (test accuracy falls past it); "tier": neither.
    top_tier = [i for i in range(len(pm)) if not any(beats(j, i) for j in range(len(pm)) if j != i)]
    falls_below = [(i, j) for i in top_tier for j in range(i + 1, len(pm)) if beats(i, j)]
    alone = len(top_tier) == 1 and all(beats(top_tier[0], j) for j in range(len(pm)) if j != top_tier[0])
    best_outcome = "falls" if falls_below else "alone" if alone else "tier"
    tier = [pm[i]["width"] for i in top_tier]
    fall_text = listing([f"w = {pm[j]['width']} below w = {pm[i]['width']}" for i, j in falls_below])

    # losses
    low_train, low_test = int(np.argmin(mean["train"])), int(np.argmin(mean["test"]))
    test_order = np.argsort(mean["test"], kind="stable")
    test_runner = int(test_order[1])
    vs_test_runner = inference.compare(test_loss[test_runner], test_loss[low_test])
    test_dec = apart([mean["test"][low_test], mean["test"][test_runner]])      # printed apart
    half = len(pm) // 2
    small_gaps = [g for values in gaps[:half] for g in values]
    big_gaps = [g for values in gaps[half:] for g in values]
    halves = inference.compare(big_gaps, small_gaps)
    gap_decimals = apart([min(small_gaps), max(small_gaps), min(big_gaps), max(big_gaps)])
    # the confound of the gap: every width trains the same epochs, so the narrow nets fit less
    small_train = [t for values in train_loss[:half] for t in values]
    big_train = [t for values in train_loss[half:] for t in values]
    small_train_means, big_train_means = mean["train"][:half], mean["train"][half:]
    underfit = inference.compare(small_train, big_train)
    lowest_train_mean = mean["train"][low_train]

    # classical overfitting of the largest net in test accuracy: from which width on do the seeds of
    # every two widths overlap (the accuracy saturates); None when the two widest already separate
    def plateau_from(values):
        start = len(values) - 1
        while start > 0 and not any(inference.compare(values[start - 1], values[j])["separated"]
                                    for j in range(start, len(values))):
            start -= 1
        return start
    plateau = plateau_from(acc)
    plateau_means = [mean["acc"][i] for i in range(plateau, len(pm))]
    # ... and in test loss: the width of the lowest mean test loss against the largest net
    lowest_vs_widest = inference.compare(test_loss[widest], test_loss[low_test])
    train_lower_at_widest = mean["train"][widest] < mean["train"][low_test]
    # its fit against that width's, read only where the seeds separate the training losses too
    fit_vs = inference.compare(train_loss[widest], train_loss[low_test])
    fit = "lower" if fit_vs["separated"] and fit_vs["larger"] == "b" else \
        "higher" if fit_vs["separated"] and fit_vs["larger"] == "a" else "overlapping"
    loss_outcome = ("widest" if low_test == widest else "overlapping" if not lowest_vs_widest["separated"]
                    else {"lower": "separated", "higher": "worse_fit", "overlapping": "fit_unresolved"}[fit])
    worse_test = (f"In test loss every seed of the largest net is higher (worse) than every seed of "
                  f"w = {widths[low_test]}, the width of the lowest mean "
                  f"({versus(mean['test'][widest], mean['test'][low_test])}, means)")
    train_means = f"{versus(mean['train'][widest], mean['train'][low_test])}, means"

    # the widest against the next narrower
    nxt = widest - 1
    ww, nw = pm[widest]["width"], pm[nxt]["width"]
    train_vs, test_vs = (inference.compare(train_loss[widest], train_loss[nxt]),
                         inference.compare(test_loss[widest], test_loss[nxt]))
    both_higher = train_vs["larger"] == "a" and test_vs["larger"] == "a"
    n_sep = train_vs["separated"] + test_vs["separated"]
    widest_outcome = ("not_worse" if not both_higher else "both_separated" if n_sep == 2
                      else "one_separated" if n_sep == 1 else "overlapping")
    means_text = (f"training loss {versus(mean['train'][widest], mean['train'][nxt])}, test loss "
                  f"{versus(mean['test'][widest], mean['test'][nxt])}, means")
    counts_text = (f"w = {ww} has {train_vs['a_above_b']} of its {train_vs['n_a']} seeds with a higher (worse) "
                   f"training loss than every w = {nw} seed and {test_vs['a_above_b']} of {test_vs['n_a']} with a "
                   f"higher (worse) test loss")

    # the top widths
    top = sorted(int(i) for i in order[-TOP:])
    top_steps = [(top[j], top[j + 1]) for j in range(len(top) - 1)]
    top_names = [f"w = {pm[i]['width']} → {pm[j]['width']}" for i, j in top_steps]
    top_sep = [inference.compare(acc[j], acc[i])["separated"] for i, j in top_steps]
    k_top = sum(top_sep)
    top_means = [mean["acc"][i] for i in top]

    return {
        # settings
        "models": len(pm), "dataset": res.get("dataset", config.get("dataset", "mnist")).upper(),
        "shape": claim(shape is not None,
                       "-".join([str(inputs), *["w"] * depth, str(classes)]) if shape else "",
                       widths=widths, params=[m["params"] for m in pm]),
        "width_set": "{" + ", ".join(names) + "}",
        "params_min": pm[0]["params"], "params_max": pm[-1]["params"],
        "decades": float(np.log10(pm[-1]["params"] / pm[0]["params"])),
        "lr": config["lr"], "batch": config["batch"], "epochs": config["epochs"], "seeds": len(seeds),
        "complete": claim(complete, "every configured width has one run per configured seed",
                          widths=widths, configured=config["widths"], seeds=config["seeds"]),
        # test accuracy
        "acc_trend": trend(acc, {"rises": "rises with width", "falls": "falls with width",
                                 "unclear": "shows no clear trend with width"}),
        "smallest": {"width": widths[0], "test_acc": mean["acc"][0]},
        "widest": {"width": ww, "test_acc": mean["acc"][widest], "params": pm[widest]["params"]},
        "collapsed": claim(
            bool(collapsed),
            f"{cap(count(len(collapsed), 'seed'))} collapsed to chance level (test accuracy under "
            f"{pct(threshold, 0)}): {collapsed_text}; the mean of that width averages a failed run with the others",
            f"No seed collapsed to chance level: every test accuracy is above {pct(threshold, 0)}",
            seeds=[(m["width"], r["seed"], r["test_acc"], r["train_loss"]) for m, r in collapsed], threshold=threshold),
        "best": choose(best_outcome, {
            "alone": f"The highest mean test accuracy is {pct(mean['acc'][best], 2)} at w = {bw} "
                     f"({num(pm[best]['params'])} params), every seed of it above every seed of every other width",
            "tier": f"The highest mean test accuracy is {pct(mean['acc'][best], 2)} at w = {bw} "
                    f"({num(pm[best]['params'])} params{'; the widest net' if best == widest else ''}), but the "
                    f"seeds do not single out a best width: no width lies above w = {listing(tier)} on every seed, "
                    "and no wider net below any of them",
            "falls": f"The highest mean test accuracy is {pct(mean['acc'][best], 2)} at w = {bw} "
                     f"({num(pm[best]['params'])} params), and test accuracy falls past the best widths: every "
                     f"seed of a wider net lies below every seed of a narrower top one ({fall_text})"},
            best=bw, tier=tier, falls_below=[(pm[i]["width"], pm[j]["width"]) for i, j in falls_below]),
        "best_vs_runner_up": claim(
            vs_runner["separated"],
            f"and every one of its seeds lies above every seed of the runner-up, w = {rw} "
            f"({pct(mean['acc'][runner], 2)}; permutation p = {fix(vs_runner['p'], 2)})",
            f"but its seeds overlap those of the runner-up, w = {rw} ({pct(mean['acc'][runner], 2)}): "
            f"w = {bw} has {vs_runner['a_above_b']} of its {vs_runner['n_a']} seeds above every w = {rw} seed and "
            f"w = {rw} {vs_runner['b_above_a']} of its {vs_runner['n_b']} above every w = {bw} seed (permutation "
            f"p = {fix(vs_runner['p'], 2)}), so the seeds do not rank them",
            best=acc[best], runner_up=acc[runner], **vs_runner),
        # losses
        "train_trend": trend(train_loss, {"rises": "rises with width", "falls": "falls with width",
                                          "unclear": "shows no clear trend with width"}),
        "lowest_train": {"width": widths[low_train], "loss": mean["train"][low_train]},
        "lowest_test": {"width": widths[low_test], "loss": mean["test"][low_test],
                        "printed": fix(mean["test"][low_test], test_dec)},
        "lowest_test_vs_runner_up": claim(
            vs_test_runner["separated"],
            f"every seed of it below every seed of the runner-up, w = {widths[test_runner]} "
            f"({fix(mean['test'][test_runner], test_dec)})",
            f"its seeds overlapping those of the runner-up, w = {widths[test_runner]} "
            f"({fix(mean['test'][test_runner], test_dec)}; w = {widths[test_runner]} has "
            f"{vs_test_runner['a_above_b']} of its {vs_test_runner['n_a']} seeds with a higher (worse) test loss than "
            f"every w = {widths[low_test]} seed, w = {widths[low_test]} {vs_test_runner['b_above_a']} of its "
            f"{vs_test_runner['n_b']} with a higher (worse) test loss than every w = {widths[test_runner]} seed)",
            lowest=test_loss[low_test], runner_up=test_loss[test_runner], **vs_test_runner),
        "gap_trend": trend(gaps, {"rises": "grows with size", "falls": "shrinks with size",
                                  "unclear": "does not change consistently with size"}),
        "gap_halves": claim(
            halves["separated"] and halves["larger"] == "a",
            f"every seed of the {count(len(pm) - half)} largest widths has a larger gap "
            f"({gap_range(big_gaps, gap_decimals)}) than every seed of the {count(half)} smallest "
            f"({gap_range(small_gaps, gap_decimals)})",
            f"the gaps of the {count(len(pm) - half)} largest widths ({gap_range(big_gaps, gap_decimals)}) and of the "
            f"{count(half)} smallest ({gap_range(small_gaps, gap_decimals)}) overlap: {halves['a_above_b']} of the "
            f"{len(big_gaps)} seeds of the largest have a larger gap than every seed of the smallest",
            big=big_gaps, small=small_gaps, **halves),
        "gap_confound": claim(
            underfit["separated"] and underfit["larger"] == "a",
            f"(but every width trains the same {config['epochs']} epochs, so the gap is compared at very different "
            f"training losses: the narrow nets are under-fitted, every seed of the {count(half)} smallest widths "
            f"ends at a higher training loss than every seed of the {count(len(pm) - half)} largest (means "
            f"{fix(min(small_train_means))} to {fix(max(small_train_means))} against {fix(min(big_train_means))} to "
            f"{fix(max(big_train_means))}, {times(min(small_train_means), lowest_train_mean)} to "
            f"{times(max(small_train_means), lowest_train_mean)} times the lowest mean, "
            f"{fix(lowest_train_mean, 4)} at w = {widths[low_train]}), and a net that fits neither set has "
            "little gap to show)",
            f"(every width trains the same {config['epochs']} epochs; the training losses of the {count(half)} "
            f"smallest widths (means {fix(min(small_train_means))} to {fix(max(small_train_means))}) overlap those "
            f"of the {count(len(pm) - half)} largest ({fix(min(big_train_means))} to {fix(max(big_train_means))}))",
            small=small_train, big=big_train, **underfit),
        "no_classical_overfit": claim(
            not above_widest,
            f"but the largest net (w = {ww}) pays no cost in test accuracy that the seeds resolve: no width has "
            f"every seed above every seed of it",
            f"and the largest net (w = {ww}) overfits in the classical sense: every seed of w = "
            f"{listing(above_widest)} has a higher test accuracy than every seed of it",
            widths_above_widest=above_widest),
        "saturation": claim(
            plateau < widest,
            f", and from w = {widths[plateau]} on they resolve no change in test accuracy: the seeds of every two "
            f"widths from w = {widths[plateau]} to w = {ww} overlap (means {pct(min(plateau_means), 2)} to "
            f"{pct(max(plateau_means), 2)})",
            f"; the seeds of the two largest widths, w = {nw} and w = {ww}, separate in test accuracy",
            plateau_from=widths[plateau], means=plateau_means),
        "loss_overfit": choose(loss_outcome, {
            "widest": f"The largest net also has the lowest mean test loss ({fix(mean['test'][widest], 4)}).",
            "overlapping": f"In test loss the largest net is higher (worse) than w = {widths[low_test]}, the width "
                           f"of the lowest mean ({versus(mean['test'][widest], mean['test'][low_test])}, means), "
                           f"while its training loss is {'lower' if train_lower_at_widest else 'not lower'} "
                           f"({versus(mean['train'][widest], mean['train'][low_test])}), but the seeds of the two "
                           f"overlap (w = {ww} has {lowest_vs_widest['a_above_b']} of its {lowest_vs_widest['n_a']} "
                           f"seeds with a higher test loss than every w = {widths[low_test]} seed, "
                           f"w = {widths[low_test]} {lowest_vs_widest['b_above_a']} of its {lowest_vs_widest['n_b']} "
                           f"with a higher test loss than every w = {ww} seed).",
            "separated": f"{worse_test}, while its training loss is lower on every seed ({train_means}).",
            "worse_fit": f"{worse_test}, but so is its training loss on every seed ({train_means}): it fits worse, "
                         "it does not overfit.",
            "fit_unresolved": f"{worse_test}, while the seeds do not order their training losses ({train_means}), "
                              "so overfitting and a worse fit are not told apart."},
            widest=test_loss[widest], lowest=test_loss[low_test], lowest_width=widths[low_test],
            train_lower_at_widest=train_lower_at_widest, fit=fit, **lowest_vs_widest),
        "overfit_verdict": choose((not above_widest, loss_outcome), {
            **{(True, o): f"So {count(len(seeds))} seeds resolve no classical overfitting in test accuracy (the "
                          f"slides expect none), " + text
               for o, text in {"widest": "nor in test loss, where the largest net has the lowest mean.",
                               "overlapping": "nor in test loss (the seeds overlap).",
                               "separated": "but overfitting in test loss.",
                               "worse_fit": "and a worse fit, not overfitting, in test loss.",
                               "fit_unresolved": "and a higher test loss they do not resolve as overfitting or a "
                                                 "worse fit.",
                               }.items()},
            **{(False, o): f"So {count(len(seeds))} seeds show classical overfitting in test accuracy, and " + text
               for o, text in {"widest": "none in test loss.",
                               "overlapping": "do not resolve it in loss.",
                               "separated": "in test loss too.",
                               "worse_fit": "a worse fit, not overfitting, in test loss.",
                               "fit_unresolved": "a higher test loss they do not resolve as overfitting or a worse "
                                                 "fit.",
                               }.items()}},
            accuracy_ok=not above_widest, loss=loss_outcome),
        "widest_vs_next": choose(widest_outcome, {
            "both_separated": f"The largest net (w = {ww}) ends worse than w = {nw} in both train and test loss "
                              f"({means_text}; every seed of it higher (worse) than every seed of w = {nw} in both) "
                              f"after the same {config['epochs']} epochs. ",
            "one_separated": f"The largest net (w = {ww}) ends with higher (worse) mean train and test losses than "
                             f"w = {nw} ({means_text}) after the same {config['epochs']} epochs, but its seeds "
                             f"separate in only one of the two ({counts_text}). ",
            "overlapping": f"The largest net (w = {ww}) ends with higher (worse) mean train and test losses than "
                           f"w = {nw} after the same {config['epochs']} epochs ({means_text}), but the seeds do not "
                           f"resolve either: they overlap in both ({counts_text}). ",
            "not_worse": ""},
            train=train_vs, test=test_vs),
        "top": {"count": len(top), "points": 100 * (max(top_means) - min(top_means)),
                "low": min(top_means), "high": max(top_means),
                "best_min": min(acc[best]), "best_max": max(acc[best])},
        "top_ranked": choose("all" if k_top == len(top_steps) else "none" if k_top == 0 else "some", {
            "all": "and the seeds rank them: the seeds of successive ones (by width) separate at every step",
            "some": f"and the seeds rank them only in part: successive ones (by width) separate at "
                    f"{count(k_top)} of their {count(len(top_steps))} steps "
                    f"({listing([s for s, sep in zip(top_names, top_sep) if sep])}) and overlap at "
                    f"{listing([s for s, sep in zip(top_names, top_sep) if not sep])}",
            "none": "and the seeds do not rank them: successive ones (by width) overlap at every step"},
            steps=top_names, separated=top_sep),
        "std_points": span([100 * float(stats.mean_std(v)[1]) for v in acc], lambda x: fix(x, 2)),
    }
