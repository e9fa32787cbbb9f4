"""Reruns follow the code: everything computed is stored under the key of its config and the code
that computes it (the script without its plotting, the common/ modules it computes with), reused
exactly when that key is unchanged, recomputed otherwise; a plot edit redraws without recomputing;
damaged files are recomputed (or refused under --plot-only); a killed run keeps its finished jobs;
each model's seed comes from its name, so adding a model leaves the others' results identical."""
import glob
import json
import shutil
from types import SimpleNamespace

import pytest
import torch

from common import cli, codekey, results
from tests.conftest import copy_repo, made_once, run_in

FAST_SIMULATE = ["--quick", "--functions", "sinc5", "--steps", "40"]


def _saved(folder, name="hw1_1_simulate"):
    return json.loads((folder / "results" / "quick" / f"{name}.json").read_text())


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_results_follow_the_computing_code_and_not_the_plotting_code(repo_copy):
    first = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE)
    assert first.returncode == 0, first.stderr
    run_id = _saved(repo_copy)["provenance"]["run_id"]

    def rerun():
        proc = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE)
        assert proc.returncode == 0, proc.stderr
        return proc, _saved(repo_copy)["provenance"]["run_id"]
    # unchanged: reused, one line each (the sweep, then the runs)
    again, same = rerun()
    reuse = [line for line in again.stdout.splitlines() if line.startswith("reusing")]
    assert len(reuse) == 2 and "same config and code" in reuse[1] and same == run_id
    # a plot function, a comment, a docstring and the plotting module edited: reused, figures redrawn
    script = repo_copy / "hw1_1_simulate.py"
    _edit(script, 'ylabel="training MSE"', 'ylabel="training MSE (log)"')
    _edit(script, "# ---------------------------------------------------------------------------- 1.",
          "# a comment edited\n# ---------------------------------------------------------------------------- 1.")
    (repo_copy / "common" / "plots.py").write_text((repo_copy / "common" / "plots.py").read_text() + "\nX = 1\n")
    (repo_copy / "common" / "models.py").write_text((repo_copy / "common" / "models.py").read_text() + "\n# x\n")
    redrawn, same = rerun()
    assert same == run_id and "figure " in redrawn.stdout
    # a constant of the config block edited: recomputed, and the edit takes effect
    _edit(script, "N_PLOT = 400", "N_PLOT = 50")
    edited, new = rerun()
    assert new != run_id and "another config or code; recomputing" in edited.stdout
    assert len(_saved(repo_copy)["results"]["x_plot"]) == 50
    # code of a common/ module it computes with edited: recomputed
    models = repo_copy / "common" / "models.py"
    models.write_text(models.read_text() + "\n\ndef another_helper():\n    return 1\n")
    _, newer = rerun()
    assert newer != new


def test_code_hash_covers_the_computing_modules_only(repo_copy):
    script, common = [str(repo_copy / "hw1_2_pca.py")], str(repo_copy / "common")
    before = codekey.code_hash(script, common)
    modules = codekey.compute_modules(script, common)
    assert "train" in modules and "data" in modules and "plots" not in modules
    assert "critical" not in modules                                # pca does not compute with it
    for name, unchanged in (("plots", True), ("critical", True), ("train", False)):
        path = repo_copy / "common" / f"{name}.py"
        saved = path.read_text()
        path.write_text(saved + "\nEXTRA = 1\n")
        assert (codekey.code_hash(script, common) == before) is unchanged, name
        path.write_text(saved)
    path = repo_copy / "common" / "train.py"                       # line endings do not matter
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert codekey.code_hash(script, common) == before


def test_provenance_records_code_machine_and_commit(repo_copy):
    assert run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE).returncode == 0
    saved = _saved(repo_copy)
    provenance = saved["provenance"]
    assert provenance["code_hash"] == codekey.code_hash([str(repo_copy / "hw1_1_simulate.py")],
                                                        str(repo_copy / "common"))
    assert saved["key"] == {"config": saved["config"], "code": provenance["code_hash"]}
    assert {"git_commit", "git_modified", "cpu", "cores", "threads", "torch", "torch_git", "run_id"} <= set(provenance)
    assert provenance["threads"] == 1 and provenance["cpu"] and provenance["torch"] == torch.__version__


def test_plot_only_refuses_another_config(repo_copy):
    assert run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE).returncode == 0
    other = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE[:-1], "41", "--plot-only")
    assert other.returncode == 1 and other.stderr.count("\n") == 1 and "another config" in other.stderr


