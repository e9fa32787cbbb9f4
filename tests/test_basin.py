"""common/basin.py: the width at a loss threshold against closed forms, the loss along a line
against the model evaluated at each point, and Li et al.'s filter normalization against its
definition and Dinh et al.'s rescaling."""
import math

import numpy as np
import pytest
import torch

from common.basin import LineLoss, filter_normalized, gaussian_draws, threshold_distances
from common.models import mlp
from common.train import evaluate

STEP, REFINEMENTS = 0.05, 4
TOLERANCE = 1e-6              # in t: what four steps of false position leave of a grid step on a smooth loss


@pytest.mark.parametrize("a, b", [(1.0, 0.0), (3.0, 0.4), (0.5, -0.2)])
def test_the_width_of_a_quadratic_is_its_closed_form(a, b):
    """L(t) = L0 + a t^2 + b t reaches L0 + r at t = (-b + sqrt(b^2 + 4 a r)) / 2a on the positive
    side and at |t| = (b + sqrt(b^2 + 4 a r)) / 2a on the negative side."""
    rises = [0.02, 0.05, 0.2]
    found = threshold_distances(lambda t: 0.3 + a * np.asarray(t) ** 2 + b * np.asarray(t), rises, STEP, 4.0,
                                REFINEMENTS)
    for r, plus, minus in zip(rises, found["plus"], found["minus"]):
        root = math.sqrt(b * b + 4 * a * r)
        assert plus == pytest.approx((-b + root) / (2 * a), abs=TOLERANCE)
        assert minus == pytest.approx((b + root) / (2 * a), abs=TOLERANCE)
    assert found["base"] == pytest.approx(0.3)


def test_the_first_crossing_counts_and_a_side_that_never_rises_is_censored():
    """Up to 0.1 above the base at |t| = 0.25, back down, above it for good after 1.5: the width at a
    rise of 0.05 is the first crossing; a rise of 0.5 is never reached on the flat negative side."""
    def loss(t):
        t = np.asarray(t, dtype=float)
        bump = 0.1 * np.exp(-((np.abs(t) - 0.25) / 0.05) ** 2)
        return np.where(t > 0, 1.0 + bump + np.maximum(t - 1.5, 0.0), 1.0 + bump)
    found = threshold_distances(loss, [0.05, 0.5], STEP, 3.0, REFINEMENTS)
    first = 0.25 - 0.05 * math.sqrt(math.log(2))                   # the bump's rising half reaches 0.05
    assert found["plus"][0] == pytest.approx(first, abs=TOLERANCE)
    assert found["minus"][0] == pytest.approx(first, abs=TOLERANCE)
    assert found["plus"][1] == pytest.approx(2.0, abs=TOLERANCE)
    assert found["minus"][1] is None


@pytest.mark.parametrize("widths", [[32], [16, 8]])
def test_the_loss_along_a_line_is_the_model_evaluated_there(widths):
    torch.manual_seed(0)
    model = mlp(20, widths, 5)
    x, y = torch.randn(300, 1, 4, 5), torch.randint(0, 5, (300,))
    theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()
    direction = torch.randn_like(theta)
    ts = [-1.5, -0.3, 0.0, 0.2, 1.0]
    losses, accuracies = LineLoss(model, theta, direction, x, y)(ts)
    for t, loss, accuracy in zip(ts, losses, accuracies):
        torch.nn.utils.vector_to_parameters(theta + t * direction, model.parameters())
        expected_loss, expected_accuracy = evaluate(model, x, y)
        assert loss == pytest.approx(expected_loss, rel=1e-5)
        assert accuracy == pytest.approx(expected_accuracy)


def test_a_network_that_is_not_an_mlp_is_refused():
    nn = torch.nn
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach()
    with pytest.raises(ValueError, match="MLP"):
        LineLoss(model, theta, theta, torch.randn(5, 4), torch.zeros(5, dtype=torch.long))


def _params(model):
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def test_filter_normalization_gives_each_row_the_norm_of_the_models_row_and_leaves_biases():
    torch.manual_seed(1)
    params = _params(mlp(12, [7], 3))
    raw = gaussian_draws(params, torch.Generator().manual_seed(0))
    assert set(raw) == {name for name, p in params.items() if p.dim() == 2}
    flat = filter_normalized(raw, params)
    start = 0
    for name, p in params.items():
        d = flat[start:start + p.numel()].reshape(p.shape)
        start += p.numel()
        if p.dim() < 2:
            assert torch.count_nonzero(d) == 0
            continue
        assert torch.allclose(d.norm(dim=1), p.norm(dim=1), rtol=1e-5)
        cosine = torch.nn.functional.cosine_similarity(d, raw[name], dim=1)   # each row keeps the draw's direction
        assert torch.allclose(cosine, torch.ones_like(cosine), atol=1e-6)
    assert start == flat.numel()


def test_the_width_is_unchanged_by_dinhs_rescaling_of_a_relu_net():
    """Dinh et al. 2017: W1, b1 times a and W2 divided by a is the same function; the same draw
    normalized to each gives the same loss along the line, so the same width."""
    torch.manual_seed(2)
    model = mlp(20, [16], 5)
    x, y = torch.randn(400, 20), torch.randint(0, 5, (400,))
    params = _params(model)
    scaled = {"1.weight": 4.0 * params["1.weight"], "1.bias": 4.0 * params["1.bias"],
              "3.weight": params["3.weight"] / 4.0, "3.bias": params["3.bias"]}
    raw = gaussian_draws(params, torch.Generator().manual_seed(3))
    lines = [LineLoss(model, torch.cat([v.reshape(-1) for v in p.values()]), filter_normalized(raw, p), x, y)
             for p in (params, scaled)]
    ts = [-1.0, -0.4, 0.0, 0.3, 1.2]
    assert lines[1].loss(ts) == pytest.approx(lines[0].loss(ts), rel=1e-5)
    found = [threshold_distances(line.loss, [0.05, 0.2], STEP, 4.0, REFINEMENTS) for line in lines]
    assert found[0]["plus"] == pytest.approx(found[1]["plus"], abs=2 * TOLERANCE)
    assert found[0]["minus"] == pytest.approx(found[1]["minus"], abs=2 * TOLERANCE)
