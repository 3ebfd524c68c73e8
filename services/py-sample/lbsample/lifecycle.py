"""Draining: from SIGTERM on, /ready answers 503.

Gunicorn's master sends SIGTERM to each worker when it stops; gunicorn.conf.py hooks the worker's
handler so the worker first drains for SHUTDOWN_DELAY_MS (for balancers that probe readiness;
nginx's passive checks need 0), then closes its listening socket (new connections refused, which
nginx retries elsewhere) and stops as Gunicorn does: in-flight requests finish within the
graceful timeout, and requests on open connections are answered with "Connection: close". The
TypeScript replica does the same (services/app/src/plugins/core/draining.ts).
"""

from __future__ import annotations

import threading

_draining = threading.Event()


def start_draining() -> None:
    _draining.set()


def draining() -> bool:
    return _draining.is_set()
