"""A run's config: LangGraph's defaults, the checks a config gets, merging, batches.

Every run starts from a copy of the config it was given with LangGraph's defaults
filled in: ``recursion_limit`` 10007 (25 under ``batch``/``abatch``, as langchain-core
sets it there) and an empty ``configurable``. A malformed limit is refused with the
option's name before the run starts; controls (timeouts, misplaced limits) are
checked by ``_supervise.check_controls`` only when the config holds more than the
defaults, so a plain ``ainvoke`` pays for none of it.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any

from warpgraph.runtime import _events as ev
from warpgraph.runtime._supervise import check_controls

__all__ = [
    "BATCH_RECURSION_LIMIT",
    "DEFAULT_RECURSION_LIMIT",
    "batch_configs",
    "coerce_context",
    "merge_configs",
    "prepare_config",
    "subscribers_from",
]

DEFAULT_RECURSION_LIMIT = 10007  # LangGraph 1.2's default (verified by running it)
BATCH_RECURSION_LIMIT = 25  # ... except under batch/abatch (also verified)


def prepare_config(config: dict[str, Any] | None) -> dict[str, Any]:
    cfg = dict(config) if config else {}
    limit = cfg.setdefault("recursion_limit", DEFAULT_RECURSION_LIMIT)
    if type(limit) is not int or limit < 1:
        raise ValueError(
            f"config['recursion_limit'] must be a positive int, got {limit!r}; "
            f"LangGraph's default is {DEFAULT_RECURSION_LIMIT}"
        )
    concurrency = cfg.get("max_concurrency")
    if concurrency is not None and (type(concurrency) is not int or concurrency < 1):
        raise ValueError(
            f"config['max_concurrency'] must be a positive int or None, got {concurrency!r}"
        )
    if "configurable" not in cfg:
        cfg["configurable"] = {}
    # Misplaced limits, malformed timeouts (controls, issue 6). A config holding only the
    # two defaults set above has nothing to check: skip the call on the hot path.
    if config and (len(cfg) > 2 or cfg["configurable"]):
        check_controls(cfg)
    return cfg


def merge_configs(base: dict[str, Any] | None, override: dict[str, Any] | None) -> dict[str, Any]:
    merged = {**(base or {}), **(override or {})}
    if base and override and "configurable" in base and "configurable" in override:
        merged["configurable"] = {**base["configurable"], **override["configurable"]}
    return merged


def coerce_context(schema: Any, context: dict[str, Any]) -> Any:
    """A dict passed as ``context=`` becomes the graph's context schema, as in LangGraph."""
    if typing.is_typeddict(schema) or not isinstance(schema, type):
        return context
    return schema(**context)


def subscribers_from(callbacks: Any) -> tuple[ev.Subscriber, ...]:
    items = list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks]
    for item in items:
        if not callable(item):
            raise TypeError(
                f"config['callbacks'] takes warpgraph event subscribers (callables taking "
                f"one event), got {item!r}"
            )
    return tuple(items)


def batch_configs(
    config: dict[str, Any] | Sequence[dict[str, Any]] | None, count: int
) -> list[dict[str, Any]]:
    if config is None or isinstance(config, dict):
        configs = [dict(config or {}) for _ in range(count)]
    else:
        configs = [dict(c) for c in config]
        if len(configs) != count:
            raise ValueError(
                f"batch got {count} inputs but {len(configs)} configs; pass one config per "
                "input or a single config for all"
            )
    for cfg in configs:
        # LangGraph's batch goes through langchain-core's config defaults, whose
        # recursion_limit is 25, not the 10007 invoke and stream use.
        cfg.setdefault("recursion_limit", BATCH_RECURSION_LIMIT)
    return configs
