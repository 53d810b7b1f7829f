"""Reading node functions: are they async, which keywords they take, which schema they read.

Compile asks three things of every node function: whether it is ``async def``, which
of ``config`` / ``runtime`` / ``writer`` / ``store`` it accepts as keywords (the engine
injects those), and which schema its first parameter reads (LangGraph gives a node
annotated with another schema than the state's only that schema's keys).
``inspect.signature`` and ``typing.get_type_hints`` answer them in tens of
microseconds per function; for a plain Python function its code object and raw
annotations answer them in about one, so compile reads those and keeps ``inspect``
and ``typing`` for everything else, the reference the fast path is tested against.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from types import CodeType, FunctionType, ModuleType
from typing import TYPE_CHECKING, Annotated, Any

from warpgraph.graph._schema import SchemaInfo, is_schema, read_schema
from warpgraph.runtime._program import NodeSpec

if TYPE_CHECKING:
    from warpgraph.graph._builder import NodeDef, StateGraph

__all__ = ["Inspector", "PlainFacts"]

_INJECTABLE = ("config", "runtime", "writer", "store")
_INJECTABLE_NAMES = frozenset(_INJECTABLE)
_ANNOTATED: Any = Annotated  # what typing.get_origin returns for Annotated[T, ...]
# What a plain node's spec needs from its function: is_async, kwargs, make_input, fast,
# and whether kwargs and make_input are NodeSpec's own defaults.
PlainFacts = tuple[bool, tuple[str, ...], Callable[[dict[str, Any]], Any], bool, bool]
_DEFAULT_KWARGS = NodeSpec.__dataclass_fields__["kwargs"].default
_DEFAULT_MAKE_INPUT = NodeSpec.__dataclass_fields__["make_input"].default


class Inspector:
    """Each distinct node function's call facts and input schema, read once per compile.

    A plain function is read from its code object and raw annotations; anything else (a
    partial, a callable object, a function carrying ``__wrapped__``), and any first
    parameter whose hint may name another schema, through ``inspect`` and ``typing``.
    Keyed by ``id()``: the builder keeps every function alive while it compiles, and an
    inspector lives for one compile only.
    """

    def __init__(self, state: SchemaInfo) -> None:
        self._state = state
        self._calls: dict[int, tuple[bool, tuple[str, ...]]] = {}
        self._params: dict[int, Mapping[str, inspect.Parameter] | None] = {}
        self._schemas: dict[int, SchemaInfo] = {}
        self._branch_schemas: dict[int, SchemaInfo | None] = {}
        self._inputs: dict[int, Callable[[dict[str, Any]], Any]] = {}
        self.plain_facts: dict[int, PlainFacts] = {}
        self.all_keys: frozenset[str] = frozenset()  # every channel, set once they are merged

    def read_nodes(self, builder: StateGraph[Any]) -> list[SchemaInfo]:
        """Read each distinct node function once; return the schemas the nodes read.

        In node order; empty when every node reads the state schema.
        """
        nodes = builder.nodes.values()
        actions: dict[int, Any] = {}
        others = False  # does any node read another schema than the state's?
        for node in nodes:
            if node.input_schema is None:
                actions[id(node.action)] = node.action
            else:
                others = True
        state = self._state
        for key, action in actions.items():
            schema = self._schemas[key] = self._annotated_schema(action)
            others = others or schema is not state
        if not others:
            return []
        # In node order: when two node schemas name one key, the first one's reducer wins.
        return [self.node_schema(n) for n in nodes]

    def plain(self, action: Any) -> PlainFacts:
        """A plain node's facts: is it async, its kwargs, its input builder, may it be fast.

        Kept in ``plain_facts`` by the function's ``id()``; ``action`` must have been
        read by ``read_nodes``.
        """
        key = id(action)
        is_async, kwargs = self.call(action)
        make_input = self.make_input(self._schemas[key])
        defaults = kwargs == _DEFAULT_KWARGS and make_input is _DEFAULT_MAKE_INPUT
        found = (is_async, kwargs, make_input, is_async and not kwargs, defaults)
        self.plain_facts[key] = found
        return found

    def call(self, action: Any) -> tuple[bool, tuple[str, ...]]:
        """Whether ``action`` is async, and which injectable parameters it accepts."""
        key = id(action)
        found = self._calls.get(key)
        if found is None:
            code = _plain_code(action)
            if code is None:
                found = (_is_async(action), _wanted_kwargs(self._parameters(action)))
            else:
                found = (bool(code.co_flags & inspect.CO_COROUTINE), _code_kwargs(code))
            self._calls[key] = found
        return found

    def node_schema(self, node: NodeDef) -> SchemaInfo:
        """The schema a node reads: ``input_schema=``, else its first parameter's annotation."""
        if node.input_schema is not None:
            return read_schema(node.input_schema)
        action = node.action
        key = id(action)
        found = self._schemas.get(key)
        if found is None:
            found = self._schemas[key] = self._annotated_schema(action)
        return found

    def make_input(self, schema: SchemaInfo) -> Callable[[dict[str, Any]], Any]:
        """How a node reading ``schema`` gets its argument from the state dict."""
        key = id(schema)
        found = self._inputs.get(key)
        if found is None:
            found = schema.make_input
            if schema.is_dict and schema.keys >= self.all_keys:
                found = dict  # the node sees every key: a plain copy is the fastest filter
            self._inputs[key] = found
        return found

    def branch_schema(self, path: Any) -> SchemaInfo | None:
        """The schema a router's first parameter is annotated with, or None.

        LangGraph reads the state through that schema for the router (the state schema
        included), where an unannotated router sees what its node reads.
        """
        key = id(path)
        if key not in self._branch_schemas:
            self._branch_schemas[key] = self._router_schema(path)
        return self._branch_schemas[key]

    def read_branches(self, builder: StateGraph[Any]) -> list[SchemaInfo]:
        """The schemas routers name, other than the state's: their keys are channels too."""
        found = (self.branch_schema(branch.path) for branch in builder.branches)
        return [schema for schema in found if schema is not None and schema is not self._state]

    def _router_schema(self, path: Any) -> SchemaInfo | None:
        if _plain_code(path) is not None and not path.__annotations__:
            return None  # nothing to read: the common lambda or plain router
        hint = self._first_hint(path)
        return read_schema(hint) if is_schema(hint) else None

    def _first_hint(self, action: Any) -> Any:
        """The type hint of ``action``'s first parameter; None if it has none we can read."""
        try:
            target = action if inspect.isroutine(action) else type(action).__call__
            hints = typing.get_type_hints(target)
        except (TypeError, ValueError, NameError):
            return None
        params = self._parameters(action)
        if not hints or not params:
            return None
        return hints.get(next(iter(params)))

    def _parameters(self, action: Any) -> Mapping[str, inspect.Parameter] | None:
        """``action``'s parameters as ``inspect`` reads them, or None when it cannot."""
        key = id(action)
        if key not in self._params:
            try:
                self._params[key] = inspect.signature(action).parameters
            except (TypeError, ValueError):
                self._params[key] = None
        return self._params[key]

    def _annotated_schema(self, action: Any) -> SchemaInfo:
        state = self._state
        code = _plain_code(action)
        if code is not None and _reads_state(action, code, state.schema):
            return state
        if hasattr(action, "ainvoke"):  # a compiled subgraph reads the parent state as a dict
            return state
        return self._hinted_schema(action)

    def _hinted_schema(self, action: Any) -> SchemaInfo:
        """The schema ``typing.get_type_hints`` names for ``action``'s first parameter."""
        hint = self._first_hint(action)
        if is_schema(hint) and hint is not self._state.schema:
            return read_schema(hint)
        return self._state


