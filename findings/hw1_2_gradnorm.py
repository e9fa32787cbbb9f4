"""HW1-2 "Gradient norm during training": the gradient norm is not a measure of convergence.

From results/hw1_2_gradnorm.json (one MNIST run with minibatch losses and gradient norms, one
full-batch run of a deep net on the configured function) and results/hw1_1_simulate.json (the nets
of HW1-1 on the same function, for the loss a net of this size can reach). Conclusions:
  - on MNIST the minibatch gradient norm does not fall to zero while the loss falls: it rises to a
    peak and then stays near a level of the order of its initial value (minibatch noise);
  - on the full-batch function run the loss reaches its final plateau long before the gradient
    norm gets small, which happens only late, as the (cosine) learning rate decays;
  - the small final gradient does not mean a low loss: the final loss is far above that of the
    best HW1-1 net on the same function (every one of its seeds), and within the range of the same
    architecture's HW1-1 seeds. The end point is not called a minimum (no descent test was run,
    and ||g|| ~ 1e-4 is not a converged critical point), and the comparison names its confound:
    HW1-1 trained for other steps on other points.
One run per setting: the statements are about these runs, not about seeds.
"""
import numpy as np

from common.claims import ReportError, cap, choose, claim, count, fix, sci, times
from findings.hw1_1_simulate import best_net, final_losses, median_final_loss, model, net_names, short

SOURCES = ["hw1_2_gradnorm", "hw1_1_simulate"]
BAND = 1.05            # "within 5% of the final loss"
NOT_ZERO = 0.5         # the MNIST gradient norm does not go to zero: median of the second half above this x the first
DECAY = 10             # the function run's gradient gets small: last-tenth median below plateau median / this
WORSE = 2              # "a small gradient does not mean a good minimum": final loss above this x the best net's


def layers(widths):
    return "-".join(map(str, [1, *widths, 1]))


