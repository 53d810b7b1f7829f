"""Size-series fits: slope per unit, fixed cost, and the linearity verdict."""

from __future__ import annotations

import pytest

from warpgraph.bench import fit_series


def test_a_line_is_recovered_exactly_and_judged_linear() -> None:
    # 10 µs fixed cost plus 3 µs per node.
    sizes = [10, 100, 1000, 10000]
    fit = fit_series(sizes, [10e-6 + 3e-6 * n for n in sizes])

    assert fit.slope == pytest.approx(3e-6)
    assert fit.intercept == pytest.approx(10e-6)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.growth == "linear"
    assert fit.exponent == pytest.approx(1.0, abs=0.01)


def test_quadratic_growth_is_superlinear() -> None:
    sizes = [10, 100, 1000]
    fit = fit_series(sizes, [1e-6 * n * n for n in sizes])

    assert fit.exponent == pytest.approx(2.0)
    assert fit.growth == "superlinear"
    assert fit.describe() == f"superlinear (k=2.00, R²={fit.r_squared:.3f})"


def test_a_series_dominated_by_fixed_cost_is_sublinear() -> None:
    sizes = [10, 100]
    fit = fit_series(sizes, [1e-3 + 1e-8 * n for n in sizes])

    assert fit.growth == "sublinear"
    assert fit.exponent < 0.85


def test_sizes_may_come_in_any_order() -> None:
    fit = fit_series([1000, 10, 100], [1000.0, 10.0, 100.0])

    assert fit.sizes == (10, 100, 1000)
    assert fit.slope == pytest.approx(1.0)


def test_one_size_cannot_be_fitted() -> None:
    with pytest.raises(
        ValueError, match=r"^fit_series needs at least two distinct sizes, got \[10, 10\]$"
    ):
        fit_series([10, 10], [1.0, 2.0])


def test_sizes_and_times_must_pair_up() -> None:
    with pytest.raises(
        ValueError, match=r"^fit_series needs one time per size, got 2 sizes and 1 times$"
    ):
        fit_series([1, 2], [1.0])
