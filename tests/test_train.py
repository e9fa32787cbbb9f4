"""The training loop: it learns, batched training equals sequential training, and it stops on NaN."""
import copy

import pytest
import torch

from common.cli import HW1Error
from common.models import CNN, mlp
from common.train import TrainConfig, evaluate, train, train_one_fullbatch, train_together


def blobs(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(4, 5, generator=g) * 3
    y = torch.randint(0, 4, (n,), generator=g)
    return centers[y] + torch.randn(n, 5, generator=g), y


def test_training_lowers_the_loss_and_records_history():
    x, y = blobs()
    torch.manual_seed(0)
    model = mlp(5, [16], 4)
    before, _ = evaluate(model, x, y)
    history = train(model, (x, y, x[:64], y[:64]), TrainConfig(epochs=5, lr=1e-2, batch_size=32))
    assert history["epoch"] == [0, 1, 2, 3, 4, 5]
    assert history["train_loss"][0] == pytest.approx(before)
    assert history["train_loss"][-1] < 0.3 * before and history["train_acc"][-1] > 0.9
    # evaluate() is the full-set mean in eval mode: check against a direct computation
    with torch.no_grad():
        direct = torch.nn.functional.cross_entropy(model(x), y).item()
    assert history["train_loss"][-1] == pytest.approx(direct, rel=1e-5)


def test_on_step_sees_gradients_before_the_update():
    x, y = blobs(64)
    model = mlp(5, [8], 4)
    seen = []
    train(model, (x, y, x, y), TrainConfig(epochs=2, lr=1e-2, batch_size=16),
          on_step=lambda step, m, loss: seen.append((step, m[1].weight.grad is not None)))
    assert seen == [(i, True) for i in range(8)]


def _copies(make, n, seed):
    models = []
    for i in range(n):
        torch.manual_seed(seed + i)
        models.append(make())
    return models


@pytest.mark.parametrize("method", ["bmm", "vmap"])
@pytest.mark.parametrize("widths,activation", [([12], "tanh"), ([6, 6, 6], "tanh"), ([5, 7, 4], "relu")])
def test_batched_training_equals_sequential(method, widths, activation):
    """Batched training (the hand-written backward of "bmm", or torch.func.vmap) makes the same
    updates as training each model alone with autograd."""
    x = torch.linspace(-1, 1, 64)[:, None]
    targets = [torch.sin(3 * x), torch.sign(x), x ** 2]
    cfg = TrainConfig(epochs=60, lr=3e-3, batch_size=None, loss="mse", schedule="cosine")
    together = _copies(lambda: mlp(1, widths, 1, activation), 3, seed=7)
    alone = [copy.deepcopy(m) for m in together]
    curve = train_together(together, x.expand(3, -1, -1), torch.stack(targets), cfg, method=method)
    for i, model in enumerate(alone):
        ref = train_one_fullbatch(model, x, targets[i], cfg)
        torch.testing.assert_close(curve[i], ref, rtol=1e-4, atol=1e-6)
        for p, q in zip(together[i].parameters(), model.parameters()):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_vmap_path_trains_cnns_and_cross_entropy():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 16, 1, 8, 8, generator=g)
    y = torch.randint(0, 3, (2, 16), generator=g)
    models = _copies(lambda: CNN((1, 8, 8), [2], 4, 3, n_pool=1), 2, seed=1)
    alone = [copy.deepcopy(m) for m in models]
    cfg = TrainConfig(epochs=10, lr=1e-2, batch_size=None)
    curve = train_together(models, x, y, cfg)   # auto -> vmap for a CNN
    for i, model in enumerate(alone):
        torch.testing.assert_close(curve[i], train_one_fullbatch(model, x[i], y[i], cfg), rtol=1e-4, atol=1e-6)
    assert curve[:, -1].max() < curve[:, 0].min()


def test_diverging_run_stops_with_one_line():
    x, y = blobs(64)
    model = mlp(5, [8], 4)
    with torch.no_grad():
        model[1].weight.mul_(1e30)
    with pytest.raises(HW1Error, match="toy: training loss became nan at epoch 1"):
        train(model, (x, y, x, y), TrainConfig(epochs=3, lr=1e3, batch_size=None, optimizer="sgd"), desc="toy")


def _fit_tiny(seed):
    """A module-level job for run_side_by_side: a seeded fit, returning its final parameters."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    model = mlp(1, [8], 1)
    x = torch.linspace(-1, 1, 32)[:, None]
    train_one_fullbatch(model, x, torch.sin(4 * x), TrainConfig(epochs=30, lr=1e-2, batch_size=None, loss="mse"))
    return [p.detach() for p in model.parameters()]


def test_side_by_side_processes_give_the_sequential_results():
    from common.train import run_side_by_side
    jobs = [3, 1, 4, 1, 5]
    parallel = run_side_by_side(_fit_tiny, jobs, workers=2)
    for seed, params in zip(jobs, parallel):
        for p, q in zip(params, _fit_tiny(seed)):
            assert torch.equal(p, q)
