"""benchmarks/throughput_gc.py: where the time of many concurrent runs goes.

The script is not a module on the path, so it is loaded from its file; its two
measuring functions run here on a few hundred runs, and what they count is checked
against what the workload must allocate, not against any time.
"""

from __future__ import annotations

import gc
from types import ModuleType

import pytest
from bench_scripts import load_script

from warpgraph.bench._throughput import _one_run
from warpgraph.testing import VirtualTimeLoop


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("throughput_gc")


def test_a_round_reports_its_collections_and_the_time_spent_in_them(script: ModuleType) -> None:
    loop = VirtualTimeLoop()
    try:
        result = script.one_round(loop, _one_run("warpgraph"), 300)
    finally:
        loop.close()

    assert result["seconds"] > 0
    assert len(result["collections"]) == len(result["gc_seconds"]) == 3
    # 300 runs allocate thousands of objects: the young generation is collected.
    assert result["collections"][0] > 0
    assert all(seconds >= 0 for seconds in result["gc_seconds"])
    assert not any(isinstance(callback, script.GcTimer) for callback in gc.callbacks)


def test_the_census_counts_what_every_run_in_flight_holds(script: ModuleType) -> None:
    loop = VirtualTimeLoop()
    try:
        ours = script.census(loop, _one_run("warpgraph"), 200)
        floor = script.census(loop, _one_run("asyncio"), 200)
    finally:
        loop.close()

    # Each run holds at least its three tool tasks, their coroutines and their timers.
    for objects, references in (ours, floor):
        assert objects >= 3 * 3
        assert references > objects
    assert ours[0] >= floor[0]  # the graph run keeps at least what the hand-written one does


def test_main_runs_the_rounds_under_the_threshold_asked_for_and_restores_it(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = gc.get_threshold()
    argv = ["throughput_gc.py", "--runs", "50", "--rounds", "1", "--lean"]
    monkeypatch.setattr("sys.argv", [*argv, "--peers", "asyncio", "--threshold", "5000"])
    script.main()

    out = capsys.readouterr().out
    assert f"young-generation threshold 5000 (was {before[0]})" in out
    assert "round 1   asyncio: " in out
    assert gc.get_threshold() == before
