"""The server's counters and gauges, kept in this process and written out in Prometheus text format.

One ``METRICS`` per process: the HTTP client counts upstream requests and 429s and the budget each
organisation has left, the cache its hits, the shared store its errors, and the team server its calls
and open streams. Labels are bounded by construction (tool names, outcomes, organisation hashes kept
for at most ``MAX_SERIES`` series per metric), so a flood of junk cannot grow them without end.
No label ever holds a key: organisations are named by a hash of their id.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_SERIES = 512
"""Label combinations kept per metric; the least recently changed beyond it is dropped."""

Labels = tuple[tuple[str, str], ...]


@dataclass
class _Metric:
    name: str
    kind: str  # "counter" or "gauge"
    help: str
    series: OrderedDict[Labels, float] = field(default_factory=OrderedDict)


class Metrics:
    """Counters and gauges by name and labels; ``render`` writes them as Prometheus text (version 0.0.4)."""

    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}
        self._lock = threading.Lock()

    def declare(self, name: str, kind: str, help_text: str) -> None:
        with self._lock:
            self._metrics.setdefault(name, _Metric(name, kind, help_text))

    def add(self, name: str, amount: float = 1.0, **labels: str) -> None:
        self._change(name, labels, lambda old: old + amount)

    def set(self, name: str, value: float, **labels: str) -> None:
        self._change(name, labels, lambda _old: value)

    def value(self, name: str, **labels: str) -> float:
        metric = self._metrics[name]
        return metric.series.get(tuple(sorted(labels.items())), 0.0)

    def _change(self, name: str, labels: dict[str, str], how: Callable[[float], float]) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            metric = self._metrics[name]
            series = metric.series
            series[key] = how(series.get(key, 0.0))
            series.move_to_end(key)
            while len(series) > MAX_SERIES:
                series.popitem(last=False)

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            metrics = [(m.name, m.kind, m.help, list(m.series.items())) for m in self._metrics.values()]
        for name, kind, help_text, series in metrics:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            if not series and name not in _LABELLED:
                lines.append(f"{name} 0")  # an unlabelled metric is shown from the start
            for labels, value in series:
                lines.append(f"{name}{_labels(labels)} {_number(value)}")
        return "\n".join(lines) + "\n"


_LABELLED = {
    "octolens_calls_total",
    "octolens_budget_remaining",
    "octolens_http_requests_total",
    "octolens_http_refused_total",
}


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in labels)
    return "{" + inner + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


METRICS = Metrics()
for _name, _kind, _help in (
    ("octolens_calls_total", "counter", "Tool calls answered, by tool and outcome (ok, error)."),
    ("octolens_upstream_requests_total", "counter", "Requests sent to the Octolens API."),
    ("octolens_upstream_429_total", "counter", "Octolens API answers that were 429 (rate limited)."),
    ("octolens_budget_remaining", "gauge", "Requests left in the hourly budget, by organisation (a hash of its id)."),
    ("octolens_cache_hits_total", "counter", "Reference-data reads served from the cache."),
    ("octolens_redis_errors_total", "counter", "Shared-store (Redis) operations that failed."),
    ("octolens_open_streams", "gauge", "Event streams (GET /mcp) open now."),
    ("octolens_http_requests_total", "counter", "HTTP requests answered, by status class."),
    ("octolens_http_refused_total", "counter", "HTTP requests refused before any work, by reason."),
):
    METRICS.declare(_name, _kind, _help)


class UpstreamHealth:
    """When Octolens last answered (any status) and when an attempt last failed to connect, for ``/readyz``."""

    def __init__(self) -> None:
        self.last_answer = float("-inf")
        self.last_unreachable = float("-inf")

    def answered(self) -> None:
        self.last_answer = time.monotonic()

    def unreachable(self) -> None:
        self.last_unreachable = time.monotonic()

    def reachable(self, memory: float) -> bool:
        """False while the latest attempt failed to connect, within ``memory`` seconds, and none answered since."""
        failed = self.last_unreachable
        return not (failed > self.last_answer and time.monotonic() - failed < memory)


UPSTREAM = UpstreamHealth()
