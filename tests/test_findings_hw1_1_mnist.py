"""HW1-1 MNIST findings: every claim flips when the committed results are changed to contradict it,
the rendered section follows, and the seed counts agree with hand counts and scipy."""
import numpy as np
import pytest
from scipy import stats

from common.claims import ReportError, all_claims, pct
from common.claims import by as by_name
from findings import hw1_1_mnist as mn
from tests.findings_data import committed, findings_of, section

NAME = "hw1_1_mnist"
TASKS = {"MNIST": "hw1_1_mnist_mnist", "Fashion-MNIST": "hw1_1_mnist_fashion-mnist"}


def run(R, C):
    found = findings_of(NAME, R, C)
    return found, section(NAME, found)


def model(R, task, name):
    return by_name(R[TASKS[task]]["models"], "name", name)


def set_accs(R, task, name, values):
    """Replace one model's per-seed final test accuracies (and the stored summary)."""
    m = model(R, task, name)
    for r, v in zip(m["runs"], values):
        r["history"]["final"]["test_acc"] = float(v)
    m["final"]["test_acc"].update(mean=float(np.mean(values)), std=float(np.std(values, ddof=1)),
                                  median=float(np.median(values)), min=min(values), max=max(values))


def names(R, family):
    return [m["name"] for m in mn.family(R[TASKS["MNIST"]], family)]


def row_text(row):
    return "| " + " | ".join(map(str, row)) + " |"


# per-seed test accuracies, shallowest first, where every CNN run beats every DNN run on both tasks
SEPARATE = {"MNIST": {"CNN": [[0.980, 0.982, 0.984], [0.981, 0.983, 0.985], [0.976, 0.978, 0.986]],
                      "DNN": [[0.965, 0.967, 0.969], [0.963, 0.966, 0.968], [0.960, 0.962, 0.964]]},
            "Fashion-MNIST": {"CNN": [[0.890, 0.892, 0.894], [0.888, 0.891, 0.895], [0.885, 0.887, 0.889]],
                              "DNN": [[0.866, 0.868, 0.870], [0.867, 0.869, 0.872], [0.860, 0.862, 0.864]]}}


# ---------------------------------------------------------------------------- committed results
def test_the_committed_results_render():
    R, C, _, _ = committed()
    found, text = run(R, C)
    # every claim the section prints reads as its current outcome: the claim for both tasks when it
    # holds, else one per task; the checks are not printed
    family = found["family"]
    skipped = {"family.both"} if not family["both"].holds else {f"family.per_task[{i}]" for i in range(len(TASKS))}
    for name, c in all_claims(found):
        if name.startswith("checks.") or name in skipped:
            continue
        assert str(c) in text, name
    for t in (found["accuracy_table"], found["depth_table"]):
        for row in t["rows"]:
            assert row_text(row) in text
    assert len(found["depth_table"]["rows"]) == 12           # 3 pairs x 2 families x 2 tasks


