"""HW1-1, simulate a function: four ReLU MLPs of ~571 parameters (1, 2, 4 and 8 hidden layers) fit
sinc5, the square wave sgn_sin5 and the chirp over five seeds each (results/hw1_1_simulate.json),
at Adam rates chosen by a sweep on two tuning seeds of their own (results/hw1_1_simulate_tune.json).

What the section concludes, and how far the seeds support it: every ordering of two nets on a
function is judged on the seeds' final losses (common.inference.compare): either the ranges separate
(every seed of one ends below every seed of the other) or they overlap, and then the report gives
how many seeds of one lie below the other's best seed / above its worst. On the committed results
three of the 18 pairs separate on the reported seeds (sinc5: the wide shallow net below the three deeper
nets), and the sweep's tuning seeds at the same rates undo one of them (the deeper net reaches ~3e-6 on
sinc5 there), which the report says;
the lowest median changes with the function; on the square wave the deeper nets' seeds fall on
both sides of the shallow net's range. The reason the report would give if depth paid off on the
square wave (the number of linear pieces of a ReLU net can grow exponentially with depth but only
linearly with width: Montufar, Pascanu, Cho and Bengio 2014, "On the number of linear regions of
deep neural networks") is literature, not measured here; the report states it only when every
seed of a deeper net ends below every seed of the shallow one.

Public helpers for other findings (hw1_2_gradnorm compares its sinc5 run with the best net here):
median_final_loss(R, function, name) and best_net(R, C, function).
"""
import numpy as np

from common.claims import ReportError, by, cap, claim, count, fix, listing, num, pct, sci, times
from common.inference import compare

SOURCES = ["hw1_1_simulate", "hw1_1_simulate_tune"]

FORMULA = {"sinc5": "sin(5πx)/(5πx)", "sgn_sin5": "sgn(sin(5πx))", "chirp": "sin(4πx²)"}
SQUARE = "sgn_sin5"               # the square wave, whose half-periods the nets must draw
RIGHT_SIGN = 0.9                  # a half-period is drawn when this share of its points has the right sign
CLOSE = 1.25                      # a runner-up rate within this factor of the chosen one's score is "close"
SWEEP_SETTINGS = ("functions", "steps", "points", "seed", "architectures", "target_params", "schedule", "optimizer")


# ---------------------------------------------------------------------------- public helpers
def net_names(C):
    """The configured nets, shallowest first."""
    arch = C["hw1_1_simulate"]["architectures"]
    return sorted(arch, key=arch.get)


def model(R, function, name):
    """The results entry of one net on one function."""
    return by(R["hw1_1_simulate"]["functions"][function]["models"], "name", name)


def final_losses(R, function, name):
    """The final training MSE of every seed of one net on one function."""
    return [float(x) for x in model(R, function, name)["final_losses"]]


def median_final_loss(R, function, name):
    """The median over the seeds of one net's final training MSE on one function."""
    return float(np.median(final_losses(R, function, name)))


def best_net(R, C, function):
    """The name of the net with the lowest median final loss on `function` (ties: the shallower)."""
    return min(net_names(C), key=lambda name: median_final_loss(R, function, name))


def short(name):
    """'deep (4 hidden)' -> 'deep'."""
    return name.split(" (")[0]


# ---------------------------------------------------------------------------- comparisons
def versus(x, y):
    """How the final losses x and y of two nets on one function lie against each other's range
    (lower is better), from common.inference.compare on log10 losses. Two dicts, for x against y and
    for y against x: {"below": seeds below every seed of the other, "above": seeds above every
    seed of the other, "n": seeds, "separated": the ranges do not overlap, "lower": ends below
    the other on every seed, "p": permutation p of the difference of mean log10 losses}."""
    lx, ly = np.log10(np.asarray(x, dtype=float)), np.log10(np.asarray(y, dtype=float))
    up, down = compare(lx, ly), compare(-lx, -ly)
    x_vs = {"below": down["a_above_b"], "above": up["a_above_b"], "n": up["n_a"]}
    y_vs = {"below": down["b_above_a"], "above": up["b_above_a"], "n": up["n_b"]}
    for side in (x_vs, y_vs):
        side.update(separated=up["separated"], lower=bool(up["separated"] and side["below"] == side["n"]), p=up["p"])
    return x_vs, y_vs


