"""``graph-bench.md``: the report as Markdown tables, for a terminal, a PR or a README."""

from __future__ import annotations

from warpgraph.bench._analysis import Analysis
from warpgraph.bench._format import METHOD, Table, header_facts, tables
from warpgraph.bench._results import Report

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(table: Table) -> list[str]:
    lines = [f"## {table.title}", ""]
    if table.note:
        lines += [table.note, ""]
    if not table.rows:
        return [*lines, "_Nothing measured._", ""]
    lines.append("| " + " | ".join(map(_cell, table.columns)) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in table.rows]
    return [*lines, ""]


def render_markdown(report: Report, analysis: Analysis) -> str:
    lines = ["# warpgraph benchmark report", ""]
    lines += [f"- **{label}:** {value}" for label, value in header_facts(report)]
    lines.append("")
    lines += [f"> **Note:** {note}" for note in analysis.notes]
    if analysis.notes:
        lines.append("")
    if analysis.failures:
        lines += ["## Regressions beyond the allowed threshold", ""]
        lines += [f"- {failure}" for failure in analysis.failures]
        lines.append("")
    for table in tables(report, analysis):
        lines += _table(table)
    lines += ["## Method", "", METHOD, ""]
    return "\n".join(lines)