def test_depth_table_counts_by_hand():
    R, C, _, _ = committed()
    # DNN on MNIST: shallow 96.88/96.58/96.67 and medium 96.92/96.30/96.61: shallow has the higher mean
    # (96.71 vs 96.61) but none of its seeds above medium's best (96.92); medium's 96.92 is above shallow's best
    a, b = [0.9688, 0.9658, 0.9667], [0.9692, 0.9630, 0.9661]
    set_accs(R, "MNIST", "DNN shallow (1 hidden)", a)
    set_accs(R, "MNIST", "DNN medium (2 hidden)", b)
    rows = findings_of(NAME, R, C)["depth_table"]["rows"]
    row = next(r for r in rows if r[1] == "MNIST" and r[2] == "DNN shallow > DNN medium")
    assert (sum(x > max(b) for x in a), sum(y > max(a) for y in b)) == (0, 1)
    assert row[3:7] == [f"{pct(np.mean(a), 2)} vs {pct(np.mean(b), 2)}", "overlap", "0 of 3", "1 of 3"]
    assert row[3] == "96.71% vs 96.61%"
    # medium's 96.92 lowered to 96.50: the ranges still overlap (medium's 96.61 lies above shallow's worst, 96.58),
    # but now two shallow seeds (96.88, 96.67) lie above medium's best (96.61) and none of medium's above shallow's
    b2 = [0.9650, 0.9630, 0.9661]
    set_accs(R, "MNIST", "DNN medium (2 hidden)", b2)
    row2 = next(r for r in findings_of(NAME, R, C)["depth_table"]["rows"]
                if r[1] == "MNIST" and r[2] == "DNN shallow > DNN medium")
    assert (sum(x > max(b2) for x in a), sum(y > max(a) for y in b2)) == (2, 0)
    assert row2[3:7] == [f"{pct(np.mean(a), 2)} vs {pct(np.mean(b2), 2)}", "overlap", "2 of 3", "0 of 3"]
    for r, other in ((row, b), (row2, b2)):
        p = stats.permutation_test((a, other), lambda u, v: np.mean(u) - np.mean(v), permutation_type="independent",
                                   n_resamples=np.inf, alternative="two-sided").pvalue
        assert r[7] == f"{p:.2f}"
    assert len(rows) == 12                                    # 3 pairs x 2 families x 2 tasks


def test_min_p_against_scipy():
    R, C, _, _ = committed()
    found = findings_of(NAME, R, C)
    p = stats.permutation_test(([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]), lambda u, v: np.mean(u) - np.mean(v),
                               n_resamples=np.inf, alternative="two-sided").pvalue
    assert found["min_p"] == pytest.approx(p) == pytest.approx(0.1)


# ---------------------------------------------------------------------------- required claims
def _same_map(R, C):
    mn.family(R[TASKS["MNIST"]], "CNN")[0]["feature_shape"] = [8, 14, 14]


@pytest.mark.parametrize("check, tamper", [
    ("same_settings", lambda R, C: C[TASKS["Fashion-MNIST"]].update(lr=0.1)),
    ("same_models", lambda R, C: R[TASKS["Fashion-MNIST"]]["models"].pop()),
    ("depths", lambda R, C: mn.family(R[TASKS["MNIST"]], "DNN")[0].update(depth=3)),
    ("per_seed", lambda R, C: mn.family(R[TASKS["MNIST"]], "CNN")[0]["runs"].pop()),
    ("same_map", _same_map),
])
def test_a_broken_consistency_check_fails_the_findings(check, tamper):
    R, C, _, _ = committed()
    assert mn.checks(R, C)[check].holds
    tamper(R, C)
    assert not mn.checks(R, C)[check].holds
    with pytest.raises(ReportError, match="claim no longer holds"):
        findings_of(NAME, R, C)


# ---------------------------------------------------------------------------- families
def test_overlapping_families_are_said_per_task():
    R, C, _, _ = committed()
    for task, fams in SEPARATE.items():
        for fam, values in fams.items():
            for name, v in zip(names(R, fam), values):
                set_accs(R, task, name, v)
    found, text = run(R, C)
    assert found["family"]["both"].holds and [c.outcome for c in found["family"]["per_task"]] == ["CNN", "CNN"]
    gaps = []
    for task, fams in SEPARATE.items():                  # worst CNN minus best DNN, best CNN minus worst DNN
        cnn, dnn = sum(fams["CNN"], []), sum(fams["DNN"], [])
        gaps.append(f"{100 * (min(cnn) - max(dnn)):.1f}-{100 * (max(cnn) - min(dnn)):.1f} ({task})")
    assert gaps == ["0.7-2.6 (MNIST)", "1.3-3.5 (Fashion-MNIST)"]
    assert (f"At equal parameter count every CNN beats every DNN on both tasks on every seed, by {gaps[0]} and "
            f"{gaps[1]} points of test accuracy") in text
    dnn_shallow = [0.99, 0.967, 0.969]                    # one run above every CNN run
    set_accs(R, "MNIST", "DNN shallow (1 hidden)", dnn_shallow)
    found, text = run(R, C)
    assert not found["family"]["both"].holds and found["family"]["per_task"][0].outcome == "overlap"
    assert found["family"]["per_task"][1].outcome == "CNN"
    cnn = sum(SEPARATE["MNIST"]["CNN"], [])
    dnn = dnn_shallow + sum(SEPARATE["MNIST"]["DNN"][1:], [])
    cnn_above, dnn_above = sum(x > max(dnn) for x in cnn), sum(y > max(cnn) for y in dnn)
    assert (cnn_above, dnn_above) == (0, 1)
    assert (f"At equal parameter count the CNNs' and DNNs' per-seed test accuracies overlap on MNIST "
            f"(CNNs {pct(min(cnn), 2)}-{pct(max(cnn), 2)}, DNNs {pct(min(dnn), 2)}-{pct(max(dnn), 2)}; "
            f"{cnn_above} of the 9 CNN runs above every DNN run, {dnn_above} of the 9 DNN runs above every CNN run) "
            "and every CNN beats every DNN on Fashion-MNIST on every seed") in text
    assert "on both tasks" not in text


