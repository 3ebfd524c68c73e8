"""Simulated I/O-bound work inside the replica's concurrency limit (routes/work.ts)."""

from __future__ import annotations

import time

from flask import Blueprint

from ..context import replica
from ..errors import HttpError
from ..validation import query

blueprint = Blueprint("work", __name__)


@blueprint.get("/api/work")
def work() -> dict[str, object]:
    r = replica()
    ms = int(query({"ms": r"[0-9]{1,6}"}, required=frozenset({"ms"}))["ms"])
    if ms > r.config.work_max_ms:
        raise HttpError(400, f"ms must be at most {r.config.work_max_ms}")
    with r.work.slot() as waited:
        time.sleep(ms / 1000)
    return {"replica": r.config.replica_id, "ms": ms, "queuedMs": round(waited * 1000)}
