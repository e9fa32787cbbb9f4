"""The report's provenance line: a quick-run results file or a second commit must show."""
import pytest

from common.claims import ReportError
from tests.findings_data import committed, findings_of, section


def test_a_quick_results_file_fails_the_render():
    R, C, P, T = committed()
    assert findings_of("provenance", R, C, P, T)["full_runs"].holds
    C["hw1_2_pca"]["quick"] = True
    found = findings_of("provenance", R, C, P, T)
    assert not found["full_runs"].holds
    with pytest.raises(ReportError, match="claim no longer holds"):
        section("provenance", found)


def test_two_commits_and_modified_code_are_said():
    R, C, P, T = committed()
    P["hw1_2_pca"]["git_commit"] = "0000000"
    P["hw1_2_pca"]["git_modified"] = True
    text = section("provenance", findings_of("provenance", R, C, P, T))
    assert "git commits " in text and "0000000" in text and "some with uncommitted changes" in text


def test_a_resumed_run_is_not_called_the_time_of_the_whole():
    R, C, P, T = committed()
    T = {"total": 600, "cpu": "x", "computed": {"a.py": ["a"], "b.py": ["b"]}}
    assert findings_of("provenance", R, C, P, T)["resumed"].outcome == "all"
    T["computed"]["b.py"] = []                                  # b reused what an interrupted run stored
    text = section("provenance", findings_of("provenance", R, C, P, T))
    assert "10 minutes on x (it reused what an earlier, interrupted run had stored" in text
    T["total"] = 57
    assert "took 57 s on x" in section("provenance", findings_of("provenance", R, C, P, T))
    T["computed"]["a.py"] = []                                  # nothing computed: only redrawn
    text = section("provenance", findings_of("provenance", R, C, P, T))
    assert "every result was already stored by earlier runs of the same code" in text


def test_results_from_two_machines_are_said():
    R, C, P, T = committed()
    assert findings_of("provenance", R, C, P, T)["one_machine"].holds
    P["hw1_2_pca"]["cpu"] = "Another CPU"
    found = findings_of("provenance", R, C, P, T)
    text = section("provenance", found)
    assert not found["one_machine"].holds and "Machines: " in text and "Another CPU" in text
