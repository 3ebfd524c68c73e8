"""JSON log lines, one object per line like the TypeScript replica's (pino), so one log
pipeline reads both. Used by the app's own logging and by Gunicorn (logger_class)."""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

# The TypeScript replica's level names (LOG_LEVEL) in Python's terms.
LEVELS = {
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
    "silent": logging.CRITICAL + 10,
}
# Probes and scrapes arrive every few seconds; logging them would bury the traffic.
# Probes, scrapes and the console's reads of /faults (a change is logged by the route itself).
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics", "/faults"})


class JsonFormatter(logging.Formatter):
    def __init__(self, replica: str):
        super().__init__()
        self._replica = replica

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": int(record.created * 1000),
            "level": record.levelname.lower(),
            "replica": self._replica,
            "pid": record.process,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["err"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure(replica: str, level: str) -> None:
    """Root logging to stderr as JSON (the app's loggers, psycopg's and the pool's)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(replica))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[level])


class JsonAccessLogger(GunicornLogger):
    """Gunicorn's logger with a JSON access line per request (Gunicorn's access_log_format is
    printf-style and does not escape quotes, so it cannot promise valid JSON)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        replica = os.environ.get("REPLICA_ID", "gunicorn")
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter(replica))
        for handler in self.access_log.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled or environ.get("PATH_INFO") in QUIET_PATHS:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        line = {
            "time": int(time.time() * 1000),
            "level": "info",
            "replica": os.environ.get("REPLICA_ID", "gunicorn"),
            "pid": os.getpid(),
            "msg": "request completed",
            # nginx's $request_id: ties this line to nginx's access log and the app's lines.
            "requestId": environ.get("HTTP_X_REQUEST_ID"),
            "method": environ.get("REQUEST_METHOD"),
            "url": environ.get("RAW_URI"),
            "statusCode": int(status),
            "bytes": getattr(resp, "sent", None),
            "responseTime": round(request_time.total_seconds() * 1000, 3),
            "remoteAddress": environ.get("REMOTE_ADDR"),
        }
        self.access_log.info(json.dumps(line))
