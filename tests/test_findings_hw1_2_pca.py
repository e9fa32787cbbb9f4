"""The PCA section's claims over the 8 runs: each flips when the runs' data contradict it."""
import numpy as np
import pytest

from findings.hw1_2_pca import per_run
from tests.findings_data import committed, findings_of, section

NAME = "hw1_2_pca"


def rendered(R, C):
    found = findings_of(NAME, R, C)
    return found, section(NAME, found)


def runs(R):
    return R[NAME]["runs"]


def test_the_committed_results_render():
    found, text = rendered(*committed()[:2])
    assert found["runs"] == 8 and "all eight runs start near the origin" in text
    for name in ("near_origin", "straight", "shrink_steps", "loss_flattens"):
        assert found[name].outcome == "all", name
    for name in ("reach_spread", "explained_low", "layer1_same"):
        assert found[name].holds, name
    assert "the in-plane distance need not measure how far a run moved" in text and "looks short" not in text


def test_measures_of_a_hand_built_run():
    run = {"layer1_pca": [[0, 0], [1, 0], [1, 1]], "whole_pca": [[0.1, 0], [3, 0], [4, 0]]}
    m = per_run(run)
    assert m["layer1"]["start_share"] == 0
    assert np.isclose(m["layer1"]["straightness"], np.sqrt(2) / 2)
    assert np.isclose(m["layer1"]["shrink"], 1.0)
    assert np.isclose(m["whole"]["start_share"], 0.1 / 4)
    assert np.isclose(m["whole"]["straightness"], 1.0)
    assert np.isclose(m["whole"]["shrink"], 1 / 2.9)


def test_a_run_starting_far_from_the_origin_is_counted():
    R, C, _, _ = committed()
    path = runs(R)[0]["whole_pca"]
    path[0] = [-0.5 * v for v in path[-1]]
    found, text = rendered(R, C)
    assert found["near_origin"].outcome == "some" and found["near_origin"].evidence["runs"] == 7
    assert "only seven of the eight runs start near the origin" in text


def test_a_curved_run_is_counted():
    R, C, _, _ = committed()
    path = runs(R)[0]["whole_pca"]
    path[1:-1] = path[1:-1][::-1]                       # same ends, a zigzag between them
    found, text = rendered(R, C)
    assert found["straight"].outcome == "some"
    assert "seven of the eight move out along almost straight lines" in text


def test_steps_that_do_not_shrink():
    R, C, _, _ = committed()
    for run in runs(R):
        for part in ("layer1", "whole"):
            path = run[part + "_pca"]
            first = np.subtract(path[1], path[0])
            path[-1] = list(np.add(path[-2], first))     # the last step as long as the first
    found, text = rendered(R, C)
    assert found["shrink_steps"].outcome == "none"
    assert "The in-plane steps do not shrink in any run" in text


def test_a_loss_that_keeps_falling_does_not_flatten():
    R, C, _, _ = committed()
    for run in runs(R):
        events = run["events"]
        events[-1]["train_loss"] = events[-2]["train_loss"] - (events[0]["train_loss"] - events[1]["train_loss"])
    found, text = rendered(R, C)
    assert found["loss_flattens"].outcome == "none"
    assert "against its first fall the training loss does not level off in any run" in text


def test_the_loss_after_the_middle_is_read_relative_to_its_own_value():
    R, C, _, _ = committed()
    found, text = rendered(R, C)
    events = runs(R)[0]["events"]
    middle = events[len(events) // 2]
    assert "though relative to its own value it still falls by" in text and f"from epoch {middle['epoch']} to" in text
    events[-1]["train_loss"] = 1.1 * middle["train_loss"]            # one run ends above its middle loss
    found, text = rendered(R, C)
    assert min(found["late_fall"]) == pytest.approx(-0.1) and "(a rise in one of the" in text


def test_runs_of_equal_reach_are_not_said_to_look_short():
    R, C, _, _ = committed()
    for run in runs(R):
        path = np.asarray(run["whole_pca"])
        run["whole_pca"] = (path / np.linalg.norm(path[-1] - path[0])).tolist()
    found, text = rendered(R, C)
    assert not found["reach_spread"].holds
    assert "need not measure how far a run moved" not in text


def test_a_plane_that_explains_much_says_the_runs_share_directions():
    R, C, _, _ = committed()
    R[NAME]["whole_explained_variance_ratio"] = [0.4, 0.3]
    found, text = rendered(R, C)
    assert not found["explained_low"].holds
    assert "the runs share directions" in text and "as if each run got" not in text


def test_the_committed_plane_is_only_consistent_with_own_directions():
    found, text = rendered(*committed()[:2])
    text = " ".join(text.split())
    assert "as if each run got \"its own\" direction" in text and "mostly gets" not in text
    assert "The in-plane steps shrink" in text and "a move turning out of the plane, which is not measured" in text


def test_a_layer1_picture_unlike_the_whole_models():
    R, C, _, _ = committed()
    path = runs(R)[0]["layer1_pca"]
    path[1:-1] = path[1:-1][::-1]
    found, text = rendered(R, C)
    assert not found["layer1_same"].holds
    assert found["layer1_same"].evidence["per_part"]["layer1"]["straight"] == 7
    assert "its picture differs from the whole model's" in text


def test_a_feature_missing_in_the_same_run_of_both_pictures_keeps_them_alike():
    R, C, _, _ = committed()
    for key in ("layer1_pca", "whole_pca"):                  # run 0 no longer straight, in both pictures
        path = runs(R)[0][key]
        path[1:-1] = path[1:-1][::-1]
    found, text = rendered(R, C)
    counts = found["layer1_same"].evidence["per_part"]
    assert counts["layer1"]["straight"] == counts["whole"]["straight"] == 7
    assert found["layer1_same"].holds and "as many runs show each feature" in text
