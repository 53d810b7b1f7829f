"""Robust statistics of benchmark samples, in agreement with pytest-benchmark's."""

from __future__ import annotations

import pytest
from pytest_benchmark.stats import Stats as TheirStats

from warpgraph.bench import Stats


def test_median_and_iqr_of_an_odd_sample_use_pytest_benchmarks_quartiles() -> None:
    samples = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0]
    theirs = TheirStats()
    for sample in samples:
        theirs.update(sample)

    stats = Stats(samples)

    assert stats.median == 5.0
    assert (stats.q1, stats.q3) == (theirs.q1, theirs.q3) == (2.75, 7.25)
    assert stats.iqr == 4.5
    assert (stats.min, stats.max, stats.rounds) == (1.0, 9.0, 9)


def test_one_sample_has_no_spread() -> None:
    stats = Stats([0.25])

    assert (stats.median, stats.iqr, stats.stddev) == (0.25, 0.0, 0.0)
    assert stats.ops == 4.0


def test_as_dict_lists_every_field() -> None:
    assert set(Stats([1.0, 2.0]).as_dict()) == set(Stats.fields)


def test_no_samples_is_an_error_that_says_so() -> None:
    with pytest.raises(
        ValueError, match=r"^Stats needs at least one sample; the benchmark recorded none$"
    ):
        Stats([])


def test_negative_or_infinite_samples_are_rejected() -> None:
    with pytest.raises(
        ValueError, match=r"^samples must be finite non-negative seconds, got \[1\.0, -2\.0\]$"
    ):
        Stats([1.0, -2.0])
    with pytest.raises(ValueError, match=r"^samples must be finite non-negative seconds"):
        Stats([float("inf")])