def mse(x):
    return sci(x) if np.isfinite(x) else "inf"


def nets(names):
    """'the medium and deep nets' without the article: 'medium and deep nets' / 'deep net'."""
    return listing([short(n) for n in names]) + (" nets" if len(names) > 1 else " net")


def right_sign_shares(prediction, truth):
    """Per half-period of the square wave (a maximal run of one sign), the share of its points on
    which the prediction has the right sign."""
    truth = np.sign(np.asarray(truth, dtype=float))
    piece = np.concatenate([[0], np.cumsum(np.diff(truth) != 0)])
    sign = np.sign(np.asarray(prediction, dtype=float))
    return [float(np.mean(sign[piece == k] == truth[piece == k])) for k in range(piece.max() + 1)]


def half_periods_drawn(prediction, truth):
    """How many half-periods a prediction has the right sign on, on at least RIGHT_SIGN of their points."""
    return int(sum(share >= RIGHT_SIGN for share in right_sign_shares(prediction, truth)))


# ---------------------------------------------------------------------------- required consistency
def checks(R, C):
    """The consistency the section relies on, as required claims (findings() raises when one fails)."""
    res, cfg = R["hw1_1_simulate"], C["hw1_1_simulate"]
    tune, tunec = R["hw1_1_simulate_tune"], C["hw1_1_simulate_tune"]
    sim, arch, names = res["functions"], cfg["architectures"], net_names(C)
    n_seeds = len(res["seed_names"])
    complete = list(sim) == cfg["functions"] and all(
        sorted(m["name"] for m in sim[fn]["models"]) == sorted(arch) for fn in sim)
    per_seed = complete and res["seed_names"] == cfg["seed_names"] and all(
        m["seed_names"] == res["seed_names"] and len(m["final_losses"]) == m["final_loss"]["n"] == n_seeds
        for fn in sim for m in sim[fn]["models"])
    same_settings = all(tunec.get(k) == cfg.get(k) for k in SWEEP_SETTINGS)
    rates = {n: tune["architectures"][n]["chosen_lr"] for n in names if n in tune["architectures"]}
    used = complete and len(rates) == len(names) and all(
        model(R, fn, n)["lr"] == cfg["learning_rates"][n] == rates[n] for fn in sim for n in names)
    lowest = all(tune["architectures"][n]["chosen_lr"] == min(tune["architectures"][n]["rates"],
                                                              key=lambda row: row["score"])["lr"]
                 for n in tune["architectures"])
    return {
        "complete": claim(complete, "the results hold every configured model and function",
                          functions=list(sim), configured=cfg["functions"]),
        "per_seed": claim(per_seed, "every (model, function) has one final loss per configured seed",
                          seed_names=res["seed_names"], configured=cfg["seed_names"]),
        "sweep_settings": claim(same_settings, "the sweep used the settings of the reported runs",
                                differ=[k for k in SWEEP_SETTINGS if tunec.get(k) != cfg.get(k)]),
        "rates_used": claim(used, "the reported runs use the rates the sweep chose", chosen=rates,
                            configured=cfg["learning_rates"]),
        "chosen_lowest": claim(lowest, "each chosen rate has the lowest score of its sweep", chosen=rates),
    }


def require(found):
    for name, c in found.items():
        if not c.holds:
            raise ReportError(f"claim no longer holds: {c.phrasings[True]!r} ({name}; evidence {c.evidence})")