def findings(R, C, P, T):
    gn, config = R["hw1_2_gradnorm"], C["hw1_2_gradnorm"]
    fn = config["function"]
    gm, gs = gn["mnist"], gn[fn]

    size_ok = gs["params"] == config["function_params"] and gs["model"].count("-") - 1 == config["function_depth"]
    function_net = claim(size_ok, "the function net has the configured size", params=gs["params"],
                         model=gs["model"], configured_params=config["function_params"],
                         configured_depth=config["function_depth"])
    if not size_ok:
        raise ReportError(f"claim no longer holds: {function_net.phrasings[True]!r} (evidence {function_net.evidence})")

    # MNIST: minibatch gradient norms
    g_m = np.asarray(gm["grad_norm"], dtype=float)
    peak = int(np.argmax(g_m))
    late = g_m[len(g_m) // 2:]

    # the function: full batch
    g_s, l_s = np.asarray(gs["grad_norm"], dtype=float), np.asarray(gs["loss"], dtype=float)
    plateau = int(np.argmax(l_s <= BAND * l_s[-1]))
    spikes = int((l_s[plateau:] > BAND * l_s[-1]).sum())
    on_plateau = g_s[plateau:plateau + (len(g_s) - plateau) // 2]
    last_tenth = g_s[-(len(g_s) // 10):]

    # HW1-1 on the same function
    names = net_names(C)
    same = [n for n in names if layers(model(R, fn, n)["widths"]) == gs["model"]]
    best = best_net(R, C, fn)
    best_loss = median_final_loss(R, fn, best)
    best_seeds = final_losses(R, fn, best)
    final = float(gs["final_train_loss"])
    below = sum(x < final for x in best_seeds)
    seeds_below = (f"all {count(len(best_seeds))} of its seeds" if below == len(best_seeds)
                   else f"{count(below)} of its {count(len(best_seeds))} seeds")
    sim_config = C["hw1_1_simulate"]
    other_setup = sim_config["steps"] != config["steps"] or sim_config["points"] != config["function_points"]
    setup = claim(other_setup,
                  f"; not like with like: HW1-1 trained its nets for {sim_config['steps']:,} steps on "
                  f"{sim_config['points']:,} points, this run for {config['steps']:,} on {config['function_points']:,}",
                  f"; HW1-1 trained its nets for the same {config['steps']:,} steps on the same "
                  f"{config['function_points']:,} points",
                  hw1_1_steps=sim_config["steps"], hw1_1_points=sim_config["points"], steps=config["steps"],
                  points=config["function_points"])
    found = {
        "function": fn,
        "function_net": function_net,
        "mnist": {
            "model": gm["model"], "params": gm["params"], "optimizer": cap(config["mnist_optimizer"]),
            "lr": config["mnist_lr"], "batch": config["mnist_batch"], "epochs": config["epochs"],
            "iterations": len(gm["iteration"]),
            "first_loss": float(gm["loss"][0]), "last_loss": float(np.mean(gm["loss"][-100:])),
            "first_grad": float(g_m[0]), "peak_grad": float(g_m[peak]), "peak_at": peak,
            "late_median": float(np.median(late)), "late_min": float(late.min()), "last_grad": float(g_m[-1]),
            "not_zero": claim(np.median(late) > NOT_ZERO * g_m[0], "does not go to zero at all", "falls",
                              late_median=float(np.median(late)), first=float(g_m[0]), factor=NOT_ZERO),
            "peak": claim(peak > 0,
                          f"it rises from {fix(g_m[0], 2)} to a peak of {fix(g_m[peak], 1)} at iteration {peak} "
                          "and then",
                          f"it is largest at the start ({fix(g_m[0], 2)}) and then", peak_at=peak),
        },
        "sim": {
            "depth": config["function_depth"], "params": gs["params"], "model": gs["model"],
            "same_net": claim(bool(same), f" (the {short(same[0])} net of HW1-1)" if same else "", "",
                              same=same),
            "lr": config["function_lr"], "schedule": config["function_schedule"],
            "points": config["function_points"], "steps": config["steps"],
            "final_loss": final, "plateau_at": plateau,
            "spikes": claim(spikes > 0, f" (afterwards it leaves that band for {spikes:,} iterations, up to "
                                        f"{times(l_s[plateau:].max(), l_s[-1])}x the final loss)", "",
                            spikes=spikes, highest=float(l_s[plateau:].max())),
            "plateau_median": float(np.median(on_plateau)), "last_tenth_median": float(np.median(last_tenth)),
            "last_grad": float(g_s[-1]), "decades": float(np.log10(g_s.max() / g_s.min())),
            "decays_late": claim(np.median(last_tenth) < np.median(on_plateau) / DECAY,
                                 "gets small only late, as the learning rate decays",
                                 "does not get much smaller as the learning rate decays",
                                 plateau_median=float(np.median(on_plateau)),
                                 last_tenth_median=float(np.median(last_tenth)), factor=DECAY),
        },
        "hw1_1": {
            "setup": setup, "best": short(best), "best_loss": best_loss, "best_seeds": len(best_seeds),
            "best_below": below,
            "not_good": claim(
                final > WORSE * best_loss,
                f"A small gradient therefore does not mean a low loss: the final loss of this run is "
                f"{times(final, best_loss)}x the median of the best net on {fn} in HW1-1 (the {short(best)} one, "
                f"{sci(best_loss)}; {seeds_below} ended below this run's loss{setup})",
                f"Its final loss is at most {WORSE}x the median of the best net on {fn} in HW1-1 (the {short(best)} "
                f"one, {sci(best_loss)}; {seeds_below} ended below this run's loss{setup})",
                final=final, best=best, best_median=best_loss, seeds_below=below, factor=WORSE),
        },
    }
    if same:
        seeds = final_losses(R, fn, same[0])
        where = "inside" if min(seeds) <= final <= max(seeds) else "below" if final < min(seeds) else "above"
        found["hw1_1"]["same"] = choose(
            where, {"inside": "inside", "below": "below", "above": "above"},
            final=final, low=min(seeds), high=max(seeds))
        found["hw1_1"].update({"same_name": short(same[0]), "same_low": min(seeds), "same_high": max(seeds),
                               "same_seeds": len(seeds), "same_median": median_final_loss(R, fn, same[0]),
                               "same_points": C["hw1_1_simulate"]["points"],
                               "same_lr": model(R, fn, same[0])["lr"]})
    return found