@pytest.fixture(scope="session")
def simulated_copy(tmp_path_factory):
    """A repo_copy after one FAST_SIMULATE run (made_once: shared, a test copies it to change it)."""
    def make(folder):
        copy_repo(folder / "repo")
        first = run_in(folder / "repo", "hw1_1_simulate.py", *FAST_SIMULATE)
        assert first.returncode == 0, first.stderr
    return made_once(tmp_path_factory, "simulated-copy", make) / "repo"


@pytest.mark.parametrize("damage", [
    lambda saved: saved.pop("provenance"),
    lambda saved: saved.update(results=None),
    "not json",
])
def test_damaged_results_are_recomputed_or_refused_under_plot_only(simulated_copy, tmp_path, damage):
    repo_copy = tmp_path / "repo"
    shutil.copytree(simulated_copy, repo_copy)
    path = repo_copy / "results" / "quick" / "hw1_1_simulate.json"
    if callable(damage):
        saved = json.loads(path.read_text())
        damage(saved)
        path.write_text(json.dumps(saved))
    else:
        path.write_text(damage)
    refused = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE, "--plot-only")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "damaged" in refused.stderr
    redone = run_in(repo_copy, "hw1_1_simulate.py", *FAST_SIMULATE)
    assert redone.returncode == 0, redone.stderr
    assert "is damaged; recomputing" in redone.stderr
    assert _saved(repo_copy)["results"]["functions"]["sinc5"]["models"]


# ---------------------------------------------------------------------------- stored tensors and jobs
def _args(tmp_path, force=False):
    return SimpleNamespace(out_dir=str(tmp_path), quick=True, force=force, device_resolved=torch.device("cpu"))


def test_cached_values_follow_their_key_and_survive_damage(tmp_path, capsys):
    made = []

    def compute():
        made.append(1)
        return {"w": torch.full((3, 2), float(len(made)))}
    args = _args(tmp_path)
    results.cached(args, "toy", {"k": 1}, compute, code="c1")
    assert float(results.cached(args, "toy", {"k": 1}, compute, code="c1")["w"][0, 0]) == 1 and len(made) == 1
    results.cached(args, "toy", {"k": 2}, compute, code="c1")      # another config
    results.cached(args, "toy", {"k": 1}, compute, code="c2")      # another code
    assert len(made) == 3
    results.cached(_args(tmp_path, force=True), "toy", {"k": 1}, compute, code="c1")   # --force
    assert len(made) == 4
    for path in glob.glob(str(tmp_path / "results" / "quick" / "cache" / "toy-*.pt")):
        with open(path, "r+b") as f:                               # truncated by a crash
            f.truncate(10)
    capsys.readouterr()
    value = results.cached(args, "toy", {"k": 1}, compute, code="c1")
    assert len(made) == 5 and value["w"].shape == (3, 2) and "does not load" in capsys.readouterr().err


def _square(job):
    return {"x": job * job}


def test_run_jobs_computes_only_the_jobs_not_yet_stored(tmp_path, monkeypatch):
    """A run killed after some jobs: the next run computes only the others (jobs by name)."""
    import common.train
    calls = []
    real = common.train.run_side_by_side

    def counting(fn, jobs, workers=2, on_done=None):
        calls.append(list(jobs))
        return real(fn, jobs, 1, on_done)
    monkeypatch.setattr(common.train, "run_side_by_side", counting)
    monkeypatch.setattr(results, "_EXPERIMENT", {"name": "toy", "key": {"config": {"n": 1}, "code": "c"}})
    args = _args(tmp_path)
    assert results.run_jobs(args, _square, [2, 3], ["two", "three"], 1) == [{"x": 4}, {"x": 9}]
    assert results.run_jobs(args, _square, [4, 2, 3], ["four", "two", "three"], 1) == [{"x": 16}, {"x": 4}, {"x": 9}]
    assert calls == [[2, 3], [4]]                                  # only the new job ran
    monkeypatch.setattr(results, "_EXPERIMENT", {"name": "toy", "key": {"config": {"n": 2}, "code": "c"}})
    results.run_jobs(args, _square, [2], ["two"], 1)                # another experiment config: recomputed
    assert calls[-1] == [2]
    with pytest.raises(ValueError):
        results.run_jobs(args, _square, [2, 3], ["same", "same"], 1)


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
