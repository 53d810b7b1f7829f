"""The HTML report in a real browser: headless Chromium, via playwright.

Chromium comes from the distribution (``make browser`` installs the ``chromium``
package); playwright only drives it. When it is missing or cannot start, the test
is skipped with the reason.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench_results import full_results

from warpgraph.bench import Report, analyse
from warpgraph.bench._report_html import render_html

pytestmark = pytest.mark.timeout(120)

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
GANTT = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
    '<rect x="10" y="10" width="120" height="14" fill="#3b82f6"/></svg>',
    "One run.",
)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed (run `make browser`: apt-get install chromium)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        try:
            context = playwright.chromium.launch_persistent_context(
                str(profile), executable_path=executable, headless=True,
                args=CHROMIUM_FLAGS, viewport={"width": 1280, "height": 900},
            )  # fmt: skip
        except Exception as error:  # any launch failure means: no browser here
            pytest.skip(f"chromium could not start: {error}")
        yield context
        context.close()


@pytest.fixture
def report_page(tmp_path: Path) -> Path:
    results = full_results()
    analysis = analyse(results)
    report = Report(results, {"python_version": "3.11"}, {"id": "abc"}, "2026-11-24", {},
                    analysis.to_json())  # fmt: skip
    path = tmp_path / "graph-bench.html"
    path.write_text(render_html(report, analysis, gantt=GANTT), encoding="utf-8")
    return path


def test_the_report_renders_every_chart_without_console_errors(
    browser: Any, report_page: Path
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

    page.goto(report_page.as_uri(), wait_until="load")

    charts = page.locator("figure.chart")
    ids = [charts.nth(i).get_attribute("id") for i in range(charts.count())]
    assert ids == [
        "chart-ratios", "chart-chain", "chart-fanout", "chart-mapreduce", "chart-wide_state",
        "chart-compile", "chart-throughput", "chart-gantt",
    ]  # fmt: skip
    for i in range(charts.count()):
        box = charts.nth(i).locator("svg").first.bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 30
    assert page.locator("#targets td.met, #targets td.missed").count() == 4
    assert page.title() == "warpgraph benchmark report"
    assert problems == []
