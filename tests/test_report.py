"""REPORT.md against the results it quotes: the committed report must agree with results/ and
figures/, and the check must catch a stale number, a hand-edited number and a missing figure."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from common import claims, report
from tests.conftest import ROOT


def run_report(*args):
    return subprocess.run([sys.executable, "-m", "common.report", *args], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)


def test_committed_report_agrees_with_results_and_figures():
    proc = run_report("--check")
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def copy_of_repo(tmp_path):
    """REPORT.md, results/*.json and figures/*.png copied to a scratch root (not results/replications/: its
    comparison doubles every render's time, and these tests are about the check; tests/test_replication.py
    covers it), so the copied REPORT.md's replication section is among what a first check reports."""
    shutil.copy(os.path.join(ROOT, "REPORT.md"), tmp_path / "REPORT.md")
    skip = shutil.ignore_patterns("quick", "cache", "replications")
    shutil.copytree(os.path.join(ROOT, "results"), tmp_path / "results", ignore=skip)
    shutil.copytree(os.path.join(ROOT, "figures"), tmp_path / "figures", ignore=shutil.ignore_patterns("quick"))
    return tmp_path


def test_check_catches_a_results_change_the_report_does_not_show(copy_of_repo):
    path = copy_of_repo / "results" / "hw1_2_surface.json"
    saved = json.loads(path.read_text())
    old = saved["results"]["final_train_loss"]
    saved["results"]["final_train_loss"] = old * 3
    path.write_text(json.dumps(saved))
    proc = run_report("--check", "--root", str(copy_of_repo))
    assert proc.returncode == 1
    assert f"training loss {claims.fix(old)}" in proc.stderr and f"training loss {claims.fix(old * 3)}" in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert all(line.startswith(("error: REPORT.md line ", "to fix: `make report`")) for line in lines)
    # rendering brings the report back in line
    assert run_report("--root", str(copy_of_repo)).returncode == 0
    assert run_report("--check", "--root", str(copy_of_repo)).returncode == 0


def test_check_catches_a_hand_edited_number_and_a_missing_figure(copy_of_repo):
    text = (copy_of_repo / "REPORT.md").read_text()
    real = claims.fix(json.loads((copy_of_repo / "results" / "hw1_2_surface.json").read_text())
                      ["results"]["final_train_loss"])
    assert f"training loss {real}, test accuracy" in text
    (copy_of_repo / "REPORT.md").write_text(text.replace(f"training loss {real}, test accuracy",
                                                         "training loss 9.999, test accuracy"))
    os.remove(copy_of_repo / "figures" / "hw1_3_interp_lr.png")
    proc = run_report("--check", "--root", str(copy_of_repo))
    assert proc.returncode == 1
    assert "figures/hw1_3_interp_lr.png, which does not exist" in proc.stderr
    assert "training loss 9.999" in proc.stderr


def test_missing_results_file_is_one_line(copy_of_repo):
    os.remove(copy_of_repo / "results" / "hw1_3_sharpness.json")
    proc = run_report("--check", "--root", str(copy_of_repo))
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "hw1_3_sharpness.json is missing" in proc.stderr


def test_formatters_against_hand_written_values():
    assert claims.sci(12345, 3) == "1.23e4" and claims.sci(0.000123) == "1.2e-4" and claims.sci(1e-5, 1) == "1e-5"
    assert claims.fix(0.02534, 3) == "0.025" and claims.pct(0.98083, 2) == "98.08%" and claims.pct(0.5, 0) == "50%"
    assert claims.num(25450) == "25,450" and claims.times(28.1, 6.2) == "4.5" and claims.times(281, 6.2) == "45"
    assert claims.span([5.2, 4.9], lambda x: claims.fix(x, 0)) == "5"
    assert claims.span([0.26, 0.341, 0.3], lambda x: claims.fix(x, 2)) == "0.26-0.34"
    assert claims.listing(["a"]) == "a" and claims.listing(["a", "b", "c"]) == "a, b and c"
    assert claims.count(3, "model") == "three models" and claims.count(1, "model") == "one model"
    assert claims.mean_pm([1.0, 2.0, 3.0], 2) == "2.00 ± 1.00"
    with pytest.raises(claims.ReportError):
        claims.by([{"a": 1}, {"a": 1}], "a", 1)


def _render(tmp_path, source, found):
    (tmp_path / "t.md").write_text(source)
    return report.render(str(tmp_path), templates=str(tmp_path), main="t.md", found=found)


def test_a_claim_prints_the_phrasing_of_its_outcome_or_fails_naming_the_line(tmp_path):
    source = "Accuracy {{ F.toy.trend }}; {{ F.toy.order }}.\n"
    rising = {"toy": {"trend": claims.choose("rises", {"rises": "rises", "falls": "falls"}),
                      "order": claims.claim(True, "the CNN beats the DNN", "the DNN beats the CNN")}}
    assert _render(tmp_path, source, rising) == report.HEADER + "Accuracy rises; the CNN beats the DNN.\n"
    flipped = {"toy": {"trend": claims.choose("falls", {"rises": "rises", "falls": "falls"}),
                       "order": claims.claim(False, "the CNN beats the DNN", "the DNN beats the CNN")}}
    assert "Accuracy falls; the DNN beats the CNN." in _render(tmp_path, source, flipped)
    broken = {"toy": {"trend": claims.choose("flat", {"rises": "rises", "falls": "falls"}, rho=0.1),
                      "order": claims.claim(True, "x")}}
    with pytest.raises(claims.ReportError, match=r"t.md:1: claim no longer holds: 'rises' .*rho=0.1"):
        _render(tmp_path, "Accuracy {{ F.toy.trend }}.\n", broken)
    with pytest.raises(TypeError):
        bool(broken["toy"]["trend"])                              # a claim is never used as a bool


def test_claims_are_listed_with_outcome_and_evidence():
    found = {"m": {"a": claims.claim(True, "x", rho=0.5), "rows": [{"b": claims.choose("up", {"up": "u"})}],
                   "by_eps": [{"eps": "0.001", "c": claims.claim(False, "y", "n")}],
                   "named": [{"name": "batch 64", "d": claims.claim(True, "z")}]}}
    assert report.claim_lines(found) == ["m.a: True (rho=0.5)", "m.rows[0].b: 'up' ()",
                                         "m.by_eps[eps=0.001].c: False ()", "m.named[batch 64].d: True ()"]


def test_table_rows_must_match_the_header():
    assert claims.table(["a", "b"], [[1, 2]]).splitlines()[2] == "| 1 | 2 |"
    with pytest.raises(claims.ReportError, match="2 cells, the header 3"):
        claims.table(["a", "b", "c"], [[1, 2]])
    broken = "| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |\n| 1 | 2 |\n"
    assert report.table_problems(broken) == ["REPORT.md line 4: a table row of 2 cells under a header of 3"]


def test_check_fails_for_a_figure_drawn_from_another_run(tmp_path):
    from common import plots
    (tmp_path / "results").mkdir()
    (tmp_path / "figures").mkdir()
    saved = {"config": {}, "provenance": {"run_id": "aaaa"}, "results": {"x": 1}}
    (tmp_path / "results" / "toy.json").write_text(json.dumps(saved))
    for run_id, name in (("aaaa", "toy_good"), ("bbbb", "toy_stale")):
        with plots.staged(run_id) as staged:
            fig, _ = plots.figure()
            plots.save(fig, str(tmp_path / "figures"), name)
        for path, data in staged.items():
            open(path, "wb").write(data)
    problems = report.missing_figures("![](figures/toy_good.png) ![](figures/toy_stale.png)\n", str(tmp_path),
                                      report.run_ids(str(tmp_path / "results")))
    assert len(problems) == 1 and "toy_stale.png was drawn from another run" in problems[0]


def test_check_names_results_made_by_other_code(copy_of_repo):
    path = copy_of_repo / "results" / "hw1_2_pca.json"
    saved = json.loads(path.read_text())
    saved["provenance"]["code_hash"] = "0" * 16
    path.write_text(json.dumps(saved))
    problems = report.stale_results(str(copy_of_repo / "results"), ROOT)
    assert any(p.startswith("results/hw1_2_pca.json was made by other code than the current hw1_2_pca.py")
               for p in problems)
    assert report.script_of("hw1_1_mnist_fashion-mnist").endswith("hw1_1_mnist.py")
    assert report.script_of("hw1_1_simulate_tune").endswith("hw1_1_simulate.py")
