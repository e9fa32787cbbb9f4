"""Replication across machines: the report's claims over runs of the same code on other CPUs.

The same code, seeds and settings give other numbers on another CPU (other floating-point kernels,
so the trainings part ways after a few steps), and a claim that sits near its threshold can turn.
A conclusion that the seeds of two machines do not agree on is not one yet, so the report marks it.

    results/replications/<run>/<name>.json.gz      # results/<name>.json of a `make figures` elsewhere

For each run under results/replications/ and each findings module whose results files there were
made by the same computing code as results/ (the code hashes agree), the module's findings are
computed over the run's results and every claim's outcome is compared with the report's. A claim
whose outcome differs in any run gets MARK appended to its phrasing (Claim.note), and the report's
section "Replication across machines" lists each with its outcome in every run. Modules whose
results there came from other code are listed as not compared, never compared. `make clean` keeps
results/replications/ (it removes results/*.json only).

    python -m common.replication add DIR NAME     # results/*.json of another machine's run -> a replication
"""
import argparse
import glob
import gzip
import json
import os
import re
import shutil
import sys

from common import claims, report
from common.claims import ReportError

FOLDER = "replications"                    # under the results folder
MARK = " †"                                # appended to a claim that reads otherwise in a replication
NOT_COMPARED = ("provenance",)             # findings about the run itself (machine, times), not about the science


def _load(path):
    """The saved results file at path (report.read_json), checked: it has results, and its config and
    provenance (which decide whether it is compared) are mappings."""
    saved = report.read_json(path)
    _, config, provenance = report.saved_parts(path, saved)
    if not (isinstance(config, dict) and isinstance(provenance, dict)):
        raise ReportError(f"{path}: its config or provenance is not a mapping")
    return saved


def load_runs(results_dir):
    """{run name: (R, C, P)} of results_dir/replications/<run>/<name>.json[.gz], in name order."""
    runs = {}
    for folder in sorted(glob.glob(os.path.join(results_dir, FOLDER, "*"))):
        if not os.path.isdir(folder) or folder.endswith(".partial"):      # .partial: an add that did not finish
            continue
        R, C, P = {}, {}, {}
        for path in sorted(glob.glob(os.path.join(folder, "*.json")) + glob.glob(os.path.join(folder, "*.json.gz"))):
            name = os.path.basename(path).split(".json")[0]
            if name == "timings":
                continue
            R[name], C[name], P[name] = report.saved_parts(path, _load(path))
        if R:
            runs[os.path.basename(folder)] = (R, C, P)
    return runs


def _label(outcome):
    return ("holds" if outcome else "does not hold") if isinstance(outcome, bool) else str(outcome)


def _same_code(sources, main_provenance, provenance):
    """The sources whose results differ in code (missing, without a code hash, or another one): [] when
    comparable."""
    return [s for s in sources if s not in provenance or not provenance[s].get("code_hash")
            or provenance[s].get("code_hash") != main_provenance.get(s, {}).get("code_hash")]


