"""How long a request may still wait on its dependencies (services/app/src/deadline.ts).

nginx counts an answer later than UPSTREAM_READ_TIMEOUT as the replica failing, so the waits of
one request (a session read, a pool wait, each query, a session save) share one budget instead
of each having its own bound and adding up past nginx's.
"""

from __future__ import annotations

import time

import psycopg
from flask import current_app, request

ENVIRON_KEY = "lbsample.deadline"


class DeadlinePassed(psycopg.OperationalError):
    """Raised before a wait starts, never during one: nothing was sent."""

    def __init__(self) -> None:
        super().__init__("timeout: the request deadline has passed")


class Deadline:
    def __init__(self, seconds: float):
        self._at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._at - time.monotonic())

    def fits(self, seconds: float) -> bool:
        """Whether a wait of up to `seconds` can still start and end in time."""
        return self.left() >= seconds

    def clamp(self, seconds: float) -> float:
        """A timeout for the next wait: at most `seconds`, at most what is left."""
        left = self.left()
        if left < 0.001:
            raise DeadlinePassed()
        return min(seconds, left)


def request_deadline() -> Deadline:
    """This request's deadline, started by its first use (the session load, before any route)."""
    found = request.environ.get(ENVIRON_KEY)
    if found is None:
        found = Deadline(current_app.extensions["lbsample"].config.request_deadline_ms / 1000)
        request.environ[ENVIRON_KEY] = found
    return found