# ---------------------------------------------------------------------------- findings
class Nets:
    """The final losses of every net on every function, and every pair's comparison over the seeds."""

    def __init__(self, R, C):
        self.R, self.names = R, net_names(C)
        self.shallow, self.deeper = self.names[0], self.names[1:]
        self.functions = list(R["hw1_1_simulate"]["functions"])
        self.n_seeds = len(R["hw1_1_simulate"]["seed_names"])
        self.fl = {(fn, n): final_losses(R, fn, n) for fn in self.functions for n in self.names}
        self.med = {(fn, n): median_final_loss(R, fn, n) for fn in self.functions for n in self.names}
        arch = R["hw1_1_simulate_tune"]["architectures"]
        self.rates = {n: arch[n]["chosen_lr"] for n in self.names}
        self.tl = {(fn, n): [float(x) for x in by(arch[n]["rates"], "lr", arch[n]["chosen_lr"])["final_loss"][fn]]
                   for fn in self.functions for n in self.names}
        self.vs = {}
        for fn in self.functions:
            for i, a in enumerate(self.names):
                for b in self.names[i + 1:]:
                    self.vs[fn, a, b], self.vs[fn, b, a] = versus(self.fl[fn, a], self.fl[fn, b])

    def range(self, fn, n):
        return f"[{mse(min(self.fl[fn, n]))}, {mse(max(self.fl[fn, n]))}]"

    def range_all(self, fn, n):
        values = self.fl[fn, n] + self.tl[fn, n]
        return f"[{mse(min(values))}, {mse(max(values))}]"

    def cell(self, fn, n):
        return f"{mse(self.med[fn, n])} {self.range(fn, n)}"

    def ranked(self, fn):
        return sorted(self.names, key=lambda n: self.med[fn, n])

    def beaten_by(self, fn, a):
        """The nets that `a` ends below on every seed."""
        return [o for o in self.names if o != a and self.vs[fn, a, o]["lower"]]

    def unseparated_with_tuning(self, fn, a):
        """The nets that `a` ends below on every reported seed but not once the sweep's tuning seeds
        at the same rates (the seeds that picked those rates) are added to both sides."""
        return [o for o in self.beaten_by(fn, a)
                if not max(self.fl[fn, a] + self.tl[fn, a]) < min(self.fl[fn, o] + self.tl[fn, o])]

    def overlaps(self, fn, a):
        """The nets whose seed range overlaps that of `a`."""
        return [o for o in self.names if o != a and not self.vs[fn, a, o]["separated"]]


def findings(R, C, P, T):
    checked = checks(R, C)
    require(checked)
    res, cfg = R["hw1_1_simulate"], C["hw1_1_simulate"]
    S = Nets(R, C)
    names, functions = S.names, S.functions
    any_fn = functions[0]
    models_table = {
        "header": ["model", "layers", "params",
                   f"{cap(cfg['optimizer'])} lr ({cfg['schedule']} schedule; from the sweep below)"],
        "rows": [[n, "-".join(map(str, [1, *model(R, any_fn, n)["widths"], 1])), num(model(R, any_fn, n)["params"]),
                  sci(cfg["learning_rates"][n], 1)] for n in names]}
    params = [model(R, fn, n)["params"] for fn in functions for n in names]
    xs = res["x_plot"]
    sep_best = {fn: [n for n in names if len(S.beaten_by(fn, n)) == len(names) - 1] for fn in functions}

    def median_seed_loss(fn, n):
        m = model(R, fn, n)
        return m["final_losses"][m["seed_names"].index(m["median_seed"])]
    median_run_exact = all(median_seed_loss(fn, n) == S.med[fn, n] for fn in functions for n in names)
    return {
        "checks": checked,
        "n_models": len(names),
        "params_low": min(params), "params_high": max(params), "target_params": cfg["target_params"],
        "models_table": models_table,
        "functions_text": listing([f"{fn} = {FORMULA[fn]}" for fn in functions]),
        "points": cfg["points"], "interval": f"[{min(xs):g}, {max(xs):g}]",
        "optimizer": cap(cfg["optimizer"]), "steps": cfg["steps"],
        "n_seeds": S.n_seeds, "seed_names": res["seed_names"], "base_seed": cfg["seed"],
        "sweep": sweep(R, C, names),
        "final_table": {"header": ["function", *map(short, names)],
                        "rows": [[fn, *[f"**{S.cell(fn, n)}**" if n in sep_best[fn] else S.cell(fn, n) for n in names]]
                                 for fn in functions]},
        "separated_best": claim(any(sep_best.values()),
                                "; in bold, a net that ends below every other net on every seed",
                                " (no net ends below every other net on every seed of a function)", best=sep_best),
        "median_run": claim(median_run_exact, "the run whose final loss is the median",
                            "the run nearest the median final loss",
                            median_seeds={(fn, n): model(R, fn, n)["median_seed"] for fn in functions for n in names}),
        "square": square_wave(S),
        "sinc5": top_line(S, "sinc5"),
        "sinc5_tuning": tuning_seeds_agree(S, "sinc5"),
        "chirp": top_line(S, "chirp"),
        "chirp_tuning": tuning_seeds_agree(S, "chirp"),
        "pairs": pairs(S),
    }


