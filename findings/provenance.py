"""Where the report's results come from: commits, machines, whether every file is a full run."""
from common.claims import claim

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
        "timing_cpu": T.get("cpu", "CPU not recorded"),
        "resumed": claim(all(T.get("computed", {}).values()), "every script computed its results in that run",
                         "it reused what an earlier, interrupted run had stored, so this is the time of its "
                         "remaining part, not of the whole", computed=T.get("computed")),
        "full_runs": claim(not any(c.get("quick") for c in C.values()),
                           "no results file comes from a --quick run", files=len(prov)),
        "one_commit": claim(len(commits) == 1, "commit", "commits", commits=commits),
        "modified": claim(not any(modified), "", ", some with uncommitted changes", modified=modified),
        "one_machine": claim(len(machines) == 1, "Machine", "Machines", machines=machines),
    }
