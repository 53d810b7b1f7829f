"""The exceptions warpgraph raises, in one tree.

Every error warpgraph raises on purpose derives from ``WarpgraphError``. Where
LangGraph users catch a built-in base class (``GraphRecursionError`` is a
``RecursionError``, ``InvalidUpdateError`` is an ``Exception``), the warpgraph
class keeps that base too, so ``except RecursionError`` code ports unchanged::

    WarpgraphError
    ├── GraphRecursionError      (also RecursionError)  recursion_limit steps used up
    ├── InvalidUpdateError       (also ValueError)      a node wrote an update the state cannot take
    ├── EmptyInputError          (also ValueError)      a run was started with no input
    ├── GraphBuildError          (also ValueError)      add_* / compile rejected the graph
    │   └── InvalidNodeError     (also TypeError)       add_node got something that cannot run
    ├── NodeTimeoutError         (also TimeoutError)    a node ran past its timeout
    ├── RunTimeoutError          (also TimeoutError)    a step or the whole run ran past its timeout
    ├── ParentCommand                                   Command(graph=PARENT) travelling upward
    └── HarnessError                                    raised by warpgraph.testing (defined there)
        ├── VirtualTimeDeadlock                         every task waits, no timer, nothing busy
        ├── VirtualTimeBudgetExceeded (also TimeoutError) the virtual-time budget `end=` ran out
        ├── VirtualTimeLivelock                         the loop spins without time moving
        ├── ScriptExhaustedError                        a fake ran out of scripted responses
        └── TraceAssertionError   (also AssertionError) a concurrency assertion failed

Errors from user code (a node raising ``KeyError``) propagate with their own type,
unwrapped. Foreign errors translated at a boundary are chained with ``raise ... from``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "EmptyInputError",
    "GraphBuildError",
    "GraphRecursionError",
    "HarnessError",
    "InvalidNodeError",
    "InvalidUpdateError",
    "NodeTimeoutError",
    "ParentCommand",
    "RunTimeoutError",
    "WarpgraphError",
]


class WarpgraphError(Exception):
    """Root of every error warpgraph raises on purpose."""


class GraphRecursionError(WarpgraphError, RecursionError):
    """The run used up ``recursion_limit`` supersteps without finishing."""


class InvalidUpdateError(WarpgraphError, ValueError):
    """A node wrote an update the state cannot take.

    Two writes to a last-value key in one step, a bad type, or an unknown key.
    """


class EmptyInputError(WarpgraphError, ValueError):
    """A run was started with empty input."""


class GraphBuildError(WarpgraphError, ValueError):
    """``add_*`` or ``compile`` rejected the graph; the message names the culprit and the fix."""


class InvalidNodeError(GraphBuildError, TypeError):
    """``add_node`` was given something that cannot run as a node.

    Also a ``TypeError``, which is what LangGraph raises for it.
    """


class NodeTimeoutError(WarpgraphError, TimeoutError):
    """A node ran past its ``timeout``.

    ``node`` names it, ``timeout`` is the limit and ``elapsed`` how long the attempt
    ran (loop seconds), as on LangGraph's error of the same name.
    """

    def __init__(
        self, message: str, *, node: str = "", timeout: float = 0.0, elapsed: float = 0.0
    ) -> None:
        super().__init__(message)
        self.node = node
        self.timeout = timeout
        self.elapsed = elapsed


class RunTimeoutError(WarpgraphError, TimeoutError):
    """A step (``step_timeout``) or the whole run (``run_timeout``) ran past its timeout.

    ``kind`` is ``"step"`` or ``"run"``, ``step`` the step that was running,
    ``in_flight`` the nodes it cut off and ``trajectory`` the node names of every
    step so far (one tuple per step).
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str = "run",
        timeout: float = 0.0,
        step: int = 0,
        in_flight: tuple[str, ...] = (),
        trajectory: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.timeout = timeout
        self.step = step
        self.in_flight = in_flight
        self.trajectory = trajectory


class ParentCommand(WarpgraphError):
    """Carries a ``Command(graph=Command.PARENT)`` from a subgraph up to its parent graph.

    The parent's task that ran the subgraph catches it and treats ``command`` as
    that task's own result; it only escapes when the graph has no parent.
    """

    def __init__(self, command: Any) -> None:
        super().__init__(command)
        self.command = command


class HarnessError(WarpgraphError):
    """Root of the errors raised by ``warpgraph.testing``."""
