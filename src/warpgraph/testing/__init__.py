"""The test harness: virtual time, fakes, traces and their assertions.

Re-exports only; each concept lives in its own private module.
"""

from __future__ import annotations

__all__: list[str] = []
