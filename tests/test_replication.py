"""Replication across machines (common.replication): a claim that reads otherwise in another run of
the same code is marked and listed, one that agrees is not, and a run of other code is never compared."""
import copy
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys

import pytest

from common import claims, replication, report
from tests.conftest import ROOT
from tests.findings_data import committed

PARAMS, SOURCE = "hw1_3_params", "hw1_3_params_mnist"


def found_and_runs(runs):
    """The committed findings of every module, compared with `runs` ({run: (R, C, P)})."""
    loaded = committed()
    found = report.compute_findings(None, loaded=loaded)
    return found, replication.compare(found, loaded, runs)


def params_run(change=None):
    """A replication holding only the params results (so only hw1_3_params is compared), changed by `change`."""
    R, C, P, _ = committed()
    R, C, P = ({SOURCE: copy.deepcopy(R[SOURCE])}, {SOURCE: copy.deepcopy(C[SOURCE])},
               {SOURCE: copy.deepcopy(P[SOURCE])})
    if change:
        change(R[SOURCE], P[SOURCE])
    return R, C, P


def test_a_claim_that_reads_otherwise_in_a_replication_is_marked_and_listed():
    def wider_net_falls(results, _):                     # w = 512 below w = 256 on every seed: "falls"
        by_width = {m["width"]: m for m in results["models"]}
        for run, acc in zip(by_width[256]["runs"], (0.990, 0.991, 0.992)):
            run["test_acc"] = acc
    found, section = found_and_runs({"other-cpu": params_run(wider_net_falls)})
    best = found[PARAMS]["best"]
    assert best.outcome == "tier" and str(best).endswith(replication.MARK)
    row = [d for d in section["differing"] if d["claim"] == f"{PARAMS}.best"]
    assert row == [{"claim": f"{PARAMS}.best", "here": "tier", "runs": ["falls"]}]
    assert section["runs"][0]["same"] == [PARAMS]                 # the only module whose sources it holds
    assert "hw1_3_sharpness" in section["runs"][0]["other"]
    # a claim that agrees is not marked
    assert not str(found[PARAMS]["complete"]).endswith(replication.MARK)
    assert [f"`{PARAMS}.best`", "tier", "falls"] in section["differing_table"]["rows"]


def test_the_same_results_on_a_replication_mark_nothing():
    found, section = found_and_runs({"twin": params_run()})
    assert section["differing"] == [] and section["marked"] == 0
    assert section["compared"] == len(claims.all_claims(found[PARAMS]))
    assert not any(c.note for _, c in claims.all_claims(found[PARAMS]))


def test_a_run_of_other_code_is_not_compared():
    def other_code(results, provenance):
        provenance["code_hash"] = "0" * 16
        for m in results["models"]:                     # and results that would flip claims
            for run in m["runs"]:
                run["test_acc"] = 0.5
    found, section = found_and_runs({"old-code": params_run(other_code)})
    assert section["runs"][0]["same"] == [] and PARAMS in section["runs"][0]["other"]
    assert section["compared"] == 0 and section["differing"] == []
    assert not any(c.note for _, c in claims.all_claims(found[PARAMS]))


