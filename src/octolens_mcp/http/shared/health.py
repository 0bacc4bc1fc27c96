"""Whether the shared store is worth asking, and one warning when it is not.

An outage (refused, reset, slow) makes every operation skip the store for ``cooldown`` seconds, so a
dead or blackholed Redis costs a call nothing but the first failed attempt; the next operation after
the cooldown tries again, which is how sharing resumes on its own. Failures are logged as one
WARNING per ``warn_interval`` at most (the rest at DEBUG), and a recovery once at INFO.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from octolens_mcp.http.metrics import METRICS

logger = logging.getLogger("octolens_mcp.http.shared")

DETAIL_LIMIT = 200
"""Characters of an error's text a log line keeps."""


class Health:
    def __init__(
        self, *, cooldown: float, warn_interval: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.cooldown = cooldown
        self.warn_interval = warn_interval
        self._clock = clock
        self._skip_until = float("-inf")
        self._next_warning = float("-inf")
        self._failing = False

    def available(self) -> bool:
        """False while an outage's cooldown runs: the caller falls back without asking."""
        return self._clock() >= self._skip_until

    def failed(self, operation: str, exc: BaseException, *, outage: bool) -> None:
        METRICS.add("octolens_redis_errors_total")
        now = self._clock()
        if outage:
            self._skip_until = now + self.cooldown
            self._failing = True
        text = str(exc)[:DETAIL_LIMIT]
        detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        if now >= self._next_warning:
            self._next_warning = now + self.warn_interval
            logger.warning(
                "shared state (Redis) unavailable for %s, using this process's own cache and budget: %s",
                operation,
                detail,
            )
        else:
            logger.debug("shared state (Redis) still unavailable for %s: %s", operation, detail)

    def succeeded(self) -> None:
        """An operation went through: after an outage, say once that sharing is back."""
        if self._failing:
            self._failing = False
            logger.info("shared state (Redis) answers again; sharing the cache and budget with other replicas")