def sweep(R, C, names):
    """The learning-rate sweep: the score table, which nets it went on beyond the grid for, whether a
    chosen rate still sits at an end of the rates tried, how close the runner-up rates come, and
    that its initializations are not the reported ones."""
    res, tune = R["hw1_1_simulate"], R["hw1_1_simulate_tune"]
    grid, arch = tune["lr_grid"], tune["architectures"]
    chosen = {n: arch[n]["chosen_lr"] for n in names}
    tried = {n: sorted(r["lr"] for r in arch[n]["rates"]) for n in names}
    columns = sorted({lr for n in names for lr in tried[n]})

    def score(n, lr):
        return by(arch[n]["rates"], "lr", lr)["score"]

    def cell(n, lr):
        if lr not in tried[n]:
            return "-"
        return f"**{mse(score(n, lr))}**" if lr == chosen[n] else mse(score(n, lr))

    def runner_up(n):
        scores = sorted(r["score"] for r in arch[n]["rates"])
        return scores[1] / scores[0]

    def tuning_seeds(n):
        counts = [len(v) for lr in tried[n] for v in by(arch[n]["rates"], "lr", lr)["final_loss"].values()]
        return str(min(counts)) if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
    def per_function(n, fn):
        """{rate: geometric mean over the tuning seeds of the final loss on fn}."""
        return {r["lr"]: float(np.exp(np.mean(np.log(r["final_loss"][fn])))) for r in arch[n]["rates"]}

    elsewhere = []                                        # (net, function, better rate, factor)
    for fn in tune["functions"]:
        for n in names:
            scores = per_function(n, fn)
            better = min(scores, key=scores.get)
            if scores[chosen[n]] / scores[better] >= CLOSE:
                at = {r["lr"]: r["final_loss"][fn] for r in arch[n]["rates"]}
                every_seed = (len(at[chosen[n]]) == len(at[better])                   # seed i against seed i
                              and all(c > b for c, b in zip(at[chosen[n]], at[better])))
                elsewhere.append((n, fn, better, scores[chosen[n]] / scores[better], every_seed))
    edge = [n for n in names if chosen[n] in (tried[n][0], tried[n][-1])]
    beyond = {n: [lr for lr in tried[n] if lr not in grid] for n in names}
    beyond = {n: rates for n, rates in beyond.items() if rates}
    close = [n for n in names if runner_up(n) < CLOSE]
    shared = sorted(set(tune["seeds"]) & set(res["seeds"]))
    shared_names = sorted(set(tune["seed_names"]) & set(res["seed_names"]))
    ladder = tune["lr_ladder"]
    return {
        "seed_names": tune["seed_names"], "optimizer": cap(C["hw1_1_simulate_tune"]["optimizer"]),
        "grid": "{" + ", ".join(sci(lr, 1) for lr in grid) + "}",
        "ladder": f"{sci(ladder[0], 1)} to {sci(ladder[-1], 1)}",
        "n_functions": len(tune["functions"]),
        "table": {"header": ["model", *[f"lr {sci(lr, 1)}" for lr in columns], "tuning seeds per function"],
                  "rows": [[short(n), *[cell(n, lr) for lr in columns], tuning_seeds(n)] for n in names]},
        "disjoint": claim(not shared and not shared_names,
                          f"disjoint from the reported ones: the {num(len(tune['seeds']))} initializations of the "
                          f"sweep share none with the {num(len(res['seeds']))} reported ones",
                          shared=shared, shared_names=shared_names),
        "beyond": claim(beyond,
                        "The grid's best rate was at one of its ends for the "
                        + nets(list(beyond)) + ", so the sweep went on to "
                        + listing([f"{', '.join(sci(lr, 1) for lr in rates)} for the {short(n)} net"
                                   for n, rates in beyond.items()]) + ".",
                        "Every net's best rate of the grid lies inside it.", beyond=beyond),
        "edge": claim(edge, f"The chosen rate is still at an end of the rates tried for the {nets(edge)} "
                            f"({', '.join(f'{short(n)} {sci(chosen[n], 1)}' for n in edge)})"
                            + (", the end of the ladder" if all(chosen[n] in (ladder[0], ladder[-1]) for n in edge)
                               else "") + ": a rate outside it might score lower.",
                      "Every chosen rate has a rate on each side of it that scores worse.",
                      chosen=chosen, tried=tried),
        "runner_up": listing([f"{fix(runner_up(n), 1)}x ({short(n)})" for n in names]),
        "one_rate": claim(
            not elsewhere,
            f"On the sweep's seeds each chosen rate is also within {round(100 * (CLOSE - 1))}% of the best of "
            "the rates tried on every function.",
            f"One rate per net serves all {count(len(tune['functions']))} functions, so a comparison on one function "
            "need not be at each net's best rate for it: on the geometric mean of the sweep's seeds another rate the "
            f"sweep tried ends lower by {round(100 * (CLOSE - 1))}% or more for "
            + listing([f"the {short(n)} net on {fn} ({sci(lr, 1)}: {times(f, 1)}x lower; "
                       + ("lower on every tuning seed" if every else "not on every tuning seed") + ")"
                       for n, fn, lr, f, every in elsewhere])
            + ".", elsewhere=elsewhere, within=CLOSE),
        "close": claim(close, f"; for the {nets(close)} the two are within {round(100 * (CLOSE - 1))}%", "",
                       runner_up={n: runner_up(n) for n in names}, within=CLOSE),
    }


