"""HW1-3's shared training approaches: the common criterion on a tiny problem (two batch sizes
within the tolerance of the target, checks one epoch apart, the rate decayed on a stall, an
overshoot sent back, the cap), stacked seeds as each alone, Adam per model against torch's, Keskar's
sharpness never below its corner start on a trained net, and the trained models shared by the
three flatness scripts through the cache (and retrained after a code change)."""
import copy
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


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: one thread (several threads only contend on a shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _seeds(n, seed0=0):
    models = []
    for s in range(n):
        models.append(_tiny_problem(seed0 + s)[0])
    return models, [torch.Generator().manual_seed(100 + s) for s in range(n)]


def test_the_common_criterion_ends_two_batch_sizes_within_the_tolerance_of_the_target():
    """The issue's test: a noisy small batch and the full batch, three seeds each (stacked), all
    end at the target loss within the stated tolerance, measured independently on the trained
    nn.Modules (common.train.evaluate)."""
    _, x, y = _tiny_problem()
    criterion = approaches.Criterion(target_loss=0.15, tolerance=approaches.TOLERANCE, max_epochs=3000,
                                     max_steps=20000)
    for batch in (8, len(x)):
        models, generators = _seeds(3)
        runs = approaches.train_to_criterion(models, x, y, batch, 1e-2, generators, criterion)
        for model, run in zip(models, runs):
            loss = evaluate(model, x, y)[0]
            assert run["stop"] == "target"
            assert 0.15 * (1 - approaches.TOLERANCE) <= loss <= 0.15
            assert loss == pytest.approx(run["train_loss"], rel=1e-5) == pytest.approx(run["history"][-1][1], rel=1e-5)


def test_checks_are_one_epoch_of_examples_apart_for_every_batch_size():
    _, x, y = _tiny_problem()
    n = len(x)
    criterion = approaches.Criterion(target_loss=1e-9, max_epochs=6, max_steps=10 ** 6)     # never the target
    for batch in (8, 40, 100, n, 4 * n):
        models, generators = _seeds(1)
        run = approaches.train_to_criterion(models, x, y, batch, 1e-3, generators, criterion)[0]
        seen = [row[0] for row in run["history"]]
        used = min(batch, n)
        assert run["check_interval"] == max(1, round(n / used))
        assert all(b - a == run["check_interval"] * used for a, b in zip(seen, seen[1:]))
        assert all(abs(b - a - n) <= used / 2 for a, b in zip(seen, seen[1:]))     # one epoch, to half a batch
        assert run["stop"] == "cap" and seen[-1] >= 6 * n > seen[-2]


def test_a_stall_decays_the_rate_and_an_overshoot_goes_back_to_the_last_check():
    """The rule on scripted check losses (approaches._check): no new lowest loss for
    PATIENCE_EPOCHS epochs -> lr x LR_DECAY; a loss below the tolerance band -> back to the last
    check, checks REFINE times as often; a loss in the band -> the end."""
    models, generators = _seeds(1)
    optimizer = approaches.StackedAdam([p for layer in approaches._stack(models) for p in layer], [1e-2])
    n, batch = 256, 32
    c = approaches.Criterion(target_loss=0.1, tolerance=0.03, patience_epochs=2, lr_decay=0.3, refine=8)
    run = approaches._Run(generators[0], n, batch, interval=8)                      # a check every epoch

    def check(loss):
        outcome = approaches._check(run, 0, loss, 0.9, optimizer, c, n)
        if outcome == "go":                                                          # the steps to the next check
            run.step = run.next_check
        return outcome
    assert [check(v) for v in (2.0, 1.0, 1.1, 1.05)] == ["go"] * 4
    assert run.decays == 1 and float(optimizer.lr[0]) == pytest.approx(3e-3)          # 2 epochs without a new low
    assert [row[3] for row in run.history] == pytest.approx([1e-2, 1e-2, 1e-2, 1e-2])  # the rate each check saw
    assert check(0.5) == "go" and run.decays == 1 and run.best == 0.5
    weights = optimizer.params[0].detach().clone()
    with torch.no_grad():
        optimizer.params[0].add_(1.0)                                                # training moved the weights
    run.step = run.next_check
    assert approaches._check(run, 0, 0.05, 0.99, optimizer, c, n) == "back"           # below 0.097: overshot
    assert run.step == 4 * 8 and run.interval == 1 and run.next_check == 4 * 8 + 1
    assert torch.equal(optimizer.params[0].detach(), weights) and len(run.history) == 5
    run.step = run.next_check
    assert approaches._check(run, 0, 0.099, 0.99, optimizer, c, n) == "end" and run.stop == "target"
    assert run.history[-1] == (33 * batch, 0.099, 0.99, pytest.approx(3e-3))


def test_the_cap_ends_a_model_that_does_not_learn():
    _, x, y = _tiny_problem()
    models, generators = _seeds(1)
    criterion = approaches.Criterion(target_loss=1e-6, patience_epochs=2, max_epochs=7, max_steps=10 ** 6)
    run = approaches.train_to_criterion(models, x, y, 32, 0.0, generators, criterion)[0]
    # lr 0: the first check sets the lowest loss, then every 2 epochs without a new one decay it
    assert run["stop"] == "cap" and run["decays"] == 3 and len(run["history"]) == 8
    assert run["examples"] == 7 * len(x)


def test_seeds_stacked_train_as_each_seed_alone():
    """Stacking changes nothing but the speed: each seed's history and weights as when it trains
    alone (same minibatches; float rounding of the batched matmul aside)."""
    _, x, y = _tiny_problem()
    criterion = approaches.Criterion(target_loss=0.3, max_epochs=500, max_steps=5000)
    stacked, generators = _seeds(3)
    together = approaches.train_to_criterion(stacked, x, y, 16, 1e-2, generators, criterion)
    for s in range(3):
        alone_models, _ = _seeds(1, seed0=s)
        alone = approaches.train_to_criterion(alone_models, x, y, 16, 1e-2, [torch.Generator().manual_seed(100 + s)],
                                              criterion)[0]
        assert together[s]["steps"] == alone["steps"] and together[s]["stop"] == alone["stop"]
        assert [r[0] for r in together[s]["history"]] == [r[0] for r in alone["history"]]
        assert [r[1] for r in together[s]["history"]] == pytest.approx([r[1] for r in alone["history"]], rel=1e-4)
        for p, q in zip(stacked[s].parameters(), alone_models[0].parameters()):
            assert torch.allclose(p, q, atol=1e-5)


def test_stacked_adam_makes_torch_adams_steps():
    """approaches.StackedAdam against torch.optim.Adam, one optimizer per model, each model its
    own rate (independent reference)."""
    models, _ = _seeds(3)
    _, x, y = _tiny_problem()
    references = [copy.deepcopy(m) for m in models]
    rates = [1e-2, 3e-3, 1e-3]
    optimizer = approaches.StackedAdam([p for layer in approaches._stack(models) for p in layer], rates)
    torch_optimizers = [torch.optim.Adam(m.parameters(), lr) for m, lr in zip(references, rates)]
    generator = torch.Generator().manual_seed(0)
    for _ in range(30):
        index = torch.randint(0, len(x), (3, 32), generator=generator)
        layers = list(zip(optimizer.params[::2], optimizer.params[1::2]))
        out = approaches._forward(layers, x[index])
        loss = torch.nn.functional.cross_entropy(out.reshape(-1, 3), y[index].reshape(-1), reduction="sum") / 32
        for p in optimizer.params:
            p.grad = None
        loss.backward()
        optimizer.step()
        for i, (model, torch_optimizer) in enumerate(zip(references, torch_optimizers)):
            torch_optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x[index[i]]), y[index[i]]).backward()
            torch_optimizer.step()
    for i, model in enumerate(references):
        mine = torch.cat([p.detach()[i].reshape(-1) for p in optimizer.params])
        assert torch.allclose(torch.nn.utils.parameters_to_vector(model.parameters()).detach(), mine, atol=1e-5)


def test_records_summarize_and_keep_the_history_as_plain_numbers():
    record = {"history": torch.tensor([[0, 2.3, 0.1, 1e-3], [256, 0.5, 0.9, 3e-4]], dtype=torch.float64),
              **{k: 1.0 for k in approaches.SUMMARY_KEYS}, "stop": "target", "steps": 8}
    row = approaches.summary(record)
    assert set(row) == set(approaches.SUMMARY_KEYS) and row["stop"] == "target" and row["steps"] == 8
    assert approaches.history(record) == {"examples": [0, 256], "train_loss": [2.3, 0.5], "train_acc": [0.1, 0.9],
                                          "lr": [1e-3, 3e-4]}


def test_keskar_sharpness_of_a_trained_net_is_never_below_its_corner_start():
    """On a trained (not convex) net the corner is a feasible point of Keskar's box, so the
    reported maximum must be at least its value, and the random starts are kept too."""
    model, x, y = _tiny_problem()
    approaches.train_to_criterion([model], x, y, 32, 1e-2, [torch.Generator().manual_seed(1)],
                                  approaches.Criterion(target_loss=0.2, max_epochs=500, max_steps=5000))
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
