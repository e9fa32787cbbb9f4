"""What the 20-minute budget would cost the report: candidate cuts of the work, each with the time
it saves and the claims it changes, computed from the committed run (no training).

`make figures` at report settings took 2,838 s on 2 Intel cores (results/timings.json of the
committed run); the budget (issue 23) is 1,200 s. The pure-speed levers that bench/README.md
lists come to a few hundred seconds (its section "What the 20-minute budget would cost"), so the
budget needs less work. Each cut below is applied to the committed results as if the run had done
less (fewer seeds, approaches, controls or epochs: the same models, a subset of them; the seeds
and models left out are the last ones), the findings modules are recomputed over the cut
results, and every claim is compared with the report's:

  same     the claim reads the same
  changed  its outcome differs (e.g. "rises" -> "no trend")
  gone     the claim is not made any more (its study or item was cut)

Time saved: the seconds the cut work took in the committed run, from the results' own per-run
timings (worker time) halved for the two side-by-side processes (the scripts run two), or the whole
script's wall time where the cut removes the script. An estimate, and an upper bound where seeds
train stacked in one job (the shared models at batches up to 256, the simulate nets): there a
seed costs less than its share, as bench/bench_approaches.py and bench/bench_simulate.py measure.

    python -m bench.scope_cuts                 # every cut, on results/ (about 20 s)
    python -m bench.scope_cuts --results DIR   # another results folder
"""
import argparse
import copy
import os
import sys

from common import claims, report, stats
from common.replication import _label          # a claim's outcome as the replication section prints it

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKERS = 2                    # side-by-side processes of the scripts whose runs are cut

# ---------------------------------------------------------------------------- the cuts
# each cut(R, C) changes deep copies of the results and configs in place and returns (worker seconds
# removed, wall seconds removed where a whole script or a share of its wall time goes)


def _keep_models(models, seeds=None, drop=()):
    return [m for m in models if (seeds is None or m["seed"] in seeds) and m["approach"] not in drop]


def shared_models(seeds=None, drop_main=(), drop_fitted=()):
    """The shared HW1-3 models (common/approaches.py): only `seeds`, without the approaches in
    drop_main (both sets) and drop_fitted (the fitted set): hw1_3_sensitivity (training), hw1_3_sharpness
    and hw1_3_interp."""
    def dropped(which):
        return set(drop_main) | (set(drop_fitted) if which == "fitted" else set())

    def cut(R, C):
        saved = 0.0
        for name in ("hw1_3_sensitivity", "hw1_3_sharpness", "hw1_3_interp"):
            C[name]["approaches"] = {a: v for a, v in C[name]["approaches"].items() if a not in drop_main}
        for which, names in C["hw1_3_sensitivity"]["sets"].items():
            C["hw1_3_sensitivity"]["sets"][which] = [a for a in names if a not in dropped(which)]
        sens = R["hw1_3_sensitivity"]
        for which, s in sens["sets"].items():
            drop = dropped(which)
            kept = _keep_models(s["models"], seeds, drop)
            saved += sum(m["seconds"] for m in s["models"] if m not in kept)
            s["models"] = kept
            s["seeds"] = [x for x in s["seeds"] if seeds is None or x in seeds]
            s["approaches"] = [a for a in s["approaches"] if a not in drop]
        sens["batch_series"] = [a for a in sens["batch_series"] if a not in drop_main]
        sens["lr_series"] = [a for a in sens["lr_series"] if a not in drop_main]
        sharp = R["hw1_3_sharpness"]
        kept = _keep_models(sharp["models"], seeds, drop_main)
        left = {f"{m['approach']} {m['seed']}" for m in sharp["models"] if m not in kept}
        saved += sum(v["wall"] for k, v in sharp["seconds"].items() if k in left)
        sharp["models"] = kept
        sharp["seeds"] = [x for x in sharp["seeds"] if seeds is None or x in seeds]
        sharp["batch_series"] = [a for a in sharp["batch_series"] if a not in drop_main]
        sharp["lr_series"] = [a for a in sharp["lr_series"] if a not in drop_main]
        interp = R["hw1_3_interp"]
        if any(end in drop_main for pair in C["hw1_3_interp"]["pairs"].values() for end in pair):
            raise ValueError("a dropped approach is an interpolation endpoint: not modelled")
        if seeds is not None:
            n_before = sum(len(p["runs"]) for p in interp["pairs"].values())
            for pair in interp["pairs"].values():
                pair["runs"] = [run for run in pair["runs"] if run["seed"] in seeds]
            n_after = sum(len(p["runs"]) for p in interp["pairs"].values())
            interp["seeds"] = [x for x in interp["seeds"] if x in seeds]
            saved += R["_timings"].get("hw1_3_interp.py", 0.0) * WORKERS * (1 - n_after / n_before)
        return saved, 0.0
    return cut, ["hw1_3_approaches", "hw1_3_sensitivity", "hw1_3_sharpness", "hw1_3_interp", "hw1_3_random_labels"]


