"""A frozen dependency costs a request a bounded time and a clear 503, never a hang.

These freeze the lab's real Redis and primary (SIGSTOP, as `make pause` does) for a moment.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from conftest import lab


@contextmanager
def paused(service: str) -> Iterator[None]:
    lab("pause", service)
    try:
        yield
    finally:
        lab("unpause", service)


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def budget_seconds(config) -> float:
    """The longest a request may take: its deadline plus one last Redis wait, which `make up`
    checks is under nginx's read timeout. Past it nginx would answer 504, not the replica 503."""
    return (config.request_deadline_ms + config.dependency_timeout_ms) / 1000


def test_frozen_redis_session_routes_503_within_the_budget_health_stays_200(client, config):
    client.post("/api/visits")
    with paused("redis"):
        during, seconds = timed(lambda: client.post("/api/visits"))
        health = client.get("/health")
        ready = client.get("/ready")
    assert during.status_code == 503
    assert during.json == {"error": "Service Unavailable", "message": "session store unavailable"}
    assert seconds < budget_seconds(config), f"took {seconds:.2f} s"
    assert health.status_code == 200
    assert ready.status_code == 503 and ready.json["checks"]["redis"].startswith("down")
    assert client.post("/api/visits").status_code == 200


def test_frozen_primary_writes_503_within_the_budget_reads_use_the_replica(client, config):
    client.post("/api/notes", json={"text": "before the freeze"})  # a pooled connection to freeze
    with paused("pg-primary"):
        write, seconds = timed(lambda: client.post("/api/notes", json={"text": "while frozen"}))
        read = client.get("/api/notes?limit=1")
    assert write.status_code == 503
    assert write.json["message"] == "postgres primary unavailable"
    # The pooled connection's query is cut by the request's deadline; a new one would wait
    # DEPENDENCY_TIMEOUT_MS for the pool. Either way, within the budget.
    assert seconds < budget_seconds(config), f"took {seconds:.2f} s"
    assert read.status_code == 200 and read.json["servedBy"] == "replica"
    # The connection cut by the deadline was discarded: the next write gets a fresh one.
    assert client.post("/api/notes", json={"text": "after the freeze"}).status_code == 201


def test_a_worker_fills_its_pools_before_serving_and_gives_up_on_a_frozen_server(make_app):
    # A fresh worker's pools, filled as Gunicorn's post_worker_init does.
    app = make_app(REPLICA_ID="pytest-warm")
    db = app.extensions["lbsample"].db
    opened = db.warm(3)
    assert opened == {"primary": 3, "standby": 3}
    for pool in (db.primary, db.replica):
        stats = pool.get_stats()
        assert stats["pool_size"] == 3 and stats["pool_available"] == 3

    # With the primary frozen, a new worker still starts: two connects missed, then on demand.
    other = make_app(REPLICA_ID="pytest-warm-frozen")
    with paused("pg-primary"):
        opened, seconds = timed(lambda: other.extensions["lbsample"].db.warm(3))
    assert opened == {"primary": 0, "standby": 3}
    assert seconds < 3 * other.extensions["lbsample"].config.dependency_timeout, f"took {seconds:.2f} s"
