"""Keskar et al. 2017 on their own terms: the replication of their network F1 on MNIST, small batch
(256) against large batch (10% of the training set), trained until the loss ceased to improve
(results/hw1_3_keskar.json).

Concludes: how the runs stopped (the rule made precise in hw1_3_keskar.py); Keskar et al.'s sharpness
phi (Metric 2.1, A = I, on the full training set, batch normalization in eval mode) of the large
against the small batch at eps = 1e-3 and 5e-4, with how far the seeds separate
(inference.compare), printed beside their Table 3 (F1: SB 1.23 +- 0.83 vs LB 205.14 +- 69.52 at
1e-3; 0.61 +- 0.27 vs 42.90 +- 17.14 at 5e-4) and Table 2 (training accuracy SB 99.66%, LB 99.92%):
whether our ratio of the means is within a factor of three of theirs and where our means fall
against their mean +- std; how much of phi the first-order part is at these fitted points; whether
both batch sizes ended at the same training loss (a confound Keskar et al. share); the generalization
gap they report (LB tests worse); and along training, at the checkpoints of equal training loss,
from which loss on phi and the top Hessian eigenvalue of every large-batch seed lie above every
small-batch seed (Keskar et al. observe that the two are alike early and separate as the loss falls).
"""
import math

import numpy as np

from common import inference
from common.claims import ReportError, choose, claim, fix, listing, mean_pm, pct, times

SOURCES = ["hw1_3_keskar"]
SIZES = ("small", "large")
FACTOR = 3.0                      # a ratio within this factor of Keskar et al.'s is "of their size"


def _eps(e):
    return f"{e:g}"


def _pm(values, decimals):
    return mean_pm(values, decimals)


def _acc_pm(values):
    return f"{pct(np.mean(values), 2)} ± {pct(np.std(values, ddof=1), 2)}"


