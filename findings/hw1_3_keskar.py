"""Keskar et al. 2017 on their own terms: the replication of their network F1 on MNIST, small batch
(256) against large batch (10% of the training set), trained until the loss ceased to improve
(results/hw1_3_keskar.json).

Concludes: how the runs stopped (the rule made precise in hw1_3_keskar.py); Keskar et al.'s sharpness
phi (Metric 2.1, A = I, on the full training set, batch normalization in eval mode) of the large
against the small batch at eps = 1e-3 and 5e-4, with how far the seeds separate
(inference.compare), printed beside their Table 3 (F1: SB 1.23 +- 0.83 vs LB 205.14 +- 69.52 at
1e-3; 0.61 +- 0.27 vs 42.90 +- 17.14 at 5e-4) and Table 2 (training accuracy SB 99.66%, LB 99.92%):
how many times smaller or larger our ratio of the means is than theirs, whether every pairing of seeds
falls short of it, how much the unequal final losses inflate it (the ratio at the checkpoint of nearest
equal loss), and where our means fall
against their mean +- std; how much of phi the first-order part is at these fitted points; whether
both batch sizes ended at the same training loss (a confound Keskar et al. share); the generalization
gap they report (LB tests worse); and along training, at the checkpoints of equal training loss,
at each checkpoint whether every small-batch seed is above, the seeds overlap, or every large-batch seed
is above (phi and the top Hessian eigenvalue), against Keskar et al.'s observation that the two are alike
early and separate as the loss falls.
"""
import math

import numpy as np

from common import inference
from common.claims import ReportError, choose, claim, count, fix, listing, mean_pm, pct, span, times

SOURCES = ["hw1_3_keskar"]
SIZES = ("small", "large")
PAPER_SEEDS = 5                   # Keskar et al. 2017 ran 5 trials per configuration (hw1_3_keskar.py)


def _eps(e):
    return f"{e:g}"


def _pm(values, decimals):
    return mean_pm(values, decimals)


def _acc_pm(values):
    return f"{pct(np.mean(values), 2)} ± {pct(np.std(values, ddof=1), 2)}"


def _separation(small, large, bare=False):
    """The claim of one comparison of large- against small-batch values over the seeds (bare: the
    overlap's counts without parentheses, for use inside parentheses)."""
    c = inference.compare(large, small)
    outcome = "overlap" if not c["separated"] else "large above" if c["larger"] == "a" else "small above"
    return choose(outcome, {
        "large above": "every large-batch seed above every small-batch seed",
        "small above": "every small-batch seed above every large-batch seed",
        "overlap": f"the seeds overlap{', ' if bare else ' ('}{c['a_above_b']} of {len(large)} large-batch seeds "
                   f"above every small-batch seed, {c['b_above_a']} of {len(small)} small-batch seeds above every "
                   f"large-batch seed{'' if bare else ')'}",
    }, **c)


