"""The upstream requests each benchmark task spends through our server stay pinned (issue 17).

Octolens allows 500 API requests an hour per organisation. Each workflow of tests/task_workflows.py (the
ones scripts/bench_tasks.py measures) runs through our server and through the naive bridge, each on a
fresh realistic workspace. A change that makes a task spend more requests than ``PINNED`` fails here:
lower the pin when a change saves some. Ours may spend at most what the naive bridge spends plus one per
write decided on fresh state: a toggle (engage, pause: ours reads the state first, so a repeat changes
nothing), or add_keyword, which reads the keyword list first as the reference asks (its dedupe is not
promised), where the bridge creates blindly.
"""

from __future__ import annotations

import pytest

from tests.task_workflows import TASKS, Task, bridge_operations, run_task

pytestmark = pytest.mark.anyio

PINNED = {
    "morning triage": 5,
    "negative report": 4,
    "competitor monitoring": 4,
    "triage 3x in 10 min": 13,
    "search + read 2": 1,
}
"""Upstream requests of each task through our server (the session's start, a background GET /auth, apart)."""


def test_every_task_is_pinned() -> None:
    assert set(PINNED) == {task.name for task in TASKS}


async def test_all_tasks_together_spend_no_more_than_the_naive_bridge() -> None:
    operations = await bridge_operations()
    ours = [await run_task(task, "ours", operations) for task in TASKS]
    naive = [await run_task(task, "naive", operations) for task in TASKS]
    # In one session the scope lookup (once per key) is spent once.
    assert sum(run.requests for run in ours) + len(ours[0].setup) <= sum(run.requests for run in naive)


@pytest.mark.parametrize("task", TASKS, ids=[task.name for task in TASKS])
async def test_a_task_spends_no_more_requests_than_pinned_nor_than_the_naive_bridge(task: Task) -> None:
    operations = await bridge_operations()
    ours = await run_task(task, "ours", operations)
    naive = await run_task(task, "naive", operations)
    # The baseline is what it says: one request per call, nothing at the session's start.
    assert naive.requests == len(naive.replies) and not naive.setup
    assert ours.requests <= PINNED[task.name], [reply.sent for reply in ours.replies]
    allowed = naive.requests + ours.fresh_writes
    assert ours.requests <= allowed, (
        f"{task.name}: ours {ours.requests} requests, naive {naive.requests} + {ours.fresh_writes} fresh-state write(s)"
    )
    assert not ours.wrong_engaged
