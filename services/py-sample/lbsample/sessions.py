"""Sessions in Redis with Flask-Session, on the session routes only.

Flask opens a session for every request. This interface touches Redis only for the routes that
use one (the `visits` blueprint), so a Redis outage never reaches /health, /ready or /metrics,
as in the TypeScript replica (services/app/src/plugins/core/session.ts).
"""

from __future__ import annotations

import json
import re

import redis
from flask import Flask, Request, current_app, request
from flask.globals import request_ctx
from flask_session.redis import RedisSessionInterface
from flask_session.redis.redis import RedisSession
from redis.backoff import NoBackoff
from redis.retry import Retry

from .config import Config
from .deadline import request_deadline
from .errors import DependencyUnavailable, HttpError, body
from .metrics import SESSION_STORE_ERRORS

# Its own prefix in the shared Redis: the TypeScript replicas' sessions are under lab:sess:.
SESSION_KEY_PREFIX = "lab:py:sess:"
# Flask-Session's ids: secrets.token_urlsafe(32), 43 characters. They are unguessable rather
# than signed (Flask-Session deprecated signing), so "forged" means "not one of ours".
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")
# Blueprints whose routes read and write the session (notes need none: read_your_writes.py).
SESSION_BLUEPRINTS = frozenset({"visits"})
SESSION_ERROR = "lbsample.session_error"
# Set when a route saved (or tried to save) the session itself: save_session() then leaves it be.
SESSION_SETTLED = "lbsample.session_settled"


def raise_session_error() -> None:
    """before_request: raises what open_session() could not (see there)."""
    error = request.environ.pop(SESSION_ERROR, None)
    if error is not None:
        raise error


def make_redis(config: Config) -> redis.Redis:
    return redis.Redis(
        host=config.redis_host,
        port=config.redis_port,
        password=config.redis_password,
        # A frozen (SIGSTOPped) Redis keeps the socket open: only a read timeout notices.
        socket_connect_timeout=config.dependency_timeout,
        socket_timeout=config.dependency_timeout,
        # One retry, on a refused or reset connection only (a pooled connection Redis closed
        # when it restarted); never on a timeout, which would double what a frozen Redis costs.
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )


class InvalidSessionCookie(HttpError):
    def __init__(self, message: str = "invalid session cookie") -> None:
        super().__init__(400, message)


def refuse_new_session_under_old_cookie(session: RedisSession) -> None:
    """Before a route creates a session: refuses (400, the cookie cleared) a request that came
    with a session cookie whose session is gone (services/app/src/plugins/core/session.ts says why:
    nginx counts only a request without the cookie as one that makes a session)."""
    sent = request.cookies.get(current_app.config["SESSION_COOKIE_NAME"])
    if sent and sent != session.sid:
        raise InvalidSessionCookie("session expired: send the request again without its cookie")


class SessionInterface(RedisSessionInterface):
    """Flask-Session's Redis interface, scoped to the session routes, failing as a 503."""

    def __init__(self, app: Flask, client: redis.Redis, ttl_seconds: int, wait_seconds: float):
        super().__init__(app, client=client, key_prefix=SESSION_KEY_PREFIX)
        self._ttl = ttl_seconds
        self._lifetime = app.permanent_session_lifetime
        self._wait = wait_seconds

    def _unavailable(self, operation: str, err: Exception) -> DependencyUnavailable:
        SESSION_STORE_ERRORS.labels(operation).inc()
        error = DependencyUnavailable("session store")
        error.__cause__ = err
        return error

    def save_now(self, session: RedisSession, *, last: bool = False) -> bool:
        """Saves the session now; True if saved.

        The session is then not saved again after the route: a route that has written data
        decides its answer itself, and a session save failing after the write must not turn
        "written" into an error. A save waits only if a Redis wait still fits in the deadline,
        except the request's `last` one (services/app/src/plugins/core/session.ts, saveSessionNow).
        """
        saved = request.environ.get(SESSION_SETTLED) is True
        request.environ[SESSION_SETTLED] = saved
        if not last and not request_deadline().fits(self._wait):
            return False
        try:
            self._upsert_session(self._lifetime, session, self._get_store_id(session.sid))
        except redis.RedisError as err:
            self._unavailable("set", err)
            return False
        session.modified = False
        request.environ[SESSION_SETTLED] = True
        return True

    def _new(self) -> RedisSession:
        return self.session_class(sid=self._generate_sid(self.sid_length), permanent=self.permanent)

    def open_session(self, app: Flask, request: Request) -> RedisSession:
        # The request's dependency budget starts here, before the session is read.
        request_deadline()
        # Flask matches the route after opening the session; match it now to know the blueprint.
        request_ctx.match_request()
        if request.blueprint not in SESSION_BLUEPRINTS:
            return self._new()  # never modified, so never saved: no Redis at all
        sid = request.cookies.get(self.get_cookie_name(app))
        # Flask treats an exception raised here as unhandled (a logged 500). So the failure is
        # kept for raise_session_error(), which runs first in the request, where errors are
        # answered like any other; meanwhile an empty session stands in.
        if sid and not SESSION_ID.fullmatch(sid):
            # A forged or damaged cookie is a client error: say so (the error handler clears it).
            request.environ[SESSION_ERROR] = InvalidSessionCookie()
            return self._new()
        try:
            return super().open_session(app, request)
        except redis.RedisError as err:
            request.environ[SESSION_ERROR] = self._unavailable("get", err)
            return self._new()

    def should_set_storage(self, app: Flask, session: RedisSession) -> bool:
        # Rewrite the stored session only when it changed: a request that merely read it must not
        # overwrite what a concurrent request of the same session just saved.
        return session.modified

    def save_session(self, app: Flask, session: RedisSession, response) -> None:
        if request.blueprint not in SESSION_BLUEPRINTS:
            return
        settled = request.environ.get(SESSION_SETTLED)
        if settled is not None:
            # The route saved it: only the cookie is left to set, if the save succeeded.
            if settled:
                self._set_cookie(app, session, response)
            return
        try:
            if session and not session.modified:
                # Rolling expiry, as the TypeScript replica's: a used session lives on.
                self.client.expire(self._get_store_id(session.sid), self._ttl)
            super().save_session(app, session, response)
        except redis.RedisError as err:
            # Too late for the error handlers (Flask would log a 500): the response becomes the
            # 503 they would have made, and no cookie points at a session that was not saved.
            error = self._unavailable("set", err)
            response.status_code = 503
            response.set_data(json.dumps(body(503, str(error))))
            response.mimetype = "application/json"
            response.headers.remove("Set-Cookie")

    def _set_cookie(self, app: Flask, session: RedisSession, response) -> None:
        """The cookie Flask-Session's save_session() sets after storing (ids are not signed)."""
        response.set_cookie(
            key=self.get_cookie_name(app),
            value=session.sid,
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")

    # The cookie belongs to the path nginx serves this app under (X-Forwarded-Prefix: /py),
    # so it never reaches the TypeScript replicas; "/" when a client talks to a replica directly.
    def get_cookie_path(self, app: Flask) -> str:
        return f"{request.script_root}/"

    # Secure when the request came over HTTPS (X-Forwarded-Proto from the trusted proxy).
    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure
