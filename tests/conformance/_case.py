"""What a conformance case is, and the registry the case modules fill.

A *case* is one graph, written once as ``build(lib) -> compiled graph`` against the
``Lib`` namespace, plus the input and config to run it with, and the *checks* to
compare: final output (``invoke``, ``ainvoke``), streams (``updates``, ``values``,
``multi`` = ``["updates", "values"]``, ``listed`` = ``["values"]``, ``custom``,
``tasks``, ``debug``) and
``batch``/``abatch``. ``build`` is called afresh for every run, so closures in it
(counters, call logs) start clean each time.

Each case also pins what LangGraph itself returns (``expect``) or raises
(``raises``, a class name). That pin is checked against LangGraph alone, so the
suite says what each case is about and notices if the oracle ever changes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ._libs import Lib

#: Compared for every case unless the case narrows them.
DEFAULT_CHECKS = ("invoke", "ainvoke", "updates", "values")

#: Every check the runner knows.
ALL_CHECKS = frozenset(
    {"invoke", "ainvoke", "updates", "values", "multi", "listed", "custom", "tasks", "debug"}
    | {"batch", "abatch"}
)

MISSING: Any = object()


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per case
class Case:
    """One graph and how to run it; see the module docstring."""

    name: str
    build: Callable[[Lib], Any]
    input: Any = None
    #: a list gives ``batch``/``abatch`` one config per input
    config: dict[str, Any] | list[dict[str, Any]] | None = None
    context: Any = None
    checks: tuple[str, ...] = DEFAULT_CHECKS
    expect: Any = MISSING
    raises: str | None = None
    #: Inputs for the ``batch``/``abatch`` checks, and whether errors come back as values.
    batch: tuple[Any, ...] = ()
    return_exceptions: bool = False
    #: Compare messages of errors raised by user code, not only their classes.
    same_message: bool = False
    #: The graph has async nodes, which LangGraph only runs under the async API:
    #: every check goes through ``ainvoke``/``astream``/``abatch``.
    async_only: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.checks) - ALL_CHECKS
        if unknown:
            raise ValueError(f"case {self.name!r}: unknown checks {sorted(unknown)}")


CASES: list[Case] = []


def case(
    *,
    input: Any,
    expect: Any = MISSING,
    raises: str | None = None,
    config: dict[str, Any] | list[dict[str, Any]] | None = None,
    context: Any = None,
    checks: Iterable[str] = DEFAULT_CHECKS,
    also: Iterable[str] = (),
    batch: Iterable[Any] = (),
    return_exceptions: bool = False,
    same_message: bool = False,
    async_only: bool = False,
) -> Callable[[Callable[[Lib], Any]], Callable[[Lib], Any]]:
    """Register the decorated ``build(lib)`` as a case named after the function.

    ``checks`` replaces the default set of comparisons; ``also`` adds to it.
    """

    def register(build: Callable[[Lib], Any]) -> Callable[[Lib], Any]:
        name = build.__name__
        if (expect is MISSING) == (raises is None):
            raise ValueError(f"case {name!r}: pin exactly one of expect= or raises=")
        if any(c.name == name for c in CASES):
            raise ValueError(f"two conformance cases are named {name!r}; rename one")
        CASES.append(
            Case(
                name=name,
                build=build,
                input=input,
                config=config,
                context=context,
                checks=tuple(dict.fromkeys([*checks, *also])),
                expect=expect,
                raises=raises,
                batch=tuple(batch),
                return_exceptions=return_exceptions,
                same_message=same_message,
                async_only=async_only,
            )
        )
        return build

    return register
