"""The app factory: builds the replica, never serves it (Gunicorn does: gunicorn.conf.py)."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

import redis
from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from . import metrics, read_your_writes, server_timing, shared
from .config import Config
from .context import Replica
from .db import Db, make_pool
from .errors import DependencyUnavailable, HttpError, OutcomeUnknown, Overloaded, body
from .lab.capacity import WorkSlots
from .lab.fault_effects import apply_faults
from .lab.faults import KINDS as FAULT_KINDS
from .lab.faults import FaultStore, active_kinds
from .lab.routes import faults, work
from .media.store import MediaStore
from .proxy import TrustedProxy
from .routes import health, media, notes, visits, whoami
from .sessions import InvalidSessionCookie, SessionInterface, make_redis, raise_session_error

log = logging.getLogger("lbsample")


def create_app(config: Config, work_slots: WorkSlots | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.session_secret,
        SESSION_COOKIE_NAME=config.session_cookie_name,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_PERMANENT=True,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=config.session_ttl_seconds),
        # Errors are answered by the handlers below in tests too, as in production.
        PROPAGATE_EXCEPTIONS=False,
        # No automatic OPTIONS answer (a 200 with an empty HTML body): like the TypeScript
        # replica, a method without a route is an unknown route (contract/README.md).
        PROVIDE_AUTOMATIC_OPTIONS=False,
    )
    client = make_redis(config)
    db = Db(
        config,
        primary=make_pool(config, "primary", config.pg_primary_host, config.pg_primary_port),
        replica=make_pool(config, "replica", config.pg_replica_host, config.pg_replica_port),
        on_read=lambda served_by, reason: metrics.DB_READS.labels(served_by, reason).inc(),
    )
    context = Replica(
        config=config,
        redis=client,
        db=db,
        # Under Gunicorn, the semaphore its master made for all the workers; otherwise one of its own.
        work=work_slots
        or WorkSlots(config.work_concurrency, config.work_queue_timeout_ms, shared.work_semaphore, shared.work_waiting),
        faults=FaultStore(shared.faults),
        media=MediaStore(config),
    )
    app.extensions["lbsample"] = context
    app.session_interface = SessionInterface(app, client, config.session_ttl_seconds, config.dependency_timeout)

    for routes in (health, faults, whoami, work, visits, notes, media):
        app.register_blueprint(routes.blueprint)
    _hooks(app, config)
    _error_handlers(app)

    @app.get("/metrics")
    def metrics_route() -> Response:
        pool_gauges(db)
        active = lambda: active_kinds(context.faults.get()["faults"])  # noqa: E731
        exposition = metrics.exposition(config.replica_id, db.replica_lag, active, FAULT_KINDS)
        return Response(exposition, mimetype=metrics.CONTENT_TYPE)

    # Outermost first: the peer check, then timing of the whole response.
    app.wsgi_app = TrustedProxy(metrics.RequestMetrics(app.wsgi_app), config.trust_proxy)  # type: ignore[method-assign]
    return app


def warm(app: Flask, connections: int) -> None:
    """Opens up to `connections` per Postgres pool before the worker takes requests (Gunicorn's
    post_worker_init): nginx sends a restarted replica requests the moment its master listens,
    and least_conn sends it more than its share. Were each to wait for a connection of its own,
    a busy host makes those connects outlast DEPENDENCY_TIMEOUT_MS: a rollout under load once
    saw 503s for a second after a replica came back."""
    context: Replica = app.extensions["lbsample"]
    log.info("postgres: pools filled", extra={"fields": {"opened": context.db.warm(connections)}})


def close(app: Flask) -> None:
    """Closes the pools and the Redis and object store clients (the worker's exit, and tests)."""
    context: Replica = app.extensions["lbsample"]
    context.db.close()
    context.redis.close()
    context.media.close()


def pool_gauges(db: Db) -> None:
    for name, pool in (("primary", db.primary), ("replica", db.replica)):
        stats = pool.get_stats()
        metrics.POOL_CONNECTIONS.labels(name, "total").set(stats.get("pool_size", 0))
        metrics.POOL_CONNECTIONS.labels(name, "idle").set(stats.get("pool_available", 0))
        metrics.POOL_CONNECTIONS.labels(name, "waiting").set(stats.get("requests_waiting", 0))


def _hooks(app: Flask, config: Config) -> None:
    @app.before_request
    def request_id() -> None:
        # nginx's X-Request-ID ties the access log line to this replica's lines for the request.
        g.request_id = request.headers.get("X-Request-ID") or str(uuid.uuid4())
        request.environ[metrics.ROUTE_KEY] = metrics.route_template(request.url_rule and request.url_rule.rule)

    # Faults before anything the route does, as the TypeScript replica's onRequest hook.
    app.before_request(apply_faults)
    # After request_id(): a failed session load is answered (and timed) like any error.
    app.before_request(raise_session_error)

    @app.after_request
    def stamp(response: Response) -> Response:
        # On every response, errors and 404s included: how a lab user sees which replica answered.
        response.headers["X-Replica"] = config.replica_id
        server_timing.stamp(response)
        read_your_writes.stamp(response)
        # The pools' gauges, after the routes that use them.
        if request.blueprint == notes.blueprint.name:
            pool_gauges(app.extensions["lbsample"].db)
        return response


def _error_handlers(app: Flask) -> None:
    def answer(status: int, message: str) -> tuple[dict[str, str], int]:
        return body(status, message), status

    @app.errorhandler(InvalidSessionCookie)
    def invalid_cookie(err: InvalidSessionCookie) -> Response:
        response = app.make_response(answer(err.status, err.message))
        # Cleared, so a browser recovers.
        response.delete_cookie(app.config["SESSION_COOKIE_NAME"], path=f"{request.script_root}/")
        return response

    @app.errorhandler(HttpError)
    def http_error(err: HttpError) -> Any:
        return answer(err.status, err.message)

    @app.errorhandler(Overloaded)
    def overloaded(err: Overloaded) -> Any:
        response = app.make_response(answer(503, str(err)))
        response.headers["Retry-After"] = str(err.retry_after_seconds)
        return response

    @app.errorhandler(DependencyUnavailable)
    def unavailable(err: DependencyUnavailable) -> Any:
        log.warning("%s", err, extra={"fields": {"dependency": err.dependency, "cause": repr(err.__cause__)}})
        return answer(503, str(err))

    @app.errorhandler(OutcomeUnknown)
    def outcome_unknown(err: OutcomeUnknown) -> Any:
        log.warning("%s", err, extra={"fields": {"cause": repr(err.__cause__)}})
        return {**body(504, str(err)), "code": err.code}, 504

    # Fastify answers an unknown method on a known path as an unknown route; so does this replica.
    @app.errorhandler(NotFound)
    @app.errorhandler(MethodNotAllowed)
    def no_route(_err: HTTPException) -> Any:
        return answer(404, f"no route {request.method} {request.full_path.rstrip('?')}")

    @app.errorhandler(HTTPException)
    def http_exception(err: HTTPException) -> Any:
        return answer(err.code or 500, err.description or "")

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Any:
        if isinstance(err, redis.RedisError):  # a Redis failure no route turned into a 503
            return unavailable(DependencyUnavailable("session store"))
        log.exception("request failed", extra={"fields": {"requestId": g.get("request_id")}})
        return answer(500, f"internal error; request id {g.get('request_id')}")
