"""The fault contract (contract/README.md, "Faults"), as the TypeScript replica keeps it
(services/app/src/lab/faults.ts): the same fields, limits, messages and effects.

Gunicorn runs several worker processes: a fault set through one must hold in all of them, so
the set lives in memory the master shares (gunicorn.conf.py's on_starting makes it; a restart
of the replica forgets it). Without Gunicorn (tests) it lives in the process.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from ..errors import HttpError

ROUTE = re.compile(r"^/api/[A-Za-z0-9/_-]{0,100}$")
UNAFFECTED = ("/health", "/ready", "/metrics", "/faults")
KINDS = ("latency", "slow_start", "errors", "not_ready", "cpu")
# Field: (kind, minimum, maximum) with the TypeScript replica's schema's bounds and types.
INTEGERS = {"latencyMs": (0, 10_000), "jitterMs": (0, 10_000), "slowStartSeconds": (1, 600), "cpuMs": (0, 1000)}
# In the schema's order, which is the order the fields are checked in.
FIELDS = ("latencyMs", "jitterMs", "slowStartSeconds", "errorRate", "errorStatus", "notReady", "cpuMs", "routes")
STATE_BYTES = 4096


def validate(body: dict[str, Any]) -> dict[str, Any]:
    """The body of PUT /faults (already a JSON object with known fields only), checked in the
    schema's field order; the first problem is a 400 worded as the TypeScript replica words it."""
    faults = dict(body)
    for name in FIELDS:
        if name not in body:
            continue
        value = body[name]
        where = f"body/{name}"
        if name in INTEGERS or name == "errorStatus":
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                raise HttpError(400, f"{where} must be integer")
            faults[name] = int(value)  # 1e3 is 1000, as JavaScript reads it
        if name in INTEGERS:
            low, high = INTEGERS[name]
            _bounds(where, value, low, high)
        elif name == "errorRate":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise HttpError(400, f"{where} must be number")
            _bounds(where, value, 0, 1)
        elif name == "errorStatus":
            if value not in (500, 503):
                raise HttpError(400, f"{where} must be equal to one of the allowed values")
        elif name == "notReady":
            if not isinstance(value, bool):
                raise HttpError(400, f"{where} must be boolean")
        elif name == "routes":
            if not isinstance(value, list):
                raise HttpError(400, f"{where} must be array")
            if len(value) > 10:
                raise HttpError(400, f"{where} must NOT have more than 10 items")
            for i, route in enumerate(value):
                if not isinstance(route, str):
                    raise HttpError(400, f"{where}/{i} must be string")
                if not ROUTE.fullmatch(route):  # not match: $ would let a final newline through
                    raise HttpError(400, f'{where}/{i} must match pattern "{ROUTE.pattern}"')
    return faults


def _bounds(where: str, value: float, low: float, high: float) -> None:
    if value < low:
        raise HttpError(400, f"{where} must be >= {low}")
    if value > high:
        raise HttpError(400, f"{where} must be <= {high}")


def affects(faults: dict[str, Any], path: str) -> bool:
    if any(path == p or path.startswith(f"{p}?") for p in UNAFFECTED):
        return False
    routes = faults.get("routes")
    return routes is None or any(path.startswith(prefix) for prefix in routes)


def latency_now(faults: dict[str, Any], elapsed_ms: float, random: float) -> int:
    """The latency to add now, `elapsed_ms` after the faults were set; `random` in [0, 1)."""
    base = faults.get("latencyMs", 0)
    seconds = faults.get("slowStartSeconds")
    decay = max(0.0, 1 - elapsed_ms / (seconds * 1000)) if seconds else 1.0
    jitter = faults.get("jitterMs", 0) * (2 * random - 1)
    # JavaScript's Math.round: halves up.
    return max(0, math.floor(base * decay + (jitter if base * decay > 0 else 0) + 0.5))


def active_kinds(faults: dict[str, Any]) -> list[str]:
    latency = faults.get("latencyMs", 0) > 0
    on = {
        "latency": latency and not faults.get("slowStartSeconds"),
        "slow_start": latency and bool(faults.get("slowStartSeconds")),
        "errors": faults.get("errorRate", 0) > 0,
        "not_ready": faults.get("notReady") is True,
        "cpu": faults.get("cpuMs", 0) > 0,
    }
    return [kind for kind in KINDS if on[kind]]


class FaultStore:
    """The current fault set and when it was set (epoch ms), in shared memory when given one (a
    multiprocessing.Array of STATE_BYTES bytes), else in this process."""

    def __init__(self, shared: Any = None):
        self._shared = shared
        self._local = b""
        self._cache: tuple[bytes, dict[str, Any]] = (b"", {"faults": {}, "setAt": None})

    def get(self) -> dict[str, Any]:
        raw = self._shared.raw.rstrip(b"\0") if self._shared is not None else self._local
        if raw != self._cache[0]:
            self._cache = (raw, json.loads(raw) if raw else {"faults": {}, "setAt": None})
        return self._cache[1]

    def set(self, faults: dict[str, Any]) -> dict[str, Any]:
        state = {"faults": faults, "setAt": int(time.time() * 1000) if faults else None}
        raw = json.dumps(state, separators=(",", ":")).encode()
        if self._shared is None:
            self._local = raw
        else:
            with self._shared.get_lock():
                self._shared.raw = raw.ljust(STATE_BYTES, b"\0")
        return state
