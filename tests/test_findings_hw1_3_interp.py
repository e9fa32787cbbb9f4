"""The interpolation section: each per-pair claim (barrier, the raw line's wider end, the wider
basin along the shared directions, the same at the other rises, the earlier t = +-1 reading, whether
the raw line and the widths agree) and the censoring note flip when the results contradict them,
and the section then says the other phrasing; the counts and ratios against hand computations."""
import numpy as np
import pytest

from common.claims import ReportError
from findings.hw1_3_interp import direction_widths, width_comparison
from tests.findings_data import reviewed, findings_of, rendered

NAME = "hw1_3_interp"
PAIRS = ["batch", "lr"]


def runs(R, pair):
    return R[NAME]["pairs"][pair]["runs"]


def names(R, pair):
    return R[NAME]["pairs"][pair]["model_1"], R[NAME]["pairs"][pair]["model_2"]


def inside(R):
    alphas = np.asarray(R[NAME]["alphas"])
    return np.flatnonzero((alphas > 0) & (alphas < 1))


def found_and_text(R, C, P, T):
    return rendered(NAME, R, C, P, T)


def widen(end, factor, rise=0, directions=None):
    """Multiply one end's distances at one rise (all directions, or those given) by factor."""
    for side in ("t_plus", "t_minus"):
        row = end[side][rise]
        for k in range(len(row)) if directions is None else directions:
            row[k] = row[k] * factor


def set_outcome(R, pair, outcome, rise=0):
    """Make one model wider than the other along every direction of every seed ("first" / "second")."""
    for r in runs(R, pair):
        w1, _ = direction_widths(r["model_1"], rise, R[NAME]["t_max"])
        w2, _ = direction_widths(r["model_2"], rise, R[NAME]["t_max"])
        for k, (a, b) in enumerate(zip(w1, w2)):
            wide, narrow = ("model_1", "model_2") if outcome == "first" else ("model_2", "model_1")
            a, b = (a, b) if outcome == "first" else (b, a)
            if a <= b:
                widen(r[wide], 1.5 * b / a, rise, [k])


# ---------------------------------------------------------------------------- the reviewed results
def test_the_reviewed_results_render_the_section():
    R, C, P, T = reviewed()
    found, text = found_and_text(R, C, P, T)
    batch, lr = found["pairs"]
    assert found["n_seeds"] == 5 and found["directions"] == 12 and found["censored"].holds
    assert (batch["barrier"].outcome, lr["barrier"].outcome) == ("some", "all")
    assert batch["raw_end"].holds and lr["raw_end"].holds
    assert (batch["widths"].outcome, lr["widths"].outcome) == ("first", "mixed")
    assert batch["height"].holds and lr["height"].holds
    assert (batch["edge_reading"].outcome, lr["edge_reading"].outcome) == ("agree", "edge_only")
    assert (batch["views"].outcome, lr["views"].outcome) == ("agree", "unresolved")
    assert ("batch 64 is wider than batch 1024 for every seed: along 10-12 of the twelve directions per seed "
            "(12, 12, 10, 11, 12)") in text
    assert "neither is wider for every seed: batch 64 is wider along 7, 9, 7, 0, 11 of the twelve directions" in text
    assert "an ordering that the widths, measured where the loss has only doubled, do not make" in text
    assert "every side of every direction reaches the threshold within |t| ≤ 4" in text


def test_counts_and_ratio_by_hand():
    R, C, P, T = reviewed()
    found = findings_of(NAME, R, C, P, T)
    t_max = R[NAME]["t_max"]
    for pair, result in zip(PAIRS, found["pairs"]):
        first, ratios = [], []
        for r in runs(R, pair):
            w1 = [p + m for p, m in zip(r["model_1"]["t_plus"][0], r["model_1"]["t_minus"][0])]
            w2 = [p + m for p, m in zip(r["model_2"]["t_plus"][0], r["model_2"]["t_minus"][0])]
            first.append(sum(a > b for a, b in zip(w1, w2)))
            ratios.append(np.mean([np.log(a / b) for a, b in zip(w1, w2)]))
        evidence = result["widths"].evidence
        assert evidence["first_wider"] == first
        assert evidence["log_ratio"] == pytest.approx(ratios)
        # a percentile bootstrap of the mean over seeds stays within the seeds' range and holds the mean
        assert min(ratios) - 1e-12 <= evidence["low"] <= np.mean(ratios) <= evidence["high"] <= max(ratios) + 1e-12
        assert width_comparison(runs(R, pair), 0, t_max, *names(R, pair))["ratio"] == pytest.approx(
            np.exp(np.mean(ratios)))


