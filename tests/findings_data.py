"""The committed results as the findings see them, for tests that feed a claim contradicting data.

    R, C, P, T = committed()          # fresh deep copies: change them freely
    found = findings_of("hw1_3_params", R, C, P, T)
    text = section("hw1_3_params", found)   # that section of the report, rendered

    R, C, P, T = reviewed()           # the same, with tests/reviewed/ in place of those studies

The HW1-3 and HW1-1 simulate findings tests start from reviewed(): the results their hand counts
were read from, frozen in tests/reviewed/ (HW1-3: fb2b0e1's results/; simulate: 1e92ec1's), so that
a rerun of make figures (another machine, other outcomes) does not silently change what they test.
"""
import copy
import functools
import glob
import gzip
import json
import os

from common import report
from tests.conftest import ROOT

RESULTS = os.path.join(ROOT, "results")
REVIEWED = os.path.join(ROOT, "tests", "reviewed")     # <results name>.json.gz, as results/ holds them


@functools.lru_cache(maxsize=1)
def _loaded():
    R, C, P, T = report.load_all(RESULTS)
    return dict(R), dict(C), dict(P), T


def committed():
    """(R, C, P, T) of the committed results/, deep-copied (a missing name raises ReportError)."""
    R, C, P, T = copy.deepcopy(_loaded())
    return (report._Lookup(R, RESULTS), report._Lookup(C, RESULTS), report._Lookup(P, RESULTS), T)


@functools.lru_cache(maxsize=1)
def _reviewed_loaded():
    loaded = _loaded()
    R, C, P, T = dict(loaded[0]), dict(loaded[1]), dict(loaded[2]), loaded[3]
    paths = sorted(glob.glob(os.path.join(REVIEWED, "*.json.gz")))
    assert paths, f"{REVIEWED} holds no results"
    for path in paths:
        name = os.path.basename(path)[:-len(".json.gz")]
        with gzip.open(path, "rt") as f:
            saved = json.load(f)
        R[name], C[name], P[name] = saved["results"], saved.get("config", {}), saved.get("provenance", {})
    return R, C, P, T


def reviewed():
    """(R, C, P, T) as committed() gives them, with the studies of tests/reviewed/ in place of
    the committed ones (fresh deep copies)."""
    R, C, P, T = copy.deepcopy(_reviewed_loaded())
    return (report._Lookup(R, REVIEWED), report._Lookup(C, REVIEWED), report._Lookup(P, REVIEWED), T)


def findings_of(name, R, C, P=None, T=None):
    """The findings of one module over (possibly changed) results."""
    loaded = (R, C, P if P is not None else report._Lookup({}, RESULTS), T or {})
    return report.compute_findings(RESULTS, only=[name], loaded=loaded)[name]


def section(name, found):
    """report/<name>.md rendered over one module's findings (raises ReportError when a claim
    without a phrasing for its outcome is printed)."""
    return report.render(RESULTS, main=f"{name}.md", found={name: found})


def rendered(name, R, C, P=None, T=None):
    """(findings, rendered section) of one module over (possibly changed) results."""
    found = findings_of(name, R, C, P, T)
    return found, section(name, found)


def fails_to_render(name, R, C, P=None, T=None):
    """The findings of one module, after checking that a claim without a phrasing fails the render."""
    import pytest

    from common.claims import ReportError
    found = findings_of(name, R, C, P, T)
    with pytest.raises(ReportError, match="claim no longer holds"):
        section(name, found)
    return found
