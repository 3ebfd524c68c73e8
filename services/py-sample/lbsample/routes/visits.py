"""The visit counter beside the session (routes/visits.ts): one Redis hash per session, changed
atomically by a Lua script, so concurrent requests of one session never lose an increment; an
Idempotency-Key makes a retried POST (nginx retries keyed POSTs) count once."""

from __future__ import annotations

from importlib.resources import files

import redis
from flask import Blueprint, current_app, session

from ..context import replica
from ..errors import DependencyUnavailable
from ..metrics import SESSION_STORE_ERRORS
from ..sessions import refuse_new_session_under_old_cookie
from ..validation import idempotency_key

blueprint = Blueprint("visits", __name__)
INCREMENT_ONCE = files("lbsample").joinpath("visits.lua").read_text()
SEEN = "seen:"


def _key() -> str:
    return f"lab:py:visits:{session.sid}"


def _visits(fields: dict[str, str], replica_id: str) -> dict[str, object]:
    return {
        "visits": int(fields.get("visits", 0)),
        "replica": replica_id,
        "replicasSeen": sorted(field[len(SEEN) :] for field in fields if field.startswith(SEEN)),
    }


def _decoded(flat: list[bytes]) -> dict[str, str]:
    return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}


def _store_down(err: Exception) -> DependencyUnavailable:
    SESSION_STORE_ERRORS.labels("visits").inc()
    error = DependencyUnavailable("session store")
    error.__cause__ = err
    return error


@blueprint.post("/api/visits")
def increment() -> dict[str, object]:
    r = replica()
    new = "createdBy" not in session
    if new:
        refuse_new_session_under_old_cookie(session)
    key_of_request = idempotency_key()
    key = _key()
    ttl = r.config.session_ttl_seconds
    try:
        flat = r.redis.eval(
            INCREMENT_ONCE,
            2,
            key,
            f"{key}:idem:{key_of_request}" if key_of_request else "",
            f"{SEEN}{r.config.replica_id}",
            ttl,
        )
    except redis.RedisError as err:
        raise _store_down(err) from err
    # Counted. A new session's count is reachable only through a saved session: not saved, not
    # counted (503). A known session's save only renews its expiry, and failing that must not
    # turn a counted visit into an error.
    session.setdefault("createdBy", r.config.replica_id)
    if not current_app.session_interface.save_now(session, last=True) and new:
        raise DependencyUnavailable("session store")
    return _visits(_decoded(flat), r.config.replica_id)


@blueprint.get("/api/visits")
def read() -> dict[str, object]:
    r = replica()
    # A client without a stored session has no visits yet; no need to ask Redis.
    if "createdBy" not in session:
        return _visits({}, r.config.replica_id)
    try:
        fields = {k.decode(): v.decode() for k, v in r.redis.hgetall(_key()).items()}
    except redis.RedisError as err:
        raise _store_down(err) from err
    return _visits(fields, r.config.replica_id)
