"""Draining: from SIGTERM on, /ready answers 503 and responses say Connection: close.

Gunicorn's master sends SIGTERM to each worker when it stops; gunicorn.conf.py hooks the worker's
handler so the worker first drains for SHUTDOWN_DELAY_MS (for balancers that probe readiness;
nginx's passive checks need 0), then stops as Gunicorn does: no new connections, in-flight
requests finish within the graceful timeout.
"""

from __future__ import annotations

import threading

_draining = threading.Event()


def start_draining() -> None:
    _draining.set()


def draining() -> bool:
    return _draining.is_set()
