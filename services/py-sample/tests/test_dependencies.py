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


def test_frozen_redis_session_routes_503_within_a_second_health_stays_200(client):
    client.post("/api/visits")
    with paused("redis"):
        during, seconds = timed(lambda: client.post("/api/visits"))
        health = client.get("/health")
        ready = client.get("/ready")
    assert during.status_code == 503
    assert during.json == {"error": "Service Unavailable", "message": "session store unavailable"}
    assert seconds < 1.5, f"took {seconds:.2f} s"
    assert health.status_code == 200
    assert ready.status_code == 503 and ready.json["checks"]["redis"].startswith("down")
    assert client.post("/api/visits").status_code == 200


def test_frozen_primary_writes_503_within_the_query_budget_reads_use_the_replica(client):
    client.post("/api/notes", json={"text": "before the freeze"})  # a pooled connection to freeze
    with paused("pg-primary"):
        write, seconds = timed(lambda: client.post("/api/notes", json={"text": "while frozen"}))
        read = client.get("/api/notes?limit=1")
    assert write.status_code == 503
    assert write.json["message"] == "postgres primary unavailable"
    # The pooled connection's query is cut at PG_QUERY_TIMEOUT_MS (1 s); a new one would wait
    # DEPENDENCY_TIMEOUT_MS for the pool. Either way, well under nginx's 2 s read timeout.
    assert seconds < 1.6, f"took {seconds:.2f} s"
    assert read.status_code == 200 and read.json["servedBy"] == "replica"
    # The connection cut by the deadline was discarded: the next write gets a fresh one.
    assert client.post("/api/notes", json={"text": "after the freeze"}).status_code == 201
