"""A clock for code that takes its time and its sleep as arguments: it moves only when that code sleeps."""

from __future__ import annotations

import time

import anyio


class FakeClock:
    """Monotonic and wall time that move only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        # Just after the top of the real current hour: the client trusts a stated reset only within the coming hour.
        self.base = time.time() // 3600 * 3600 + 1.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.base + self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await anyio.lowlevel.checkpoint()
