"""Server-Timing (W3C): where a request's time went, one entry per step, as the TypeScript
replica's src/lab/server-timing.ts. The lab's instruments say what they added (an injected fault's
wait, the wait for a work slot), so a test or a student reads it off the answer instead of
inferring it from a stopwatch."""

from __future__ import annotations

from flask import Response, g


def add(name: str, ms: float) -> None:
    g.setdefault("server_timing", []).append(f"{name};dur={round(ms)}")


def stamp(response: Response) -> None:
    entries = g.get("server_timing")
    if entries:
        response.headers["Server-Timing"] = ", ".join(entries)