def square_wave(S):
    """Depth on the square wave: do the deeper nets end below the shallow one on every seed, where
    do their seeds lie against its range, and how many half-periods does each net draw."""
    sq, shallow, deeper, names = SQUARE, S.shallow, S.deeper, S.names
    deeper_wins = [n for n in deeper if S.vs[sq, n, shallow]["lower"]]
    wins_shallow, overlapping = S.beaten_by(sq, shallow), S.overlaps(sq, shallow)
    best = S.ranked(sq)[0]
    sides = {short(n): (S.vs[sq, n, shallow]["below"], S.vs[sq, n, shallow]["above"]) for n in deeper}
    both_sides = all(b > 0 and a > 0 and a + b == S.n_seeds for b, a in sides.values())
    spread = max(S.fl[sq, shallow]) / min(S.fl[sq, shallow])
    counts = f"{listing([f'{n} {b}/{a}' for n, (b, a) in sides.items()])}, of {S.n_seeds}"
    rates = listing([f"{short(n)} {sci(S.rates[n], 1)}" for n in deeper])
    own = f"the {short(shallow)} net's own seeds lie within a factor {fix(spread, 1)} of each other"
    truth = S.R["hw1_1_simulate"]["functions"][sq]["truth"]
    pieces = half_periods_drawn(truth, truth)
    shares = {n: [right_sign_shares(p, truth) for p in model(S.R, sq, n)["predictions"]] for n in names}
    drawn = {n: [sum(share >= RIGHT_SIGN for share in seed) for seed in shares[n]] for n in names}
    missing = [n for n in names if min(drawn[n]) < pieces]
    # a half-period missed whole: the right sign on at most 1 - RIGHT_SIGN of its points (1e-9: 1 - 0.9 rounds
    # below 0.1)
    whole = [n for n in names if any(share <= 1 - RIGHT_SIGN + 1e-9 for seed in shares[n] for share in seed)]
    partly = [n for n in missing if n not in whole]
    plotted = len(truth)
    wins_ranges = ", ".join(f"{short(n)} {S.range(sq, n)}" for n in deeper_wins)
    return {
        "name": sq,
        "depth_pays": claim(
            deeper_wins,
            f"Depth pays off on the square wave {sq}: every seed of the {nets(deeper_wins)} ends below every seed "
            f"of the {short(shallow)} one ({wins_ranges}, against {S.range(sq, shallow)}); a ReLU net's number of "
            "linear pieces can grow exponentially with depth but only linearly with width (Montufar et al. 2014)",
            f"On the square wave {sq} no deeper net fits better than the {short(shallow)} one on every seed",
            deeper_wins=deeper_wins, sides=sides),
        "shallow_wins": claim(wins_shallow,
                              f"; the {short(shallow)} net ends below every seed of the {nets(wins_shallow)}", "",
                              beaten=wins_shallow),
        "overlap": claim(overlapping,
                         f"; the ranges of the {nets(overlapping)} overlap its range {S.range(sq, shallow)}", "",
                         overlapping=overlapping),
        "median": claim(best != shallow,
                        f", although the {short(best)} net has the lowest median ({mse(S.med[sq, best])}, "
                        f"{times(S.med[sq, shallow], S.med[sq, best])}x below the {short(shallow)} net's "
                        f"{mse(S.med[sq, shallow])})",
                        f", and its median is the lowest ({mse(S.med[sq, shallow])})",
                        medians={short(n): S.med[sq, n] for n in names}),
        "both_sides": claim(
            both_sides,
            f"Every deeper net has seeds on both sides of the {short(shallow)} net's range and none inside it "
            f"(below its best seed / above its worst: {counts}), while {own}: at this size the deeper nets, each "
            f"at its own rate ({rates}), fit the square wave well or badly by the seed and the {short(shallow)} net "
            f"(at {sci(S.rates[shallow], 1)}) does not; depth and rate are not separated here.",
            f"Seeds of the deeper nets below the {short(shallow)} net's best seed / above its worst: {counts}; "
            f"{own}.",
            sides=sides, spread=spread),
        "pieces": pieces, "right_sign": RIGHT_SIGN,
        "drawn": listing([f"{short(n)} {min(drawn[n])}" + (f"-{max(drawn[n])}" if max(drawn[n]) > min(drawn[n]) else "")
                          for n in names]),
        "missing": claim(missing,
                         (f"; on some seeds the {nets(whole)} miss whole half-periods (the right sign on at most "
                          f"{pct(1 - RIGHT_SIGN, 0)} of one's points), not just the sharpness of the jumps"
                          if whole else "")
                         + (f"{'; the' if whole else '; on some seeds the'} {nets(partly)} have the wrong sign on more "
                            f"than {pct(1 - RIGHT_SIGN, 0)} of a half-period's points" if partly else "")
                         + f" (counted on the {num(plotted)} points of the saved predictions)",
                         f": every net has the right sign on at least {pct(RIGHT_SIGN, 0)} of every half-period's "
                         f"points on every seed (counted on the {num(plotted)} points of the saved predictions); they "
                         "differ in how sharp their jumps are",
                         drawn=drawn, pieces=pieces, whole=whole, partly=partly),
    }


