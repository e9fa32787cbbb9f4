"""HW1-2 bonus "Error surface": the loss on two planes through a trained MNIST net.

From results/hw1_2_surface.json (one trained DNN; the training loss over a grid of a plane of two
random filter-normalized directions, Li et al. 2018, and of the plane of the top two PCA directions
of its trajectory, Li et al. 2018 Sec. 7; and the loss on circles of equal Euclidean radius in both
planes). Conclusions:
  - along random filter-normalized directions the loss around the final weights is a single bowl
    (one local minimum on the grid); the final weights are not called a minimum: when a grid point
    beside them is lower, the section says they are not the bottom of the bowl;
  - the trajectory is dominated by its first PCA direction, and its path bends (its first epoch
    heads away from where the final weights then lie);
  - at equal Euclidean distance the random plane is higher at every radius (one random plane and
    one net: the statement is about this plane; the 16 directions of each circle give the spread,
    and their ranges overlap at most radii).
"""
import numpy as np

from common.claims import choose, claim, count, fix, pct

SOURCES = ["hw1_2_surface"]
BENT = 30          # degrees between the first epoch's move and the rest of the path beyond which it "bends"
NEAR_SAME = 0.1    # circle means within this share of each other at the nearest radius: no difference read there


def local_minima(grid):
    """Grid points no higher than each of their (up to 8) neighbours."""
    g = np.asarray(grid, dtype=float)
    return sum(int(g[i, j] == g[max(0, i - 1):i + 2, max(0, j - 1):j + 2].min())
               for i in range(g.shape[0]) for j in range(g.shape[1]))


def bend_degrees(path):
    """Angle between the first move of a path and the straight line from its second point to its end."""
    path = np.asarray(path, dtype=float)
    first, rest = path[1] - path[0], path[-1] - path[1]
    cosine = np.dot(first, rest) / np.linalg.norm(first) / np.linalg.norm(rest)
    return float(np.degrees(np.arccos(np.clip(cosine, -1, 1))))


