"""Parameter counts against closed forms, and the width solver's targets."""
import math

import pytest
import torch
import torch.nn.functional as F

from common.models import CNN, cnn_for_params, count_params, depth_family_cnn, mlp, mlp_params, mlp_widths_for_params


@pytest.mark.parametrize("in_dim,widths,out_dim", [(1, [190], 1), (784, [30, 20, 10], 10), (5, [3] * 8, 2)])
def test_mlp_param_count_closed_form(in_dim, widths, out_dim):
    sizes = [in_dim, *widths, out_dim]
    by_hand = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))   # weights + biases per layer
    assert count_params(mlp(in_dim, widths, out_dim)) == mlp_params(in_dim, widths, out_dim) == by_hand


@pytest.mark.parametrize("in_dim,out_dim,target", [(1, 1, 571), (1, 1, 2000), (784, 10, 25000), (784, 10, 200_000)])
@pytest.mark.parametrize("depth", [1, 2, 3, 4, 8])
def test_width_solver_hits_target_within_one_percent(in_dim, out_dim, target, depth):
    widths = mlp_widths_for_params(in_dim, depth, out_dim, target)
    assert len(widths) == depth
    error = abs(count_params(mlp(in_dim, widths, out_dim)) - target)
    if depth == 1:   # one free width: the best is within half a unit's worth of parameters
        assert error <= (in_dim + 1 + out_dim) / 2
        assert error == min(abs(mlp_params(in_dim, [u], out_dim) - target) for u in range(1, 2 * widths[0] + 2))
    else:
        assert error <= 0.01 * target


def test_slides_shallow_model_is_exact():
    assert mlp_widths_for_params(1, 1, 1, 571) == [190]


@pytest.mark.parametrize("channels,n_pool", [([8], 1), ([8, 16], 2), ([8, 16, 16, 32], 3)])
@pytest.mark.parametrize("target", [25_000, 60_000])
def test_cnn_solver_hits_target(channels, n_pool, target):
    model = cnn_for_params((1, 28, 28), channels, 10, target, n_pool)
    assert abs(count_params(model) - target) <= 0.005 * target
    channels = [m.out_channels for m in model.features if isinstance(m, torch.nn.Conv2d)]
    # conv layers: c_in*c_out*9 + c_out each; head: flatten -> hidden -> 10
    convs = sum(a * b * 9 + b for a, b in zip([1, *channels[:-1]], channels))
    side = 28 // 2 ** n_pool
    flat = channels[-1] * side * side
    hidden = model.head[1].out_features
    assert count_params(model) == convs + flat * hidden + hidden + hidden * 10 + 10


def test_cnn_forward_shape():
    assert CNN((3, 32, 32), [4, 8], 16, 10)(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_cnn_is_conv_relu_pool_written_out():
    """Against the textbook order conv -> ReLU -> max-pool in torch.nn.functional: the same
    outputs and the same parameter gradients (the CNN pools before its ReLU)."""
    torch.manual_seed(0)
    model = CNN((1, 12, 12), [4, 6, 5], 7, 10, n_pool=2)
    x = torch.randn(5, 1, 12, 12, dtype=torch.float64)
    model = model.double()
    convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]

    def reference(x):
        for i, conv in enumerate(convs):
            x = torch.relu(F.conv2d(x, conv.weight, conv.bias, padding=1))
            if i < 2:
                x = F.max_pool2d(x, 2)
        hidden = torch.relu(F.linear(x.flatten(1), model.head[1].weight, model.head[1].bias))
        return F.linear(hidden, model.head[3].weight, model.head[3].bias)
    out, expected = model(x), reference(x)
    assert torch.equal(out, expected)
    params = list(model.parameters())
    grads = torch.autograd.grad(out.pow(2).sum(), params)
    expected_grads = torch.autograd.grad(expected.pow(2).sum(), params)
    for g, e in zip(grads, expected_grads):
        torch.testing.assert_close(g, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("in_shape", [(1, 28, 28), (3, 32, 32)])
def test_depth_family_varies_depth_only(in_shape):
    """hw1_1_mnist's CNNs: the same conv width, the same map before the head and the same head
    layout at every depth, and parameter counts within 1% of the budget."""
    import hw1_1_mnist
    target = mlp_params(math.prod(in_shape), [hw1_1_mnist.SHALLOW_DNN_WIDTH], 10)
    models = {depth: depth_family_cnn(in_shape, depth, hw1_1_mnist.CNN_CHANNELS, 10, target)
              for depth in hw1_1_mnist.CNNS.values()}
    side = (in_shape[1] // 4, in_shape[2] // 4)
    for depth, model in models.items():
        convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
        assert len(convs) == depth and {c.out_channels for c in convs} == {hw1_1_mnist.CNN_CHANNELS}
        features = model.features(torch.zeros(2, *in_shape))
        assert tuple(features.shape[1:]) == model.feature_shape == (hw1_1_mnist.CNN_CHANNELS, *side)
        assert [type(m) for m in model.head] == [torch.nn.Flatten, torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear]
        assert abs(count_params(model) - target) <= 0.01 * target
