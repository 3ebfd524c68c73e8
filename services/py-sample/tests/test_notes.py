"""Notes: writes on the primary, reads from the replica once it has replayed the writer's write."""

import psycopg
import pytest


@pytest.fixture
def count_notes(config):
    def count() -> int:
        with psycopg.connect(
            host=config.pg_primary_host,
            port=config.pg_primary_port,
            dbname=config.pg_database,
            user=config.pg_user,
            password=config.pg_password,
        ) as conn:
            return conn.execute("SELECT count(*) FROM notes").fetchone()[0]

    return count


def test_read_your_writes_every_note_is_read_back_at_once(client):
    served = {"replica": 0, "primary": 0}
    for i in range(100):
        written = client.post("/api/notes", json={"text": f"py ryw {i}"})
        assert written.status_code == 201
        assert written.json["replica"] == "pytest"
        read = client.get(f"/api/notes/{written.json['id']}")
        assert read.status_code == 200
        assert read.json["note"]["text"] == f"py ryw {i}"
        served[read.json["servedBy"]] += 1
    # The writer's cookie (its write's position) let most reads go to the replica; none read a
    # stale one (the e2e suite holds both replicas to 80% through nginx).
    assert served["replica"] > 0, served


def test_a_write_makes_no_session_only_a_signed_cookie_with_its_position(client, config):
    written = client.post("/api/notes", json={"text": "no session"})
    assert written.status_code == 201
    cookies = written.headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in cookies] == ["lab_py_sid_rw"]
    assert f"Max-Age={config.read_your_writes_seconds}" in cookies[0] and "HttpOnly" in cookies[0]


def test_a_reader_ahead_of_the_standby_reads_the_primary_and_a_forged_position_is_dropped(client, config):
    from itsdangerous import Signer

    ahead = Signer(config.session_secret, salt="read-your-writes").sign(b"FFFFFFFF/FFFFFFFF").decode()
    client.set_cookie("lab_py_sid_rw", ahead)
    assert client.get("/api/notes?limit=1").json["servedBy"] == "primary"
    client.set_cookie("lab_py_sid_rw", "FFFFFFFF/FFFFFFFF")
    forged = client.get("/api/notes?limit=1")
    assert forged.status_code == 200
    assert "lab_py_sid_rw=;" in forged.headers["Set-Cookie"]


def test_a_note_has_the_typescript_replicas_shape(client):
    note_id = client.post("/api/notes", json={"text": "shape"}).json["id"]
    body = client.get(f"/api/notes/{note_id}").json
    assert set(body) == {"note", "servedBy", "replica"}
    assert set(body["note"]) == {"id", "text", "writtenBy", "createdAt", "image"}
    assert body["note"]["createdAt"].endswith("Z") and len(body["note"]["createdAt"]) == 24
    recent = client.get("/api/notes?limit=1").json
    assert recent["notes"][0]["id"] == note_id


BAD_WRITES = [
    ({"json": {"text": ""}}, 400),
    ({"json": {"text": "x" * 1001}}, 400),
    ({"json": {"text": "   "}}, 400),
    ({"json": {"text": 42}}, 400),
    ({"json": {"text": "a", "extra": 1}}, 400),
    ({"json": ["a"]}, 400),
    ({"data": '{"text": "a",', "content_type": "application/json"}, 400),
    ({"data": "a note", "content_type": "text/plain"}, 415),
    ({}, 400),
]


@pytest.mark.parametrize(("request_args", "status"), BAD_WRITES)
def test_bad_input_gets_a_json_4xx_and_writes_nothing(client, count_notes, request_args, status):
    before = count_notes()
    response = client.post("/api/notes", **request_args)
    assert response.status_code == status
    assert set(response.json) == {"error", "message"}
    assert count_notes() == before


def test_bad_ids_and_limits_are_400_and_unknown_ids_404(client):
    assert client.get("/api/notes/0").status_code == 400
    assert client.get("/api/notes/abc").status_code == 400
    assert client.get("/api/notes?limit=101").status_code == 400
    assert client.get("/api/notes?other=1").status_code == 400
    assert client.get("/api/notes/987654321098").status_code == 404
