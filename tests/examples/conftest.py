"""Make the example programs importable as plain modules in their tests.

The examples are scripts in ``examples/``, not a package; putting that folder on
``sys.path`` lets a test say ``import fan_out_fan_in as example``, exactly as a
user's test imports the module that builds their graph.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


@pytest.fixture
def run_example() -> Callable[[str], str]:
    """``run_example("fan_out_fan_in")`` runs ``python examples/<name>.py``; returns its stdout."""

    def run(name: str) -> str:
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / f"{name}.py")],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return done.stdout

    return run
