"""Simulated work inside the replica's concurrency limit (routes/work.ts): ms waits (I/O bound),
cpu computes (CPU bound; CPU time of this thread, so waiting for a core is not counted as work)."""

from __future__ import annotations

import time

from flask import Blueprint

from ... import server_timing
from ...context import replica
from ...errors import HttpError, Overloaded
from ...validation import query
from ..cpu import burn_cpu

blueprint = Blueprint("work", __name__)


@blueprint.get("/api/work")
def work() -> dict[str, object]:
    r = replica()
    given = query({"ms": r"[0-9]{1,6}", "cpu": r"[0-9]{1,6}"})
    if len(given) != 1:
        raise HttpError(400, "give one of ms (I/O wait) or cpu (CPU time)")
    [(kind, value)] = given.items()
    amount = int(value)
    if amount > r.config.work_max_ms:
        raise HttpError(400, f"{kind} must be at most {r.config.work_max_ms}")
    arrived = time.perf_counter()
    try:
        with r.work.slot() as waited:
            server_timing.add("work-queue", waited * 1000)
            if kind == "ms":
                time.sleep(amount / 1000)
            else:
                burn_cpu(amount)
    except Overloaded:
        # Shed: how long it waited first (0 when the queue was full: turned away at once).
        server_timing.add("work-queue", (time.perf_counter() - arrived) * 1000)
        raise
    return {"replica": r.config.replica_id, kind: amount, "queuedMs": round(waited * 1000)}
