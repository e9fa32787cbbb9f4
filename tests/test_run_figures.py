"""make figures' scheduler: scripts side by side on machines with cores to spare, a script that
needs another's output only after it, one log in command order, a failure ends the run."""
from common import run_figures

SCRIPT = """import sys, time
print("{name} start", time.time(), flush=True)
time.sleep({sleep})
print("{name} end", time.time(), flush=True)
sys.exit({code})
"""


def _scripts(folder, specs):
    for name, (sleep, code) in specs.items():
        (folder / name).write_text(SCRIPT.format(name=name, sleep=sleep, code=code))
    return [[name] for name in specs]


def _times(out, name):
    return {kind: float(line.split()[2]) for line in out.splitlines() if line.startswith(name + " ")
            for kind in [line.split()[1]]}


def test_side_by_side_respects_needs_and_prints_in_order(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_figures, "AFTER", {"c.py": "a.py"})
    commands = _scripts(tmp_path, {"a.py": (1.0, 0), "b.py": (0.2, 0), "c.py": (0.2, 0)})
    seconds, failed = run_figures.run_side_by_side(commands, [], slots=2)
    out = capsys.readouterr().out
    assert failed is None and set(seconds) == {"a.py", "b.py", "c.py"}
    a, b, c = (_times(out, n) for n in ("a.py", "b.py", "c.py"))
    assert b["start"] < a["end"]                                 # b ran beside a
    assert c["start"] >= a["end"]                                # c needs a: only after it
    order = [line for line in out.splitlines() if line.startswith("===") or line.endswith(tuple("0123456789"))]
    headers = [line for line in order if line.startswith("===")]
    assert headers == ["=== a.py ", "=== b.py ", "=== c.py "]
    assert out.index("a.py end") < out.index("=== b.py") < out.index("b.py start") < out.index("=== c.py")


def test_a_failure_ends_the_run_and_starts_nothing_new(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_figures, "AFTER", {})
    commands = _scripts(tmp_path, {"bad.py": (0.1, 3), "slow.py": (30, 0), "later.py": (0.1, 0)})
    seconds, failed = run_figures.run_side_by_side(commands, [], slots=2)
    out = capsys.readouterr().out
    assert failed == "bad.py" and "bad.py end" in out
    assert "later.py start" not in out and "slow.py end" not in out and "slow.py" not in seconds   # ended
