"""Every script end to end in --quick mode, as a user runs it: outputs, caching, bad input."""
import json
import os

import numpy as np

import pytest

from tests.conftest import copy_trained_approaches, made_once, run_script, start_script

SIMULATE_PNGS = [f"hw1_1_simulate_{f}_{k}.png" for f in ("sinc5", "sgn_sin5", "chirp") for k in ("loss", "fit")]


def _results(out_dir, name):
    with open(os.path.join(out_dir, "results", "quick", f"{name}.json")) as f:
        return json.load(f)


NO_FUTURE_WARNING = {"PYTHONWARNINGS": "error::FutureWarning"}   # a deprecated call of ours fails the run


def _run_twice(script, out_dir, *args, timeout=300, env=None):
    """Run a --quick script twice at once (2 cores), same arguments and seed, into out_dir and
    out_dir/again; assert both succeed and write identical results (provenance aside).
    Returns the first run's CompletedProcess: the per-script tests check its outputs."""
    import subprocess
    outs = (out_dir, os.path.join(out_dir, "again"))
    procs = [start_script(script, "--quick", *args, "--out-dir", out, env=env) for out in outs]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    folders = [os.path.join(out, "results", "quick") for out in outs]
    names = sorted(name for name in os.listdir(folders[0]) if name.endswith(".json"))
    assert names and names == sorted(name for name in os.listdir(folders[1]) if name.endswith(".json"))
    def timeless(value):              # wall times ("seconds") differ between two runs by nature
        if isinstance(value, dict):
            return {k: timeless(v) for k, v in value.items() if k != "seconds"}
        return [timeless(v) for v in value] if isinstance(value, list) else value
    for name in names:
        first, second = (timeless(json.load(open(os.path.join(folder, name)))) for folder in folders)
        assert first["config"] == second["config"]
        assert first["results"] == second["results"], f"{script}: same seed, different {name}"
    return done[0]


def _pngs_ok(out_dir, names):
    for name in names:
        path = os.path.join(out_dir, "figures", "quick", name)
        assert os.path.getsize(path) > 5000, path
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="session")
def simulate_run(tmp_path_factory):
    """hw1_1_simulate --quick, run once for the tests (made_once: shared, copy it to change it)."""
    def make(out):
        proc = run_script("hw1_1_simulate.py", "--quick", "--out-dir", str(out))
        assert proc.returncode == 0, proc.stderr
    return str(made_once(tmp_path_factory, "simulate", make))


