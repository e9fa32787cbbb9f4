"""HW1-1 simulate's learning-rate sweep: where a net's best rate is an end of the rates it has
tried, the sweep goes on one rung of the ladder further, until the best rate is inside or the
ladder ends. Checked against synthetic losses whose best rate is known (no training)."""
import math
from types import SimpleNamespace

import pytest

import hw1_1_simulate as sim
from common.cli import HW1Error

LADDER = [3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
GRID = [3e-4, 1e-3, 3e-3, 1e-2]


def test_next_rungs_by_hand():
    assert sim.next_rungs(GRID, 1e-2, LADDER) == [3e-2]           # best at the top: one rung up
    assert sim.next_rungs(GRID, 3e-4, LADDER) == [1e-4]           # at the bottom: one rung down
    assert sim.next_rungs(GRID, 1e-3, LADDER) == []               # inside: done
    assert sim.next_rungs([1e-2], 1e-2, LADDER) == [3e-3, 3e-2]   # a single rate is both ends
    assert sim.next_rungs([3e-2, 1e-1], 1e-1, LADDER) == []       # the ladder ends
    assert sim.next_rungs([3e-5, 1e-4], 3e-5, LADDER) == []


def synthetic_sweep(monkeypatch, best):
    """tune() with every run's final loss (log10(lr / best[arch]))^2 + 1: each net's best rate known."""
    calls = []

    def fake_run_jobs(args, rates, names):
        calls.append({arch: list(r) for arch, r in rates.items()})
        return [{"arch": arch, "lr": lr, "function": f, "seed": hash((arch, lr, f, n)) % 1000,
                 "final_loss": math.log10(lr / best[arch]) ** 2 + 1.0}
                for arch, rs in rates.items() for lr in rs for f in args.functions for n in names]

    monkeypatch.setattr(sim, "run_jobs", fake_run_jobs)
    args = SimpleNamespace(seed=0, tuning_seeds=2, lr_grid=GRID, lr_ladder=LADDER, functions=["sinc5", "chirp"])
    return sim.tune(args), calls


def test_the_sweep_climbs_the_ladder_to_an_inside_best(monkeypatch):
    archs = list(sim.ARCHITECTURES)
    best = {archs[0]: 1e-3, archs[1]: 1e-4, archs[2]: 3e-2, archs[3]: 10.0}   # inside, below, above, off the ladder
    out, calls = synthetic_sweep(monkeypatch, best)
    table = out["architectures"]
    assert calls[0] == {arch: GRID for arch in archs}                         # the grid first, for every net
    assert all(archs[0] not in c for c in calls[1:])                          # an inside best adds nothing
    assert table[archs[0]]["chosen_lr"] == 1e-3 and table[archs[0]]["added_rates"] == []
    # below: 1e-4 is tried, then 3e-5 (since 1e-4 was best); the best has a rate on each side
    assert table[archs[1]]["chosen_lr"] == 1e-4 and table[archs[1]]["added_rates"] == [3e-5, 1e-4]
    assert table[archs[2]]["chosen_lr"] == 3e-2 and table[archs[2]]["added_rates"] == [3e-2, 1e-1]
    # off the ladder: it climbs to 1e-1, the ladder's end, and says so
    assert table[archs[3]]["chosen_lr"] == 1e-1 and table[archs[3]]["ladder_end"]
    assert not any(table[a]["ladder_end"] for a in archs[:3])
    assert out["rounds"] == len(calls) == 3
    for arch in archs:                                                        # rows sorted, each rate once
        rates = [r["lr"] for r in table[arch]["rates"]]
        assert rates == sorted(set(rates))


def test_a_grid_rate_off_the_ladder_is_refused(monkeypatch):
    args = SimpleNamespace(seed=0, tuning_seeds=1, lr_grid=[5e-3], lr_ladder=LADDER, functions=["sinc5"])
    monkeypatch.setattr(sim, "run_jobs", lambda *a: pytest.fail("must not train"))
    with pytest.raises(HW1Error, match="not on the ladder"):
        sim.tune(args)


def test_jobs_of_a_later_round_are_only_the_nets_it_names():
    archs = list(sim.ARCHITECTURES)
    jobs = sim.make_jobs({archs[1]: [1e-4], archs[2]: [3e-2]}, ["sinc5", "chirp"], ["tune-0"], 5, 10, 0, "cpu")
    assert sorted((job.arch, job.lr) for job in jobs) == sorted([(archs[1], 1e-4), (archs[2], 3e-2)])