def _separation(small, large):
    """The claim of one comparison of large- against small-batch values over the seeds."""
    c = inference.compare(large, small)
    outcome = "overlap" if not c["separated"] else "large above" if c["larger"] == "a" else "small above"
    return choose(outcome, {
        "large above": "every large-batch seed above every small-batch seed",
        "small above": "every small-batch seed above every large-batch seed",
        "overlap": f"the seeds overlap ({c['a_above_b']} of {len(large)} large-batch seeds above every small-batch "
                   f"seed, {c['b_above_a']} of {len(small)} small-batch seeds above every large-batch seed)",
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
        size_outcome = ("similar" if abs(math.log(factor)) <= math.log(FACTOR) else
                        "smaller" if factor < 1 else "larger")
        where = {}
        for size in SIZES:
            mean, (his_mean, his_std) = float(np.mean(values(size, key))), his[size]
            place = ("within" if abs(mean - his_mean) <= his_std else "above" if mean > his_mean else "below")
            where[size] = choose(place, {
                "within": f"within their mean ± std ({fix(his_mean, 2)} ± {fix(his_std, 2)})",
                "above": f"above their mean + std ({fix(his_mean + his_std, 2)})",
                "below": f"below their mean − std ({fix(his_mean - his_std, 2)})",
            }, ours=mean, theirs=his_mean, std=his_std)
        theirs = f"x{times(his['large'][0], his['small'][0])}"
        comparisons.append({
            "eps": _eps(e), "ratio": ours_ratio, "his_ratio": his_ratio,
            "seeds": _separation(values("small", key), values("large", key)),
            "ratio_size": choose(size_outcome, {
                "similar": f"within a factor of {FACTOR:g} of theirs ({theirs})",
                "smaller": f"x{times(his_ratio, ours_ratio)} smaller than theirs ({theirs})",
                "larger": f"x{times(ours_ratio, his_ratio)} larger than theirs ({theirs})",
            }, ours=ours_ratio, theirs=his_ratio, factor=factor),
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
    theirs = f"theirs: SB {pct(table['train_acc']['small'], 2)}, LB {pct(table['train_acc']['large'], 2)}"
    accuracy_order = choose(accuracy.outcome, {
        "large above": f"the large batch ends at the higher training accuracy ({accuracy}), as in their Table 2 "
                       f"({theirs})",
        "small above": f"the small batch ends at the higher training accuracy ({accuracy}), unlike their Table 2 "
                       f"({theirs})",
        "overlap": f"the training accuracies of the two batch sizes overlap ({accuracy}; {theirs})",
    }, **accuracy.evidence)
    test = _separation(values("small", "test_acc"), values("large", "test_acc"))
    test_gap = choose(test.outcome, {
        "small above": f"the small batch tests better, as Keskar et al. report: {test}",
        "large above": f"the large batch tests better, unlike Keskar et al.: {test}",
        "overlap": f"the test accuracies do not separate: {test}",
    }, **test.evidence)

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

    def separation_along(key, what):
        final_key = f"keskar_{_eps(e0)}" if key == "phi" else "top_eigenvalue"
        final = _separation(values("small", final_key), values("large", final_key))
        outcomes = [a[key].outcome for a in along] + [final.outcome]
        labels = [f"the checkpoint at loss ≤ {a['level']:g}" for a in along] + ["the final models"]
        apart = [o == "large above" for o in outcomes]
        first_apart = next((i for i, a in enumerate(apart) if all(apart[i:])), None)
        if first_apart == 0:
            outcome = "apart throughout"
        elif first_apart is None:
            outcome = "not apart at the end"
        else:
            outcome = "only at the end" if first_apart == len(labels) - 1 else "alike, then apart"
        above = f"{what} of every large-batch seed lies above every small-batch seed"
        start = first_apart or 0
        return choose(outcome, {
            "alike, then apart": f"{above} from {labels[start]} on, not at {listing(labels[:start])}",
            "only at the end": f"{above} only at the final models, not at {listing(labels[:-1])}",
            "apart throughout": f"{above} at every checkpoint ({listing(labels)})",
            "not apart at the end": f"{what} of the two batch sizes does not separate from some checkpoint to the end "
                                    f"(not at {listing([lab for lab, a in zip(labels, apart) if not a])})",
        }, outcomes=outcomes, labels=labels)
    if not along:
        raise ReportError("results/hw1_3_keskar.json holds no checkpoint that every run reached: rerun it")
    phi_along = separation_along("phi", f"φ (ε = {_eps(e0)})")
    eig_along = separation_along("eig", "λ_max")
    as_keskar = choose(phi_along.outcome == "alike, then apart", {
        True: "as Keskar et al. observe: small- and large-batch sharpness are alike early in training and separate as "
              "the loss falls",
        False: "Keskar et al. observe that small- and large-batch sharpness are alike early in training and separate "
               "as the loss falls; here φ does not follow that pattern over these checkpoints",
    }, along=phi_along.outcome)

    seconds = {size: float(np.mean([r["seconds"]["cpu"] for r in of[size]])) for size in SIZES}
    return {
        "width": k["width"], "paper_width": k["paper_width"], "params": k["params"], "depth": k["depth"],
        "train_examples": k["train_examples"], "small": batches["small"], "large": batches["large"],
        "lr": k["lr"], "n_seeds": len(seeds), "epsilons": [_eps(e) for e in eps_list], "eps0": _eps(e0),
        "keskar_iters": k["keskar_iters"], "lanczos_steps": k["lanczos_steps"], "target_acc": target,
        "patience": k["stop_rule"]["patience"], "improvement": k["stop_rule"]["improvement"],
        "max_epochs": k["stop_rule"]["max_epochs"], "batch_norm": k["batch_norm"],
        "loss_levels": [f"{level:g}" for level in k["loss_levels"]],
        "early_checks": [f"{f:g}" for f in k["early_checks"]],
        "stops_small": stop_text["small"], "stops_large": stop_text["large"], "stopped": stopped,
        "table": {"header": header, "rows": rows}, "comparisons": comparisons,
        "curvature": curvature, "same_loss": same_loss, "accuracy_order": accuracy_order, "test_gap": test_gap,
        "along_table": along_table, "phi_along": phi_along, "eig_along": eig_along, "as_keskar": as_keskar,
        "cpu_seconds_small": seconds["small"], "cpu_seconds_large": seconds["large"],
    }