# ---------------------------------------------------------------------------- the barrier and the raw line
def test_a_low_line_for_every_seed_is_no_barrier():
    R, C, P, T = reviewed()
    for r in runs(R, "lr"):
        top = max(r["model_1"]["train_loss"], r["model_2"]["train_loss"])
        for i in inside(R):
            r["train_loss"][i] = min(r["train_loss"][i], 1.5 * top)
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][1]["barrier"].outcome == "none"
    assert "stays low for every seed (at most 1.50x the higher end)" in text
    assert "as in Goodfellow et al. 2015" in text


WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven"]


@pytest.mark.parametrize("raised", ["one", "all"])
def test_a_barrier_for_some_or_all_seeds_is_said(raised):
    """The loss between the models: 1.2x the higher end everywhere, and 3x at one alpha for one
    seed or for every seed."""
    R, C, P, T = reviewed()
    rs = runs(R, "batch")
    middle = inside(R)[len(inside(R)) // 2]
    for s, r in enumerate(rs):
        top = max(r["model_1"]["train_loss"], r["model_2"]["train_loss"])
        for i in inside(R):
            r["train_loss"][i] = 1.2 * top
        if raised == "all" or s == 0:
            r["train_loss"][middle] = 3.0 * top
    found, text = found_and_text(R, C, P, T)
    if raised == "one":
        assert found["pairs"][0]["barrier"].outcome == "some"
        assert f"above 2x (a barrier) for one of the {WORDS[len(rs)]} seeds" in text
    else:
        assert found["pairs"][0]["barrier"].outcome == "all"
        assert "rises to 3.00x the higher end for every seed: a barrier separates them" in text


@pytest.mark.parametrize("pair, index", [("batch", 0), ("lr", 1)])
def test_the_raw_line_changing_end_with_the_seed_is_said(pair, index):
    R, C, P, T = reviewed()
    set_raw(R, pair, 1)
    found = findings_of(NAME, R, C, P, T)
    assert found["pairs"][index]["raw_end"].holds
    r = runs(R, pair)[1]                                  # one seed the other way
    r["train_loss"][0], r["train_loss"][-1] = r["train_loss"][-1], r["train_loss"][0]
    found, text = found_and_text(R, C, P, T)
    assert not found["pairs"][index]["raw_end"].holds
    m1, _ = names(R, pair)
    assert f"lower beyond {m1} for {WORDS[len(runs(R, pair)) - 1]} of the" in text
    assert "(the raw line does not order the basins)" in text


# ---------------------------------------------------------------------------- the widths
@pytest.mark.parametrize("pair, index", [("batch", 0), ("lr", 1)])
@pytest.mark.parametrize("outcome", ["first", "second"])
def test_the_wider_model_for_every_seed_is_said(pair, index, outcome):
    R, C, P, T = reviewed()
    set_outcome(R, pair, outcome)
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][index]["widths"].outcome == outcome
    m1, m2 = names(R, pair)
    wide, narrow = (m1, m2) if outcome == "first" else (m2, m1)
    n = R[NAME]["directions"]
    assert f"{wide} is wider than {narrow} for every seed: along {n} of the" in text


@pytest.mark.parametrize("pair, index", [("batch", 0), ("lr", 1)])
def test_one_seed_the_other_way_is_no_wider_model(pair, index):
    R, C, P, T = reviewed()
    set_outcome(R, pair, "first")
    first = runs(R, pair)[0]
    widen(first["model_2"], 10.0)                         # one seed: model 2 wider along every direction
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][index]["widths"].outcome == "mixed"
    assert "neither is wider for every seed" in text
    n = R[NAME]["directions"]
    assert f"{names(R, pair)[0]} is wider along 0, {n}" in text


def test_more_directions_against_a_wider_mean_is_not_called_wider():
    """Wider on average (a few directions far wider) but narrower along most directions: mixed."""
    R, C, P, T = reviewed()
    set_outcome(R, "batch", "second")
    r = runs(R, "batch")[0]
    widen(r["model_1"], 1000.0, 0, [0])                   # one direction makes model 1 wider on average
    found = findings_of(NAME, R, C, P, T)
    claim = found["pairs"][0]["widths"]
    assert claim.evidence["log_ratio"][0] > 0 and claim.evidence["first_wider"][0] == 1
    assert claim.outcome == "mixed"


def test_another_outcome_at_another_rise_is_said():
    R, C, P, T = reviewed()
    set_outcome(R, "batch", "first", rise=0)
    for k in range(1, len(R[NAME]["rises"])):
        set_outcome(R, "batch", "first", rise=k)
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][0]["height"].holds
    assert "the same holds at the other rises" in text
    set_outcome(R, "batch", "second", rise=len(R[NAME]["rises"]) - 1)
    found, text = found_and_text(R, C, P, T)
    assert not found["pairs"][0]["height"].holds
    assert "not so at every rise" in text
    assert f"at +{R[NAME]['rises'][-1]:.2f} batch 1024 is wider for every seed" in text