def _plain_code(action: Any) -> CodeType | None:
    """The code object of a plain function, which ``inspect`` reads exactly as it is.

    A function with anything in its ``__dict__`` (``__wrapped__``, ``__signature__``, a
    coroutine mark) may look different to ``inspect``, so it takes the general path.
    """
    if type(action) is not FunctionType or action.__dict__:
        return None
    return action.__code__


def _code_kwargs(code: CodeType) -> tuple[str, ...]:
    """The injectable parameters a function accepts by keyword, read from its code."""
    # co_varnames starts with the positional-only, then the positional-or-keyword, then
    # the keyword-only parameters' names.
    names = code.co_varnames[code.co_posonlyargcount : code.co_argcount + code.co_kwonlyargcount]
    if _INJECTABLE_NAMES.isdisjoint(names):  # the usual node: `(state)` alone
        return ()
    return tuple(name for name in _INJECTABLE if name in names)


def _wanted_kwargs(params: Mapping[str, inspect.Parameter] | None) -> tuple[str, ...]:
    if params is None:
        return ()
    return tuple(
        name
        for name in _INJECTABLE
        if name in params
        and params[name].kind
        in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    )


def _first_parameter(code: CodeType) -> str | None:
    """The name ``inspect.signature`` lists first for a function with this code."""
    names, flags = code.co_varnames, code.co_flags
    if code.co_argcount:
        return names[0]
    if flags & inspect.CO_VARARGS:  # `*args` comes before the keyword-only names
        return names[code.co_kwonlyargcount]
    if code.co_kwonlyargcount or flags & inspect.CO_VARKEYWORDS:
        return names[0]
    return None


def _reads_state(action: FunctionType, code: CodeType, schema: Any) -> bool:
    """Whether a plain function's first parameter plainly reads the graph's own state.

    ``typing.get_type_hints`` gives a node another input schema only when its first
    parameter's hint resolves to a schema class other than the state's (and every other
    annotation resolves too). So the node reads the state when that parameter has no
    annotation, or one that is (or names, as a string the function's module or the
    builtins bind) the state schema or a class that is no schema at all (``dict``), or
    a typing form that cannot become a class (``dict[str, Any]``). Anything else, an
    ``Annotated[...]`` or a dotted string say, is left to ``typing.get_type_hints``.
    """
    first = _first_parameter(code)
    if first is None:
        return True
    try:  # evaluated on access where annotations are deferred (PEP 649): may raise
        hint = action.__annotations__.get(first)
    except Exception:
        return False  # let typing.get_type_hints decide
    if isinstance(hint, str):
        hint = _global(action.__globals__, hint)
        if isinstance(hint, str | typing.ForwardRef):  # not found, or a name for a name
            return False
    if hint is None or hint is schema:
        return True
    if isinstance(hint, type):
        return not is_schema(hint)
    return not isinstance(hint, typing.ForwardRef) and typing.get_origin(hint) is not _ANNOTATED


def _global(namespace: dict[str, Any], name: str) -> Any:
    """What ``name`` evaluates to in a module's namespace; ``name`` itself when unsure."""
    if not name.isidentifier():
        return name
    if name in namespace:
        return namespace[name]
    builtins = namespace.get("__builtins__")
    if isinstance(builtins, ModuleType):
        builtins = vars(builtins)
    if isinstance(builtins, dict) and name in builtins:
        return builtins[name]
    return name


def _is_async(action: Any) -> bool:
    if inspect.iscoroutinefunction(action):
        return True
    if inspect.isroutine(action) or isinstance(action, functools.partial):
        return False
    # A callable object: what matters is whether its (possibly inherited) __call__ is async.
    return inspect.iscoroutinefunction(type(action).__call__)
