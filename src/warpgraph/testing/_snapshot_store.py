"""Snapshot files: where each test's snapshot lives, comparing, updating, finding unused ones.

A test's snapshot is ``__snapshots__/<test module>/<test name>.json`` next to the
test module. During a session, ``SnapshotSession`` compares each document with
its file (or, in update mode, writes it) and remembers which files were used;
at the end, files that belong to tests that ran without using them, or to tests
that no longer exist, are *unused* and get reported (and deleted in update
mode, so the directory mirrors the suite).

``GraphSnapshot`` is what the ``graph_snapshot`` fixture hands a test: the
test's trace plus the one file its trajectory is compared with.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from warpgraph.testing._snapshot import LlmMode, Scrub, render, trajectory
from warpgraph.testing._trace import Trace
from warpgraph.testing._trace_assert import TraceAssertionError

__all__ = [
    "GraphSnapshot",
    "ModuleTests",
    "SnapshotMismatchError",
    "SnapshotSession",
    "find_unused",
    "relative",
    "snapshot_path",
]

UPDATE_HINT = "run `pytest --graph-snapshot-update`"
_UNSAFE = re.compile(r"[^\w.\[\]=+-]")  # keep test ids readable, drop what file systems refuse


class SnapshotMismatchError(TraceAssertionError):
    """A run's trajectory differs from its stored snapshot, or none is stored yet."""


def snapshot_path(test_file: Path, test_name: str) -> Path:
    """``<dir>/__snapshots__/<module stem>/<test name>.json`` for a test in ``test_file``."""
    return test_file.parent / "__snapshots__" / test_file.stem / f"{safe_name(test_name)}.json"


def safe_name(test_name: str) -> str:
    return _UNSAFE.sub("_", test_name)


def relative(path: Path, root: Path) -> str:
    """``path`` as shown to the user: relative to the rootdir when inside it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


@dataclass
class SnapshotSession:
    """The snapshot bookkeeping of one pytest session."""

    update: bool
    used: set[Path] = field(default_factory=set)
    written: list[Path] = field(default_factory=list)

    def check(self, path: Path, document: str, shown_as: str) -> None:
        """Compare ``document`` with the file at ``path`` (write it instead in update mode)."""
        __tracebackhide__ = True
        self.used.add(path)
        stored = path.read_text(encoding="utf-8") if path.exists() else None
        if self.update:
            if stored != document:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("w", encoding="utf-8", newline="\n") as file:
                    file.write(document)
                self.written.append(path)
            return
        if stored is None:
            raise SnapshotMismatchError(
                f"no snapshot {shown_as} yet; {UPDATE_HINT} to record this trajectory:\n{document}"
            )
        if stored != document:
            diff = difflib.unified_diff(
                stored.splitlines(), document.splitlines(), "snapshot", "this run", lineterm=""
            )
            raise SnapshotMismatchError(
                f"the trajectory differs from the snapshot {shown_as} (- snapshot, + this run); "
                f"if the change is intended, {UPDATE_HINT}\n" + "\n".join(diff)
            )

    def finish(self, modules: Mapping[Path, ModuleTests], root: Path) -> list[str]:
        """The session's report lines: files written, and unused files (deleted in update mode)."""
        lines = [f"written: {relative(path, root)}" for path in self.written]
        unused = find_unused(modules, self.used)
        for path in unused:
            if self.update:
                path.unlink()
                lines.append(f"deleted unused: {relative(path, root)}")
            else:
                lines.append(f"unused: {relative(path, root)}")
        if unused and not self.update:
            lines.append(f"{len(unused)} unused snapshot(s); {UPDATE_HINT} to delete them")
        return lines


@dataclass
class ModuleTests:
    """What a session knows about the tests of one module."""

    known: set[str] = field(default_factory=set)  # collected: selected or deselected
    passed: set[str] = field(default_factory=set)  # ran and passed
    narrowed: bool = False  # only some of its tests were collected (``module.py::test``)


def find_unused(modules: Mapping[Path, ModuleTests], used: Iterable[Path]) -> list[Path]:
    """Snapshot files of these modules that no test used, and no test could have used.

    A file is unused when its test ran and passed without using it, or when its
    module was collected whole and holds no test of that name. Tests that failed
    or were deselected may still need their file, so theirs are kept.
    """
    used_paths = set(used)
    unused: list[Path] = []
    for module, tests in sorted(modules.items()):
        folder = module.parent / "__snapshots__" / module.stem
        passed = {safe_name(n) for n in tests.passed}
        known = {safe_name(n) for n in tests.known}
        for path in sorted(folder.glob("*.json")):
            if path in used_paths:
                continue
            if path.stem in passed or (path.stem not in known and not tests.narrowed):
                unused.append(path)
    return unused


class GraphSnapshot:
    """The ``graph_snapshot`` fixture: one test's runs against its stored trajectory.

    Call ``assert_match()`` once, after the test's last run: the snapshot holds
    every run the test made, in start order.
    """

    def __init__(self, trace: Trace, session: SnapshotSession, path: Path, shown_as: str) -> None:
        self.trace = trace
        self.path = path
        self._session = session
        self._shown_as = shown_as
        self._checked = False

    def document(
        self, *, llm: LlmMode = "full", timings: bool = False, scrub: Iterable[Scrub] = ()
    ) -> str:
        """The JSON text this test's runs would be stored as."""
        return render(trajectory(self.trace, llm=llm, timings=timings, scrub=scrub))

    def assert_match(
        self, *, llm: LlmMode = "full", timings: bool = False, scrub: Iterable[Scrub] = ()
    ) -> None:
        """Fail with a diff unless the runs so far match the stored snapshot.

        ``llm``: ``"full"`` prompts and responses, or ``"hash"``; ``timings``: add
        virtual start/end times; ``scrub``: extra ``(regex, replacement)`` pairs
        applied to every string, for volatile values of your own.
        """
        __tracebackhide__ = True
        if self._checked:
            raise RuntimeError(
                f"graph_snapshot.assert_match() was already called in this test; its snapshot "
                f"{self._shown_as} holds every run of the test, so call it once, after the last run"
            )
        self._checked = True
        if not self.trace.runs:
            raise SnapshotMismatchError(
                "graph_snapshot.assert_match(): no run was recorded; run the graph inside the "
                "test, before calling assert_match()"
            )
        document = self.document(llm=llm, timings=timings, scrub=scrub)
        self._session.check(self.path, document, self._shown_as)
