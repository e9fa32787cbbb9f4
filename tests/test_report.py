"""REPORT.md against the results it quotes: the committed report must agree with results/ and
figures/, and the check must catch a stale number, a hand-edited number and a missing figure."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from common import report
from tests.conftest import ROOT


def run_report(*args):
    return subprocess.run([sys.executable, "-m", "common.report", *args], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)


def test_committed_report_agrees_with_results_and_figures():
    proc = run_report("--check")
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def copy_of_repo(tmp_path):
    """REPORT.md, results/*.json and figures/*.png copied to a scratch root."""
    shutil.copy(os.path.join(ROOT, "REPORT.md"), tmp_path / "REPORT.md")
    skip = shutil.ignore_patterns("quick", "cache")
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
    assert f"training loss {report.fix(old)}" in proc.stderr and f"training loss {report.fix(old * 3)}" in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert all(line.startswith(("error: REPORT.md line ", "to fix: `make report`")) for line in lines)
    # rendering brings the report back in line
    assert run_report("--root", str(copy_of_repo)).returncode == 0
    assert run_report("--check", "--root", str(copy_of_repo)).returncode == 0


def test_check_catches_a_hand_edited_number_and_a_missing_figure(copy_of_repo):
    text = (copy_of_repo / "REPORT.md").read_text()
    real = report.fix(json.loads((copy_of_repo / "results" / "hw1_2_surface.json").read_text())
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
    assert report.sci(12345, 3) == "1.23e4" and report.sci(0.000123) == "1.2e-4" and report.sci(1e-5, 1) == "1e-5"
    assert report.fix(0.02534, 3) == "0.025" and report.pct(0.98083, 2) == "98.08%" and report.pct(0.5, 0) == "50%"
    assert report.num(25450) == "25,450" and report.ratio(28.1, 6.2) == "4.5"
    assert report.span([5.2, 4.9], lambda x: report.fix(x, 0)) == "5"
    assert report.span([0.26, 0.341, 0.3], lambda x: report.fix(x, 2)) == "0.26-0.34"
    with pytest.raises(report.ReportError):
        report.by([{"a": 1}, {"a": 1}], "a", 1)


def test_template_statements_and_placeholders(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "toy.json").write_text(json.dumps({"config": {"n": 3}, "results": {"x": [0.5, 0.25]}}))
    template = "{% xs = R['toy']['x'] %}\nmean {{ fix(sum(xs) / len(xs), 3) }} over {{ C['toy']['n'] }}\n"
    assert report.render(template, str(tmp_path / "results")) == report.HEADER + "mean 0.375 over 3\n"
    with pytest.raises(report.ReportError, match="report_template.md:1: KeyError"):
        report.render("{{ R['toy']['nope'] }}\n", str(tmp_path / "results"))


# ---------------------------------------------------------------------------- claims computed from results
def _toy(tmp_path, values):
    (tmp_path / "results").mkdir(exist_ok=True)
    models = [{"name": name, "acc": acc} for name, acc in values.items()]
    (tmp_path / "results" / "toy.json").write_text(json.dumps({"config": {}, "results": {"models": models}}))
    return str(tmp_path / "results")


CLAIMS = ("{% ms = R['toy']['models'] %}\n"
          "{{ count(len(ms), 'model').capitalize() }}; accuracy {{ trend([m['acc'] for m in ms], 'rises', 'falls') }}; "
          "{{ claim(beats([by(ms, 'name', 'cnn')['acc']], [by(ms, 'name', 'dnn')['acc']]), 'the CNN beats the DNN', "
          "'the DNN beats the CNN') }}; best: {{ ranking(ms, lambda m: m['acc']) }}\n")


def test_claims_follow_the_results_or_fail_the_render(tmp_path):
    text = report.render(CLAIMS, _toy(tmp_path, {"dnn": 0.9, "cnn": 0.95, "rnn": 0.97}))
    assert "Three models; accuracy rises; the CNN beats the DNN; best: rnn > cnn > dnn" in text
    # a rerun that flips the ordering: the other phrasing, never the stale one
    text = report.render(CLAIMS.replace("'rises', 'falls'", "'rises', 'falls', 'is not monotonic'"),
                         _toy(tmp_path, {"dnn": 0.99, "cnn": 0.95, "rnn": 0.97}))
    assert "the DNN beats the CNN" in text and "is not monotonic" in text and "dnn > rnn > cnn" in text
    # a trend that no longer holds and has no other phrasing: the render fails, naming the line
    with pytest.raises(report.ReportError, match="report_template.md:2: .*claim no longer holds"):
        report.render(CLAIMS, _toy(tmp_path, {"dnn": 0.99, "cnn": 0.95, "rnn": 0.97}))


def test_table_rows_must_match_the_header():
    assert report.table(["a", "b"], [[1, 2]]).splitlines()[2] == "| 1 | 2 |"
    with pytest.raises(report.ReportError, match="2 cells, the header 3"):
        report.table(["a", "b", "c"], [[1, 2]])
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


def _tamper(root, name, change):
    path = root / "results" / f"{name}.json"
    saved = json.loads(path.read_text())
    change(saved["results"])
    path.write_text(json.dumps(saved))


def test_a_flipped_ordering_fails_the_check(copy_of_repo):
    """Every DNN made better than every CNN on MNIST: the committed report's sentences about the
    families no longer hold, so --check fails (the render gives the other phrasing or fails)."""
    def flip(results):
        for m in results["models"]:
            for run in m["runs"]:
                run["history"]["final"]["test_acc"] = 0.999 if m["family"] == "DNN" else 0.5
            m["final"]["test_acc"].update(mean=0.999 if m["family"] == "DNN" else 0.5, min=0.5, max=0.999)
    _tamper(copy_of_repo, "hw1_1_mnist_mnist", flip)
    proc = run_report("--check", "--root", str(copy_of_repo))
    assert proc.returncode == 1 and ("REPORT.md line" in proc.stderr or "claim no longer holds" in proc.stderr)


def test_a_broken_monotonic_trend_fails_the_check(copy_of_repo):
    """Novak's sensitivity made to zigzag over the batch sizes: the trend sentence must change."""
    def zigzag(results):
        for i, m in enumerate(sorted(results["models"], key=lambda m: m["batch"])):
            m["jacobian_frobenius"] = 1.0 + (i % 2)
    _tamper(copy_of_repo, "hw1_3_sensitivity", zigzag)
    proc = run_report("--check", "--root", str(copy_of_repo))
    assert proc.returncode == 1