def test_a_side_that_never_reaches_the_threshold_is_said():
    R, C, P, T = reviewed()
    assert findings_of(NAME, R, C, P, T)["censored"].holds
    runs(R, "batch")[0]["model_2"]["t_plus"][0][0] = None
    found, text = found_and_text(R, C, P, T)
    assert not found["censored"].holds
    assert "the threshold is not reached within |t| ≤ 4 on one side of a direction (counted as 4)" in text


# ---------------------------------------------------------------------------- the earlier reading and the views
def set_edges(R, pair, lower):
    """Make the loss at t = +-1 lower at model `lower` (1 or 2) for every seed."""
    for r in runs(R, pair):
        high = "model_2" if lower == 1 else "model_1"
        for p in r[high]["profiles"]:
            p[0] += 100.0
            p[-1] += 100.0


def set_raw(R, pair, lower):
    """Make the extrapolated loss lower beyond model `lower` for every seed."""
    for r in runs(R, pair):
        a, b = sorted((r["train_loss"][0], r["train_loss"][-1]))
        r["train_loss"][0], r["train_loss"][-1] = (a, b) if lower == 1 else (b, a)


def test_the_earlier_reading_agreeing_or_reversing():
    R, C, P, T = reviewed()
    set_outcome(R, "batch", "first")
    set_edges(R, "batch", 1)
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][0]["edge_reading"].outcome == "agree"
    assert "is lower at batch 64 for every seed too" in text
    set_edges(R, "batch", 2)
    set_edges(R, "batch", 2)                           # batch 64 now far higher at t = +-1
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][0]["edge_reading"].outcome == "disagree"
    assert "is lower at batch 1024 for every seed: the opposite of the widths" in text


def test_an_earlier_reading_split_over_seeds():
    R, C, P, T = reviewed()
    set_outcome(R, "batch", "first")
    set_edges(R, "batch", 1)
    r = runs(R, "batch")[0]
    for p in r["model_1"]["profiles"]:
        p[0] += 1000.0
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][0]["edge_reading"].outcome == "split"
    assert "so it does not give the widths' answer for every seed" in text


@pytest.mark.parametrize("raw, views, said", [
    (1, "agree", "are the same model for every seed"),
    (2, "disagree", "The raw line's wider end is the other model for every seed"),
])
def test_the_raw_line_and_the_widths(raw, views, said):
    R, C, P, T = reviewed()
    set_outcome(R, "lr", "first")
    set_raw(R, "lr", raw)
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][1]["views"].outcome == views
    assert said in text


def test_the_raw_line_and_mixed_widths_are_unresolved():
    R, C, P, T = reviewed()
    set_outcome(R, "lr", "first")
    widen(runs(R, "lr")[0]["model_2"], 10.0)
    set_raw(R, "lr", 1)
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][1]["views"].outcome == "unresolved"
    assert "do not both order the two models the same way for every seed" in text


def test_a_pair_without_every_seed_fails_the_findings():
    R, C, P, T = reviewed()
    runs(R, "lr").pop()
    with pytest.raises(ReportError, match="pair lr holds seeds"):
        findings_of(NAME, R, C, P, T)


def test_an_earlier_reading_without_an_ordering_of_the_widths_becomes_agreement():
    R, C, P, T = reviewed()
    assert findings_of(NAME, R, C, P, T)["pairs"][1]["edge_reading"].outcome == "edge_only"
    set_outcome(R, "lr", "first")
    set_edges(R, "lr", 1)
    found, text = found_and_text(R, C, P, T)
    assert found["pairs"][1]["edge_reading"].outcome == "agree"
    assert "is lower at batch 64 for every seed too" in text and "do not make" not in text


def test_the_capped_end_is_named_and_its_absence_said():
    R, C, P, T = reviewed()
    found, text = found_and_text(R, C, P, T)
    batch, lr = found["pairs"]
    capped = [(r["seed"], r["model_2"]["train_loss"]) for r in runs(R, "lr") if r["model_2"]["stop"] == "cap"]
    assert [s for s, _ in capped] == ["s0"] and not lr["capped"].holds and batch["capped"].holds
    assert ("Not every end stopped at the target: lr 1e-2 s0, at training loss 0.0544 against the target 0.05, "
            "stopped at the training cap") in text
    assert "(lr 1e-2 s0, at training loss 0.0544 against the target 0.05, stopped at the training cap" in text
    for r in runs(R, "lr"):
        r["model_2"]["stop"] = "target"
    found, text = found_and_text(R, C, P, T)
    assert found["capped"].holds and all(p["capped"].holds for p in found["pairs"])
    assert "stopped at the training cap" not in text and "every one of them stopped at the target" in text