def tuning_seeds_agree(S, fn):
    """Whether the lead of the net with the lowest median on fn, where it separates on the reported
    seeds, survives adding the sweep's tuning seeds at the same rates."""
    top = S.ranked(fn)[0]
    broken = S.unseparated_with_tuning(fn, top)
    n_tune = len(S.tl[fn, top])
    detail = listing([f"the {short(o)} net at {listing([mse(x) for x in sorted(S.tl[fn, o])])}" for o in broken])
    overlap = "its range overlaps" if len(broken) == 1 else "their ranges overlap"
    return claim(not broken, "",
                 f"; but at the same rates the sweep's {count(n_tune)} tuning seeds (the seeds that picked those "
                 f"rates) put {detail}, and with them {overlap} "
                 f"the {short(top)} net's {S.range_all(fn, top)}: the lead holds on the {count(S.n_seeds)} reported "
                 "seeds only",
                 broken=broken, tuning={short(n): S.tl[fn, n] for n in S.names})


def top_line(S, fn):
    """The net with the lowest median on fn, and how far the seeds support its lead."""
    order = S.ranked(fn)
    top, rest = order[0], order[1:]
    name = f"wide {short(top)}" if top == S.shallow else short(top)
    closest = min(rest, key=lambda o: min(S.fl[fn, o]))
    beaten, overlapping = S.beaten_by(fn, top), S.overlaps(fn, top)

    def against(o):
        c = S.vs[fn, o, top]
        return (f"{short(o)} {S.range(fn, o)}: {c['above']} of {c['n']} seeds above the {short(top)} net's worst, "
                f"{c['below']} below its best")
    lead = (f"the {name} net has the lowest median ({mse(S.med[fn, top])}, "
            f"{times(S.med[fn, order[1]], S.med[fn, top])}x below the next median, the {short(order[1])} net's)")
    beats = f" and every one of its seeds ends below every seed of the {nets(beaten)}" if beaten else ""
    overlap = (f", but its range {S.range(fn, top)} overlaps that of the {nets(overlapping)} "
               f"({'; '.join(against(o) for o in overlapping)})")
    return claim(not overlapping,
                 f"the {name} net is the best on every reported seed: its worst seed ({mse(max(S.fl[fn, top]))}) "
                 "ends below "
                 f"the best seed of every other net (the closest, the {short(closest)} net's, "
                 f"{mse(min(S.fl[fn, closest]))})",
                 lead + beats + overlap, top=top, medians={short(n): S.med[fn, n] for n in S.names},
                 versus={short(o): S.vs[fn, o, top] for o in rest})