def without_script(script, results_name):
    """A whole script left out of make figures (behind a flag): its findings are gone."""
    def cut(R, C):
        del R[results_name]
        return 0.0, R["_timings"][script]
    return cut, None


def random_labels(input_controls=True, control_seeds=None):
    """hw1_3_random_labels without its input controls, or with fewer control seeds. Without the input
    controls their claims are gone (cut.removes: the findings would otherwise state them of none)."""
    def cut(R, C):
        r = R["hw1_3_random_labels"]
        if not input_controls:
            C["hw1_3_random_labels"]["input_controls"] = []
        saved = 0.0
        runs = {"controls": r["controls"], "input_controls": r["input_controls"]}
        for key, group_key, groups in (("controls", "level", "control_levels"), ("input_controls", "inputs",
                                                                                   "input_kinds")):
            keep = [c for c in runs[key] if (control_seeds is None or c["seed"] in control_seeds)
                    and (input_controls or key == "controls")]
            saved += sum(c["seconds"] for c in runs[key] if c not in keep)
            r[key] = keep
            r[groups] = [_regroup(keep, group_key, g[group_key]) for g in r[groups]
                         if any(c[group_key] == g[group_key] for c in keep)]
        if control_seeds is not None:
            r["control_seeds"] = list(control_seeds)
        return saved, 0.0
    # the claims gone with the input controls: inputs[...], inputs_fitted, input_conclusion
    cut.removes = () if input_controls else ("hw1_3_random_labels.input",)
    return cut, ["hw1_3_random_labels"]


def _regroup(runs, key, value):
    """hw1_3_random_labels.by_group over the runs kept (the script's own summary)."""
    import hw1_3_random_labels
    return hw1_3_random_labels.by_group(runs, key, value)


def mnist_epochs(epochs):
    """hw1_1_mnist trained for `epochs` instead of its 10: every run's final state is its state after
    `epochs` epochs (the rate is constant, so that is a run of `epochs` epochs): test loss and
    accuracy on the full test set; the training numbers on the script's 10,000-image evaluation
    subset, as the per-epoch curves measure them (only the accuracy table's training column reads
    them, no claim). The time saved scales the whole script, its fixed costs too: a little high."""
    def cut(R, C):
        saved = 0.0
        for name in ("hw1_1_mnist_mnist", "hw1_1_mnist_fashion-mnist"):
            trained = R[name]["models"][0]["runs"][0]["history"]["epoch"][-1]      # the run's epochs
            for m in R[name]["models"]:
                for run in m["runs"]:
                    h = run["history"]
                    at = h["epoch"].index(epochs)
                    for key in ("epoch", "train_loss", "train_acc", "test_loss", "test_acc"):
                        h[key] = h[key][:at + 1]
                    h["final"] = {key: h[key][-1] for key in h["final"]}
                m["final"] = {key: stats.summary([run["history"]["final"][key] for run in m["runs"]])
                              for key in m["final"]}
            C[name]["epochs"] = epochs
            saved += R["_timings"][f"hw1_1_mnist.py --dataset {name.split('_')[-1]}"] * (1 - epochs / trained)
        return 0.0, saved
    return cut, ["hw1_1_mnist"]


SIMULATE_SWEEP_SHARE = 2 / 3   # of hw1_1_simulate's wall time: the learning-rate sweep (bench/README.md,
                               # 2026-12-01); the reported seeds the other third