def test_dnns_above_every_cnn_are_said():
    R, C, _, _ = committed()
    for name in names(R, "DNN"):
        set_accs(R, "Fashion-MNIST", name, [a + 0.05 for a in mn.seed_accs(model(R, "Fashion-MNIST", name))])
    found, text = run(R, C)
    assert found["family"]["per_task"][1].outcome == "DNN"
    assert "every DNN beats every CNN on Fashion-MNIST on every seed" in text


def test_a_gap_wider_than_the_seeds_puts_the_family_first():
    R, C, _, _ = committed()
    assert not findings_of(NAME, R, C)["family"]["family_first"].holds
    for task in TASKS:
        for name in names(R, "CNN"):
            set_accs(R, task, name, [0.99, 0.991, 0.992])
        for name in names(R, "DNN"):
            set_accs(R, task, name, [0.95, 0.951, 0.952])
    found, text = run(R, C)
    assert found["family"]["family_first"].holds
    assert ": the family matters more than the depth (the gap between the families is wider than the spread" in text


# ---------------------------------------------------------------------------- depth orderings
def test_separated_rising_depths_help():
    R, C, _, _ = committed()
    assert findings_of(NAME, R, C)["depth"]["CNN"][0]["order"].outcome == "none"
    for i, name in enumerate(names(R, "CNN")):
        set_accs(R, "MNIST", name, [0.97 + 0.01 * i, 0.971 + 0.01 * i, 0.972 + 0.01 * i])
    found, text = run(R, C)
    assert found["depth"]["CNN"][0]["order"].outcome == "helps"
    assert ("Within the CNNs, depth helps on MNIST: every seed of each deeper CNN beats every seed of the shallower "
            "one") in text


def test_separated_falling_depths_hurt():
    R, C, _, _ = committed()
    assert findings_of(NAME, R, C)["depth"]["CNN"][1]["order"].outcome == "some"
    for i, name in enumerate(names(R, "CNN")):
        set_accs(R, "Fashion-MNIST", name, [0.90 - 0.01 * i, 0.901 - 0.01 * i, 0.902 - 0.01 * i])
    found, text = run(R, C)
    assert found["depth"]["CNN"][1]["order"].outcome == "hurts"
    assert "depth hurts on Fashion-MNIST: every seed of each shallower CNN beats every seed of the deeper one" in text


def test_overlapping_depths_do_not_order():
    R, C, _, _ = committed()
    found = findings_of(NAME, R, C)
    assert found["depth"]["DNN"][0]["order"].outcome == "some"
    for name in names(R, "DNN"):
        set_accs(R, "MNIST", name, [0.962, 0.965, 0.968])
    found, text = run(R, C)
    assert found["depth"]["DNN"][0]["order"].outcome == "none"
    assert "Within the DNNs, on MNIST the seed ranges of all depths overlap: the seeds do not order them" in text


