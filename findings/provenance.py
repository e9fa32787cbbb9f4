"""Where the report's results come from: commits, machines, whether every file is a full run."""
from common.claims import choose, claim

SOURCES = []                      # every results file


def findings(R, C, P, T):
    prov = list(P.values())
    commits = sorted({str(p.get("git_commit")) for p in prov})
    machines = sorted({f"{p.get('cores', '?')} CPU cores ({p.get('cpu', 'CPU unknown')}), device "
                       f"{p.get('device', '?')}, torch {p.get('torch', '?')}" for p in prov})
    modified = [p.get("git_modified") for p in prov]
    return {
        "commits": commits,
        "machines": machines,
        "total_minutes": T.get("total", float("nan")) / 60,
        "duration": _duration(T.get("total", float("nan"))),
        "timing_cpu": T.get("cpu", "CPU not recorded"),
        "resumed": choose(_resumed(T.get("computed")), {
            "all": "every script computed its results in that run",
            "some": "it reused what an earlier, interrupted run had stored, so this is the time of its remaining "
                    "part, not of the whole",
            "none": "every result was already stored by earlier runs of the same code, so it only redrew the "
                    "figures and checked the keys: the results themselves took longer (each file's provenance "
                    "records its own compute time)"}, computed=T.get("computed")),
        "full_runs": claim(not any(c.get("quick") for c in C.values()),
                           "no results file comes from a --quick run", files=len(prov)),
        "one_commit": claim(len(commits) == 1, "commit", "commits", commits=commits),
        "modified": claim(not any(modified), "", ", some with uncommitted changes", modified=modified),
        "one_machine": claim(len(machines) == 1, "Machine", "Machines", machines=machines),
    }


def _resumed(computed):
    """"all" when every script computed its results in the last make figures, "none" when none
    did (everything reused), "some" otherwise; "all" for timings of older runs that did not say."""
    if not computed:
        return "all"
    done = [bool(v) for v in computed.values()]
    return "all" if all(done) else "none" if not any(done) else "some"


def _duration(seconds):
    """'57 s', '1 minute', '32 minutes'."""
    if not seconds == seconds:                       # nan: no timings recorded
        return "an unrecorded time"
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
