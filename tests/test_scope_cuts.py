"""bench/scope_cuts.py: each cut removes what it names, saves the seconds of what it removed, and its
claims are compared with the report's (an empty cut changes none; a removed script's claims are gone)."""
import copy
import os

import pytest

from bench import scope_cuts
from common import report

RESULTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results")


@pytest.fixture(scope="module")
def loaded():
    return report.load_all(RESULTS)


def _copies(loaded):
    R, C, P, T = loaded
    R, C = copy.deepcopy(dict(R)), copy.deepcopy(dict(C))
    R["_timings"] = dict(T["scripts"])
    return R, C


def test_a_cut_of_seeds_keeps_only_those_seeds_and_saves_the_seconds_of_the_others(loaded):
    R, C = _copies(loaded)
    before = copy.deepcopy(R)
    cut, _ = scope_cuts.shared_models(seeds=("s0", "s1", "s2"))
    worker, wall = cut(R, C)
    kept = ("s0", "s1", "s2")
    for which in ("main", "fitted"):
        assert {m["seed"] for m in R["hw1_3_sensitivity"]["sets"][which]["models"]} == set(kept)
    assert {m["seed"] for m in R["hw1_3_sharpness"]["models"]} == set(kept)
    assert all(run["seed"] in kept for pair in R["hw1_3_interp"]["pairs"].values() for run in pair["runs"])
    # an independent sum of what was removed: the training seconds, the sharpness walls, interp's share
    removed = sum(m["seconds"] for s in before["hw1_3_sensitivity"]["sets"].values() for m in s["models"]
                  if m["seed"] not in kept)
    removed += sum(v["wall"] for k, v in before["hw1_3_sharpness"]["seconds"].items() if k.split()[-1] in ("s3", "s4"))
    removed += 2 * before["_timings"]["hw1_3_interp.py"] * 2 / 5
    assert worker == pytest.approx(removed) and wall == 0.0


def test_a_cut_that_removes_nothing_changes_no_claim(loaded):
    seconds, out = scope_cuts.evaluate(loaded, *scope_cuts.shared_models(seeds=("s0", "s1", "s2", "s3", "s4")))
    assert seconds == 0.0
    assert out["changed"] == [] and out["gone"] == [] and out["new"] == [] and len(out["same"]) > 100


def test_an_approach_cut_drops_it_from_results_and_config(loaded):
    R, C = _copies(loaded)
    cut, _ = scope_cuts.shared_models(drop_main=("batch 8192",))
    cut(R, C)
    assert "batch 8192" not in R["hw1_3_sensitivity"]["batch_series"]
    assert all(m["approach"] != "batch 8192" for m in R["hw1_3_sharpness"]["models"])
    assert "batch 8192" not in C["hw1_3_sharpness"]["approaches"]
    assert "batch 8192" not in C["hw1_3_sensitivity"]["sets"]["main"]


def test_a_script_behind_a_flag_loses_its_claims_and_saves_its_wall_time(loaded):
    seconds, out = scope_cuts.evaluate(loaded, *scope_cuts.without_script("hw1_3_keskar.py", "hw1_3_keskar"))
    assert seconds == pytest.approx(loaded[3]["scripts"]["hw1_3_keskar.py"])
    assert out["gone"] and all(name.startswith("hw1_3_keskar.") for name in out["gone"])
    assert out["changed"] == [] and not any(name.startswith("hw1_3_keskar.") for name in out["same"])


def test_fewer_epochs_read_the_state_after_those_epochs(loaded):
    R, C = _copies(loaded)
    run = R["hw1_1_mnist_mnist"]["models"][0]["runs"][0]
    test_acc_at_5 = run["history"]["test_acc"][run["history"]["epoch"].index(5)]
    cut, _ = scope_cuts.mnist_epochs(5)
    _, wall = cut(R, C)
    assert run["history"]["final"]["test_acc"] == test_acc_at_5 and run["history"]["epoch"][-1] == 5
    assert wall == pytest.approx(sum(loaded[3]["scripts"][f"hw1_1_mnist.py --dataset {d}"] / 2
                                     for d in ("mnist", "fashion-mnist")))


def test_the_sweep_replayed_with_both_tuning_seeds_chooses_the_committed_rates(loaded):
    R, C = _copies(loaded)
    cut, _ = scope_cuts.simulate_tuning_seeds(list(R["hw1_1_simulate_tune"]["seed_names"]))
    assert cut(R, C) == (0.0, 0.0)