def findings(R, C, P, T):
    sf, config = R["hw1_2_surface"], C["hw1_2_surface"]
    grid_random = np.asarray(sf["random"]["loss"], dtype=float)
    grid_pca = np.asarray(sf["pca"]["loss"], dtype=float)
    centre = sf["grid"] // 2
    corners = [float(grid_random[i, j]) for i in (0, -1) for j in (0, -1)]
    minima = local_minima(grid_random)
    lowest = np.unravel_index(int(np.argmin(grid_random)), grid_random.shape)
    steps_off = int(max(abs(lowest[0] - centre), abs(lowest[1] - centre)))
    bend = bend_degrees(sf["pca"]["path"])
    start = np.asarray(sf["pca"]["path"][0], dtype=float)
    in_plane = float(np.linalg.norm(start) / sf["pca"]["path_distance"][0])

    equal = sf["equal_distance"]
    rnd, pca = equal["random"], equal["pca"]
    radii = range(1, len(equal["radius"]))                      # radius 0 is θ* itself in both
    higher = sum(rnd["mean"][k] > pca["mean"][k] for k in radii)
    lower = sum(rnd["mean"][k] < pca["mean"][k] for k in radii)
    n = len(radii)
    apart = [k for k in radii if rnd["min"][k] > pca["max"][k] or rnd["max"][k] < pca["min"][k]]   # ranges separate
    separated = len(apart)
    outcome = "random higher" if higher == n else "random lower" if lower == n else "mixed"
    half = (len(equal["radius"]) - 1) // 2
    # the nearest circle, where a difference of curvature at θ* would show first, and the farthest
    near = rnd["mean"][1] / pca["mean"][1] - 1
    full_ratio = rnd["mean"][-1] / pca["mean"][-1]
    first_separated = apart[0] if apart else None
    near_text = (f"the means differ by {pct(abs(near), 0)} at the nearest radius ({fix(equal['radius'][1], 2)})"
                 + (", where the circles' ranges overlap" if first_separated != 1 else ", where the ranges separate"))
    near_reading = (f"; so the planes differ away from θ* (at the initialization's distance the trajectory "
                    f"plane's circle goes as low as {fix(pca['min'][-1], 2)}, the random one's "
                    f"{fix(rnd['min'][-1], 2)}), not in a curvature at θ* that the nearest circle resolves"
                    if first_separated not in (None, 1) and abs(near) < NEAR_SAME else "")
    return {
        "model": sf["model"], "lr": config["lr"], "batch": config["batch"], "epochs": config["epochs"],
        "final_train_loss": sf["final_train_loss"], "final_test_acc": sf["final_test_acc"],
        "eval_examples": sf["eval_examples"], "grid": sf["grid"], "span": f"{config['span']:g}",
        "local_minima": minima,
        "single_bowl": claim(minima == 1, "a single bowl", "not a single bowl", local_minima=minima),
        "no_other_basin": claim(minima == 1, f", so no other basin appears within ±{config['span']:g} filter-norm",
                                "", local_minima=minima),
        "centre_loss": float(grid_random[centre, centre]), "lowest_loss": float(grid_random.min()),
        "centre_lowest": claim(steps_off == 0, "the grid's lowest value",
                               f"the grid's lowest value is {fix(grid_random.min())}, "
                               f"{count(steps_off, 'grid step')} away: θ* is not the bottom of this bowl",
                               steps_off=steps_off, lowest=float(grid_random.min())),
        "highest_corner": max(corners),
        "explained": [float(v) for v in sf["pca"]["explained_variance_ratio"]],
        "bend_degrees": bend,
        "bends": claim(bend > BENT, f"bends: in the plane, its first epoch's move and the straight line from where "
                                    f"that epoch ended to θ* are {fix(bend, 0)}° apart",
                       f"is nearly straight: in the plane, its first epoch's move and the straight line from "
                       f"where that epoch ended to θ* are within {fix(bend, 0)}° of each other", degrees=bend,
                       threshold=BENT),
        "pca_min": float(grid_pca.min()), "pca_max": float(grid_pca.max()),
        "random_min": float(grid_random.min()),
        "angles": equal["angles"], "reach": equal["reach"], "radii": n,
        "half_random": rnd["mean"][half], "half_pca": pca["mean"][half],
        "full_random": rnd["mean"][-1], "full_pca": pca["mean"][-1],
        "start_loss": sf["pca"]["path_loss"][0], "start_in_plane": in_plane,
        "higher_radii": higher, "separated_radii": separated,
        "random_higher": choose(outcome, {
            "random higher": "is higher in the random plane at every radius",
            "random lower": "is lower in the random plane at every radius",
            "mixed": f"is not higher in one plane at every radius (higher in the random plane at {higher} "
                     f"of {n} radii)"}, higher=higher, lower=lower, radii=n),
        "separation": choose("all" if separated == n else "none" if separated == 0 else "some", {
            "all": f"the losses of the {equal['angles']} directions of the two circles do not overlap at any radius",
            "some": f"the losses of the {equal['angles']} directions of the two circles overlap at {n - separated} "
                    f"of the {n} radii",
            "none": f"the losses of the {equal['angles']} directions of the two circles overlap at every radius"},
            separated=separated, radii=n),
        "flatter": choose(outcome, {
            "random higher": f"So, in the same units and on average over each circle, the loss rises less with the "
                             f"distance from θ* in the plane the optimizer travelled than in this random plane (a "
                             f"single draw of two directions): {near_text}, and {fix(full_ratio, 1)}x at the "
                             f"initialization's distance{near_reading}",
            "random lower": f"So, in the same units and on average over each circle, the loss rises less with the "
                            f"distance from θ* in this random plane (a single draw of two directions) than in the "
                            f"plane the optimizer travelled: {near_text}, and {fix(1 / full_ratio, 1)}x at the "
                            f"initialization's distance{near_reading}",
            "mixed": "In the same units neither plane's loss is lower at every distance"},
            higher=higher, radii=n, near=near, first_separated=first_separated),
    }