def test_the_report_marks_the_claim_and_prints_the_section(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    for path in glob.glob(os.path.join(ROOT, "results", "*.json")):
        shutil.copy(path, results)
    R, C, P = params_run(lambda r, _: [run.update(test_acc=0.990 + 0.001 * k)
                                       for m in r["models"] if m["width"] == 256
                                       for k, run in enumerate(m["runs"])])
    folder = results / "replications" / "other-cpu"
    folder.mkdir(parents=True)
    with gzip.open(folder / f"{SOURCE}.json.gz", "wt") as f:
        json.dump({"results": R[SOURCE], "config": C[SOURCE], "provenance": P[SOURCE]}, f)
    text = report.render(str(results))
    assert "A statement marked † reads otherwise on another machine's run of the same code and seeds" in text
    assert "| `hw1_3_params.best` | tier | falls |" in text
    assert "(669,706 params; the widest net), but the seeds do not single out a best width" in text
    assert "and no wider net below any of them †" in text
    # without replications: no mark, and the section says so
    shutil.rmtree(results / "replications")
    text = report.render(str(results))
    assert "†" not in text and "No replication is kept" in text


def run_add(*args):
    return subprocess.run([sys.executable, "-m", "common.replication", *args], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)


def test_add_writes_a_whole_replication_and_refuses_bad_input(tmp_path):
    source, results = tmp_path / "elsewhere", tmp_path / "results"
    source.mkdir()
    results.mkdir()
    shutil.copy(os.path.join(ROOT, "results", f"{SOURCE}.json"), source)
    proc = run_add("add", str(source), "amd-3", "--results", str(results))
    assert proc.returncode == 0, proc.stderr
    with gzip.open(results / "replications" / "amd-3" / f"{SOURCE}.json.gz", "rt") as f:
        saved = json.load(f)
    with open(os.path.join(ROOT, "results", f"{SOURCE}.json")) as f:
        assert saved == json.load(f)
    assert replication.load_runs(str(results))["amd-3"][2][SOURCE] == saved["provenance"]
    again = run_add("add", str(source), "amd-3", "--results", str(results))          # never over a replication
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "exists" in again.stderr
    empty = run_add("add", str(tmp_path / "nothing"), "x", "--results", str(results))
    assert empty.returncode == 1 and "holds no results" in empty.stderr and empty.stderr.count("\n") == 1
    bad = run_add("add", str(source), "../escape", "--results", str(results))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    (source / "broken.json").write_text("{not json")
    broken = run_add("add", str(source), "amd-4", "--results", str(results))
    assert broken.returncode == 1 and "unreadable" in broken.stderr
    assert sorted(os.listdir(results / "replications")) == ["amd-3"]                 # nothing half-written


@pytest.mark.parametrize("outcome, text", [(True, "holds"), (False, "does not hold"), ("rises", "rises")])
def test_outcome_labels(outcome, text):
    assert replication._label(outcome) == text


def test_a_damaged_replication_is_one_line_and_half_ones_are_skipped(tmp_path):
    results = tmp_path / "results"
    good = results / "replications" / "good"
    good.mkdir(parents=True)
    with gzip.open(good / f"{SOURCE}.json.gz", "wt") as f:
        json.dump({"results": {}, "config": {}, "provenance": {}}, f)
    (results / "replications" / "cut.partial").mkdir()             # an `add` that did not finish
    (results / "replications" / "cut.partial" / f"{SOURCE}.json").write_text('{"results": {}}')
    assert list(replication.load_runs(str(results))) == ["good"]
    raw = (good / f"{SOURCE}.json.gz").read_bytes()
    (good / f"{SOURCE}.json.gz").write_bytes(raw[: len(raw) // 2])  # truncated
    with pytest.raises(claims.ReportError, match="is unreadable"):
        replication.load_runs(str(results))
    with gzip.open(good / f"{SOURCE}.json.gz", "wt") as f:
        json.dump({"results": {}, "provenance": None}, f)
    with pytest.raises(claims.ReportError, match="not a mapping"):
        replication.load_runs(str(results))


def test_results_without_a_code_hash_are_not_compared():
    assert replication._same_code(["x"], {"x": {}}, {"x": {}}) == ["x"]
    assert replication._same_code(["x"], {"x": {"code_hash": "a"}}, {"x": {"code_hash": "a"}}) == []
    assert replication._same_code(["x", "y"], {"x": {"code_hash": "a"}}, {"x": {"code_hash": "a"}}) == ["y"]


def test_a_setting_the_run_chose_itself_is_named():
    R, C, P = params_run()
    C[SOURCE]["lr"] = C[SOURCE]["lr"] * 3                      # as if the run had picked another rate
    _, section = found_and_runs({"tuned": (R, C, P)})
    assert section["runs"][0]["chosen"] == [PARAMS] and section["runs"][0]["same"] == [PARAMS]
    assert section["runs_table"]["rows"][0][5] == PARAMS


def test_add_refuses_a_name_outside_ascii(tmp_path):
    proc = run_add("add", str(tmp_path), "amd²", "--results", str(tmp_path / "results"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_clean_keeps_the_replications(tmp_path):
    from common import run_figures
    folder = tmp_path / "results" / "replications" / "other"
    folder.mkdir(parents=True)
    (folder / f"{SOURCE}.json.gz").write_bytes(b"kept")
    (tmp_path / "results" / f"{SOURCE}.json").write_text("{}")
    run_figures.clean(str(tmp_path), quick=False)
    assert not (tmp_path / "results" / f"{SOURCE}.json").exists()
    assert (folder / f"{SOURCE}.json.gz").read_bytes() == b"kept"
