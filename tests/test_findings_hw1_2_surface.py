"""The error-surface section's claims: each flips when the grids or circles contradict it."""
import numpy as np

from findings.hw1_2_surface import bend_degrees, local_minima
from tests.findings_data import committed, findings_of, section

NAME = "hw1_2_surface"


def rendered(R, C):
    found = findings_of(NAME, R, C)
    return found, section(NAME, found)


def test_the_committed_results_render():
    found, text = rendered(*committed()[:2])
    assert found["single_bowl"].holds and found["bends"].holds and not found["centre_lowest"].holds
    assert found["random_higher"].outcome == "random higher" and found["separation"].outcome == "some"
    assert "is higher in the random plane at every radius" in text
    assert "very different" not in text and "In the trajectory plane, the first PCA direction" in " ".join(text.split())


def test_hand_built_grid_and_path():
    assert local_minima([[0, 1, 0], [1, 2, 1], [0, 1, 0]]) == 4
    assert local_minima([[3, 2, 3], [2, 1, 2], [3, 2, 3]]) == 1
    assert np.isclose(bend_degrees([[0, 0], [1, 0], [1, 1]]), 90)
    assert np.isclose(bend_degrees([[0, 0], [1, 0], [3, 0]]), 0)


def test_a_second_basin_on_the_random_grid():
    R, C, _, _ = committed()
    R[NAME]["random"]["loss"][0][0] = -1.0
    found, text = rendered(R, C)
    assert not found["single_bowl"].holds and found["local_minima"] == 2
    assert "the loss around θ* is not a single bowl" in text and "two local minima" in text
    assert "no other basin appears" not in text


def test_a_centre_that_is_the_lowest_point():
    R, C, _, _ = committed()
    grid = R[NAME]["random"]["loss"]
    centre = R[NAME]["grid"] // 2
    grid[centre][centre] = float(np.min(grid)) - 0.01
    found, text = rendered(R, C)
    assert found["centre_lowest"].holds
    assert "at the centre (the grid's lowest value)" in text
    assert "not the bottom of this bowl" not in text


def test_final_weights_beside_a_lower_grid_point_are_not_called_the_minimum():
    found, text = rendered(*committed()[:2])
    assert not found["centre_lowest"].holds and found["centre_lowest"].evidence["steps_off"] == 1
    assert "θ* is not the bottom of this bowl" in text
    assert "the minimum is" not in text


def test_a_straight_path():
    R, C, _, _ = committed()
    path = R[NAME]["pca"]["path"]
    path[0] = list(2 * np.asarray(path[1]) - np.asarray(path[-1]))   # the first move along the rest
    found, text = rendered(R, C)
    assert not found["bends"].holds and found["bends"].evidence["degrees"] < 1
    assert "the path is nearly straight" in text


def test_a_random_plane_lower_at_every_radius():
    R, C, _, _ = committed()
    equal = R[NAME]["equal_distance"]
    equal["random"]["mean"] = [0.5 * v for v in equal["pca"]["mean"]]
    found, text = rendered(R, C)
    assert found["random_higher"].outcome == "random lower" and found["flatter"].outcome == "random lower"
    assert "is lower in the random plane at every radius" in text
    assert ("the loss rises less with the distance from θ* in this random plane (a single draw of two directions) "
            "than in the plane the optimizer travelled: the means differ by 50% at the nearest radius") in text
    assert "not in a curvature at θ*" not in text          # the means differ by half at the nearest radius
    R, C, _, _ = committed()
    found, text = rendered(R, C)
    assert "where the circles' ranges overlap" in text and "not in a curvature at θ* that the nearest circle" in text


def test_planes_that_cross():
    R, C, _, _ = committed()
    equal = R[NAME]["equal_distance"]
    equal["random"]["mean"][3] = equal["pca"]["mean"][3] - 0.01
    found, text = rendered(R, C)
    assert found["random_higher"].outcome == "mixed"
    assert "is not higher in one plane at every radius (higher in the random plane at 19 of 20 radii)" in text
    assert "neither plane's loss is lower at every distance" in text


def test_circles_that_separate_at_every_radius():
    R, C, _, _ = committed()
    equal = R[NAME]["equal_distance"]
    equal["random"]["min"] = [v + 1 for v in equal["pca"]["max"]]
    found, text = rendered(R, C)
    assert found["separation"].outcome == "all"
    assert "do not overlap at any radius" in text
    assert "where the ranges separate" in text and "not in a curvature at θ*" not in text
