"""The three report files: pytest-benchmark-compatible JSON, Markdown and HTML."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from warpgraph.bench import Report, Result, analyse
from warpgraph.bench._paired import PairedRatio
from warpgraph.bench._report_html import render_html
from warpgraph.bench._report_md import render_markdown

MACHINE = {"python_implementation": "CPython", "python_version": "3.11.7", "system": "Linux",
           "release": "6.1", "machine": "x86_64", "cpu": {"brand_raw": "Test CPU"}}  # fmt: skip
COMMIT = {"id": "0123456789abcdef", "dirty": False}


def _report(results: list[Result], baseline: list[Result] | None = None) -> tuple[Report, object]:
    analysis = analyse(results, baseline or [])
    report = Report(results, MACHINE, COMMIT, "2026-11-24T12:00:00+00:00",
                    {"quick": False, "peers": ["warpgraph", "asyncio", "langgraph"]},
                    analysis.to_json())  # fmt: skip
    return report, analysis


def test_the_json_round_trips_every_sample_and_extra(results: list[Result]) -> None:
    report, _ = _report(results)

    data = json.loads(json.dumps(report.to_json("5.3.1")))
    again = Report.from_json(data)

    assert again.results == results
    assert data["graph_bench"]["settings"]["quick"] is False
    assert {t["status"] for t in data["graph_bench"]["targets"]} <= {"met", "missed"}


def test_each_benchmark_has_pytest_benchmarks_fields_per_call(results: list[Result]) -> None:
    entry = _report(results)[0].to_json("5.3.1")["benchmarks"][0]

    assert set(entry) == {"group", "name", "fullname", "params", "param", "extra_info",
                          "options", "stats"}  # fmt: skip
    stats = entry["stats"]
    assert stats["median"] == results[0].median
    assert stats["data"] == list(results[0].samples)
    assert stats["iterations"] == results[0].calls_per_round
    assert {"min", "max", "mean", "stddev", "rounds", "iqr", "q1", "q3", "ops"} <= set(stats)
    assert entry["extra_info"]["graph_bench"]["per_unit_median"] == results[0].per_unit


def test_pytest_benchmarks_own_compare_command_reads_the_json(
    results: list[Result], tmp_path: Path
) -> None:
    path = tmp_path / "graph-bench.json"
    path.write_text(json.dumps(_report(results)[0].to_json("5.3.1")))

    shown = subprocess.run(
        [sys.executable, "-m", "pytest_benchmark", "compare", str(path), "--columns=median"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip

    assert "benchmark 'chain': 9 tests" in shown.stdout
    assert "chain-1000-langgraph" in shown.stdout


def test_loading_a_missing_baseline_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(
        ValueError, match=r"^--graph-bench-compare: '.*nope\.json' does not exist; "
    ):
        Report.load(missing)


def test_loading_a_file_that_is_not_a_report_says_so(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match=r"is not a pytest-benchmark/graph-bench JSON file"):
        Report.load(path)


def test_the_markdown_leads_with_targets_then_the_summary_table(results: list[Result]) -> None:
    report, analysis = _report(results)

    text = render_markdown(report, analysis)  # type: ignore[arg-type]

    assert (
        text.index("## Targets") < text.index("## Scheduler overhead") < text.index("## Throughput")
    )
    assert ("| Workload | Size | warpgraph | asyncio floor | LangGraph | LangGraph ÷ warpgraph "
            "| warpgraph ÷ asyncio |") in text  # fmt: skip
    assert "| Chain of trivial nodes | 100 nodes | 300 µs (3 µs/node) | 200 µs (2 µs/node) " in text
    # No paired measurement in these results (as in a report from before): ratios of medians.
    assert "| 50×* | 1.5×* |" in text
    assert "| Fan-out / fan-in | 1,000 branches |" in text
    assert (
        "| 10,000 | 20,000 | 50,000 | 1,111 | 500 ms | 250 ms | 1 s (critical path 1 s) "
        "| warpgraph 3 kB" in text
    )
    assert "**Commit:** 0123456789ab" in text


def test_the_markdown_shows_verdicts_when_there_is_a_baseline(results: list[Result]) -> None:
    report, analysis = _report(results, baseline=results)

    text = render_markdown(report, analysis)  # type: ignore[arg-type]

    assert "| vs baseline |" in text
    assert "warpgraph: no change (+0.0%, p=1)" in text


def test_the_html_is_self_contained_with_one_figure_per_chart(results: list[Result]) -> None:
    report, analysis = _report(results)

    page = render_html(report, analysis, gantt=("<svg><!-- a gantt --></svg>", "One run."))  # type: ignore[arg-type]

    charts = (
        "ratios",
        "chain",
        "fanout",
        "mapreduce",
        "wide_state",
        "compile",
        "throughput",
        "gantt",
    )
    for chart in charts:
        assert f'<figure class="chart" id="chart-{chart}"><svg' in page
    assert "<script" not in page
    # Self-contained: nothing is fetched (the RDF metadata's URLs are names, not fetches).
    for fetch in ('src="http', 'href="http', "<link", "url(http", "@import"):
        assert fetch not in page
    assert page.count("<table>") == 4  # targets, scheduler, throughput, growth


def test_the_html_says_why_a_gantt_chart_is_missing(results: list[Result]) -> None:
    report, analysis = _report(results)

    page = render_html(report, analysis, gantt=(None, "Gantt chart not available: no engine"))  # type: ignore[arg-type]

    assert '<p class="note" id="gantt-missing">Gantt chart not available: no engine</p>' in page


def _with_paired(
    results: list[Result], ratios: dict[str, tuple[float, float, float]]
) -> list[Result]:
    """``results`` with a paired ratio (peer ÷ warpgraph, interval) added to the named ids."""
    out = []
    for result in results:
        if result.id in ratios:
            ratio, low, high = ratios[result.id]
            paired = PairedRatio(ratio, low, high, 21, (10, 100), 1.0, 1.0, 0.5)
            result = dataclasses.replace(
                result, extras={**result.extras, "paired": paired.to_json()}
            )
        out.append(result)
    return out


def test_paired_ratios_replace_ratios_of_medians_in_the_tables_and_targets(
    results: list[Result],
) -> None:
    paired = _with_paired(
        results,
        {"chain-100-langgraph": (42.0, 40.0, 44.0), "chain-100-asyncio": (0.5, 0.4, 0.625),
         "fanout-1000-asyncio": (0.4, 0.25, 0.5)},
    )  # fmt: skip
    report, analysis = _report(paired)

    text = render_markdown(report, analysis)  # type: ignore[arg-type]

    assert "| 42× [40–44×] | 2× [1.6–2.5×] |" in text
    assert "| 50×* | 1.5×* |" in text  # chain 10: no paired measurement
    assert "| within 2× of the asyncio floor on fan-out and map-reduce | highest: 2.50× " \
        "(fanout 1000; paired, 95 % CI 2.00–4.00×) | missed |" in text  # fmt: skip
    assert "alternating short batches" in text
    ratios = report.analysis["ratios"]
    chain_100 = next(r for r in ratios if (r["workload"], r["size"]) == ("chain", 100))
    assert chain_100["langgraph/warpgraph"] == {
        "paired": 42.0, "paired_ci": [40.0, 44.0], "of_medians": pytest.approx(50.0)
    }  # fmt: skip


def test_a_saved_report_keeps_its_paired_ratios(results: list[Result]) -> None:
    paired = _with_paired(results, {"mapreduce-10-langgraph": (33.0, 31.0, 35.0)})
    report, _ = _report(paired)

    again = Report.from_json(json.loads(json.dumps(report.to_json("5.3.1"))))
    row = next(r for r in analyse(again.results).rows if (r.workload, r.size) == ("mapreduce", 10))

    assert row.ratio("langgraph", "warpgraph") == 33.0
    assert row.median_ratio("langgraph", "warpgraph") == pytest.approx(50.0)


def test_the_html_explains_how_ratios_are_measured(results: list[Result]) -> None:
    report, analysis = _report(results)

    page = render_html(report, analysis, gantt=(None, "no gantt"))  # type: ignore[arg-type]

    assert '<section id="method"><h2>Method</h2><p>' in page
    assert "alternating short batches" in page
