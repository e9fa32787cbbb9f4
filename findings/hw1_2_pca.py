"""HW1-2 "Visualize the optimization process": what the PCA pictures of the 8 MNIST runs show.

From results/hw1_2_pca.json (8 trainings of one DNN, seeds in the config, weights every
`collect_every` epochs projected on one PCA fitted on the snapshots of all runs, for layer 1 and
for the whole model). Each run is an independent unit; every statement says for how many runs it
holds, in both projections:
  - the runs start near the origin of the PCA plane (the mean of all snapshots),
  - they move out along almost straight lines (end-to-end distance vs path length),
  - their in-plane steps shrink although the learning rate is constant, and the training loss levels off
    against its first fall (relative to its own value it still falls over the second half),
  - the two components explain little more than the 2/n a plane gets when n runs move in mutually
    orthogonal directions,
  - the in-plane distance a run covers varies a lot although every run ends at about the same
    training accuracy.
"""
import numpy as np

from common.claims import choose, claim, count, num, pct, span

SOURCES = ["hw1_2_pca"]
PARTS = ("layer1", "whole")
NEAR_ORIGIN = 0.25     # initial distance from the origin below this share of the final distance
STRAIGHT = 0.95        # end-to-end distance above this share of the path length
SHRUNK = 0.5           # last step below this share of the first
FLAT_LOSS = 0.1        # the loss change over the last interval below this share of the first fall
SPREAD = 2.0           # in-plane reach: largest / smallest above this


def _path(run, part):
    return np.asarray(run[part + "_pca"], dtype=float)


def _moves(run, part):
    return np.linalg.norm(np.diff(_path(run, part), axis=0), axis=1)


def per_run(run):
    """The measures of one run in each projection: {part: {start_share, straightness, shrink}}."""
    out = {}
    for part in PARTS:
        path, moves = _path(run, part), _moves(run, part)
        out[part] = {"start_share": float(np.linalg.norm(path[0]) / np.linalg.norm(path[-1])),
                     "straightness": float(np.linalg.norm(path[-1] - path[0]) / moves.sum()),
                     "shrink": float(moves[-1] / moves[0])}
    return out


def over_runs(holds, statement, some, none, **evidence):
    """A statement over runs: 'all' / 'some' / 'none' by how many runs (booleans) it holds for."""
    holds = [bool(h) for h in holds]
    k, n = sum(holds), len(holds)
    outcome = "all" if k == n else "none" if k == 0 else "some"
    return choose(outcome, {"all": statement.format(k=count(k), n=count(n)),
                            "some": some.format(k=count(k), n=count(n)),
                            "none": none.format(k=count(k), n=count(n))}, runs=k, of=n, **evidence)


