"""The replica as the lab runs it: Gunicorn with gunicorn.conf.py, several worker processes."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


@pytest.fixture
def gunicorn(lab_env, tmp_path):
    port = free_port()
    env = {
        **lab_env,
        "PORT": str(port),
        "REPLICA_ID": "py-gunicorn",
        "GUNICORN_WORKERS": "3",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "PATH": os.environ["PATH"],
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=SAMPLE,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if get(f"{base}/ready", timeout=1)[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail((tmp_path / "gunicorn.log").read_text())
    yield process, base, tmp_path / "metrics"
    if process.poll() is None:
        process.kill()
        process.wait()


def test_metrics_add_up_every_workers_requests(gunicorn):
    _, base, metrics_dir = gunicorn

    def answered_by(_: int) -> int:
        return json.loads(get(f"{base}/api/whoami")[1])["pid"]

    # Until two workers have answered: /ready answered as soon as the first worker was up, and
    # the others may still be starting (a worker that is not up yet accepts nothing).
    pids: set[int] = set()
    sent = 0
    with ThreadPoolExecutor(max_workers=6) as pool:
        while len(pids) < 2 and sent < 900:
            pids.update(pool.map(answered_by, range(30)))
            sent += 30
    assert len(pids) >= 2, f"{sent} requests, all answered by worker {pids}"
    assert len(list(metrics_dir.glob("histogram_*.db"))) >= 2
    _, text = get(f"{base}/metrics")
    count = re.search(
        rb'http_request_duration_seconds_count\{method="GET",replica="py-gunicorn",'
        rb'route="/api/whoami",status_code="200"\} ([0-9.]+)',
        text,
    )
    assert count is not None
    # Whichever worker answered the scrape, it reports every request, all workers' together.
    assert float(count.group(1)) == sent


def test_uptime_is_the_replicas_whichever_worker_answers(gunicorn):
    # The lab tells "the replica restarted" from "it did not" by its uptime (test/e2e's dependency
    # stories); a worker Gunicorn replaces is not a restart of the replica.
    process, base, _ = gunicorn
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")

    def whoami(_: int) -> dict:
        return json.loads(get(f"{base}/api/whoami")[1])

    first = whoami(0)
    while first["uptimeSeconds"] < 1:
        time.sleep(0.2)
        first = whoami(0)
    workers = set(map(int, children.read_text().split()))
    os.kill(first["pid"], signal.SIGKILL)
    replacement = None
    with ThreadPoolExecutor(max_workers=6) as pool:
        for _ in range(30):  # until the worker Gunicorn forks in its place answers
            answers = list(pool.map(whoami, range(30)))
            replacement = next((a for a in answers if a["pid"] not in workers), None)
            if replacement:
                break
            time.sleep(0.1)
    assert replacement, "no new worker answered"
    assert replacement["uptimeSeconds"] >= first["uptimeSeconds"]


def test_sigterm_lets_in_flight_requests_finish_then_exits_cleanly(gunicorn):
    process, base, _ = gunicorn
    with ThreadPoolExecutor(max_workers=3) as pool:
        slow = [pool.submit(get, f"{base}/api/work?ms=800") for _ in range(3)]
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        statuses = [future.result()[0] for future in slow]
    assert statuses == [200, 200, 200]
    assert process.wait(timeout=15) == 0


def exchange(sock: socket.socket, path: str) -> tuple[int, str]:
    """One request on an open socket, kept alive as nginx keeps its connections to a replica."""
    sock.settimeout(5)  # a replica that never answers fails the test, not hangs it
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: replica\r\nConnection: keep-alive\r\n\r\n".encode())

    def more() -> bytes:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the replica closed the connection without a whole answer")
        return chunk

    reply = b""
    while b"\r\n\r\n" not in reply:
        reply += more()
    head, _, body = reply.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)\r\ncontent-length: (\d+)", head).group(1))
    while len(body) < length:
        body += more()
    connection = re.search(rb"(?i)\r\nconnection: ([^\r]*)", head)
    return int(head.split(b" ")[1]), connection.group(1).decode().lower() if connection else ""


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except ConnectionRefusedError:
        return True


def test_sigterm_refuses_new_connections_and_answers_on_open_ones_with_connection_close(gunicorn):
    # What makes a rollout lose nothing without reloading nginx: a refused connection is one
    # nginx retries elsewhere whatever the method; a request on a connection nginx already had
    # open is served, not cut off; the connection is left for nginx to close.
    process, base, _ = gunicorn
    port = int(base.rsplit(":", 1)[1])
    kept = socket.create_connection(("127.0.0.1", port))
    assert exchange(kept, "/health") == (200, "keep-alive")
    process.send_signal(signal.SIGTERM)
    for _ in range(100):
        if refused(port):
            break
        time.sleep(0.02)
    assert refused(port), "a new connection was still accepted"
    assert exchange(kept, "/health") == (200, "close")
    kept.close()
    assert process.wait(timeout=15) == 0