def simulate_seeds(n):
    """hw1_1_simulate with its first n reported seeds (of 5) at the rates the sweep chose."""
    def cut(R, C):
        res = R["hw1_1_simulate"]
        before = len(res["seed_names"])
        res["seed_names"] = res["seed_names"][:n]
        C["hw1_1_simulate"]["seed_names"] = C["hw1_1_simulate"]["seed_names"][:n]
        for function in res["functions"].values():
            for m in function["models"]:
                for key in ("seed_names", "seeds", "final_losses", "loss_curves", "predictions"):
                    m[key] = m[key][:n]
                m["final_loss"] = stats.summary(m["final_losses"])
                m["median_seed"] = m["seed_names"][stats.median_index(m["final_losses"])]
        res["seeds"] = sorted({seed for f in res["functions"].values() for m in f["models"] for seed in m["seeds"]})
        wall = R["_timings"]["hw1_1_simulate.py"] * (1 - SIMULATE_SWEEP_SHARE) * (1 - n / before)
        return 0.0, wall
    return cut, ["hw1_1_simulate", "hw1_2_gradnorm"]


def simulate_tuning_seeds(keep):
    """hw1_1_simulate's sweep with only the tuning seeds named in `keep` (of 2), replayed round by
    round on the committed sweep's final losses with hw1_1_simulate.tune's rule (the lowest
    geometric mean of the final losses over the rates tried, rates in ascending order; one rung
    further while the best is an end of them). Where the replay would try a rate the run did not, or
    chooses another rate, the reported runs would be others: RunsDiffer, no claims. Otherwise the
    sweep's table keeps those seeds' losses and scores."""
    def cut(R, C):
        from hw1_1_simulate import geometric_mean, next_rungs
        tune = R["hw1_1_simulate_tune"]
        columns = [tune["seed_names"].index(name) for name in keep]
        changed = []
        for arch, table in tune["architectures"].items():
            rows = {row["lr"]: row for row in table["rates"]}

            def score(lr, rows=rows):
                return geometric_mean([per_function[i] for per_function in rows[lr]["final_loss"].values()
                                       for i in columns])
            tried, pending = [], list(tune["lr_grid"])
            while pending:
                if any(lr not in rows for lr in pending):
                    changed.append(f"{arch}: would try {', '.join(f'{lr:g}' for lr in pending)}, not run")
                    break
                tried += pending
                chosen = min(sorted(tried), key=score)
                pending = next_rungs(tried, chosen, tune["lr_ladder"])
            else:
                if chosen != table["chosen_lr"] or sorted(tried) != sorted(rows):
                    changed.append(f"{arch}: {table['chosen_lr']:g} -> {chosen:g} (rates tried {len(tried)})")
            for row in table["rates"]:
                row["score"] = score(row["lr"])
                row["final_loss"] = {f: [v[i] for i in columns] for f, v in row["final_loss"].items()}
        wall = R["_timings"]["hw1_1_simulate.py"] * SIMULATE_SWEEP_SHARE * (1 - len(keep) / len(tune["seed_names"]))
        tune["seed_names"] = list(keep)
        if changed:
            raise RunsDiffer(wall, f"the sweep changes for {len(changed)} of {len(tune['architectures'])} nets "
                                   f"({'; '.join(changed)}): the reported runs would be others")
        return 0.0, wall
    return cut, ["hw1_1_simulate", "hw1_2_gradnorm"]


class RunsDiffer(Exception):
    """A cut after which the reported runs themselves would differ: its claims cannot be read off the
    committed results."""

    def __init__(self, wall, reason):
        super().__init__(reason)
        self.wall = wall


def together(*names):
    """Several cuts of CUTS applied one after the other (each saves what is left of its work)."""
    def cut(R, C):
        worker = wall = 0.0
        for name in names:
            w, s = CUTS[name][0](R, C)
            worker, wall = worker + w, wall + s
        return worker, wall
    cut.removes = tuple(prefix for name in names for prefix in getattr(CUTS[name][0], "removes", ()))
    touched = [CUTS[name][1] for name in names]
    return cut, None if None in touched else sorted({m for t in touched for m in t})