def findings(R, C, P, T):
    pca, config = R["hw1_2_pca"], C["hw1_2_pca"]
    runs = pca["runs"]
    n = len(runs)
    seeds = sorted(run["seed"] for run in runs)
    measures = [per_run(run) for run in runs]
    final_acc = [run["events"][-1]["train_acc"] for run in runs]
    reach = [float(np.linalg.norm(_path(run, "whole")[-1] - _path(run, "whole")[0])) for run in runs]
    explained = {part: [float(v) for v in pca[part + "_explained_variance_ratio"]] for part in PARTS}
    orthogonal = 2 / n

    def values(key, part=None):
        return [m[p][key] for m in measures for p in ([part] if part else PARTS)]

    def each_run(key, test, part=None):
        return [all(test(m[p][key]) for p in ([part] if part else PARTS)) for m in measures]

    losses = [[e["train_loss"] for e in run["events"]] for run in runs]
    flat_share = [abs(loss[-2] - loss[-1]) / (loss[0] - loss[1]) for loss in losses]
    middle = len(runs[0]["events"]) // 2                          # the snapshot halfway through training
    late_fall = [(loss[middle] - loss[-1]) / loss[middle] for loss in losses]      # relative to its own value
    window = f"from epoch {runs[0]['events'][middle]['epoch']} to {runs[0]['events'][-1]['epoch']}"

    near = lambda x: x < NEAR_ORIGIN
    straight = lambda x: x > STRAIGHT
    shrinks = lambda x: x < SHRUNK
    tests = {"near_origin": ("start_share", near), "straight": ("straightness", straight),
             "shrink": ("shrink", shrinks)}
    per_part = {part: {name: sum(each_run(key, test, part)) for name, (key, test) in tests.items()}
                for part in PARTS}
    same = all(per_part["layer1"][name] == per_part["whole"][name] for name in tests)    # as many runs each
    return {
        "model": pca["model"], "params": pca["params"], "layer1_dims": pca["layer1_dims"],
        "layer1_share": pca["layer1_dims"] / pca["params"],
        "runs": n, "seeds": f"{seeds[0]}-{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1))
        else ", ".join(map(str, seeds)),
        "lr": config["lr"], "batch": config["batch"], "epochs": config["epochs"],
        "collect_every": config["collect_every"],
        "points_per_run": span([len(run["events"]) for run in runs], num),
        "snapshots": sum(len(run["events"]) for run in runs),
        "final_acc_min": min(final_acc), "final_acc_max": max(final_acc),
        "start_share_max": max(values("start_share")),
        "straightness_min": min(values("straightness")),
        "shrink": values("shrink"),
        "loss_flat_share_max": max(flat_share),
        "reach_min": min(reach), "reach_max": max(reach),
        "explained": explained,
        "orthogonal_share": orthogonal,
        "near_origin": over_runs(
            each_run(*tests["near_origin"]),
            "all {n} runs start near the origin",
            "only {k} of the {n} runs start near the origin, the others farther than "
            f"{pct(NEAR_ORIGIN, 0)} of their final distance from it",
            "no run starts near the origin", threshold=NEAR_ORIGIN, largest=max(values("start_share"))),
        "straight": over_runs(
            each_run(*tests["straight"]),
            "all move out along almost straight lines",
            f"{{k}} of the {{n}} move out along almost straight lines (end-to-end distance over "
            f"{pct(STRAIGHT, 0)} of the path length), the others along curved paths",
            "all move along curved paths", threshold=STRAIGHT, smallest=min(values("straightness"))),
        "shrink_steps": over_runs(
            each_run(*tests["shrink"]),
            "shrink as training proceeds in every run (points bunch up near the ends)",
            f"shrink to under {pct(SHRUNK, 0)} of the first step in only {{k}} of the {{n}} runs",
            "do not shrink in any run", threshold=SHRUNK, largest=max(values("shrink"))),
        "loss_flattens": over_runs(
            [s < FLAT_LOSS for s in flat_share],
            "against its first fall the training loss levels off in every run",
            f"against its first fall the training loss levels off (last change under {pct(FLAT_LOSS, 0)} of the "
            "first fall) in only {k} of the {n} runs",
            "against its first fall the training loss does not level off in any run", threshold=FLAT_LOSS,
            largest=max(flat_share)),
        "late_fall": late_fall,
        "late_fall_text": (f"falls by {span(late_fall, lambda v: pct(v, 0))} {window}" if min(late_fall) >= 0 else
                           f"changes by {span([-v for v in late_fall], lambda v: pct(v, 0))} {window} (a rise in "
                           f"{count(sum(v < 0 for v in late_fall))} of the {count(len(runs))} runs)"),
        "reach_spread": claim(max(reach) > SPREAD * min(reach),
                              ": the in-plane distance need not measure how far a run moved (the plane keeps only "
                              "the part of each move along its two directions; the full-space distance is not "
                              "saved, so how much of each run lies outside the plane is not measured)", "",
                              smallest=min(reach), largest=max(reach), factor=SPREAD),
        "explained_low": claim(
            max(sum(v) for v in explained.values()) < 1.5 * orthogonal,
            f"close to the 2/{n} = {pct(orthogonal, 0)} that {count(n)} runs moving in mutually orthogonal "
            "directions would leave to any plane, as if each run got \"its own\" direction "
            "(the angles between the runs' "
            "moves in the full space are not saved, so this is not measured)",
            f"more than the 2/{n} = {pct(orthogonal, 0)} that {count(n)} runs moving in mutually orthogonal "
            "directions would leave to any plane: the runs share directions",
            explained={p: sum(v) for p, v in explained.items()}, bound=1.5 * orthogonal),
        "layer1_same": claim(
            same, ", and its picture has the same structure as the whole model's (on its own PCA axes: as many runs "
                  "show each feature)",
            "; its picture differs from the whole model's in how many runs show these features (layer 1 / "
            "whole model: start near the origin {a} / {b}, straight {c} / {d}, shrinking steps {e} / {f})".format(
                a=per_part["layer1"]["near_origin"], b=per_part["whole"]["near_origin"],
                c=per_part["layer1"]["straight"], d=per_part["whole"]["straight"],
                e=per_part["layer1"]["shrink"], f=per_part["whole"]["shrink"]),
            per_part=per_part),
    }
