"""The routes every replica answers, and the header on every response."""


def test_health_checks_nothing_and_ready_checks_redis_and_the_primary(client):
    assert client.get("/health").json == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "checks": {"redis": "ok", "postgres": "ok"}}


def test_every_response_names_the_replica_errors_included(client):
    for path in ("/health", "/api/whoami", "/api/work?ms=nope", "/no/such/route"):
        assert client.get(path).headers["X-Replica"] == "pytest", path


def test_an_unknown_route_or_method_is_a_json_404(client):
    for response in (client.get("/nope?x=1"), client.delete("/api/visits")):
        assert response.status_code == 404
        assert response.json["error"] == "Not Found"
    assert client.get("/nope?x=1").json["message"] == "no route GET /nope?x=1"


def test_whoami_trusts_forwarded_headers_from_the_proxy_only(client):
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    from_proxy = client.get("/api/whoami", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    from_elsewhere = client.get("/api/whoami", headers=forwarded, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert from_proxy.json["clientIp"] == "203.0.113.7"
    assert from_elsewhere.json["clientIp"] == "198.51.100.9"
    assert set(from_proxy.json) == {"replica", "pid", "uptimeSeconds", "clientIp"}


def test_work_rejects_bad_input_with_json_400s(client):
    for query in ("", "?ms=abc", "?ms=5&x=1", "?ms=5000", "?ms=5&cpu=5", "?cpu=5000", "?cpu=-1"):
        response = client.get(f"/api/work{query}")
        assert response.status_code == 400, query
        assert set(response.json) == {"error", "message"}