def test_simulate_quick_writes_figures_and_results(simulate_run):
    _pngs_ok(simulate_run, SIMULATE_PNGS + ["hw1_1_simulate_tune.png"])
    saved = _results(simulate_run, "hw1_1_simulate")
    assert set(saved) == {"key", "config", "provenance", "results"}
    n_seeds = len(saved["results"]["seed_names"])
    assert n_seeds == 3
    for entry in saved["results"]["functions"].values():
        models = entry["models"]
        assert len(models) >= 3
        for m in models:
            assert len(m["final_losses"]) == len(m["loss_curves"]) == len(m["predictions"]) == n_seeds
            assert all(loss < curve[0] for loss, curve in zip(m["final_losses"], m["loss_curves"]))   # training helped
            assert m["final_loss"]["median"] == sorted(m["final_losses"])[n_seeds // 2]
            assert m["final_losses"][m["seed_names"].index(m["median_seed"])] == m["final_loss"]["median"]
        counts = [m["params"] for m in models]
        assert max(counts) <= 1.01 * min(counts)                  # same size within 1%
        assert len({len(m["widths"]) for m in models}) == len(models)   # different depths


def test_simulate_tuning_and_reported_seeds_are_disjoint_and_the_chosen_rates_are_used(simulate_run):
    tuned, reported = _results(simulate_run, "hw1_1_simulate_tune"), _results(simulate_run, "hw1_1_simulate")
    assert set(tuned["results"]["seeds"]).isdisjoint(reported["results"]["seeds"])
    assert not set(tuned["config"]["tuning_seeds"]) & set(reported["config"]["seed_names"])
    for arch, entry in tuned["results"]["architectures"].items():
        best = min(entry["rates"], key=lambda row: row["score"])
        assert entry["chosen_lr"] == best["lr"] == reported["config"]["learning_rates"][arch]
        for row in entry["rates"]:                                # the score: geometric mean over all sweep runs
            losses = [v for per_function in row["final_loss"].values() for v in per_function]
            assert row["score"] == pytest.approx(float(np.exp(np.mean(np.log(losses)))), rel=1e-12)
        for m in (m for f in reported["results"]["functions"].values() for m in f["models"] if m["name"] == arch):
            assert m["lr"] == entry["chosen_lr"]


def test_simulate_plot_only_and_cache(simulate_run, tmp_path):
    import shutil
    out = str(tmp_path / "out")
    shutil.copytree(simulate_run, out)
    figures = os.path.join(out, "figures", "quick")
    for name in SIMULATE_PNGS:
        os.remove(os.path.join(figures, name))
    proc = run_script("hw1_1_simulate.py", "--quick", "--plot-only", "--out-dir", out)
    assert proc.returncode == 0 and "reusing" in proc.stdout
    _pngs_ok(out, SIMULATE_PNGS)
    # a changed config is not served from the cache: --plot-only then has nothing to draw
    proc = run_script("hw1_1_simulate.py", "--quick", "--plot-only", "--steps", "7", "--out-dir", out)
    assert proc.returncode == 1 and "another config" in proc.stderr


def test_simulate_same_seed_gives_identical_results(simulate_run, tmp_path):
    proc = run_script("hw1_1_simulate.py", "--quick", "--out-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert _results(str(tmp_path), "hw1_1_simulate")["results"] == _results(simulate_run, "hw1_1_simulate")["results"]


def test_corrupt_results_are_recomputed(tmp_path):
    path = tmp_path / "results" / "quick" / "hw1_1_simulate.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"config": {"functions": ["sinc5"')              # a write cut short
    proc = run_script("hw1_1_simulate.py", "--quick", "--functions", "sinc5", "--out-dir", str(tmp_path))
    assert proc.returncode == 0 and "is damaged; recomputing" in proc.stderr
    assert json.loads(path.read_text())["results"]["functions"]["sinc5"]["models"]


def test_mnist_quick_on_fake_data(fake_data_dir, tmp_path):
    out = str(tmp_path)
    proc = run_script("hw1_1_mnist.py", "--quick", "--data-dir", fake_data_dir, "--out-dir", out,
                      env=NO_FUTURE_WARNING)
    assert proc.returncode == 0, proc.stderr
    _pngs_ok(out, ["hw1_1_mnist_mnist_loss.png", "hw1_1_mnist_mnist_acc.png"])
    res = _results(out, "hw1_1_mnist_mnist")["results"]
    families = [m["family"] for m in res["models"]]
    assert families.count("CNN") >= 3 and families.count("DNN") >= 3
    budget = {m["name"]: m for m in res["models"]}["DNN shallow (1 hidden)"]["params"]
    assert all(abs(m["params"] - budget) <= 0.01 * budget for m in res["models"])   # one budget, within 1%
    for m in res["models"]:
        assert [r["seed_name"] for r in m["runs"]] == ["seed-0", "seed-1"]
        for r in m["runs"]:
            h = r["history"]
            assert {"train_loss", "train_acc", "test_loss", "test_acc", "final"} <= set(h)
            assert h["final"]["test_acc"] == h["test_acc"][-1]
        accs = [r["history"]["final"]["test_acc"] for r in m["runs"]]
        assert m["final"]["test_acc"]["mean"] == pytest.approx(np.mean(accs))
        assert m["final"]["test_acc"]["std"] == pytest.approx(np.std(accs, ddof=1))
        assert len({r["seed"] for r in m["runs"]}) == 2
    cnns = [m for m in res["models"] if m["family"] == "CNN"]
    assert len({tuple(m["feature_shape"]) for m in cnns}) == 1            # depth is the only variable
    # a learnable fake task: at least one model of each family beats chance by far
    assert max(m["final"]["test_acc"]["mean"] for m in res["models"] if m["family"] == "DNN") > 0.5
    # same seed -> same results; then --plot-only redraws without data
    again = str(tmp_path / "again")
    proc = run_script("hw1_1_mnist.py", "--quick", "--data-dir", fake_data_dir, "--out-dir", again)
    assert _results(again, "hw1_1_mnist_mnist")["results"] == res
    proc = run_script("hw1_1_mnist.py", "--quick", "--plot-only", "--data-dir", "/nonexistent", "--out-dir", out)
    assert proc.returncode == 0, proc.stderr


def test_mnist_missing_data_offline_one_line(tmp_path):
    proc = run_script("hw1_1_mnist.py", "--quick", "--data-dir", str(tmp_path / "empty"), "--out-dir", str(tmp_path))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "train-images-idx3-ubyte" in lines[0] and "--data-dir" in lines[0]
    assert not os.path.exists(tmp_path / "results" / "quick" / "hw1_1_mnist_mnist.json")


def test_fashion_mnist_quick_on_fake_data(fake_data_dir, tmp_path):
    proc = run_script("hw1_1_mnist.py", "--quick", "--dataset", "fashion-mnist", "--data-dir", fake_data_dir,
                      "--out-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    _pngs_ok(str(tmp_path), ["hw1_1_mnist_fashion-mnist_loss.png", "hw1_1_mnist_fashion-mnist_acc.png"])


def test_gradnorm_quick_records_every_iteration(fake_data_dir, tmp_path):
    proc = _run_twice("hw1_2_gradnorm.py", str(tmp_path), "--data-dir", fake_data_dir)
    assert proc.returncode == 0, proc.stderr
    _pngs_ok(str(tmp_path), ["hw1_2_gradnorm_mnist.png", "hw1_2_gradnorm_sinc5.png"])
    res = _results(str(tmp_path), "hw1_2_gradnorm")["results"]
    assert len(res["mnist"]["loss"]) == len(res["mnist"]["grad_norm"]) == 5      # 600 examples / batch 128
    assert len(res["sinc5"]["grad_norm"]) == 300
    assert all(g > 0 for g in res["sinc5"]["grad_norm"]) and res["sinc5"]["loss"][-1] < res["sinc5"]["loss"][0]


def test_pca_quick_writes_figures_and_explained_ratios(fake_data_dir, tmp_path):
    proc = _run_twice("hw1_2_pca.py", str(tmp_path), "--runs", "3", "--data-dir", fake_data_dir)
    assert proc.returncode == 0, proc.stderr
    _pngs_ok(str(tmp_path), ["hw1_2_pca_layer1.png", "hw1_2_pca_whole.png"])
    res = _results(str(tmp_path), "hw1_2_pca")["results"]
    assert len(res["runs"]) == 3
    for run in res["runs"]:
        assert [e["epoch"] for e in run["events"]] == [0, 1, 2]            # init + every epoch (quick)
        assert len(run["whole_pca"]) == len(run["layer1_pca"]) == 3
    for part in ("layer1", "whole"):
        ratio = res[f"{part}_explained_variance_ratio"]
        assert 0 < ratio[1] <= ratio[0] and sum(ratio) <= 1 + 1e-9


def _matches_joint_pca(trajectories, coords):
    """True when coords (per run, (T_r, 2)) are the projections of the runs' snapshots onto the
    top-2 principal axes of all runs' snapshots together, refitted here with numpy's SVD (up to
    the sign of each axis)."""
    stacked = np.concatenate(trajectories)
    mean = stacked.mean(0)
    _, _, axes = np.linalg.svd(stacked - mean, full_matrices=False)
    reference = np.concatenate([(t - mean) @ axes[:2].T for t in trajectories])
    ours = np.concatenate(coords)
    signs = np.sign((reference * ours).sum(0))
    return np.allclose(ours * signs, reference, atol=1e-4 * np.abs(reference).max())


def test_pca_projects_every_run_on_one_joint_pca_and_a_per_run_pca_fails(fake_data_dir):
    """hw1_2_pca.project on real snapshots (3 quick runs of its own train_run) against a joint PCA
    refitted with numpy; the same check rejects per-run PCAs, so it can fail."""
    import torch
    from sklearn.decomposition import PCA
    import hw1_2_pca as pca_script
    torch.set_num_threads(1)
    shared = {"data_dir": fake_data_dir, "device": torch.device("cpu"), "subset": pca_script.QUICK["subset"],
              "epochs": 2, "collect_every": 1}
    runs = [pca_script.train_run((i, 100 + i, shared)) for i in range(3)]
    for part in ("whole", "layer1"):
        trajectories = [r[part].astype(np.float64) for r in runs]
        coords, _ = pca_script.project(trajectories)
        assert _matches_joint_pca(trajectories, coords)
        per_run = [PCA(n_components=2).fit_transform(t) for t in trajectories]
        assert not _matches_joint_pca(trajectories, per_run)


def test_minratio_quick_against_an_independent_recomputation(tmp_path):
    """Saved points recomputed with nn.Sequential and torch.func in float64 (not the closed form
    the script uses): loss, gradient norm, spectrum, shares and outcome agree."""
    import torch
    from torch.func import functional_call, grad, hessian
    proc = _run_twice("hw1_2_minratio.py", str(tmp_path), env=NO_FUTURE_WARNING)
    assert proc.returncode == 0, proc.stderr
    _pngs_ok(str(tmp_path), [f"hw1_2_minratio_{k}.png" for k in ("ratio_vs_loss", "index_vs_loss", "outcomes",
                                                                 "tolerance")])
    res = _results(str(tmp_path), "hw1_2_minratio")["results"]
    runs = res["runs"]
    assert len(runs) == 2 * (4 + 3 + 3) and sum(res["counts"].values()) == len(runs)  # 2 groups x 10 starts
    assert res["counts"]["critical"] >= 1               # the constant-output family, at least
    x = torch.linspace(-1, 1, 200, dtype=torch.float64)[:, None]
    y = torch.where(x == 0, torch.ones_like(x), torch.sin(5 * torch.pi * x) / (5 * torch.pi * x))
    model = torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    names = [name for name, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]

    def loss_of(flat):
        params, start = {}, 0
        for name, shape in zip(names, shapes):
            params[name] = flat[start:start + shape.numel()].view(shape)
            start += shape.numel()
        return ((functional_call(model, params, (x,)) - y) ** 2).mean()
    for run in runs:
        theta = torch.tensor(run["theta"], dtype=torch.float64)
        assert float(loss_of(theta)) == pytest.approx(run["loss"], rel=1e-9)
        g = grad(loss_of)(theta)
        assert float(g.norm()) == pytest.approx(run["grad_norm"], rel=1e-6, abs=1e-12)
        eigs = torch.linalg.eigvalsh(hessian(loss_of)(theta))
        assert torch.allclose(eigs, torch.tensor(run["eigenvalues"], dtype=torch.float64), rtol=1e-7, atol=1e-10)
        for name, rel in res["rel_tols"].items():
            tol = rel * eigs.abs().max()
            if ((eigs.abs() > tol / 2) & (eigs.abs() < 2 * tol)).any():
                continue                  # an eigenvalue at the tolerance: its side is roundoff
            assert float((eigs > tol).double().mean()) == pytest.approx(run["shares"][name]["minimal_ratio"])
            assert float((eigs < -tol).double().mean()) == pytest.approx(run["shares"][name]["negative_share"])
        confirmed = run["stop"] == "converged" and float(g.norm()) <= res["confirm_grad"] and not run["linear_slope"]
        expected = "critical" if confirmed else \
            ("gradient-flat" if run["kernel_share"] >= res["flat_share"] or run["linear_slope"] else "not converged")
        assert run["outcome"] == expected
        assert 0 <= run["start_step"] and run["finder"] == "newton_mr"


@pytest.fixture(scope="session")
def surface_run(shared_fake_data_dir, tmp_path_factory):
    """hw1_2_surface --quick run twice at once (compared); its output folder (made_once: shared)."""
    def make(out):
        proc = _run_twice("hw1_2_surface.py", str(out), "--data-dir", shared_fake_data_dir, env=NO_FUTURE_WARNING)
        assert proc.returncode == 0, proc.stderr
    return str(made_once(tmp_path_factory, "surface", make))


def test_surface_quick_and_filter_normalization(surface_run):
    import torch

    from common.measures import filter_normalized_direction
    params = {"w": torch.randn(4, 6), "b": torch.randn(4)}
    d = filter_normalized_direction(params, torch.Generator().manual_seed(0))
    torch.testing.assert_close(d["w"].norm(dim=1), params["w"].norm(dim=1))      # Li et al.: per-row norms
    assert torch.count_nonzero(d["b"]) == 0
    _pngs_ok(surface_run, ["hw1_2_surface_random.png", "hw1_2_surface_pca.png", "hw1_2_surface_equal_distance.png"])
    res = _results(surface_run, "hw1_2_surface")["results"]
    grid = res["random"]["loss"]
    assert len(grid) == len(grid[0]) == 7
    # the grid's centre is the trained model itself: its loss equals the last trajectory point's loss
    assert grid[3][3] == pytest.approx(res["pca"]["path_loss"][-1], rel=1e-4)
    # equal Euclidean distances: radius 0 is the centre in both planes; the largest radius is the
    # distance theta* -> initialization, the first trajectory point's distance
    equal = res["equal_distance"]
    assert equal["radius"][0] == 0 and equal["radius"][-1] == pytest.approx(equal["reach"], rel=1e-5)
    assert equal["reach"] == pytest.approx(res["pca"]["path_distance"][0], rel=1e-5)
    assert res["pca"]["path_distance"][-1] == 0
    for key in ("random", "pca"):
        assert equal[key]["min"][0] == pytest.approx(grid[3][3], rel=1e-4)
        assert equal[key]["max"][0] == pytest.approx(grid[3][3], rel=1e-4)
        assert all(lo <= m <= hi for lo, m, hi in zip(equal[key]["min"], equal[key]["mean"], equal[key]["max"]))


def test_surface_training_cache_loads_weights_only_and_survives_corruption(surface_run, shared_fake_data_dir,
                                                                          tmp_path):
    """The trained weights are cached as a weights-only file; a new --grid reuses them (same centre
    loss), and a corrupt cache file is recomputed, not trusted."""
    import glob
    import shutil

    import torch
    out = str(tmp_path / "out")
    shutil.copytree(surface_run, out, ignore=shutil.ignore_patterns("again"))      # the run of the default grid
    (cache,) = glob.glob(os.path.join(out, "results", "quick", "cache", "hw1_2_surface-*.pt"))
    saved = torch.load(cache, weights_only=True)                        # no pickled code inside
    assert saved["key"]["config"]["epochs"] == 2 and saved["value"]["trajectory"].shape[0] == 3   # init + 2 epochs
    centre = _results(out, "hw1_2_surface")["results"]["random"]["loss"][3][3]
    second = run_script("hw1_2_surface.py", "--quick", "--grid", "5", "--data-dir", shared_fake_data_dir,
                        "--out-dir", out)
    assert second.returncode == 0 and f"reusing {cache}" in second.stdout
    assert _results(out, "hw1_2_surface")["results"]["random"]["loss"][2][2] == pytest.approx(centre, abs=2e-6)
    with open(cache, "r+b") as f:                                       # cut the file short
        f.truncate(100)
    third = run_script("hw1_2_surface.py", "--quick", "--data-dir", shared_fake_data_dir, "--out-dir", out,
                       "--grid", "3")
    assert third.returncode == 0 and "does not load" in third.stderr
    assert torch.load(cache, weights_only=True)["value"]["trajectory"].shape == saved["value"]["trajectory"].shape


def test_random_labels_quick(fake_data_dir, tmp_path):
    proc = _run_twice("hw1_3_random_labels.py", str(tmp_path), "--data-dir", fake_data_dir)
    assert proc.returncode == 0, proc.stderr
    epochs = [line for line in proc.stdout.splitlines() if "random labels: epoch" in line]   # piped: a line
    assert len(epochs) == 3 and all(line.startswith("[") and " s] " in line for line in epochs)  # per epoch
    _pngs_ok(str(tmp_path), ["hw1_3_random_labels_loss.png", "hw1_3_random_labels_acc.png",
                             "hw1_3_random_labels_controls.png"])
    res = _results(str(tmp_path), "hw1_3_random_labels")["results"]
    assert {"train_loss", "train_acc", "test_loss", "test_acc"} <= set(res)
    assert len(res["train_acc"]) == len(res["epoch"]) and res["test_labels"] == "true"
    assert res["label_agreement"] < 0.3                                  # the labels really were shuffled
    assert [c["level"] for c in res["control_levels"]] == [0.0, 0.2, 0.5, 0.8, 1.0]
    assert len(res["controls"]) == 5 * len(res["control_seeds"]) and len(res["control_seeds"]) >= 3
    assert res["corruption"] == "uniform"                                # Zhang's rule: redrawn from all ten
    n = res["control_train_examples"]
    for c in res["controls"]:                                            # wrong with probability 0.9 p: 5 sigma
        q = 0.9 * c["level"]
        assert c["wrong_share"] == pytest.approx(q, abs=5 * (q * (1 - q) / n) ** 0.5 + 1e-12)
    assert [k["inputs"] for k in res["input_kinds"]] == ["shuffled pixels", "random pixels", "gaussian inputs"]
    assert len(res["input_controls"]) == 3 * len(res["control_seeds"])
    assert all(c["wrong_share"] == 0 and c["label_agreement"] == 1 for c in res["input_controls"])   # true labels
    for kind in res["input_kinds"]:
        runs = [c["final_test_acc"] for c in res["input_controls"] if c["inputs"] == kind["inputs"]]
        assert kind["final_test_acc"]["mean"] == pytest.approx(np.mean(runs)) and kind["n_seeds"] == len(runs)
    for level in res["control_levels"]:                         # mean and spread are those of its seeds' runs
        runs = [c["final_test_acc"] for c in res["controls"] if c["level"] == level["level"]]
        assert level["final_test_acc"]["mean"] == pytest.approx(np.mean(runs))
        assert level["final_test_acc"]["std"] == pytest.approx(np.std(runs, ddof=1))
    first = [c for c in res["controls"] if c["level"] == 0.5]
    assert len({c["final_test_loss"] for c in first}) == len(first)    # the seeds are different runs


def test_params_quick(fake_data_dir, tmp_path):
    proc = _run_twice("hw1_3_params.py", str(tmp_path), "--data-dir", fake_data_dir)
    assert proc.returncode == 0, proc.stderr
    _pngs_ok(str(tmp_path), ["hw1_3_params_mnist_loss.png", "hw1_3_params_mnist_acc.png"])
    models = _results(str(tmp_path), "hw1_3_params_mnist")["results"]["models"]
    from common.models import mlp_params
    assert [m["params"] for m in models] == [mlp_params(784, [w, w], 10) for w in (2, 8, 32)]
    for m in models:                                                     # the summary is the mean over seeds
        assert m["test_acc"] == pytest.approx(np.mean([r["test_acc"] for r in m["runs"]]))
        assert m["test_acc_min"] <= m["test_acc"] <= m["test_acc_max"]


@pytest.fixture(scope="session")
def sensitivity_run(shared_fake_data_dir, tmp_path_factory):
    """hw1_3_sensitivity --quick run twice at once: it trains the quick HW1-3 models (both copies,
    compared), which the interp and sharpness tests then reuse instead of training them again."""
    def make(out):
        proc = _run_twice("hw1_3_sensitivity.py", str(out), "--data-dir", shared_fake_data_dir)
        assert proc.returncode == 0, proc.stderr
        assert "to the common criterion" in proc.stdout
    return str(made_once(tmp_path_factory, "sensitivity", make))


def _reusing_trained_models(script, sensitivity_run, shared_fake_data_dir, tmp_path):
    out = str(tmp_path)
    copy_trained_approaches(sensitivity_run, out, os.path.join(out, "again"))
    proc = _run_twice(script, out, "--data-dir", shared_fake_data_dir)
    assert proc.returncode == 0, proc.stderr
    assert "to the common criterion" not in proc.stdout and "reusing" in proc.stdout
    return proc


def test_interp_quick_endpoints_reproduce_the_trained_models(sensitivity_run, shared_fake_data_dir, tmp_path):
    _reusing_trained_models("hw1_3_interp.py", sensitivity_run, shared_fake_data_dir, tmp_path)
    _pngs_ok(str(tmp_path), ["hw1_3_interp_batch.png", "hw1_3_interp_lr.png"])
    res = _results(str(tmp_path), "hw1_3_interp")["results"]
    i0, i1 = res["alphas"].index(0.0), res["alphas"].index(1.0)
    for pair in res["pairs"].values():
        assert len(pair["runs"]) == 1                                    # --quick: one seed
        for run in pair["runs"]:
            for key in ("train_loss", "train_acc", "test_loss", "test_acc"):
                assert run[key][i0] == pytest.approx(run["model_1"][key], rel=1e-5)
                assert run[key][i1] == pytest.approx(run["model_2"][key], rel=1e-5)
            middle = len(res["profile_steps"]) // 2                     # t = 0: the endpoint itself
            for label, i in (("model_1", i0), ("model_2", i1)):
                end = run[label]
                assert len(end["profiles"]) == res["directions"]
                assert all(p[middle] == pytest.approx(run["train_loss"][i], rel=1e-5) for p in end["profiles"])
                for side in ("t_plus", "t_minus"):                       # one distance per rise and direction
                    assert len(end[side]) == len(res["rises"]) and len(end[side][0]) == res["directions"]
                    by_height = [end[side][k] for k in np.argsort(res["rises"])]
                    for low, high in zip(by_height, by_height[1:]):      # a higher threshold is reached later
                        assert all(a is None or b is None or 0 < a <= b for a, b in zip(low, high))


def test_sensitivity_quick(sensitivity_run):
    from common import approaches
    _pngs_ok(sensitivity_run, ["hw1_3_sensitivity_vs_approach.png", "hw1_3_sensitivity_vs_gap.png",
                               "hw1_3_sensitivity_training.png"])
    res = _results(sensitivity_run, "hw1_3_sensitivity")["results"]
    for which, chosen in res["sets"].items():
        models = chosen["models"]
        assert sorted(m["approach"] for m in models) == sorted(approaches.SETS[which]["approaches"])
        assert all(m["loss_gradient"] > 0 and m["jacobian_frobenius"] > 0 for m in models)
        assert all(m["generalization_gap"] == m["test_loss"] - m["train_loss"] for m in models)
        for m in models:                         # the history ends at the final model, at the target or the cap
            history = m["history"]
            assert history["examples"][-1] == m["examples"] and history["lr"][-1] == pytest.approx(m["lr_end"])
            assert history["train_loss"][-1] == pytest.approx(m["train_loss"], rel=1e-4)
            assert (m["stop"] == "target") == (m["train_loss"] <= chosen["target_loss"])


def test_sharpness_quick(sensitivity_run, shared_fake_data_dir, tmp_path):
    _reusing_trained_models("hw1_3_sharpness.py", sensitivity_run, shared_fake_data_dir, tmp_path)
    _pngs_ok(str(tmp_path), ["hw1_3_sharpness_vs_approach.png", "hw1_3_sharpness_dinh_and_gap.png"])
    res = _results(str(tmp_path), "hw1_3_sharpness")["results"]
    assert len(res["models"]) == 10
    for m in res["models"]:
        assert m["loss"] == pytest.approx(m["train_loss"], rel=1e-4)          # measured on the set it trained on
        for eps in res["epsilons"]:
            assert m[f"keskar_{eps:g}"] >= m[f"corner_{eps:g}"] > 0
            assert 0 < m[f"first_order_{eps:g}"] <= m[f"keskar_{eps:g}"] * 1.001
        assert m["keskar_0.001"] > m["keskar_0.0005"]
        assert m["top_eigenvalue"] > 0 and m["trace_se"] > 0
        assert m["adaptive"] >= m["adaptive_first_step"] > 0
    dinh = {d["scale"]: d for d in res["dinh"]}
    for d in dinh.values():                                 # the same function, the same adaptive sharpness
        assert d["loss"] == pytest.approx(dinh[1.0]["loss"], rel=1e-5)
        assert d["adaptive"] == pytest.approx(dinh[1.0]["adaptive"], rel=1e-4)
    assert dinh[0.1]["top_eigenvalue"] > 2 * dinh[1.0]["top_eigenvalue"]
    assert sorted(res["seconds"]) == sorted([f"dinh a={a:g}" for a in dinh if a != 1.0] +
                                            [f"{m['approach']} {m['seed']}" for m in res["models"]])


def test_keskar_quick(shared_fake_data_dir, tmp_path):
    proc = _run_twice("hw1_3_keskar.py", str(tmp_path), "--data-dir", shared_fake_data_dir)
    assert proc.returncode == 0, proc.stderr
    _pngs_ok(str(tmp_path), ["hw1_3_keskar_sharpness.png", "hw1_3_keskar_training.png"])
    res = _results(str(tmp_path), "hw1_3_keskar")["results"]
    assert res["batches"]["large"] == round(0.1 * res["train_examples"])      # 10% of the training set
    assert sorted((r["size"], r["seed"]) for r in res["runs"]) == sorted(
        (size, s) for size in ("small", "large") for s in res["seeds"])
    for r in res["runs"]:
        history = r["history"]
        assert r["train_loss"] == history["train_loss"][-1] and r["epochs"] <= res["stop_rule"]["max_epochs"]
        assert history["examples"][-1] == r["epochs"] * res["train_examples"]      # every example once an epoch
        assert r["stop"] in ("accuracy", "no improvement", "cap")
        for eps in res["epsilons"]:
            assert r[f"keskar_{eps:g}"] >= r[f"corner_{eps:g}"] > 0
        for c in r["checkpoints"]:                          # the first measurement at or below each level
            assert all(c["train_loss"] <= level for level in c["levels"])
            earlier = [loss for e, loss in zip(history["examples"], history["train_loss"]) if e < c["examples"]]
            assert all(loss > level for loss in earlier for level in c["levels"])
    proc = run_script("hw1_3_keskar.py", "--quick", "--width", "8", "--data-dir", shared_fake_data_dir,
                      "--out-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr                # another width: its own results, named by it
    assert _results(str(tmp_path), "hw1_3_keskar_w8")["results"]["width"] == 8
