"""Metrics: the TypeScript replica's names and labels, so one set of dashboards shows both."""

import re


def samples(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_requests_are_counted_by_route_template_with_the_replica_label(client):
    note_id = client.post("/api/notes", json={"text": "metrics"}).json["id"]
    client.get(f"/api/notes/{note_id}")
    text = samples(client)
    assert re.search(
        r'http_request_duration_seconds_count\{method="GET",replica="pytest",'
        r'route="/api/notes/:id",status_code="200"\} [1-9]',
        text,
    )
    assert 'route="/api/notes/' + str(note_id) not in text


def test_the_series_dashboards_and_alerts_use_exist_from_the_start(client):
    text = samples(client)
    for series in (
        'db_reads_total{reason="replica-down",replica="pytest",served_by="primary"}',
        'session_store_errors_total{operation="get",replica="pytest"}',
        'pg_pool_connections{pool="primary",replica="pytest",state="total"}',
        'work_in_flight{replica="pytest"}',
        'work_shed_total{replica="pytest"}',
        'pg_replica_lag_seconds{replica="pytest"}',
    ):
        assert series in text, series
    assert "_created" not in text
