"""Reruns follow the code: results are reused only for the same config and code, unusable results
are recomputed (or refused under --plot-only), provenance says what made them, and each model's
seed comes from its name, so adding a model leaves the others' results identical."""
import glob
import json
import os
from types import SimpleNamespace

import pytest
import torch

from common import cli, results
from tests.conftest import ROOT, run_in

FAST_SIMULATE = ["--quick", "--functions", "sinc5", "--steps", "40"]


def _saved(folder, name="hw1_1_simulate"):
    return json.loads((folder / "results" / "quick" / f"{name}.json").read_text())


def test_results_are_reused_only_for_the_same_config_and_code(repo_copy):
    first = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE)
    assert first.returncode == 0, first.stderr
    run_id = _saved(repo_copy)["provenance"]["run_id"]
    # unchanged: reused, in one line that says which file, when written, and how to recompute
    again = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE)
    reuse = [line for line in again.stdout.splitlines() if line.startswith("reusing")]
    assert len(reuse) == 2 and "hw1_1_simulate_tune.json" in reuse[0]          # the sweep, then the runs
    reuse = reuse[1:]
    assert "hw1_1_simulate.json" in reuse[0] and "written 20" in reuse[0]
    assert "same config and code" in reuse[0] and "--force recomputes" in reuse[0]
    assert _saved(repo_copy)["provenance"]["run_id"] == run_id
    # a constant of the config block edited: recomputed, and the edit takes effect
    script = repo_copy / "hw1_1_simulate.py"
    script.write_text(script.read_text().replace("N_PLOT = 400", "N_PLOT = 50"))
    edited = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE)
    assert edited.returncode == 0 and "made by other code" in edited.stdout and "reusing" not in edited.stdout
    assert len(_saved(repo_copy)["results"]["x_plot"]) == 50
    # a module of common/ edited (even a comment): recomputed too
    module = repo_copy / "common" / "models.py"
    module.write_text(module.read_text() + "\n# an edit\n")
    edited_common = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE)
    assert "made by other code" in edited_common.stdout and "reusing" not in edited_common.stdout


def test_plot_only_redraws_after_a_plotting_edit_but_not_for_another_config(repo_copy):
    assert run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE).returncode == 0
    script = repo_copy / "hw1_1_simulate.py"
    script.write_text(script.read_text().replace('ylabel="training MSE"', 'ylabel="training MSE (log)"'))
    redraw = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE, "--plot-only")
    assert redraw.returncode == 0 and "reusing" in redraw.stdout and "code changed" in redraw.stdout
    other = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE[:-1], "41", "--plot-only")
    assert other.returncode == 1 and other.stderr.count("\n") == 1 and "another config" in other.stderr


def test_provenance_records_code_machine_and_commit(repo_copy):
    assert run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE).returncode == 0
    provenance = _saved(repo_copy)["provenance"]
    assert provenance["code_hash"] == results.code_hash(str(repo_copy / "hw1_1_simulate.py"),
                                                        str(repo_copy / "common"))
    assert {"git_commit", "git_modified", "cpu", "cores", "threads", "torch", "torch_git", "run_id"} <= set(provenance)
    assert provenance["threads"] == 1 and provenance["cpu"]
    assert provenance["torch"] == torch.__version__


def test_code_hash_covers_the_script_and_every_common_module(repo_copy):
    script, common = str(repo_copy / "hw1_2_pca.py"), str(repo_copy / "common")
    before = results.code_hash(script, common)
    (repo_copy / "common" / "plots.py").write_text((repo_copy / "common" / "plots.py").read_text() + "# x\n")
    assert results.code_hash(script, common) != before
    crlf = repo_copy / "common" / "plots.py"                     # line endings do not matter
    after = results.code_hash(script, common)
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))
    assert results.code_hash(script, common) == after


@pytest.mark.parametrize("damage,what", [
    (lambda saved: saved["results"].pop("functions"), "KeyError"),
    (lambda saved: saved["results"].update(functions=None), "what the script needs"),
    (lambda saved: saved.pop("provenance"), "older layout"),
    (lambda saved: saved.update(results=None), "older layout"),
])
def test_unusable_results_are_recomputed_or_refused_under_plot_only(repo_copy, damage, what):
    assert run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE).returncode == 0
    path = repo_copy / "results" / "quick" / "hw1_1_simulate.json"
    saved = json.loads(path.read_text())
    damage(saved)
    path.write_text(json.dumps(saved))
    refused = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE, "--plot-only")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and what in refused.stderr
    assert "recomputing" not in refused.stderr + refused.stdout
    redone = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE)
    assert redone.returncode == 0, redone.stderr
    assert (what in redone.stderr) or (what in redone.stdout)          # one line says why
    assert _saved(repo_copy)["results"]["functions"]["sinc5"]["models"]


