"""Postgres: writes on the primary, reads on the replica unless it is behind or down.

The same routing as the TypeScript replica (services/app/src/db.ts). What differs is how a
wait is bounded: psycopg's synchronous API has no client-side query timeout, and
statement_timeout (server side) does nothing when the server itself is frozen. So every query
runs under a deadline that, when it passes, shuts the connection's socket down; the blocked
read returns at once, the query fails as a lost connection, and the connection is discarded.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from .config import Config
from .deadline import Deadline, DeadlinePassed
from .errors import DependencyUnavailable, OutcomeUnknown, is_connection_error

log = logging.getLogger(__name__)

ServedBy = Literal["replica", "primary"]
# Why a read went where it went; a metric label, so a user can see the fallbacks happen.
ReadReason = Literal["replica", "replica-behind", "replica-down"]
Rows = list[dict[str, Any]]
Query = Callable[..., Rows]
# A session's last-write position while that write's outcome or position is not known yet.
WRITE_PENDING = "pending"
T = TypeVar("T")

# The lag query every Postgres monitoring guide uses.
LAG_SQL = """SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS seconds"""
# After a replica connection failure, reads skip it this long instead of each paying its timeout.
REPLICA_RETRY_SECONDS = 2.0


class QueryDeadline(psycopg.OperationalError):
    """The server did not answer within the deadline; the connection was cut."""


@contextmanager
def cut_after(conn: psycopg.Connection, seconds: float) -> Iterator[None]:
    lock = threading.Lock()
    state = {"done": False, "expired": False}
    fd = conn.pgconn.socket

    def expire() -> None:
        with lock:
            if state["done"]:
                return
            state["expired"] = True
        try:
            # shutdown() on a duplicate acts on the shared socket: the thread blocked on it
            # wakes with end-of-file. Closing the duplicate leaves libpq's descriptor valid.
            with socket.socket(fileno=os.dup(fd)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except psycopg.Error as err:
        if state["expired"]:
            raise QueryDeadline(f"no answer within {seconds * 1000:.0f} ms") from err
        raise
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
        if state["expired"]:
            conn.close()  # the pool discards a closed connection


def _went_away(conn: psycopg.Connection) -> bool:
    """True for an idle connection whose server has closed it (restart, fast shutdown).

    An idle connection has nothing to read unless the server said goodbye (an error message, then
    end-of-file). Checked without waiting, so a frozen server costs nothing here.
    """
    if conn.closed or conn.broken:
        return True
    readable, _, _ = select.select([conn.pgconn.socket], [], [], 0)
    return bool(readable)


@contextmanager
def borrow(pool: ConnectionPool, timeout: float) -> Iterator[psycopg.Connection]:
    """A live connection from the pool within `timeout` seconds, or PoolTimeout.

    Connections the server closed while idle are thrown away here, all at once, rather than
    each costing a request its error (a restarted primary leaves a whole pool of them).
    """
    give_up = time.monotonic() + timeout
    while True:
        conn = pool.getconn(timeout=max(give_up - time.monotonic(), 0.001))
        if not _went_away(conn):
            break
        conn.close()
        pool.putconn(conn)
    try:
        yield conn
    finally:
        pool.putconn(conn)


def make_pool(config: Config, role: str, host: str, port: int) -> ConnectionPool:
    pool = ConnectionPool(
        kwargs={
            "host": host,
            "port": port,
            "dbname": config.pg_database,
            "user": config.pg_user,
            "password": config.pg_password,
            "application_name": f"lb-lab {config.replica_id} {role}",
            # A background connect to a frozen server waits at most this (libpq's minimum is 2 s;
            # requests never wait for it: they wait for the pool, within their own budget).
            "connect_timeout": 2,
            # Server side: the same bound on the work itself.
            "options": f"-c statement_timeout={config.pg_query_timeout_ms}",
            "autocommit": True,
            "row_factory": dict_row,
        },
        # Created on demand, so a replica starts while Postgres is down and /ready says why.
        min_size=0,
        max_size=config.pg_pool_max,
        name=role,
        open=False,
        # A pool that cannot connect keeps trying (with backoff) for as long as it is needed.
        reconnect_timeout=0,
    )
    pool.open(wait=False)
    return pool


def warm_pool(pool: ConnectionPool, count: int, timeout: float) -> int:
    """Opens up to `count` connections of `pool` and hands them back idle, one at a time (a busy
    Postgres is not sent a burst of backends to fork and authenticate), as the TypeScript
    replica's pool-warmup.ts. Stops after two failures in a row: a server that is down or frozen
    delays the worker's start by two `timeout`s at most; the pool connects on demand later.
    Returns how many it opened."""
    conns: list[psycopg.Connection] = []
    failures = 0
    try:
        while len(conns) < count and failures < 2:
            try:
                conns.append(pool.getconn(timeout=timeout))
                failures = 0
            except PoolTimeout:
                failures += 1
    finally:
        for conn in conns:
            pool.putconn(conn)
    return len(conns)


class Db:
    def __init__(
        self,
        config: Config,
        primary: ConnectionPool,
        replica: ConnectionPool,
        on_read: Callable[[ServedBy, ReadReason], None],
    ):
        self.primary = primary
        self.replica = replica
        self._wait = config.dependency_timeout
        self._query_seconds = config.pg_query_timeout_ms / 1000
        self._on_read = on_read
        self._skip_replica_until = 0.0

    @contextmanager
    def _query(self, pool: ConnectionPool, deadline: Deadline) -> Iterator[Query]:
        """A function running one statement on a connection of `pool`, each within the deadline."""
        with borrow(pool, deadline.clamp(self._wait)) as conn:

            def query(sql: str, params: tuple[Any, ...] = ()) -> Rows:
                with cut_after(conn, deadline.clamp(self._query_seconds)):
                    cursor = conn.execute(sql, params)
                    return cursor.fetchall() if cursor.description else []

            try:
                yield query
            except BaseException:
                # A transaction left open on it is rolled back by the server; the pool discards a
                # closed connection.
                conn.close()
                raise

    def _run(
        self, pool: ConnectionPool, deadline: Deadline, sql: str, params: tuple[Any, ...], min_lsn: str | None = None
    ) -> Rows | None:
        """Rows, or None when `min_lsn` is given and the server has not replayed that far yet."""
        with self._query(pool, deadline) as query:
            if min_lsn:
                row = query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn AS caught_up", (min_lsn,))
                if not row or row[0]["caught_up"] is not True:
                    return None
            return query(sql, params)

    def write(self, deadline: Deadline, work: Callable[[Query], T]) -> tuple[T, str | None]:
        """Runs `work` in one transaction on the primary and commits it.

        Raises DependencyUnavailable (a 503) only when nothing was committed, and OutcomeUnknown
        (a 504) when the COMMIT was sent and its answer never came. Returns work's result and
        the primary's WAL position after the commit (None if that could not be read).
        """
        phase = "open"
        try:
            with self._query(self.primary, deadline) as query:
                query("BEGIN")
                result = work(query)
                # Nothing is committed before COMMIT: a failure up to here, including the deadline
                # passing (clamp raises DeadlinePassed before sending), means "not written".
                phase = "committing"
                query("COMMIT")
                phase = "committed"
                # Not knowing the position does not undo the write: the caller keeps reads on
                # the primary instead.
                try:
                    lsn: str | None = query("SELECT pg_current_wal_flush_lsn()::text AS lsn")[0]["lsn"]
                except psycopg.Error:
                    lsn = None
                return result, lsn
        except Exception as err:
            if not is_connection_error(err):
                raise
            if phase == "committing" and not isinstance(err, DeadlinePassed):
                raise OutcomeUnknown("postgres primary") from err
            raise DependencyUnavailable("postgres primary") from err

    def read(
        self, deadline: Deadline, sql: str, params: tuple[Any, ...], min_lsn: str | None = None
    ) -> tuple[Rows, ServedBy]:
        """Reads on the replica when it has replayed `min_lsn` and answers; otherwise the primary
        (always, while the session's last write is WRITE_PENDING)."""

        def try_replica() -> Rows | Literal["behind", "down"]:
            if min_lsn == WRITE_PENDING:
                return "behind"
            try:
                rows = self._run(self.replica, deadline, sql, params, min_lsn)
            except Exception as err:
                if not is_connection_error(err):
                    raise
                log.warning("postgres replica unavailable: %s", err)
                self._skip_replica_until = time.monotonic() + REPLICA_RETRY_SECONDS
                return "down"
            return "behind" if rows is None else rows

        skipping = time.monotonic() < self._skip_replica_until
        first = "down" if skipping else try_replica()
        if isinstance(first, list):
            self._on_read("replica", "replica")
            return first, "replica"
        try:
            rows = self._run(self.primary, deadline, sql, params) or []
        except Exception as err:
            if not is_connection_error(err):
                raise
            # The primary is down too: a replica we were skipping may be back, so ask it once
            # more rather than fail a read it could answer (if the deadline leaves time for it).
            last = try_replica() if skipping and deadline.left() > 0 else first
            if isinstance(last, list):
                self._on_read("replica", "replica")
                return last, "replica"
            raise DependencyUnavailable("postgres primary") from err
        self._on_read("primary", "replica-behind" if first == "behind" else "replica-down")
        return rows, "primary"

    def replica_lag(self) -> float | None:
        """Seconds the replica is behind (0 when it has replayed all it received); None when down."""
        try:
            rows = self._run(self.replica, Deadline(self._wait + self._query_seconds), LAG_SQL, ())
        except Exception:
            return None
        seconds = rows[0]["seconds"] if rows else None
        return None if seconds is None else float(seconds)

    def warm(self, count: int) -> dict[str, int]:
        """Fills both pools with up to `count` connections each, side by side."""
        opened = {"primary": 0, "standby": 0}

        def fill(name: str, pool: ConnectionPool) -> None:
            opened[name] = warm_pool(pool, count, self._wait)

        standby = threading.Thread(target=fill, args=("standby", self.replica), name="warm-standby")
        standby.start()
        fill("primary", self.primary)
        standby.join()
        return opened

    def close(self) -> None:
        for pool in (self.primary, self.replica):
            pool.close(timeout=self._wait)
