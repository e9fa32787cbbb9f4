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


def test_expected_wall_replays_the_scheduler_by_hand():
    """Hand-computed schedules: 2 slots, a (10 s) and b (5 s) start at once; c (5 s) needs a, so it
    waits for a although a slot is free at 5 s, and d (1 s) takes that slot: 15 s in all."""
    commands = [["a.py"], ["b.py"], ["c.py"], ["d.py"]]
    seconds = {"a.py": 10.0, "b.py": 5.0, "c.py": 5.0, "d.py": 1.0}
    total, spans = run_figures.expected_wall(seconds, 2, commands, after={"c.py": "a.py"})
    assert total == 15.0 and spans["c.py"] == (10.0, 15.0) and spans["d.py"] == (5.0, 6.0)
    total, _ = run_figures.expected_wall(seconds, 1, commands, after={"c.py": "a.py"})
    assert total == 21.0                                         # one slot: the sum
    total, _ = run_figures.expected_wall(seconds, 4, commands, after={})
    assert total == 10.0                                         # enough slots: the longest


def test_start_order_takes_the_longest_chain_first_and_the_replay_follows_it():
    """c (1 s) needs a (1 s): the chain a -> c is 2 s, longer than b's 1.5 s, so a starts first;
    without times, command order. On 2 slots the chain first ends at 2 s (a, c beside b); command
    order with b first (b, a, then c after a) also 2 s; on 1 slot any order sums to 3.5 s."""
    commands = [["b.py"], ["a.py"], ["c.py"]]
    after = {"c.py": "a.py"}
    seconds = {"b.py": 1.5, "a.py": 1.0, "c.py": 1.0}
    assert run_figures.start_order(commands, seconds, after) == [1, 0, 2]
    assert run_figures.start_order(commands, {}, after) == [0, 1, 2]
    assert run_figures.start_order(commands, {"b.py": 1.5}, after) == [0, 1, 2]   # a time missing
    total, spans = run_figures.expected_wall(seconds, 1, commands, after, order=[1, 0, 2])
    assert total == 3.5 and spans["a.py"] == (0.0, 1.0) and spans["b.py"] == (1.0, 2.5)
    # 4 scripts, 2 slots: longest chain first beats command order
    commands = [["x.py"], ["y.py"], ["s.py"], ["t.py"]]
    seconds = {"x.py": 3.0, "y.py": 3.0, "s.py": 3.0, "t.py": 3.0}
    after = {"t.py": "s.py"}
    order = run_figures.start_order(commands, seconds, after)
    assert order[0] == 2                                         # s heads the 6-s chain
    assert run_figures.expected_wall(seconds, 2, commands, after)[0] == 9.0           # x, y; s; t
    assert run_figures.expected_wall(seconds, 2, commands, after, order=order)[0] == 6.0   # s, x; t, y


def test_a_later_command_may_start_first_and_the_log_keeps_command_order(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_figures, "AFTER", {})
    commands = _scripts(tmp_path, {"first.py": (0.2, 0), "second.py": (0.6, 0)})
    seconds, failed = run_figures.run_side_by_side(commands, [], slots=1, order=[1, 0])
    out = capsys.readouterr().out
    assert failed is None and set(seconds) == {"first.py", "second.py"}
    first, second = _times(out, "first.py"), _times(out, "second.py")
    assert second["end"] <= first["start"]                       # second ran first (one slot)
    assert out.index("=== first.py") < out.index("first.py start") < out.index("=== second.py")


def test_expectations_come_from_the_latest_computing_times(tmp_path, capsys):
    import json

    import pytest

    from common.cli import HW1Error
    names = [" ".join(c) for c in run_figures.COMMANDS]
    old = {"scripts": {n: 10.0 for n in names}, "computed": {n: ["r"] for n in names}}   # before the field
    (tmp_path / "timings.json").write_text(json.dumps(old))
    assert run_figures.computing_seconds(tmp_path) == {n: 10.0 for n in names}
    run_figures.print_expectations([2], tmp_path)
    assert f"expected {10.0 * len(names):7.0f} s" in capsys.readouterr().out   # 2 cores: the sum
    reused = {"scripts": {n: 1.0 for n in names}, "computed": {n: [] for n in names},
              "computing_seconds": {n: 10.0 for n in names[1:]}}               # one never timed computing
    (tmp_path / "timings.json").write_text(json.dumps(reused))
    with pytest.raises(HW1Error, match=names[0]):
        run_figures.print_expectations([4], tmp_path)
