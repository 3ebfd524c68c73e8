"""/api/work: a fixed number of slots per replica, as many requests waiting (queuedMs), the rest shed."""

import time
from concurrent.futures import ThreadPoolExecutor


def test_cpu_burns_cpu_time_of_its_thread(client):
    before = time.thread_time()
    response = client.get("/api/work?cpu=30")
    assert response.status_code == 200
    assert response.json["cpu"] == 30
    # The test client runs the request in this thread: its CPU time is what the route spent.
    assert time.thread_time() - before >= 0.03


def test_requests_beyond_the_concurrency_wait_for_a_slot(make_app):
    app = make_app(WORK_CONCURRENCY="2")

    def work(_: int) -> dict:
        return app.test_client().get("/api/work?ms=200").json

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(4)))
    waits = sorted(result["queuedMs"] for result in results)
    # Two ran at once; the other two waited about one round (200 ms) for a slot.
    assert max(waits[:2]) < 50, waits
    assert min(waits[2:]) >= 150, waits


def test_past_the_queue_requests_are_shed_at_once_with_503_and_retry_after(make_app):
    app = make_app(WORK_CONCURRENCY="2")

    def work(_: int):
        started = time.perf_counter()
        response = app.test_client().get("/api/work?ms=300")
        return response, time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(work, range(6)))
    # Two run, two wait for them, two are turned away at once (the TypeScript replica's rule).
    assert sorted(r.status_code for r, _ in results) == [200, 200, 200, 200, 503, 503]
    for response, seconds in results:
        if response.status_code == 503:
            assert seconds < 0.1, seconds
            assert response.headers["Retry-After"] == "1"
            assert response.json == {
                "error": "Service Unavailable",
                "message": "overloaded: 2 already waiting; retry later",
            }


def test_a_request_without_a_slot_within_the_queue_timeout_is_shed(make_app):
    app = make_app(WORK_CONCURRENCY="1", WORK_QUEUE_TIMEOUT_MS="100")
    with ThreadPoolExecutor(max_workers=1) as pool:
        busy = pool.submit(lambda: app.test_client().get("/api/work?ms=400"))
        time.sleep(0.05)
        started = time.perf_counter()
        waited = app.test_client().get("/api/work?ms=10")
        seconds = time.perf_counter() - started
        assert busy.result().status_code == 200
    assert waited.status_code == 503
    assert waited.json["message"] == "overloaded: no slot within 100 ms; retry later"
    assert 0.09 <= seconds < 0.3, seconds
    # Nothing of the shed request stayed in the queue: the slot is free again.
    assert app.test_client().get("/api/work?ms=10").status_code == 200
