"""Regression verdicts on synthetic samples, and the --graph-bench-fail rules."""

from __future__ import annotations

import numpy as np
import pytest

from warpgraph.bench import MIN_ROUNDS, FailRule, compare_samples, parse_fail_rules


def _samples(median: float, spread: float = 0.03, n: int = 30, seed: int = 1) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(x) for x in median * (1 + spread * rng.standard_normal(n))]


def test_a_clearly_slower_distribution_is_slower_with_its_size_and_interval() -> None:
    comparison = compare_samples(_samples(1.2e-3, seed=2), _samples(1.0e-3, seed=3))

    assert comparison.verdict == "slower"
    assert comparison.p_value < 1e-6
    assert comparison.change == pytest.approx(0.2, abs=0.03)
    assert comparison.ci_low < comparison.ratio < comparison.ci_high
    assert comparison.ci_low > 1.1
    assert comparison.describe().startswith("slower +")


def test_a_clearly_faster_distribution_is_faster() -> None:
    comparison = compare_samples(_samples(0.8e-3, seed=4), _samples(1.0e-3, seed=5))

    assert comparison.verdict == "faster"
    assert comparison.ratio < 0.9


def test_two_draws_from_one_distribution_show_no_change() -> None:
    comparison = compare_samples(
        _samples(1e-3, spread=0.1, seed=6), _samples(1e-3, spread=0.1, seed=7)
    )

    assert comparison.verdict == "no change"
    assert comparison.p_value > 0.01


def test_one_slow_outlier_round_is_not_a_regression() -> None:
    # A single round taking 10x longer (another process took the core) must not flip
    # the verdict: the test compares ranks, not means.
    baseline = _samples(1e-3, seed=8)
    current = _samples(1e-3, seed=9)
    current[0] = 10e-3

    assert compare_samples(current, baseline).verdict == "no change"


def test_identical_constant_samples_show_no_change() -> None:
    comparison = compare_samples([1.0] * 10, [1.0] * 10)

    assert (comparison.verdict, comparison.ratio, comparison.p_value) == ("no change", 1.0, 1.0)


def test_too_few_rounds_never_claim_a_change() -> None:
    comparison = compare_samples([2.0] * (MIN_ROUNDS - 1), [1.0] * 20)

    assert comparison.verdict == "too few rounds"
    assert comparison.ratio == 2.0
    assert comparison.describe() == "too few rounds (+100.0%)"


def test_the_bootstrap_interval_is_reproducible() -> None:
    current, baseline = _samples(1.1e-3, seed=10), _samples(1e-3, seed=11)

    assert compare_samples(current, baseline) == compare_samples(current, baseline)


def test_fail_rules_parse_metrics_workloads_and_wildcards() -> None:
    rules = parse_fail_rules(["overhead_per_node:10%, chain:2.5%", "*:50%"])

    assert rules == (
        FailRule("overhead_per_node", 0.10),
        FailRule("chain", 0.025),
        FailRule("*", 0.50),
    )
    assert [str(rule) for rule in rules] == ["overhead_per_node:10%", "chain:2.5%", "*:50%"]
    assert rules[0].matches("overhead_per_node", "chain")
    assert rules[1].matches("overhead_per_node", "chain")
    assert not rules[0].matches("overhead_per_item", "mapreduce")
    assert rules[2].matches("anything", "at_all")


def test_a_malformed_fail_rule_says_how_to_write_one() -> None:
    with pytest.raises(
        ValueError,
        match=r"^--graph-bench-fail: 'overhead_per_node=10' is not METRIC:PERCENT; "
        r"write e\.g\. overhead_per_node:10% \(or chain:10%, or \*:10%\)$",
    ):
        parse_fail_rules("overhead_per_node=10")


def test_a_rule_is_violated_only_by_a_significant_change_beyond_its_threshold() -> None:
    rule = FailRule("overhead_per_node", 0.10)
    baseline = _samples(1e-3, seed=12)

    big = compare_samples(_samples(1.3e-3, seed=13), baseline)
    small = compare_samples(
        _samples(1.05e-3, spread=0.005, seed=14), _samples(1e-3, spread=0.005, seed=15)
    )
    noise = compare_samples(
        _samples(1.2e-3, spread=0.5, n=5, seed=16), _samples(1e-3, spread=0.5, n=5, seed=17)
    )

    assert rule.violated_by(big)
    assert small.verdict == "slower"
    assert not rule.violated_by(small)  # real, but within the 10 % allowed
    assert noise.verdict == "no change"
    assert not rule.violated_by(noise)  # maybe big, but not shown to be real
