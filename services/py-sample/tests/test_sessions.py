"""Sessions live in Redis (Flask-Session), so any replica reads what another wrote."""

import pytest


def test_a_session_started_on_one_replica_is_read_unchanged_on_another(make_app):
    first, second = make_app(REPLICA_ID="py-a"), make_app(REPLICA_ID="py-b")
    browser = first.test_client()
    browser.post("/api/visits")
    assert browser.post("/api/visits").json["visits"] == 2

    cookie = browser.get_cookie("lab_py_sid")
    other = second.test_client()
    other.set_cookie(cookie.key, cookie.value)
    assert other.get("/api/visits").json == {"visits": 2, "replica": "py-b", "replicasSeen": ["py-a"]}


def test_the_cookie_is_scoped_to_the_prefix_nginx_serves_the_app_under(client):
    through_nginx = client.post("/api/visits", headers={"X-Forwarded-Prefix": "/py", "X-Forwarded-Proto": "https"})
    cookie = through_nginx.headers["Set-Cookie"]
    assert "Path=/py/" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    # Called directly (no prefix from a proxy), the new session's cookie is for the whole site.
    direct = client.post("/api/visits")
    assert "Path=/;" in direct.headers["Set-Cookie"]


def test_an_idempotency_key_counts_a_retried_post_once(client):
    client.post("/api/visits")
    first = client.post("/api/visits", headers={"Idempotency-Key": "retry-test-0001"})
    retried = client.post("/api/visits", headers={"Idempotency-Key": "retry-test-0001"})
    assert first.json["visits"] == retried.json["visits"] == 2
    assert client.post("/api/visits", headers={"Idempotency-Key": "bad key!"}).status_code == 400


def test_a_forged_cookie_is_a_400_that_clears_it(client):
    client.set_cookie("lab_py_sid", "forged.signature")
    response = client.get("/api/visits")
    assert response.status_code == 400
    assert response.json == {"error": "Bad Request", "message": "invalid session cookie"}
    assert "lab_py_sid=;" in response.headers["Set-Cookie"]


def test_routes_without_a_session_ignore_the_cookie(client):
    client.set_cookie("lab_py_sid", "forged.signature")
    assert client.get("/api/whoami").status_code == 200


@pytest.mark.parametrize("count", [40])
def test_concurrent_increments_of_one_session_lose_none(make_app, count):
    from concurrent.futures import ThreadPoolExecutor

    replicas = [make_app(REPLICA_ID=f"py-{n}") for n in range(3)]
    starter = replicas[0].test_client()
    starter.post("/api/visits")
    cookie = starter.get_cookie("lab_py_sid")

    def increment(n: int) -> int:
        browser = replicas[n % 3].test_client()
        browser.set_cookie(cookie.key, cookie.value)
        return browser.post("/api/visits").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(increment, range(count)))
    assert statuses == [200] * count
    assert starter.get("/api/visits").json["visits"] == count + 1
