"""warpgraph's pytest plugin (entry point ``pytest11: warpgraph``).

Thin glue only: each module listed below maps pytest hooks, options, markers and
fixtures onto library objects in ``warpgraph.testing`` and ``warpgraph.bench``.
Every option lives in the ``warpgraph`` group of ``pytest --help``.
"""

from __future__ import annotations

pytest_plugins = [
    "warpgraph._pytest.virtual_time",
    "warpgraph._pytest.fakes",
    "warpgraph._pytest.trace",
    "warpgraph._pytest.bench",
]
