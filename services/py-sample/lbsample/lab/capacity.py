"""The capacity model behind /api/work: at most WORK_CONCURRENCY at once per replica, as many
more waiting, each for at most WORK_QUEUE_TIMEOUT_MS; the rest is shed (Overloaded: a 503 with
Retry-After), as in the TypeScript replica (services/app/src/plugins/lab/work-limiter.ts).

A replica is several Gunicorn worker processes, so the slots and the count of waiters are
process-shared. gunicorn.conf.py creates them in the master before forking (lbsample/shared.py);
every worker inherits the same ones. Without Gunicorn (tests) each app makes its own.

Shedding matters more here than in Node: a waiting request holds one of the worker's threads, and
requests for every other route queue behind it for a thread.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import Overloaded
from ..metrics import WORK_IN_FLIGHT, WORK_QUEUED, WORK_SHED


class WorkSlots:
    def __init__(self, limit: int, queue_timeout_ms: int, semaphore: Any = None, waiting: Any = None):
        self.limit = limit
        self._queue_timeout_ms = queue_timeout_ms
        # Waiters are woken in no promised order (POSIX semaphores), unlike the TypeScript
        # replica's FIFO queue; under steady overload both give the same throughput.
        self._semaphore = semaphore or multiprocessing.BoundedSemaphore(limit)
        self._waiting = waiting or multiprocessing.Value("i", 0)

    def _shed(self, why: str) -> Overloaded:
        WORK_SHED.inc()
        return Overloaded(f"overloaded: {why}; retry later")

    def _wait(self) -> None:
        with self._waiting.get_lock():
            if self._waiting.value >= self.limit:
                raise self._shed(f"{self._waiting.value} already waiting")
            self._waiting.value += 1
        WORK_QUEUED.inc()
        try:
            if not self._semaphore.acquire(timeout=self._queue_timeout_ms / 1000):
                raise self._shed(f"no slot within {self._queue_timeout_ms} ms")
        finally:
            WORK_QUEUED.dec()
            with self._waiting.get_lock():
                self._waiting.value -= 1

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Holds one slot for the block; yields the seconds spent waiting for it."""
        arrived = time.perf_counter()
        if not self._semaphore.acquire(block=False):
            self._wait()
        waited = time.perf_counter() - arrived
        WORK_IN_FLIGHT.inc()
        try:
            yield waited
        finally:
            WORK_IN_FLIGHT.dec()
            self._semaphore.release()
