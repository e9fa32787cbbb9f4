"""Summaries over seeds against hand-computed values."""
import numpy as np
import pytest

from common import stats

CURVES = [[4.0, 1.0, 0.5],      # three seeds, three recorded steps
          [2.0, 3.0, 0.1],
          [6.0, 2.0, 0.3]]


def test_median_band_by_hand():
    median, low, high = stats.median_band(CURVES)
    assert median.tolist() == [4.0, 2.0, 0.3]
    assert low.tolist() == [2.0, 1.0, 0.1] and high.tolist() == [6.0, 3.0, 0.5]


def test_quartile_band_by_hand():
    median, low, high = stats.quartile_band([[1.0], [2.0], [3.0], [4.0], [5.0]])
    # linear interpolation between order statistics: 25% -> 2, 50% -> 3, 75% -> 4
    assert (median[0], low[0], high[0]) == (3.0, 2.0, 4.0)


def test_mean_std_median_index_summary_by_hand():
    mean, std = stats.mean_std([0.97, 0.98, 0.99])
    assert mean == pytest.approx(0.98) and std == pytest.approx(0.01)          # sample std (ddof=1)
    assert stats.mean_std([0.5])[1] == 0.0
    assert stats.median_index([0.3, 0.1, 0.2]) == 2                             # 0.2 is the median
    assert stats.median_index([4.0, 1.0, 3.0, 2.0]) == 3                        # even: the lower middle (2.0)
    s = stats.summary([1.0, 2.0, 6.0])
    assert s == {"median": 2.0, "min": 1.0, "max": 6.0, "mean": 3.0, "std": pytest.approx(np.sqrt(7.0)), "n": 3}


def test_separated_means_the_seed_ranges_do_not_overlap():
    assert stats.separated([0.1, 0.2], [0.3, 0.4])                              # losses: lower is better
    assert not stats.separated([0.1, 0.35], [0.3, 0.4])
    assert stats.separated([0.99, 0.98], [0.97], lower_is_better=False)
