from __future__ import annotations

import os
import time

from flask import Blueprint, request

from .. import shared
from ..context import replica

blueprint = Blueprint("whoami", __name__)


@blueprint.get("/api/whoami")
def whoami() -> dict[str, object]:
    return {
        "replica": replica().config.replica_id,
        # The worker process that answered: a replica is several (Gunicorn's workers).
        "pid": os.getpid(),
        # The replica's, whichever worker answers (lbsample/shared.py).
        "uptimeSeconds": round(time.monotonic() - shared.started, 1),
        # The caller's address: nginx's X-Forwarded-For, trusted only from the proxy.
        "clientIp": request.remote_addr,
    }
