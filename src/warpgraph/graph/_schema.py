"""Reading a state schema: its keys, how each key combines writes, how nodes see it.

A schema is a ``TypedDict``, a dataclass or a pydantic model. Each field becomes a
*channel*. A plain field is last-value: one write per step replaces it. A field
annotated ``Annotated[T, reducer]`` combines every write with
``reducer(current, new)`` and starts from ``T()`` when ``T`` can be built empty
(``list`` starts as ``[]``, ``int`` as ``0``), as LangGraph does. Nodes receive the
state as the schema's own type: a dict for a TypedDict, an instance otherwise.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import inspect
import typing
from collections.abc import Callable
from typing import Any

from warpgraph.errors import GraphBuildError, InvalidUpdateError
from warpgraph.runtime._program import Channel

__all__ = ["SchemaInfo", "input_reader", "read_schema"]

_ABSTRACT_TO_CONCRETE: dict[Any, type] = {
    cabc.Sequence: list,
    cabc.MutableSequence: list,
    cabc.Set: set,
    cabc.MutableSet: set,
    cabc.Mapping: dict,
    cabc.MutableMapping: dict,
}


@dataclasses.dataclass(frozen=True, slots=True)
class SchemaInfo:
    """What the engine needs to know about one schema class."""

    schema: Any
    channels: dict[str, Channel]
    make_input: Callable[[dict[str, Any]], Any]
    to_dict: Callable[[Any], dict[str, Any] | None]
    # Pydantic schemas validate a run's input (LangGraph then writes the raw values).
    validate: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Derived from the above once per schema class, as every compile of a graph asks.
    keys: frozenset[str] = dataclasses.field(init=False)
    is_dict: bool = dataclasses.field(init=False)  # a TypedDict: nodes get a plain dict
    # Reducer keys that start from an initial value, and keys without a reducer.
    initial_values: dict[str, Callable[[], Any]] = dataclasses.field(init=False)
    last_value_keys: frozenset[str] = dataclasses.field(init=False)
    # A run's input read for a graph whose state and input schema this is.
    read_input: Callable[[Any], dict[str, Any]] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        channels = self.channels.values()
        derived = {
            "keys": frozenset(self.channels),
            "is_dict": _is_typeddict(self.schema),
            "initial_values": {c.key: c.initial for c in channels if c.initial is not None},
            "last_value_keys": frozenset(c.key for c in channels if c.reducer is None),
            "read_input": input_reader(self, self),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # a frozen dataclass's own set-up


def input_reader(inputs: SchemaInfo, state: SchemaInfo) -> Callable[[Any], dict[str, Any]]:
    """Turns a run's input (a dict, or an instance of either schema) into a dict of writes."""
    readers = (inputs.to_dict, state.to_dict)
    # Only a pydantic *state* validates the input; a separate input schema does not (as LangGraph).
    validate = inputs.validate if inputs is state else None

    def read(value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value if validate is None else validate(value)
        for reader in readers:
            converted = reader(value)
            if converted is not None:
                return converted
        raise InvalidUpdateError(
            f"Graph input must be a dict (or an instance of the state schema), "
            f"got {type(value).__name__}: {value!r}"
        )

    return read


def is_schema(tp: Any) -> bool:
    """Whether ``tp`` is a class warpgraph can use as a state schema."""
    return isinstance(tp, type) and (_is_typeddict(tp) or _is_dataclass(tp) or _is_pydantic(tp))


# A schema class's fields are fixed once it is defined, and each graph built on it (and
# each compile) reads it again: remember the last few classes read. The entries hold
# their class (a SchemaInfo refers to it anyway, so a weak key could never be freed);
# keeping only the newest _READ_LIMIT bounds what a program defining many classes keeps.
_READ_LIMIT = 128
_READ: dict[int, tuple[Any, SchemaInfo]] = {}


def read_schema(schema: Any) -> SchemaInfo:
    """Parse ``schema`` into channels and the converters to and from node values."""
    found = _READ.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    info = _read_schema(schema)
    if len(_READ) >= _READ_LIMIT:
        _READ.pop(next(iter(_READ)), None)  # the oldest entry
    _READ[id(schema)] = (schema, info)
    return info


def _read_schema(schema: Any) -> SchemaInfo:
    if not is_schema(schema):
        raise GraphBuildError(
            f"State schema {schema!r} is not supported: "
            "use a TypedDict, a dataclass or a pydantic model"
        )
    hints = _field_hints(schema)
    channels = {key: _channel(schema, key, hint) for key, hint in hints.items()}
    keys = tuple(hints)
    if _is_typeddict(schema):
        return SchemaInfo(schema, channels, _dict_input(keys), _no_object)
    validate = _pydantic_validator(schema, keys) if _is_pydantic(schema) else None
    return SchemaInfo(
        schema, channels, _object_input(schema, keys), _object_reader(schema, keys), validate
    )


def _is_typeddict(tp: type) -> bool:
    return typing.is_typeddict(tp)


def _is_dataclass(tp: type) -> bool:
    return dataclasses.is_dataclass(tp)


def _is_pydantic(tp: type) -> bool:
    return any(
        c.__module__.startswith("pydantic") and c.__name__ == "BaseModel" for c in tp.__mro__
    )


def _field_hints(schema: type) -> dict[str, Any]:
    hints = typing.get_type_hints(schema, include_extras=True)
    if _is_dataclass(schema):
        return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(schema)}
    if _is_pydantic(schema):
        return {name: hints.get(name, Any) for name in schema.model_fields}  # type: ignore[attr-defined]
    return hints


def _channel(schema: type, key: str, hint: Any) -> Channel:
    metadata = getattr(hint, "__metadata__", ())
    if not metadata or not callable(metadata[-1]):
        return Channel(key)
    reducer = metadata[-1]
    try:
        params = inspect.signature(reducer).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: trust them
        return Channel(key, reducer, _initial(hint.__origin__))
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) != 2:
        raise GraphBuildError(
            f"State key '{key}' of {schema.__name__} has reducer {reducer!r} taking "
            f"{len(positional)} positional parameters; a reducer takes two: "
            "(current, update) -> new value"
        )
    return Channel(key, reducer, _initial(hint.__origin__))


def _initial(tp: Any) -> Callable[[], Any] | None:
    """The empty value a reducer key starts from, as LangGraph builds it: ``T()`` if possible."""
    base = typing.get_origin(tp) or tp
    base = _ABSTRACT_TO_CONCRETE.get(base, base)
    if not callable(base):
        return None
    try:
        base()
    except Exception:  # a type without a no-argument constructor starts empty
        return None
    return typing.cast(Callable[[], Any], base)


def _dict_input(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    wanted = frozenset(keys)

    def make_input(values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if k in wanted}

    return make_input


def _object_input(schema: Any, keys: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    def make_input(values: dict[str, Any]) -> Any:
        return schema(**{k: values[k] for k in keys if k in values})

    return make_input


def _pydantic_validator(
    schema: Any, keys: tuple[str, ...]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def validate(given: dict[str, Any]) -> dict[str, Any]:
        schema(**given)  # raises pydantic's ValidationError, as LangGraph lets it
        return given

    return validate


def _no_object(value: Any) -> dict[str, Any] | None:
    return None


def _object_reader(schema: Any, keys: tuple[str, ...]) -> Callable[[Any], dict[str, Any] | None]:
    def to_dict(value: Any) -> dict[str, Any] | None:
        if not isinstance(value, schema):
            return None
        return {k: getattr(value, k) for k in keys}

    return to_dict