def test_cached_tensors_of_wrong_shape_are_recomputed(tmp_path, capsys):
    args = SimpleNamespace(out_dir=str(tmp_path), quick=True, force=False, device_resolved=torch.device("cpu"))
    made = []
    script = os.path.join(ROOT, "hw1_2_surface.py")

    def compute():
        made.append(1)
        return {"w": torch.ones(3, 2)}
    results.cached_tensors(args, "toy", {"k": 1}, compute, code=script, shapes={"w": (3, 2)})
    results.cached_tensors(args, "toy", {"k": 1}, compute, code=script, shapes={"w": (3, 2)})
    assert len(made) == 1 and "reusing" in capsys.readouterr().out
    (path,) = glob.glob(str(tmp_path / "results" / "quick" / "cache" / "toy-*.pt"))
    saved = torch.load(path, weights_only=True)
    saved["tensors"]["w"] = torch.ones(4, 2)                        # same key, wrong shape
    torch.save(saved, path)
    again = results.cached_tensors(args, "toy", {"k": 1}, compute, code=script, shapes={"w": (3, 2)})
    assert again["w"].shape == (3, 2)
    assert len(made) == 2 and "other names or shapes" in capsys.readouterr().err


def test_force_recomputes_cached_tensors_once_per_make_figures_run(tmp_path, monkeypatch):
    """Under --force a cache file is recomputed, unless an earlier script of the same run (files
    written after RUN_STARTED) already did: then it is reused."""
    args = SimpleNamespace(out_dir=str(tmp_path), quick=True, force=True, device_resolved=torch.device("cpu"))
    made = []

    def compute():
        made.append(1)
        return {"w": torch.full((2,), float(len(made)))}
    monkeypatch.delenv(results.RUN_STARTED, raising=False)
    results.cached_tensors(args, "toy", {"k": 1}, compute, code=None)            # a plain --force: computes
    results.cached_tensors(args, "toy", {"k": 1}, compute, code=None)            # and again
    assert len(made) == 2
    (path,) = glob.glob(str(tmp_path / "results" / "quick" / "cache" / "toy-*.pt"))
    written = os.path.getmtime(path)
    monkeypatch.setenv(results.RUN_STARTED, repr(written + 60))                  # a run that began after it
    results.cached_tensors(args, "toy", {"k": 1}, compute, code=None)
    assert len(made) == 3                                                          # recomputed: not this run's
    monkeypatch.setenv(results.RUN_STARTED, repr(os.path.getmtime(path) - 1))    # written during this run
    again = results.cached_tensors(args, "toy", {"k": 1}, compute, code=None)
    assert len(made) == 3 and float(again["w"][0]) == 3.0                          # reused, the latest one


# ---------------------------------------------------------------------------- seeds from names
def test_derived_seeds_depend_on_names_not_positions():
    assert cli.derive_seed(0, "deep", "sinc5") == cli.derive_seed(0, "deep", "sinc5")
    assert len({cli.derive_seed(0, "a"), cli.derive_seed(0, "b"), cli.derive_seed(1, "a")}) == 3
    assert all(0 <= cli.derive_seed(s, "x") <= cli.MAX_SEED for s in (0, cli.MAX_SEED))


def test_inserting_a_model_leaves_the_other_models_identical(monkeypatch):
    import hw1_1_simulate as sim
    args = SimpleNamespace(seed=3, functions=["sinc5", "chirp"], steps=30, points=50, seeds=2,
                           device_resolved=torch.device("cpu"), quick=True, workers=1)
    rates = {arch: 3e-3 for arch in sim.ARCHITECTURES}
    before = sim.run(args, rates)
    grown = {"inserted (3 hidden)": 3, **sim.ARCHITECTURES}          # first, so every position shifts
    monkeypatch.setattr(sim, "ARCHITECTURES", grown)
    after = sim.run(args, {**rates, "inserted (3 hidden)": 1e-3})
    for f in args.functions:
        old = {m["name"]: m for m in before["functions"][f]["models"]}
        new = {m["name"]: m for m in after["functions"][f]["models"]}
        assert set(new) == set(old) | {"inserted (3 hidden)"}
        for name in old:
            assert new[name] == old[name], (f, name)


def test_inserting_a_mnist_model_leaves_the_others_identical(fake_data_dir, monkeypatch):
    import hw1_1_mnist as mn
    monkeypatch.setattr(mn, "CNNS", {"CNN shallow (1 conv)": 1})
    monkeypatch.setattr(mn, "DNNS", {"DNN shallow (1 hidden)": 1})
    args = SimpleNamespace(seed=0, dataset="mnist", data_dir=fake_data_dir, device_resolved=torch.device("cpu"),
                           quick=True, workers=1, epochs=1, batch_size=64, seeds=2)
    before = {m["name"]: m for m in mn.run(args)["models"]}
    monkeypatch.setattr(mn, "DNNS", {"DNN inserted (3 hidden)": 3, "DNN shallow (1 hidden)": 1})
    after = {m["name"]: m for m in mn.run(args)["models"]}
    assert set(after) == set(before) | {"DNN inserted (3 hidden)"}
    for name in before:
        assert after[name] == before[name], name
