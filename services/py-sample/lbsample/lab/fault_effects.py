"""Applies the faults (lbsample/lab/faults.py) to every request they affect, before its route runs,
as the TypeScript replica's plugins/faults.ts: latency, then CPU time, then maybe an error
instead of the answer. Each affected answer says what it got in Server-Timing (fault-latency,
fault-cpu)."""

from __future__ import annotations

import random
import time

from flask import request

from .. import metrics, server_timing
from ..context import replica
from ..errors import body
from .cpu import burn_cpu
from .faults import affects, latency_now


def apply_faults() -> tuple[dict[str, str], int] | None:
    state = replica().faults.get()
    faults, set_at = state["faults"], state["setAt"]
    if set_at is None or not affects(faults, request.full_path.rstrip("?")):
        return None
    delay = latency_now(faults, time.time() * 1000 - set_at, random.random())
    if delay > 0:
        time.sleep(delay / 1000)
    server_timing.add("fault-latency", delay)
    if faults.get("cpuMs"):
        burn_cpu(faults["cpuMs"])
        server_timing.add("fault-cpu", faults["cpuMs"])
    rate = faults.get("errorRate", 0)
    if rate and random.random() < rate:
        status = faults.get("errorStatus", 500)
        metrics.FAULT_ERRORS.labels(str(status)).inc()
        return body(status, "injected fault (make fault)"), status
    return None
