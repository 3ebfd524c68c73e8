"""Liveness and readiness, with the TypeScript replica's semantics (routes/health.ts)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from flask import Blueprint

from .. import lifecycle
from ..context import Replica, replica
from ..db import borrow, cut_after
from ..errors import body

blueprint = Blueprint("health", __name__)
# Both probes at once, each within the dependency budget. A probe stuck on a frozen dependency
# is abandoned, not waited for; its own timeout ends it soon after.
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ready-probe")


@blueprint.get("/health")
def health() -> dict[str, str]:
    # Liveness: the process answers. Checks no dependency, so a Redis or Postgres outage never
    # makes an orchestrator restart healthy replicas.
    return {"status": "ok"}


def _ping_primary(r: Replica) -> None:
    with borrow(r.db.primary, r.config.dependency_timeout) as conn, cut_after(conn, r.config.dependency_timeout):
        conn.execute("SELECT 1")


@blueprint.get("/ready")
def ready() -> tuple[dict[str, Any], int]:
    # Readiness: can this replica do useful work right now?
    r = replica()
    give_up = time.monotonic() + r.config.dependency_timeout
    running = {"redis": _probes.submit(r.redis.ping), "postgres": _probes.submit(_ping_primary, r)}
    checks: dict[str, str] = {}
    for name, future in running.items():
        try:
            future.result(timeout=max(give_up - time.monotonic(), 0))
            checks[name] = "ok"
        except FutureTimeout:
            checks[name] = f"down: no answer within {r.config.dependency_timeout_ms} ms"
        except Exception as err:
            checks[name] = f"down: {err}".strip()
    reasons = [f"{name} {state}" for name, state in checks.items() if state != "ok"]
    if r.faults.get()["faults"].get("notReady") is True:
        reasons.insert(0, "fault set (make fault ready=no)")
    if lifecycle.draining():
        reasons.insert(0, "draining")
    if reasons:
        return {**body(503, f"not ready: {'; '.join(reasons)}"), "checks": checks}, 503
    return {"status": "ready", "checks": checks}, 200