def compare(found, loaded, runs):
    """Mark the claims of `found` ({module: findings} over the main results `loaded` = (R, C, P, T))
    whose outcome differs in a replication, and return the findings of the section: {"runs": [...],
    "compared": claims compared, "differing": [...], "marked": count, "any": runs present}."""
    import findings as modules
    _, main_c, main_p, _ = loaded
    main_claims = {module: dict(claims.all_claims(data)) for module, data in found.items()}
    sources = {name: module.SOURCES for name, module in modules.modules()
               if name not in NOT_COMPARED and name in found}
    rows, outcomes, compared = [], {}, set()
    for run, (R, C, P) in runs.items():
        same = [name for name in sources if not _same_code(sources[name], main_p, P)]
        other = [name for name in sources if name not in same]
        theirs = report.compute_findings(None, only=same, loaded=(report._Lookup(R, run), report._Lookup(C, run),
                                                                   report._Lookup(P, run), {}))
        for name in same:
            mine_here, theirs_here = main_claims[name], dict(claims.all_claims(theirs[name]))
            for claim_name in mine_here.keys() & theirs_here.keys():
                compared.add((name, claim_name))
                outcomes.setdefault((name, claim_name), {})[run] = theirs_here[claim_name]
        # settings a run chose itself (hw1_1_simulate's tuned learning rates) can differ with the same code
        chosen = [name for name in same if any(C.get(s) != main_c.get(s) for s in sources[name])]
        machine = sorted({p.get("cpu", "?") for p in P.values()})
        commits = sorted({p.get("git_commit", "?") for p in P.values()})
        written = sorted(p.get("written", "")[:10] for p in P.values() if p.get("written"))
        rows.append({"run": run, "cpu": ", ".join(machine), "commit": ", ".join(commits),
                     "date": written[-1] if written else "?", "same": same, "other": other, "chosen": chosen})
    differing = []
    for (module, claim_name), by_run in sorted(outcomes.items()):
        mine = main_claims[module][claim_name]
        if any(c.outcome != mine.outcome for c in by_run.values()):
            mine.note = MARK
            differing.append({"claim": f"{module}.{claim_name}", "here": _label(mine.outcome),
                              "runs": [_label(by_run[r["run"]].outcome) if r["run"] in by_run else "not compared"
                                       for r in rows]})
    runs_table = {"header": ["run", "CPU", "code (git)", "written", "findings compared",
                             "of those, with settings the run chose otherwise", "not compared (other code)"],
                  "rows": [[r["run"], r["cpu"], r["commit"], r["date"], claims.listing(r["same"]) or "none",
                            claims.listing(r["chosen"]) or "none", claims.listing(r["other"]) or "none"]
                           for r in rows]}
    differing_table = {"header": ["claim", "this run", *[r["run"] for r in rows]],
                       "rows": [[f"`{d['claim']}`", d["here"], *d["runs"]] for d in differing]}
    return {"any": bool(runs), "runs": rows, "compared": len(compared), "differing": differing,
            "marked": len(differing), "reads": "reads" if len(differing) == 1 else "read", "n_runs": len(rows),
            "runs_table": runs_table,
            "differing_table": differing_table}


def add(source_dir, name, results_dir):
    """Copy source_dir/*.json (a results folder of a `make figures` on another machine) to
    results_dir/replications/<name>/*.json.gz."""
    paths = sorted(p for p in glob.glob(os.path.join(source_dir, "*.json")) if not p.endswith("timings.json"))
    if not paths:
        raise ReportError(f"{source_dir} holds no results *.json")
    target = os.path.join(results_dir, FOLDER, name)
    if os.path.exists(target):
        raise ReportError(f"{target} exists: remove it first to replace that replication")
    staged = target + ".partial"                  # written whole, then renamed: never a half replication
    shutil.rmtree(staged, ignore_errors=True)
    os.makedirs(staged)
    try:
        for path in paths:
            saved = _load(path)
            with gzip.open(os.path.join(staged, os.path.basename(path) + ".gz"), "wt", compresslevel=9) as f:
                json.dump(saved, f, separators=(",", ":"))
        os.replace(staged, target)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return target, len(paths)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    adding = sub.add_parser("add", help="add another machine's results folder as a replication")
    adding.add_argument("source", help="a results/ folder of `make figures` run on another machine")
    adding.add_argument("name", help="the replication's name, e.g. amd-epyc-3")
    adding.add_argument("--results", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                          "results"), help="the results folder (default: results/)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", args.name):
        print(f"error: name {args.name!r}: use letters, digits, - and _", file=sys.stderr)
        return 2
    try:
        target, n = add(args.source, args.name, args.results)
    except (ReportError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {n} results files to {target}; `make report` marks the claims that read otherwise there")
    return 0


if __name__ == "__main__":
    sys.exit(main())
