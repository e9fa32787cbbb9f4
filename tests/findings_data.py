"""The committed results as the findings see them, for tests that feed a claim contradicting data.

    R, C, P, T = committed()          # fresh deep copies: change them freely
    found = findings_of("hw1_3_params", R, C, P, T)
    text = section("hw1_3_params", found)   # that section of the report, rendered
"""
import copy
import functools
import os

from common import report
from tests.conftest import ROOT

RESULTS = os.path.join(ROOT, "results")


@functools.lru_cache(maxsize=1)
def _loaded():
    R, C, P, T = report.load_all(RESULTS)
    return dict(R), dict(C), dict(P), T


def committed():
    """(R, C, P, T) of the committed results/, deep-copied (a missing name raises ReportError)."""
    R, C, P, T = copy.deepcopy(_loaded())
    return (report._Lookup(R, RESULTS), report._Lookup(C, RESULTS), report._Lookup(P, RESULTS), T)


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
