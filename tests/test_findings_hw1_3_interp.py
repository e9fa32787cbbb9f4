"""The interpolation section: each per-pair claim (barrier, the raw line's wider end, the end with
the lower loss at t = +-1 along a filter-normalized direction, whether the two views agree) flips
when the results contradict it."""
import numpy as np
import pytest

from common.claims import ReportError
from tests.findings_data import committed, findings_of, section

NAME = "hw1_3_interp"


def runs(R, pair):
    return R[NAME]["pairs"][pair]["runs"]


def inside(R):
    alphas = np.asarray(R[NAME]["alphas"])
    return np.flatnonzero((alphas > 0) & (alphas < 1))


def test_committed_results_render_the_section():
    R, C, P, T = committed()
    found = findings_of(NAME, R, C, P, T)
    batch, lr = found["pairs"]
    assert (batch["barrier"].outcome, lr["barrier"].outcome) == ("some", "all")
    assert batch["raw_end"].holds and lr["raw_end"].holds
    assert not batch["profile_end"].holds and not lr["profile_end"].holds
    assert batch["views"].outcome == lr["views"].outcome == "unresolved"
    text = section(NAME, found)
    assert "above 2x (a barrier) for one of the three seeds" in text
    assert "rises to 2.11-3.29x the higher end for every seed: a barrier separates them" in text
    assert "the loss is lower beyond batch 64 for every seed (the raw line calls it the wider basin)" in text
    assert "is lower at batch 64 for two of the three seeds and at batch 1024 for the other" in text
    assert "is lower at batch 64 for one of the three seeds and at lr 1e-2 for the other two" in text
    assert text.count("does not confirm the raw line's wider basin") == 2


def test_profile_counts_by_hand():
    R, C, P, T = committed()
    found = findings_of(NAME, R, C, P, T)
    lower_1 = sum(0.5 * (r["model_1"]["profile"][0] + r["model_1"]["profile"][-1]) <
                  0.5 * (r["model_2"]["profile"][0] + r["model_2"]["profile"][-1]) for r in runs(R, "batch"))
    assert lower_1 == 2 == found["pairs"][0]["profile_end"].evidence["ends"].count(1)


def test_a_low_line_for_every_seed_is_no_barrier():
    R, C, P, T = committed()
    for r in runs(R, "batch"):
        top = max(r["model_1"]["train_loss"], r["model_2"]["train_loss"])
        for i in inside(R):
            r["train_loss"][i] = min(r["train_loss"][i], 1.5 * top)
    found = findings_of(NAME, R, C, P, T)
    assert found["pairs"][0]["barrier"].outcome == "none"
    text = section(NAME, found)
    assert "stays low for every seed (at most 1.50x the higher end)" in text
    assert "as in Goodfellow et al. 2015" in text


def test_a_barrier_for_some_seeds_only_is_said():
    R, C, P, T = committed()
    r = runs(R, "lr")[0]
    top = max(r["model_1"]["train_loss"], r["model_2"]["train_loss"])
    for i in inside(R):
        r["train_loss"][i] = min(r["train_loss"][i], 1.2 * top)
    found = findings_of(NAME, R, C, P, T)
    assert found["pairs"][1]["barrier"].outcome == "some"
    text = section(NAME, found)
    assert "a barrier separates them" not in text
    assert "above 2x (a barrier) for two of the three seeds" in text


@pytest.mark.parametrize("pair, index, said", [
    ("batch", 0, "batch 64 for two of the three seeds and batch 1024 for the others (the raw line does not order"),
    ("lr", 1, "batch 64 for one of the three seeds and lr 1e-2 for the others (the raw line does not order"),
])
def test_the_raw_line_changing_end_with_the_seed_is_said(pair, index, said):
    R, C, P, T = committed()
    r = runs(R, pair)[1]
    r["train_loss"][0], r["train_loss"][-1] = r["train_loss"][-1], r["train_loss"][0]
    found = findings_of(NAME, R, C, P, T)
    assert not found["pairs"][index]["raw_end"].holds
    text = section(NAME, found)
    assert said in text


def test_one_end_lower_for_every_seed_and_the_views_agreeing():
    R, C, P, T = committed()
    r = runs(R, "batch")[1]                             # the seed where batch 1024 was lower at t = +-1
    r["model_2"]["profile"][0] += 5.0
    r["model_2"]["profile"][-1] += 5.0
    found = findings_of(NAME, R, C, P, T)
    pair = found["pairs"][0]
    assert pair["profile_end"].holds and pair["views"].outcome == "agree"
    text = section(NAME, found)
    assert "is lower at batch 64 for every seed: the two views pick the same end for every seed" in text


def test_the_views_picking_different_ends_is_said():
    R, C, P, T = committed()
    for r in (runs(R, "lr")[0], runs(R, "lr")[2]):     # the seeds where lr 1e-2 was lower at t = +-1
        r["model_2"]["profile"][0] += 10.0
        r["model_2"]["profile"][-1] += 10.0
    found = findings_of(NAME, R, C, P, T)
    pair = found["pairs"][1]
    assert pair["profile_end"].holds and pair["views"].outcome == "disagree"
    text = section(NAME, found)
    assert "is lower at batch 64 for every seed: the two views pick different ends for every seed" in text


def test_a_pair_without_every_seed_fails_the_findings():
    R, C, P, T = committed()
    runs(R, "lr").pop()
    with pytest.raises(ReportError, match="pair lr holds seeds"):
        findings_of(NAME, R, C, P, T)