# Fashion-MNIST DNN accuracies where only one pair separates: medium beats deep on every seed, one test
# image (0.01 points) between the closest seeds; shallow overlaps both
ONE_PAIR_APART = {"DNN shallow (1 hidden)": [0.8600, 0.8650, 0.8700],
                  "DNN medium (2 hidden)": [0.8694, 0.8710, 0.8734],
                  "DNN deep (4 hidden)": [0.8609, 0.8650, 0.8693]}


def set_one_pair_apart(R):
    for name, accs in ONE_PAIR_APART.items():
        set_accs(R, "Fashion-MNIST", name, accs)


def test_rising_dnn_depths_on_fashion_mnist_help():
    R, C, _, _ = committed()
    set_one_pair_apart(R)
    assert findings_of(NAME, R, C)["depth"]["DNN"][1]["order"].outcome == "some"
    for i, name in enumerate(names(R, "DNN")):
        set_accs(R, "Fashion-MNIST", name, [0.85 + 0.01 * i, 0.851 + 0.01 * i, 0.852 + 0.01 * i])
    found, text = run(R, C)
    assert found["depth"]["DNN"][1]["order"].outcome == "helps"
    assert "depth helps on Fashion-MNIST: every seed of each deeper DNN beats every seed of the shallower one" in text


def _five_seeds(R, C):
    """Every model of both tasks with five seeds instead of three (copies of its runs)."""
    extra = ["seed-3", "seed-4"]
    for name in TASKS.values():
        R[name]["seed_names"] = R[name]["seed_names"] + extra
        C[name]["seeds"] = 5
        for m in R[name]["models"]:
            for k, seed in enumerate(extra):
                copy = {**m["runs"][k], "seed_name": seed,
                        "history": {**m["runs"][k]["history"], "final": dict(m["runs"][k]["history"]["final"])}}
                copy["history"]["final"]["test_acc"] += 1e-4 * (k + 1)       # distinct values
                m["runs"].append(copy)
            for v in m["final"].values():
                v["n"] = 5


def test_five_seeds_can_make_an_ordering_significant():
    R, C, _, _ = committed()
    assert findings_of(NAME, R, C)["no_significance"].holds
    _five_seeds(R, C)
    found, text = run(R, C)
    assert not found["no_significance"].holds
    assert found["min_p"] == pytest.approx(2 / 252)
    assert "the permutation p of the difference of means reaches 7.9e-3 when the seeds of a pair separate." in text
    assert "cannot go below" not in text


def test_separated_depths_give_the_margin_of_the_closest_seeds():
    R, C, _, _ = committed()
    set_one_pair_apart(R)
    found, text = run(R, C)
    # Fashion-MNIST DNNs: medium 86.94-87.34 against deep 86.09-86.93, one test image apart
    medium = mn.seed_accs(model(R, "Fashion-MNIST", "DNN medium (2 hidden)"))
    deep = mn.seed_accs(model(R, "Fashion-MNIST", "DNN deep (4 hidden)"))
    assert f"{100 * (min(medium) - max(deep)):.2f}" == "0.01"
    assert ("on Fashion-MNIST the seed ranges separate only where DNN medium beats DNN deep on every seed "
            "(0.01 points between the closest seeds)") in text
    set_accs(R, "Fashion-MNIST", "DNN deep (4 hidden)", [0.850, 0.852, 0.854])
    found, text = run(R, C)
    shallow = mn.seed_accs(model(R, "Fashion-MNIST", "DNN shallow (1 hidden)"))
    assert ("DNN shallow beats DNN deep and DNN medium beats DNN deep on every seed "
            f"({100 * (min(shallow) - 0.854):.2f} and {100 * (min(medium) - 0.854):.2f} points between the closest "
            "seeds)") in text
    assert f"{100 * (min(medium) - 0.854):.2f}" == "1.54"


def test_the_family_gap_names_its_confounds():
    R, C, _, _ = committed()
    found, text = run(R, C)
    assert "not equal computation" in text and "one learning rate for all models, not tuned per model" in text
    assert "because convolutions" not in text