def pairs(S):
    """Every pair of nets on every function: in how many do the seed ranges separate."""
    all_pairs = [(fn, a, b) for fn in S.functions for i, a in enumerate(S.names) for b in S.names[i + 1:]]
    split = [f"on {fn} the {short(a)} net ends below the {nets(S.beaten_by(fn, a))}"
             for fn in S.functions for a in S.names if S.beaten_by(fn, a)]
    n_split = sum(S.vs[fn, a, b]["separated"] for fn, a, b in all_pairs)
    bests = {fn: short(S.ranked(fn)[0]) for fn in S.functions}
    undone = [f"{short(a)} below {short(o)} on {fn}" for fn in S.functions for a in S.names
              for o in S.unseparated_with_tuning(fn, a)]
    other = "other " if n_split else ""
    return {
        "n": len(all_pairs), "per_function": len(all_pairs) // len(S.functions), "separated": n_split,
        "best_varies": claim(len(set(bests.values())) > 1, "No depth has the lowest median on every function",
                             f"The {next(iter(bests.values()))} net has the lowest median on every function",
                             best=bests),
        "split": claim(split, ": " + "; ".join(split) + " on every seed", "", separated=n_split),
        "tuning": claim(not undone, " (the sweep's tuning seeds at the same rates agree)" if split else "",
                        f" (on the reported seeds only: with the sweep's tuning seeds at the same rates added, "
                        f"{listing(undone)} no longer {'holds' if len(undone) == 1 else 'hold'} on every seed)",
                        undone=undone),
        "rest_overlap": claim(n_split < len(all_pairs),
                              f"For every {other}pair the two ranges overlap, so {count(S.n_seeds)} seeds do not rank "
                              "them: the order of their medians could change with other seeds.", "",
                              separated=n_split, pairs=len(all_pairs)),
    }
