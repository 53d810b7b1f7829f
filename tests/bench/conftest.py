"""Fixtures for the benchmark module's tests."""

from __future__ import annotations

import pytest
from bench_results import full_results

from warpgraph.bench import Result


@pytest.fixture
def results() -> list[Result]:
    """A plausible full run on all three peers (see ``bench_results.full_results``)."""
    return full_results()
