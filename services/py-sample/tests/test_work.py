"""/api/work: a fixed number of slots per replica, the rest wait (queuedMs)."""

from concurrent.futures import ThreadPoolExecutor


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
