"""State schemas and node factories shared by the case modules.

Most cases track *which nodes ran, in which order* through one reducer key,
``log: Annotated[list[str], operator.add]``: since a step's writes are applied in a
deterministic order, the final log shows the superstep structure exactly (a join
that ran twice appears twice). ``x`` is a last-value key.
"""

import asyncio
import operator
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypedDict

Update = dict[str, Any]


class Log(TypedDict):
    """The state most cases use."""

    x: int
    log: Annotated[list[str], operator.add]


def append(name: str, **also: Any) -> Callable[[Any], Update]:
    """A sync node that logs ``name`` and writes ``also``."""

    def node(state: Any) -> Update:
        return {"log": [name], **also}

    node.__name__ = name
    return node


def append_async(name: str, *, yields: int = 0, **also: Any) -> Callable[[Any], Awaitable[Update]]:
    """An async node that logs ``name`` after giving the loop ``yields`` turns.

    Yielding lets siblings that started later finish first, so completion order
    differs from name order and the test sees which order writes are applied in.
    """

    async def node(state: Any) -> Update:
        for _ in range(yields):
            await asyncio.sleep(0)
        return {"log": [name], **also}

    node.__name__ = name
    return node


def increment(name: str) -> Callable[[Any], Update]:
    """A sync node that logs ``name`` and adds one to ``x``."""

    def node(state: Any) -> Update:
        return {"log": [name], "x": state["x"] + 1}

    node.__name__ = name
    return node


class NodeFailure(Exception):
    """What a node raises on purpose; compared by class and message."""
