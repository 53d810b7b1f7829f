"""Turning what a library returned into something two libraries can be compared on.

Three things differ between LangGraph and warpgraph without being a difference in
behaviour, and are normalised away here:

* **Identity of library objects.** A ``Send`` or ``Command`` is a different class in
  each library; ``canon`` turns them into ``Obj("Send", ...)`` records by class name
  and fields. User objects (pydantic models, dataclasses) become records too, so a
  model and a dict never compare equal by accident.
* **Errors.** ``Raised`` wraps an exception. LangGraph's own error classes are matched
  by *name*, and warpgraph's class must keep every built-in base LangGraph's has
  (``GraphRecursionError`` is a ``RecursionError``); warpgraph may add bases (its
  ``InvalidUpdateError`` is also a ``ValueError``). Any other class (a ``ValueError``
  from a bad config, a node's ``KeyError``) must be raised as that class or a subclass.
* **Completion order inside a superstep.** Tasks of one step run concurrently, and
  LangGraph streams each task's ``updates``/``custom``/``tasks`` chunks as the task
  finishes, which for sync nodes in a thread pool is a race. Chunks are therefore
  compared per step as multisets (``sorted_segments``); the order of steps is exact.
  Ids, timestamps and LangGraph's internal trigger channel names are dropped.
"""

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

import pydantic

#: Keys of ``tasks``/``debug`` chunks that name implementation details, not behaviour.
_VOLATILE_KEYS = frozenset({"id", "timestamp", "triggers"})


@dataclasses.dataclass(frozen=True)
class Obj:
    """A library or user object reduced to its class name and field values."""

    type: str
    fields: tuple[tuple[str, Any], ...]

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.fields)
        return f"{self.type}({inner})"


class Raised:
    """An exception, compared as described in the module docstring (oracle on the left)."""

    def __init__(self, error: BaseException, *, same_message: bool = False) -> None:
        self.error = error
        self.same_message = same_message

    @property
    def from_langgraph(self) -> bool:
        return type(self.error).__module__.split(".")[0] == "langgraph"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Raised):
            return NotImplemented
        mine, theirs = type(self.error), type(other.error)
        if self.from_langgraph:
            builtin_bases = [c for c in mine.__mro__ if c.__module__ == "builtins"]
            same_class = theirs.__name__ == mine.__name__ and all(
                issubclass(theirs, base) for base in builtin_bases
            )
        else:
            same_class = issubclass(theirs, mine)
        if self.same_message and not self.from_langgraph:
            return same_class and str(self.error) == str(other.error)
        return same_class

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        cls = type(self.error)
        return f"Raised({cls.__module__}.{cls.__qualname__}: {self.error})"


def canon(value: Any, *, same_message: bool = False) -> Any:
    """``value`` with library objects replaced by comparable records (see module docstring)."""
    if isinstance(value, BaseException):
        return Raised(value, same_message=same_message)
    if isinstance(value, dict):
        return {canon(k): canon(v, same_message=same_message) for k, v in value.items()}
    if isinstance(value, list):
        return [canon(v, same_message=same_message) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(canon(v, same_message=same_message) for v in value)
    if type(value).__module__.split(".")[0] in {"langgraph", "warpgraph"}:
        return _record(value, _public_fields(value))
    if isinstance(value, pydantic.BaseModel):
        return _record(value, value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _record(value, {f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return value


def _record(value: Any, fields: dict[str, Any]) -> Obj:
    return Obj(type(value).__name__, tuple((k, canon(v)) for k, v in sorted(fields.items())))


#: The documented constructor fields of library objects that can appear in a stream.
#: LangGraph's ``Overwrite`` also carries a constant ``type="__overwrite__"`` tag for
#: serialisation, which is not part of what it means.
_DOCUMENTED_FIELDS = {
    "Send": ("node", "arg"),
    "Command": ("graph", "update", "resume", "goto"),
    "Overwrite": ("value",),
}


def _public_fields(value: Any) -> dict[str, Any]:
    """The fields of a ``Send``/``Command``/``Overwrite``, whatever their implementation."""
    documented = _DOCUMENTED_FIELDS.get(type(value).__name__)
    if documented is not None:
        return {name: getattr(value, name, "<missing>") for name in documented}
    if hasattr(value, "_asdict"):
        return dict(value._asdict())
    if dataclasses.is_dataclass(value):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    slots = [s for c in type(value).__mro__ for s in getattr(c, "__slots__", ())]
    names = slots or [k for k in vars(value) if not k.startswith("_")]
    return {name: getattr(value, name) for name in names if not name.startswith("_")}


def strip_volatile(chunk: Any, check: str) -> Any:
    """A ``tasks``/``debug`` chunk without its task id, timestamp and trigger names.

    Only the event's own keys are stripped, never keys inside a node's input or
    result (a state may well have a key called ``id``); other checks pass through.
    """
    if check == "tasks" and isinstance(chunk, dict):
        return _without_volatile(chunk)
    if check == "debug" and isinstance(chunk, dict):
        event = _without_volatile(chunk)
        if isinstance(event.get("payload"), dict):
            event["payload"] = _without_volatile(event["payload"])
        return event
    return chunk


def _without_volatile(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in _VOLATILE_KEYS}


def sort_key(value: Any) -> str:
    """A total order on canonical values that ignores dict key order."""
    return json.dumps(_keyable(value), sort_keys=True, default=repr)


def _keyable(value: Any) -> Any:
    if isinstance(value, Raised):
        # by class name only: the two libraries' error classes live in different modules
        return ["Raised", type(value.error).__name__]
    if isinstance(value, dict):
        return {sort_key(k): _keyable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [type(value).__name__, *(_keyable(v) for v in value)]
    if isinstance(value, set | frozenset):
        # iteration order of a set depends on its history; sort the members' keys
        return [type(value).__name__, *sorted(sort_key(v) for v in value)]
    return [type(value).__name__, repr(value)]


def sorted_segments(chunks: Sequence[Any], sizes: Sequence[int]) -> list[list[Any]]:
    """``chunks`` cut into consecutive segments of ``sizes``, each segment sorted.

    ``sizes`` come from the oracle's run; a stream of a different length is returned
    as one unsorted segment tagged so it cannot compare equal to a correct one.
    """
    if sum(sizes) != len(chunks):
        return [["<stream of a different length than LangGraph's>", *chunks]]
    out, start = [], 0
    for size in sizes:
        out.append(sorted(chunks[start : start + size], key=sort_key))
        start += size
    return out


def segments_split_by(
    chunks: Sequence[Any],
    starts_segment: Callable[[Any, Any], bool],
    *,
    drop_last: Callable[[list[Any]], bool] | None = None,
    rank: Callable[[Any], int] = lambda chunk: 0,
) -> list[list[Any]]:
    """Cut a stream where ``starts_segment(chunk, previous)`` holds; sort each segment.

    Used for ``["updates", "values"]`` (a ``values`` chunk closes each step) and the
    ``tasks`` stream (a task start after a task result opens a step). The last
    segment is dropped when ``drop_last(segment)`` holds: after a node raised beside
    siblings, which of them finished or were cancelled is a race. ``rank`` orders
    kinds of chunk inside a segment (task starts before task results), ties broken
    by ``sort_key``.
    """
    out: list[list[Any]] = []
    previous: Any = None
    for index, chunk in enumerate(chunks):
        if index == 0 or starts_segment(chunk, previous):
            out.append([])
        out[-1].append(chunk)
        previous = chunk
    if drop_last is not None and out and drop_last(out[-1]):
        out.pop()
    return [sorted(segment, key=lambda c: (rank(c), sort_key(c))) for segment in out]
