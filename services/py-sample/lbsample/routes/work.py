"""Simulated work inside the replica's concurrency limit (routes/work.ts): ms waits (I/O bound),
cpu computes (CPU bound; CPU time of this thread, so waiting for a core is not counted as work)."""

from __future__ import annotations

import time

from flask import Blueprint

from ..context import replica
from ..cpu import burn_cpu
from ..errors import HttpError
from ..validation import query

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
    with r.work.slot() as waited:
        if kind == "ms":
            time.sleep(amount / 1000)
        else:
            burn_cpu(amount)
    return {"replica": r.config.replica_id, kind: amount, "queuedMs": round(waited * 1000)}