CUTS = {            # name: (cut, findings modules it touches (None: every module reading the removed file))
    "shared models: 3 seeds (s0-s2), not 5": shared_models(seeds=("s0", "s1", "s2")),
    "shared models: no batch 8192": shared_models(drop_main=("batch 8192",)),
    "shared models: no batch 32": shared_models(drop_main=("batch 32",)),
    "shared models, fitted set: no batch 4096 (its full batch)": shared_models(drop_fitted=("batch 4096",)),
    "random labels: no input controls": random_labels(input_controls=False),
    "Keskar's protocol (hw1_3_keskar) behind a flag": without_script("hw1_3_keskar.py", "hw1_3_keskar"),
    "hw1_1_mnist: 5 epochs, not 10": mnist_epochs(5),
    "hw1_1_simulate: 3 reported seeds, not 5": simulate_seeds(3),
    "hw1_1_simulate: 1 tuning seed (tune-0), not 2": simulate_tuning_seeds(["tune-0"]),
}
CUTS["all of the above"] = together(*CUTS)
CUTS["hw1_1_simulate: 1 tuning seed (tune-1), not 2"] = simulate_tuning_seeds(["tune-1"])


# ---------------------------------------------------------------------------- compare
def evaluate(loaded, cut, touched):
    """(seconds saved, {"same", "changed", "gone", "new"} claim names) of one cut over loaded = (R, C, P, T)."""
    R, C, P, T = loaded
    base = report.compute_findings(None, only=touched, loaded=loaded)
    cut_R, cut_C = copy.deepcopy(dict(R)), copy.deepcopy(dict(C))
    cut_R["_timings"] = dict(T.get("scripts", {}))
    try:
        worker, wall = cut(cut_R, cut_C)
    except RunsDiffer as differ:
        return differ.wall, {"runs differ": str(differ)}
    del cut_R["_timings"]
    modules = touched if touched is not None else list(base)
    present = [m for m in modules if all(s in cut_R for s in _sources(m))]
    cut_loaded = (report._Lookup(cut_R, "cut"), report._Lookup(cut_C, "cut"), P, T)
    after = report.compute_findings(None, only=present, loaded=cut_loaded)
    out = {"same": [], "changed": [], "gone": [], "new": []}
    for module in modules:
        mine = dict(claims.all_claims(base[module]))
        theirs = dict(claims.all_claims(after[module])) if module in after else {}
        for name, claim in mine.items():
            key = f"{module}.{name}"
            if name not in theirs or key.startswith(getattr(cut, "removes", ())):
                out["gone"].append(key)
            elif theirs[name].outcome != claim.outcome:
                out["changed"].append(f"{key}: {_label(claim.outcome)} -> {_label(theirs[name].outcome)}")
            else:
                out["same"].append(key)
        out["new"] += [f"{module}.{name}" for name in theirs if name not in mine]
    return worker / WORKERS + wall, out


def _sources(module):
    import findings
    return dict(findings.modules([module]))[module].SOURCES


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=os.path.join(ROOT, "results"), help="results folder (default results/)")
    parser.add_argument("--list", action="store_true", help="print the claims each cut changes")
    args = parser.parse_args(argv)
    try:
        loaded = report.load_all(args.results)
    except claims.ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    total = loaded[3].get("total")
    if total is None:
        print(f"error: {args.results} has no timings.json of a make figures: the time a cut saves comes from it",
              file=sys.stderr)
        return 1
    print(f"committed run: {total:.0f} s on {loaded[3].get('cores', '?')} cores ({loaded[3].get('cpu', '?')}); "
          f"budget 1200 s")
    print(f"{'cut':60s} {'saves':>8s} {'same':>5s} {'changed':>8s} {'gone':>5s}   (saves: an upper bound)")
    for name, (cut, touched) in CUTS.items():
        try:
            seconds, out = evaluate(loaded, cut, touched)
        except (claims.ReportError, KeyError, ValueError) as error:
            print(f"{name:60s} error: {type(error).__name__}: {error} (results of another shape?)", flush=True)
            continue
        if "runs differ" in out:
            print(f"{name:60s} {seconds:7.0f}s   not read: {out['runs differ']}", flush=True)
            continue
        print(f"{name:60s} {seconds:7.0f}s {len(out['same']):5d} {len(out['changed']):8d} {len(out['gone']):5d}",
              flush=True)
        if args.list:
            for line in out["changed"]:
                print(f"    changed: {line}")
            if out["gone"] and len(out["gone"]) <= 12:
                for line in out["gone"]:
                    print(f"    gone: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
