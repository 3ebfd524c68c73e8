"""What the routes share: the replica's config and its clients, one set per worker process."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from flask import current_app

from .config import Config
from .db import Db
from .lab.capacity import WorkSlots
from .lab.faults import FaultStore
from .media.store import MediaStore


@dataclass(frozen=True)
class Replica:
    config: Config
    redis: redis.Redis
    db: Db
    work: WorkSlots
    faults: FaultStore
    media: MediaStore


def replica() -> Replica:
    return current_app.extensions["lbsample"]
