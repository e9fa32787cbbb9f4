"""HW1-3's shared training approaches: the stopping criterion on a tiny problem, Keskar's
sharpness never below its corner start on a trained net, and the trained models shared by the
three flatness scripts through the cache (and retrained after a code change)."""
import glob
import os

import pytest
import torch

from common import approaches
from common.measures import keskar_sharpness
from common.models import mlp
from common.train import evaluate
from tests.conftest import run_in


def _tiny_problem(seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(256, 6, generator=generator)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long() + (x[:, 2] > 1).long()        # 3 classes
    torch.manual_seed(seed)
    return mlp(6, [16], 3), x, y


def test_training_stops_at_the_first_check_below_the_target():
    model, x, y = _tiny_problem()
    run = approaches.train_to_criterion(model, x, y, batch=32, lr=1e-2, generator=torch.Generator().manual_seed(1),
                                        target_loss=0.3, patience=50, check_every=10, max_steps=5000)
    losses = [loss for _, loss in run["checks"]]
    assert run["stop"] == "target" and losses[-1] <= 0.3 and all(loss > 0.3 for loss in losses[:-1])
    assert run["steps"] == run["checks"][-1][0] and run["steps"] % 10 == 0
    assert evaluate(model, x, y)[0] == pytest.approx(losses[-1], rel=1e-6)   # the model is the one checked


def test_training_stops_when_the_loss_no_longer_improves_and_at_the_cap():
    model, x, y = _tiny_problem()
    flat = approaches.train_to_criterion(model, x, y, batch=32, lr=0.0, generator=torch.Generator().manual_seed(1),
                                         target_loss=1e-6, patience=4, check_every=10, max_steps=5000)
    # lr 0: the first check sets the best, the next 4 do not improve on it by 1%
    assert flat["stop"] == "no improvement" and flat["steps"] == 4 * 10 and len(flat["checks"]) == 5
    model, x, y = _tiny_problem()
    capped = approaches.train_to_criterion(model, x, y, batch=32, lr=1e-3, generator=torch.Generator().manual_seed(1),
                                           target_loss=1e-6, patience=1000, check_every=10, max_steps=50)
    assert capped["stop"] == "max_steps" and capped["steps"] == 50


def test_keskar_sharpness_of_a_trained_net_is_never_below_its_corner_start():
    """On a trained (not convex) net the corner is a feasible point of Keskar's box, so the
    reported maximum must be at least its value, and the random starts are kept too."""
    model, x, y = _tiny_problem()
    approaches.train_to_criterion(model, x, y, batch=32, lr=1e-2, generator=torch.Generator().manual_seed(1),
                                  target_loss=0.2, patience=20, check_every=20, max_steps=3000)
    from common.curvature import flat_loss
    loss, theta = flat_loss(model, x, y, torch.nn.functional.cross_entropy)
    for eps in (1e-3, 1e-2):
        out = keskar_sharpness(loss, theta, eps, max_iter=5, random_starts=2)
        assert len(out["starts"]) == 3 and out["sharpness"] == max(out["starts"])
        assert out["sharpness"] >= out["corner"] > 0
        # the corner, recomputed independently: theta + eps (|theta| + 1) sign(grad L)
        probe = theta.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(loss(probe), probe)
        corner = theta + eps * (theta.abs() + 1) * torch.where(g >= 0, 1.0, -1.0).double()
        base = float(loss(theta))
        assert out["corner"] == pytest.approx(100 * (float(loss(corner)) - base) / (1 + base), rel=1e-9)


def test_the_flatness_scripts_share_trained_models_and_retrain_after_a_code_change(repo_copy, shared_fake_data_dir):
    """hw1_3_sensitivity trained the quick models first (its test, tests/test_scripts.py); here
    interp and sharpness start from a copy of that cache: reused as long as the code of
    common/approaches.py (and what it computes with) is unchanged, retrained after an edit."""
    first = run_in(repo_copy, "hw1_3_sensitivity.py", "--quick", "--data-dir", shared_fake_data_dir)
    assert first.returncode == 0, first.stderr
    cache = glob.glob(os.path.join(repo_copy, "results", "quick", "cache", "hw1_3_approaches-*.pt"))
    assert len(cache) == len(approaches.APPROACHES) * len(approaches.QUICK["seeds"])
    stamps = {path: os.path.getmtime(path) for path in cache}
    again = run_in(repo_copy, "hw1_3_interp.py", "--quick", "--data-dir", shared_fake_data_dir)
    assert again.returncode == 0, again.stderr
    assert "to the common criterion" not in again.stdout and "reusing" in again.stdout
    assert {path: os.path.getmtime(path) for path in cache} == stamps       # nothing retrained
    module = repo_copy / "common" / "approaches.py"
    module.write_text(module.read_text() + "\nEXTRA_SETTING = 1\n")         # code, not a comment
    edited = run_in(repo_copy, "hw1_3_interp.py", "--quick", "--data-dir", shared_fake_data_dir)
    assert edited.returncode == 0, edited.stderr
    assert "to the common criterion" in edited.stdout and "trained (approach, seed) models" not in edited.stdout