def test_a_tuning_seed_that_would_choose_another_rate_is_not_read(loaded):
    R, C = _copies(loaded)
    table = next(iter(R["hw1_1_simulate_tune"]["architectures"].values()))
    chosen = next(row for row in table["rates"] if row["lr"] == table["chosen_lr"])
    for per_function in chosen["final_loss"].values():
        per_function[0] *= 1e6                           # the chosen rate, far worse on the first seed
    cut, _ = scope_cuts.simulate_tuning_seeds(["tune-0"])
    with pytest.raises(scope_cuts.RunsDiffer, match="the reported runs would be others"):
        cut(R, C)


def test_fewer_reported_seeds_keep_the_first_ones_and_their_summary(loaded):
    R, C = _copies(loaded)
    cut, _ = scope_cuts.simulate_seeds(3)
    _, wall = cut(R, C)
    for function in R["hw1_1_simulate"]["functions"].values():
        for m in function["models"]:
            assert m["seed_names"] == ["seed-0", "seed-1", "seed-2"] and m["final_loss"]["n"] == 3
            assert m["final_loss"]["median"] == pytest.approx(sorted(m["final_losses"])[1])
            assert m["median_seed"] in m["seed_names"]
    assert 0 < wall < loaded[3]["scripts"]["hw1_1_simulate.py"]


def test_results_without_timings_are_one_line_and_exit_1(tmp_path, capsys):
    assert scope_cuts.main(["--results", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "timings.json" in err


def test_without_the_input_controls_their_claims_are_gone_and_the_label_controls_regroup_as_committed(loaded):
    R, C = _copies(loaded)
    committed = copy.deepcopy(R["hw1_3_random_labels"]["control_levels"])
    cut, touched = scope_cuts.random_labels(input_controls=False)
    worker, _ = cut(R, C)
    assert R["hw1_3_random_labels"]["control_levels"] == committed        # the script's own summary, recomputed
    assert R["hw1_3_random_labels"]["input_controls"] == [] and C["hw1_3_random_labels"]["input_controls"] == []
    assert worker == pytest.approx(sum(c["seconds"] for c in loaded[0]["hw1_3_random_labels"]["input_controls"]))
    _, out = scope_cuts.evaluate(loaded, cut, touched)
    for name in ("inputs_fitted", "input_conclusion"):
        assert f"hw1_3_random_labels.{name}" in out["gone"]
    assert not any(name.startswith("hw1_3_random_labels.input") for name in out["same"])


def test_cuts_together_save_what_their_union_removed(loaded):
    R, C = _copies(loaded)
    cuts = {"seeds": scope_cuts.shared_models(seeds=("s0", "s1", "s2")),
            "8192": scope_cuts.shared_models(drop_main=("batch 8192",))}
    scope_cuts.CUTS.update(cuts)
    try:
        worker, _ = scope_cuts.together("seeds", "8192")[0](R, C)
    finally:
        for name in cuts:
            del scope_cuts.CUTS[name]
    removed = lambda m: m["seed"] in ("s3", "s4") or m["approach"] == "batch 8192"      # noqa: E731
    expected = sum(m["seconds"] for s in loaded[0]["hw1_3_sensitivity"]["sets"].values() for m in s["models"]
                   if removed(m))
    expected += sum(v["wall"] for k, v in loaded[0]["hw1_3_sharpness"]["seconds"].items()
                    if k.startswith("batch 8192") or k.split()[-1] in ("s3", "s4"))
    expected += 2 * loaded[3]["scripts"]["hw1_3_interp.py"] * 2 / 5
    assert worker == pytest.approx(expected)


def test_a_fitted_set_cut_leaves_the_main_set_alone(loaded):
    R, C = _copies(loaded)
    scope_cuts.shared_models(drop_fitted=("batch 4096",))[0](R, C)
    sets = R["hw1_3_sensitivity"]["sets"]
    assert all(m["approach"] != "batch 4096" for m in sets["fitted"]["models"])
    assert sum(m["approach"] == "batch 4096" for m in sets["main"]["models"]) == 5
    assert "batch 4096" in C["hw1_3_sensitivity"]["sets"]["main"]
    assert "batch 4096" not in C["hw1_3_sensitivity"]["sets"]["fitted"]
