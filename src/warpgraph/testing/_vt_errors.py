"""The errors of virtual time: a loop that can never wake, a budget used up, a spinning loop.

All three mean "this test would hang or lie on a real clock", so each message says what
the loop saw (the virtual time, the waiting tasks and where they wait) and what to change.
Their place in the tree is drawn once, in ``warpgraph.errors``.
"""

from __future__ import annotations

from warpgraph.errors import HarnessError

__all__ = ["VirtualTimeBudgetExceeded", "VirtualTimeDeadlock", "VirtualTimeLivelock"]


class VirtualTimeDeadlock(HarnessError):
    """Every task waits, yet no timer is set, no executor job runs and no real I/O is registered.

    Nothing can ever wake such a loop; a real clock would hang forever. The loop raises this
    into each waiting task at the line where it waits, and the message lists the tasks with
    their stacks.
    """


class VirtualTimeBudgetExceeded(HarnessError, TimeoutError):
    """The next timer lies beyond the virtual-time budget ``end=``.

    Also a ``TimeoutError``, so ``except TimeoutError`` code treats it as the timeout it is.
    The clock stops exactly at ``end`` and the waiting tasks receive this error.
    """


class VirtualTimeLivelock(HarnessError):
    """The loop kept running callbacks without time ever moving: a task spins.

    Typical cause: ``while not ready: await asyncio.sleep(0)`` with nothing that could make
    ``ready`` true. Raised out of the loop after ``livelock_limit`` such iterations.
    """
