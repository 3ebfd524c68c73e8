"""The one error shape, {error, message}, and the exceptions that map to it."""

from __future__ import annotations

from http import HTTPStatus

import psycopg
import psycopg_pool
import redis


class HttpError(Exception):
    """A client error the handler answers as {error, message} with this status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class DependencyUnavailable(Exception):
    """A dependency (Redis, a Postgres server) could not answer in time: a 503 naming it."""

    def __init__(self, dependency: str):
        super().__init__(f"{dependency} unavailable")
        self.dependency = dependency


class OutcomeUnknown(Exception):
    """A write whose COMMIT was sent and never acknowledged: it may or may not have been applied.

    Answered 504 with code "outcome_unknown" (services/app/src/errors.ts); never a 503, which
    promises that nothing was written. A retry with the same Idempotency-Key is safe either way.
    """

    code = "outcome_unknown"

    def __init__(self, dependency: str):
        super().__init__(
            f"{dependency} did not confirm the write: it may or may not have been applied;"
            " retry with the same Idempotency-Key"
        )


class Overloaded(Exception):
    """Too much work already: shed with a 503 and Retry-After (nginx neither retries nor penalises 503)."""

    retry_after_seconds = 1


# "The server is not there or not answering", as opposed to "the query is wrong".
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    psycopg.OperationalError,  # connection lost, refused, shutting down (SQLSTATE 08, 57P0x)
    psycopg_pool.PoolTimeout,
    TimeoutError,
)


def is_connection_error(err: BaseException) -> bool:
    return isinstance(err, CONNECTION_ERRORS)


# Where Python's name for a status differs from Node's (the TypeScript replica's, and nginx's JSON
# errors'), Node's: one contract, one answer (3.11 says "Request Entity Too Large", 3.13 "Content Too Large").
PHRASES = {413: "Payload Too Large"}


def body(status: int, message: str) -> dict[str, str]:
    return {"error": PHRASES.get(status) or HTTPStatus(status).phrase, "message": message}
