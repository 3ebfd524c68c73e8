"""The capacity model behind /api/work: at most WORK_CONCURRENCY at once per replica.

A replica is several Gunicorn worker processes, so the limit is a process-shared semaphore.
gunicorn.conf.py creates it in the master before forking (lbsample/shared.py); every worker
inherits the same one. Without Gunicorn (tests) each app makes its own.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .metrics import WORK_IN_FLIGHT, WORK_QUEUED


class WorkSlots:
    def __init__(self, limit: int, semaphore: Any = None):
        self.limit = limit
        # Waiters are woken in no promised order (POSIX semaphores), unlike the TypeScript
        # replica's FIFO queue; under steady overload both give the same throughput.
        self._semaphore = semaphore or multiprocessing.BoundedSemaphore(limit)

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Holds one slot for the block; yields the seconds spent waiting for it."""
        arrived = time.perf_counter()
        WORK_QUEUED.inc()
        try:
            self._semaphore.acquire()
        finally:
            WORK_QUEUED.dec()
        waited = time.perf_counter() - arrived
        WORK_IN_FLIGHT.inc()
        try:
            yield waited
        finally:
            WORK_IN_FLIGHT.dec()
            self._semaphore.release()
