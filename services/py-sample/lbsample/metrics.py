"""Prometheus metrics with the TypeScript replica's names, labels and buckets, so the same
recording rules, alerts and dashboards serve both (services/app/src/plugins/core/metrics.ts).

Under Gunicorn every worker is a process of its own. With PROMETHEUS_MULTIPROC_DIR set (the
Gunicorn config sets it, and cleans the folder at start), each worker writes its values to
files there and GET /metrics, whichever worker answers, adds up all of them. Without it (tests,
`flask run`) the values stay in the process.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# No *_created series: the TypeScript replica has none, and the names should be the same.
disable_created_metrics()

# Not registered anywhere: in multiprocess mode the values live in files, and collect() below
# decides where they are read from.
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request, by route template, method and status code.",
    ["method", "route", "status_code"],
    buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registry=None,
)
DB_READS = Counter(
    "db_reads",
    "Reads by the server that answered (served_by) and why (reason).",
    ["served_by", "reason"],
    registry=None,
)
SESSION_STORE_ERRORS = Counter(
    "session_store_errors",
    "Session store (Redis) operations that failed.",
    ["operation"],
    registry=None,
)
# livesum: the replica's value is the sum over its live worker processes.
POOL_CONNECTIONS = Gauge(
    "pg_pool_connections",
    "Connections of each pool by state: total, idle, waiting (requests queued for one).",
    ["pool", "state"],
    registry=None,
    multiprocess_mode="livesum",
)
WORK_IN_FLIGHT = Gauge(
    "work_in_flight",
    "Simulated work running now (at most WORK_CONCURRENCY).",
    registry=None,
    multiprocess_mode="livesum",
)
WORK_QUEUED = Gauge(
    "work_queued",
    "Requests waiting for a work slot.",
    registry=None,
    multiprocess_mode="livesum",
)
WORK_SHED = Counter(
    "work_shed_total",
    "Requests for work turned away with a 503: queue full, or no slot within WORK_QUEUE_TIMEOUT_MS.",
    registry=None,
)
FAULT_ERRORS = Counter(
    "lab_fault_errors",
    "Requests answered with an injected error (make fault errors=...).",
    ["status_code"],
    registry=None,
)
OBJECTSTORE_SECONDS = Histogram(
    "objectstore_request_duration_seconds",
    "Time for a call to the object store, by operation and outcome (ok, error).",
    ["operation", "outcome"],
    buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registry=None,
)
OWN_METRICS = (
    REQUEST_DURATION,
    OBJECTSTORE_SECONDS,
    DB_READS,
    SESSION_STORE_ERRORS,
    POOL_CONNECTIONS,
    WORK_IN_FLIGHT,
    WORK_QUEUED,
    WORK_SHED,
    FAULT_ERRORS,
)

# Series exist from the start at 0, so dashboards and alerts see "no errors", not "no data".
for _served_by, _reason in (("replica", "replica"), ("primary", "replica-behind"), ("primary", "replica-down")):
    DB_READS.labels(_served_by, _reason)
for _operation in ("get", "set", "visits", "ping"):
    SESSION_STORE_ERRORS.labels(_operation)
for _outcome in ("ok", "error"):
    OBJECTSTORE_SECONDS.labels("put", _outcome)


class _InProcess(Collector):
    def collect(self) -> Iterable[Metric]:
        for metric in OWN_METRICS:
            yield from metric.collect()


class _Live(Collector):
    """A gauge read when scraped (the replica's lag), by whichever worker answers the scrape."""

    def __init__(self, name: str, documentation: str, read: Callable[[], float | None]):
        self._name, self._documentation, self._read = name, documentation, read

    def collect(self) -> Iterable[Metric]:
        value = self._read()
        if value is not None:  # absent while its source does not answer
            yield GaugeMetricFamily(self._name, self._documentation, value=value)


class _FaultsActive(Collector):
    """lab_fault_active{fault}: 1 for each kind of fault set on the replica (shared by all workers)."""

    def __init__(self, active: Callable[[], list[str]], kinds: Iterable[str]):
        self._active, self._kinds = active, tuple(kinds)

    def collect(self) -> Iterable[Metric]:
        help_text = "Faults set on this replica with make fault: 1 while a kind is active."
        family = GaugeMetricFamily("lab_fault_active", help_text, labels=["fault"])
        active = self._active()
        for kind in self._kinds:
            family.add_metric([kind], 1 if kind in active else 0)
        yield family


class _Labelled(Collector):
    """Adds `replica` to every sample, as the TypeScript replica's registry does by default."""

    def __init__(self, replica: str, inner: Iterable[Collector]):
        self._replica, self._inner = replica, list(inner)

    def collect(self) -> Iterable[Metric]:
        for collector in self._inner:
            for metric in collector.collect():
                metric.samples = [
                    sample._replace(labels={**sample.labels, "replica": self._replica}) for sample in metric.samples
                ]
                yield metric


def exposition(
    replica: str,
    replica_lag: Callable[[], float | None],
    faults_active: Callable[[], list[str]],
    fault_kinds: Iterable[str],
) -> bytes:
    """The text GET /metrics answers."""
    sources: list[Collector] = [
        _Live("pg_replica_lag_seconds", "Replication lag as the replica sees it.", replica_lag),
        _FaultsActive(faults_active, fault_kinds),
    ]
    if MULTIPROCESS:
        files = CollectorRegistry()
        MultiProcessCollector(files)
        sources.append(files)
    else:
        sources.append(_InProcess())
    registry = CollectorRegistry()
    registry.register(_Labelled(replica, sources))
    return generate_latest(registry)


# Werkzeug's <id> and <int:id> placeholders.
_PLACEHOLDER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


def route_template(rule: str | None) -> str:
    """Flask's /api/notes/<id> as the TypeScript replica names it (/api/notes/:id)."""
    return "unmatched" if rule is None else _PLACEHOLDER.sub(r":\1", rule)


ROUTE_KEY = "lbsample.route"


class RequestMetrics:
    """WSGI middleware: times every response, session saves included, with its final status."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        self._app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def recording_start_response(status_line: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(status_line.split(" ", 1)[0])
            return start_response(status_line, headers, exc_info)

        result = self._app(environ, recording_start_response)
        REQUEST_DURATION.labels(
            environ.get("REQUEST_METHOD", "GET"),
            environ.get(ROUTE_KEY, "unmatched"),
            status[-1] if status else "500",
        ).observe(time.perf_counter() - started)
        return result