def findings(R, C, P, T):
    k = R["hw1_3_keskar"]
    runs, seeds, eps_list, table = k["runs"], k["seeds"], list(k["epsilons"]), k["keskar_table"]
    e0 = eps_list[0]
    batches = k["batches"]
    of = {size: sorted((r for r in runs if r["size"] == size), key=lambda r: r["seed"]) for size in SIZES}
    for size in SIZES:
        if [r["seed"] for r in of[size]] != sorted(seeds):
            raise ReportError(f"results/hw1_3_keskar.json does not hold every seed once at the {size} batch: rerun it")

    def values(size, key):
        return [float(r[key]) for r in of[size]]

    # how the runs stopped
    stops = {size: {s: sum(r["stop"] == s for r in of[size]) for s in ("accuracy", "no improvement", "cap")}
             for size in SIZES}
    capped = [f"{r['seed']} at batch {r['batch']}" for r in runs if r["stop"] == "cap"]
    capped_text = listing(capped) if len(capped) <= 3 else f"{len(capped)} of the {len(runs)} runs"
    target = k["stop_rule"]["target_acc"]
    stop_text = {size: listing([f"{n} by {'accuracy' if s == 'accuracy' else s}" for s, n in stops[size].items() if n])
                 for size in SIZES}
    stopped = claim(not capped, f"No run reached the cap of {k['stop_rule']['max_epochs']} epochs.",
                    f"{capped_text} reached the cap of {k['stop_rule']['max_epochs']} epochs: "
                    f"{'that run was' if len(capped) == 1 else 'those runs were'} still improving when stopped.",
                    capped=capped)

    # the table beside Keskar et al.'s
    def ours(size, key, fmt):
        return fmt(values(size, key))

    def ratio(key):
        return times(np.mean(values("large", key)), np.mean(values("small", key)))
    rows = [["training accuracy (Table 2)", ours("small", "train_acc", _acc_pm), pct(table["train_acc"]["small"], 2),
             ours("large", "train_acc", _acc_pm), pct(table["train_acc"]["large"], 2), "", ""]]
    for e in eps_list:
        key = f"keskar_{_eps(e)}"
        his = table["phi"][_eps(e)]
        rows.append([f"φ, ε = {_eps(e)} (Table 3)", ours("small", key, lambda v: _pm(v, 2)),
                     f"{fix(his['small'][0], 2)} ± {fix(his['small'][1], 2)}", ours("large", key, lambda v: _pm(v, 2)),
                     f"{fix(his['large'][0], 2)} ± {fix(his['large'][1], 2)}", f"x{ratio(key)}",
                     f"x{times(his['large'][0], his['small'][0])}"])
    first_key = f"first_order_{_eps(e0)}"
    def epochs(v):
        return f"{min(v):.0f}" if min(v) == max(v) else f"{min(v):.0f}-{max(v):.0f}"
    rows += [[f"its first-order part, ε = {_eps(e0)}", ours("small", first_key, lambda v: _pm(v, 2)), "",
              ours("large", first_key, lambda v: _pm(v, 2)), "", f"x{ratio(first_key)}", ""],
             ["top Hessian eigenvalue λ_max", ours("small", "top_eigenvalue", lambda v: _pm(v, 1)), "",
              ours("large", "top_eigenvalue", lambda v: _pm(v, 1)), "", f"x{ratio('top_eigenvalue')}", ""],
             ["training loss", ours("small", "train_loss", lambda v: _pm(v, 4)), "",
              ours("large", "train_loss", lambda v: _pm(v, 4)), "", f"x{ratio('train_loss')}", ""],
             ["test accuracy", ours("small", "test_acc", _acc_pm), "", ours("large", "test_acc", _acc_pm), "", "", ""],
             ["epochs", ours("small", "epochs", epochs), "", ours("large", "epochs", epochs), "", "", ""]]
    header = ["", f"SB {batches['small']}, ours (width {k['width']})", "SB 256, Keskar et al. (width 512)",
              f"LB {batches['large']}, ours", "LB 10%, Keskar et al.", "LB / SB, ours", "LB / SB, theirs"]

    # phi: large against small, against their ratios and spreads
    comparisons = []
    for e in eps_list:
        key = f"keskar_{_eps(e)}"
        his = table["phi"][_eps(e)]
        ours_ratio = float(np.mean(values("large", key)) / np.mean(values("small", key)))
        his_ratio = his["large"][0] / his["small"][0]
        factor = ours_ratio / his_ratio
        size_outcome = "smaller" if factor < 1 else "larger" if factor > 1 else "equal"
        pairs = [lv / sv for lv in values("large", key) for sv in values("small", key)]
        pairs_text = f"x{times(min(pairs), 1)} to x{times(max(pairs), 1)}"
        pair_outcome = ("all short" if max(pairs) < his_ratio else "all beyond" if min(pairs) > his_ratio
                        else "straddle")
        where = {}
        for size in SIZES:          # our seeds' range against their mean ± std (our mean alone turned with the CPU)
            seeds_, (his_mean, his_std) = values(size, key), his[size]
            low, high = float(min(seeds_)), float(max(seeds_))
            inside = sum(his_mean - his_std <= v <= his_mean + his_std for v in seeds_)
            place = ("above" if low > his_mean + his_std else "below" if high < his_mean - his_std else
                     "within" if inside else "straddle")
            ours_text = f"({fix(low, 2)} to {fix(high, 2)})"
            where[size] = choose(place, {
                "within": f"{ours_text} reach into their mean ± std ({fix(his_mean, 2)} ± {fix(his_std, 2)}): "
                          f"{count(inside)} of {count(len(seeds_))} inside",
                "straddle": f"{ours_text} lie on both sides of their mean ± std ({fix(his_mean, 2)} ± "
                            f"{fix(his_std, 2)}), none inside",
                "above": f"{ours_text} all lie above their mean + std ({fix(his_mean + his_std, 2)})",
                "below": f"{ours_text} all lie below their mean − std ({fix(his_mean - his_std, 2)})",
            }, ours=[float(v) for v in seeds_], theirs=his_mean, std=his_std)
        theirs = f"x{times(his['large'][0], his['small'][0])}"
        comparisons.append({
            "eps": _eps(e), "ratio": ours_ratio, "his_ratio": his_ratio,
            "seeds": _separation(values("small", key), values("large", key)),
            "ratio_size": choose(size_outcome, {
                "equal": f"theirs ({theirs})",
                "smaller": f"x{times(his_ratio, ours_ratio)} smaller than theirs ({theirs})",
                "larger": f"x{times(ours_ratio, his_ratio)} larger than theirs ({theirs})",
            }, ours=ours_ratio, theirs=his_ratio, factor=factor),
            "pairs": choose(pair_outcome, {
                "all short": f"every pairing of a large- with a small-batch seed falls short of theirs ({pairs_text})",
                "all beyond": f"every pairing of a large- with a small-batch seed exceeds theirs ({pairs_text})",
                "straddle": f"the pairings of a large- with a small-batch seed range over theirs ({pairs_text})",
            }, pairs=pairs, theirs=his_ratio),
            "small_place": where["small"], "large_place": where["large"]})

    # what phi is at these points
    shares = [r[f"first_order_{_eps(e0)}"] / r[f"keskar_{_eps(e0)}"] for r in runs]
    curvature = claim(max(shares) < 0.5,
                      f"the first-order part is at most {pct(max(shares), 0)} of φ at ε = {_eps(e0)} for every run: at "
                      f"these fitted points φ measures mostly curvature",
                      f"the first-order part is more than half of φ at ε = {_eps(e0)} for some runs (up to "
                      f"{pct(max(shares), 0)})", largest=max(shares))

    # the confounds: final training loss, training accuracy; and the generalization gap
    final_loss = _separation(values("small", "train_loss"), values("large", "train_loss"))
    same_loss = choose(final_loss.outcome, {
        "large above": f"The two batch sizes did not end at the same training loss: the large batch's is "
                       f"x{ratio('train_loss')} the small batch's ({final_loss})",
        "small above": f"The two batch sizes did not end at the same training loss: the small batch's is "
                       f"x{times(np.mean(values('small', 'train_loss')), np.mean(values('large', 'train_loss')))} "
                       f"the large batch's ({final_loss})",
        "overlap": f"The final training losses of the two batch sizes overlap ({final_loss})",
    }, **final_loss.evidence)
    accuracy = _separation(values("small", "train_acc"), values("large", "train_acc"))
    acc_means = (f"{pct(np.mean(values('small', 'train_acc')), 2)} vs "
                 f"{pct(np.mean(values('large', 'train_acc')), 2)}")
    acc_counts = (f"{accuracy.evidence['b_above_a']} of {len(seeds)} small-batch seeds above every large-batch seed, "
                  f"{accuracy.evidence['a_above_b']} of {len(seeds)} the other way")
    theirs = f"theirs: SB {pct(table['train_acc']['small'], 2)}, LB {pct(table['train_acc']['large'], 2)}"
    accuracy_order = choose(accuracy.outcome, {
        "large above": f"the large batch ends at the higher training accuracy ({accuracy}), as in their Table 2 "
                       f"({theirs})",
        "small above": f"the small batch ends at the higher training accuracy ({accuracy}), unlike their Table 2 "
                       f"({theirs})",
        "overlap": f"the training accuracies overlap ({acc_means}; {acc_counts}; {theirs})",
    }, **accuracy.evidence)
    test = _separation(values("small", "test_acc"), values("large", "test_acc"))
    acc_text = f"SB {pct(np.mean(values('small', 'test_acc')), 2)}, LB {pct(np.mean(values('large', 'test_acc')), 2)}"
    test_gap = choose(test.outcome, {
        "small above": f"by test accuracy the small batch tests better, as Keskar et al. report ({acc_text}; {test})",
        "large above": f"by test accuracy the large batch tests better, unlike Keskar et al. ({acc_text}; {test})",
        "overlap": f"the test accuracies do not separate ({acc_text}; {test})",
    }, **test.evidence)
    test_loss = _separation(values("small", "test_loss"), values("large", "test_loss"), bare=True)
    loss_text = (f"SB {fix(np.mean(values('small', 'test_loss')), 4)}, "
                 f"LB {fix(np.mean(values('large', 'test_loss')), 4)}")
    test_loss_claim = choose(test_loss.outcome, {
        "overlap": f"by test loss the two do not separate ({loss_text}; {test_loss})",
        "large above": f"by test loss the small batch tests better ({loss_text}; {test_loss})",
        "small above": f"by test loss the large batch tests better ({loss_text}; {test_loss})",
    }, **test_loss.evidence)
    gaps = {size: [r["test_loss"] - r["train_loss"] for r in of[size]] for size in SIZES}
    gap = _separation(gaps["small"], gaps["large"], bare=True)
    gap_text = f"SB {fix(np.mean(gaps['small']), 3)}, LB {fix(np.mean(gaps['large']), 3)}"
    loss_note = (f", though it ended at a x{ratio('train_loss')} higher training loss"
                 if final_loss.outcome == "large above" else "")
    gap_claim = choose(gap.outcome, {
        "small above": f"the test − train loss gap (the gap of the section above) is smaller for the large batch "
                       f"({gap_text}; {gap}){loss_note}",
        "large above": f"the test − train loss gap (the gap of the section above) is smaller for the small batch "
                       f"({gap_text}; {gap})",
        "overlap": f"the test − train loss gaps do not separate ({gap_text}; {gap})",
    }, **gap.evidence)

    # along training: the checkpoints at equal training loss
    def at_level(size, level, key):
        found = []
        for r in of[size]:
            points = [c for c in r["checkpoints"] if level in c["levels"]]
            if len(points) != 1:
                return None
            found.append(float(points[0][key]))
        return found
    along = []
    for level in k["loss_levels"]:
        small, large = at_level("small", level, f"keskar_{_eps(e0)}"), at_level("large", level, f"keskar_{_eps(e0)}")
        if small is None or large is None:
            continue
        small_eig, large_eig = at_level("small", level, "top_eigenvalue"), at_level("large", level, "top_eigenvalue")
        along.append({"level": level, "phi": _separation(small, large), "eig": _separation(small_eig, large_eig),
                      "row": [f"≤ {level:g}",
                              fix(np.mean(at_level("small", level, "train_loss")), 4),
                              _pm(small, 2), fix(np.mean(at_level("large", level, "train_loss")), 4), _pm(large, 2),
                              f"x{times(np.mean(large), np.mean(small))}", _pm(small_eig, 1), _pm(large_eig, 1)]})
    along_table = {"header": ["training loss", "SB: loss at the checkpoint", f"SB: φ (ε = {_eps(e0)})",
                              "LB: loss at the checkpoint", "LB: φ", "LB / SB", "SB: λ_max", "LB: λ_max"],
                   "rows": [a["row"] for a in along] + [
                       ["final", fix(np.mean(values("small", "train_loss")), 4),
                        _pm(values("small", f"keskar_{_eps(e0)}"), 2), fix(np.mean(values("large", "train_loss")), 4),
                        _pm(values("large", f"keskar_{_eps(e0)}"), 2), f"x{ratio(f'keskar_{_eps(e0)}')}",
                        _pm(values("small", "top_eigenvalue"), 1), _pm(values("large", "top_eigenvalue"), 1)]]}

    phi_key = f"keskar_{_eps(e0)}"
    SIDE = {"small above": "every small-batch seed above every large-batch seed",
            "overlap": "the seeds overlap",
            "large above": "every large-batch seed above every small-batch seed"}

    def separation_along(key, what):
        """Three outcomes at each checkpoint (small above / overlap / large above), and the pattern."""
        final_key = phi_key if key == "phi" else "top_eigenvalue"
        value_key = phi_key if key == "phi" else "top_eigenvalue"
        final = _separation(values("small", final_key), values("large", final_key))
        outcomes = [a[key].outcome for a in along] + [final.outcome]
        labels = [f"the checkpoint at loss ≤ {a['level']:g}" for a in along] + ["the final models"]
        ratios = [float(np.mean(at_level("large", a["level"], value_key)) /
                        np.mean(at_level("small", a["level"], value_key))) for a in along]
        ratios.append(float(np.mean(values("large", final_key)) / np.mean(values("small", final_key))))
        groups = []
        for label, o, q in zip(labels, outcomes, ratios):
            if groups and groups[-1][0] == o:
                groups[-1][1].append(label)
                groups[-1][2].append(q)
            else:
                groups.append((o, [label], [q]))
        detail = "; ".join(f"at {listing(labs)}, {SIDE[o]} (LB / SB {', '.join('x' + times(q, 1) for q in qs)})"
                           for o, labs, qs in groups)
        large_from = next((i for i in range(len(outcomes)) if all(o == "large above" for o in outcomes[i:])), None)
        if large_from == 0:
            outcome = "apart throughout"
        elif large_from is None:
            outcome = "not apart at the end"
        elif "small above" in outcomes[:large_from]:
            outcome = "crossed"
        elif "large above" in outcomes[:large_from]:
            outcome = "on and off"                        # apart at an early checkpoint, then not, then apart
        else:
            outcome = "alike, then apart"
        return choose(outcome, {
            "crossed": f"{what}: {detail}. The small batch is the sharper early on, the large batch from "
                       f"{labels[large_from or 0]} on: the two cross as the loss falls",
            "alike, then apart": f"{what}: {detail}. The seeds do not separate early and separate, the large batch "
                                 f"above, from {labels[large_from or 0]} on",
            "apart throughout": f"{what}: {detail}. The large batch is above at every checkpoint",
            "on and off": f"{what}: {detail}. The large batch is above on every seed from {labels[large_from or 0]} "
                          "on, and earlier at some checkpoints but not at others",
            "not apart at the end": f"{what}: {detail}. The large batch is not above on every seed at the end",
        }, outcomes=outcomes, labels=labels, ratios=ratios)
    if not along:
        raise ReportError("results/hw1_3_keskar.json holds no checkpoint that every run reached: rerun it")
    phi_along = separation_along("phi", f"φ (ε = {_eps(e0)})")
    eig_along = separation_along("eig", "λ_max")

    # each batch size's phi over the checkpoints and at the end (means)
    def path(size):
        means = [float(np.mean(at_level(size, a["level"], phi_key))) for a in along] + \
                [float(np.mean(values(size, phi_key)))]
        return means, " → ".join(fix(m, 1) for m in means)
    (small_path, small_text), (large_path, large_text) = path("small"), path("large")
    small_falls, large_rises = small_path[-1] < small_path[0], large_path[-1] > large_path[0]
    pattern = ("alike, then apart" if phi_along.outcome == "alike, then apart" else
               "second half" if phi_along.outcome == "crossed" and small_falls and large_rises else "other")
    as_keskar = choose(pattern, {
        "alike, then apart": "as Keskar et al. observe, small- and large-batch sharpness separate as the loss falls, "
                             "and early in training the seeds do not tell them apart (overlapping seeds, the most "
                             f"these seeds can say for their 'alike'; φ: SB {small_text}, LB {large_text})",
        "second half": "Keskar et al. observe that small- and large-batch sharpness are alike early in training and "
                       "separate as the loss falls. The second half holds here: as the loss falls, large-batch φ rises "
                       f"({large_text}) while small-batch φ falls ({small_text}). The first half does not: early on "
                       "the two are not alike, the small batch is the sharper",
        "other": "Keskar et al. observe that small- and large-batch sharpness are alike early in training and separate "
                 f"as the loss falls; here φ does not follow that pattern over these checkpoints (φ: SB {small_text}, "
                 f"LB {large_text})",
    }, along=phi_along.outcome, small=small_path, large=large_path)

    # the first checkpoint: the losses it is reached at, and how much of phi is first-order there
    first_level = along[0]["level"]
    first_loss = {size: at_level(size, first_level, "train_loss") for size in SIZES}
    first_shares = [f / p for size in SIZES for f, p in zip(at_level(size, first_level, f"first_order_{_eps(e0)}"),
                                                            at_level(size, first_level, phi_key))]
    first_point = claim(max(first_shares) <= 0.5,
                        f"at the checkpoint at loss ≤ {first_level:g} φ is mostly curvature (its first-order part "
                        f"{span(first_shares, lambda x: pct(x, 0))})",
                        f"at the checkpoint at loss ≤ {first_level:g} φ is largely first-order on some runs (its "
                        f"first-order part {span(first_shares, lambda x: pct(x, 0))}), so there it compares gradients "
                        "more than curvature",
                        shares=first_shares)
    first_losses = (f"the checkpoint at loss ≤ {first_level:g} is reached at "
                    f"SB {span(first_loss['small'], lambda x: fix(x, 2))}, "
                    f"LB {span(first_loss['large'], lambda x: fix(x, 2))}")

    # the checkpoint where the two batch sizes' mean training losses are nearest: phi's ratio there
    def mean_loss(size, level):
        return float(np.mean(at_level(size, level, "train_loss")))
    nearest = min(along, key=lambda a: abs(math.log(mean_loss("large", a["level"]) / mean_loss("small", a["level"]))))
    near_ratio = float(np.mean(at_level("large", nearest["level"], phi_key)) /
                       np.mean(at_level("small", nearest["level"], phi_key)))
    final_ratio = float(np.mean(values("large", phi_key)) / np.mean(values("small", phi_key)))
    all_short = all(c["ratio_size"].outcome == "smaller" for c in comparisons)
    near_text = (f"at the checkpoint of nearest equal loss (≤ {nearest['level']:g}: "
                 f"SB {fix(mean_loss('small', nearest['level']), 4)}, "
                 f"LB {fix(mean_loss('large', nearest['level']), 4)}) LB / SB φ at ε = {_eps(e0)} is "
                 f"x{times(near_ratio, 1)}, against x{times(final_ratio, 1)} at the end")
    loss_inflates = choose(
        ("short, inflated" if all_short else "inflated")
        if final_loss.outcome == "large above" and near_ratio < final_ratio else "not inflated", {
            "short, inflated": f"Both our ratios are below theirs, although the small batch was trained to a "
                               f"x{ratio('train_loss')} lower loss, which inflates ours: {near_text}",
            "inflated": f"The small batch was trained to a x{ratio('train_loss')} lower loss, which inflates our "
                        f"ratios: {near_text}",
            "not inflated": f"The ratio at the end is not inflated by the end losses: {near_text}",
        }, near=near_ratio, final=final_ratio, final_loss=final_loss.outcome, all_short=all_short)
    seconds = {size: float(np.mean([r["seconds"]["cpu"] for r in of[size]])) for size in SIZES}
    return {
        "width": k["width"], "paper_width": k["paper_width"], "params": k["params"], "depth": k["depth"],
        "train_examples": k["train_examples"], "small": batches["small"], "large": batches["large"],
        "lr": k["lr"], "n_seeds": len(seeds), "paper_seeds": PAPER_SEEDS, "epsilons": [_eps(e) for e in eps_list],
        "eps0": _eps(e0),
        "keskar_iters": k["keskar_iters"], "lanczos_steps": k["lanczos_steps"], "target_acc": target,
        "patience": k["stop_rule"]["patience"], "improvement": k["stop_rule"]["improvement"],
        "max_epochs": k["stop_rule"]["max_epochs"], "batch_norm": k["batch_norm"],
        "loss_levels": [f"{level:g}" for level in k["loss_levels"]],
        "early_checks": [f"{f:g}" for f in k["early_checks"]],
        "stops_small": stop_text["small"], "stops_large": stop_text["large"], "stopped": stopped,
        "table": {"header": header, "rows": rows}, "comparisons": comparisons,
        "curvature": curvature, "same_loss": same_loss, "accuracy_order": accuracy_order, "test_gap": test_gap,
        "along_table": along_table, "phi_along": phi_along, "eig_along": eig_along, "as_keskar": as_keskar,
        "test_loss": test_loss_claim, "loss_gap": gap_claim, "first_point": first_point,
        "first_losses": first_losses, "loss_inflates": loss_inflates,
        "cpu_seconds_small": seconds["small"], "cpu_seconds_large": seconds["large"],
    }
