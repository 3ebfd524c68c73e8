"""Gunicorn's configuration for the Python replica: every setting here, none as flags in scripts.

    gunicorn -c gunicorn.conf.py        (the lab and the Dockerfile run exactly this)

Read top to bottom: each choice says why. The replica's own settings come from the same
environment variables as the TypeScript replica's (lbsample/config.py), checked here, in the
master, before any worker starts.
"""

import errno
import multiprocessing
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

# The master imports only what needs no client and no metric: prometheus_client is first
# imported by the workers, with PROMETHEUS_MULTIPROC_DIR set (it decides the mode on import).
from lbsample import shared
from lbsample.config import ConfigError, load_config
from lbsample.logs import JsonAccessLogger

METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if not METRICS_DIR:
    sys.exit("py-sample: PROMETHEUS_MULTIPROC_DIR must name a folder for the workers' metric files")
try:
    # Docker mode's scaled replicas leave REPLICA_ID unset: their container's name is theirs.
    # Set here, in the master, so every worker and its logs carry the same name.
    if not os.environ.get("REPLICA_ID"):
        from lbsample import replica_name

        os.environ["REPLICA_ID"] = replica_name.from_dns()
    # Not named `config`: Gunicorn reads every top-level name here that is one of its settings.
    replica = load_config()
except ConfigError as err:
    sys.exit(f"py-sample: {err}")

wsgi_app = "lbsample.wsgi:application"
bind = [f"{replica.host}:{replica.port}"]

# Workers and worker class. The work is I/O-bound (Redis, Postgres, /api/work's sleep), so
# threads: gthread keeps a connection per thread without the monkey-patching gevent would need
# for psycopg and redis-py. Two processes rather than one: a worker that wedges or is recycled
# leaves the other serving, and whatever needs the CPU gets both cores. Concurrency per replica:
# workers x threads requests in flight; further connections wait in the listen backlog.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# A request waiting for a work slot holds a thread, and every other request (a shed 503, /health,
# /api/whoami) needs one too. With no thread left beyond the work slots and the waiters, overload
# queues everything inside Gunicorn, past nginx's read timeout: 502s, replicas out of rotation
# (measured: 4,267 of 7,000 requests at 5x capacity with 2 x 8 threads, none with 2 x 16).
if workers * threads <= 2 * replica.work_concurrency:
    sys.exit(
        f"py-sample: GUNICORN_WORKERS x GUNICORN_THREADS ({workers * threads}) must exceed twice "
        f"WORK_CONCURRENCY ({replica.work_concurrency}: the work slots and as many waiters)"
    )

# No --preload: each worker imports the app and opens its own pools and Redis client after the
# fork. Preloading would save some memory, but sockets and the pool's threads do not survive a
# fork, and every client would have to be created lazily to be safe. The only thing the workers
# share, the /api/work semaphore, is made in on_starting below.
preload_app = False

# Timeouts. A worker that misses its heartbeat this long is killed and replaced (gthread beats
# from its main loop, so a slow request does not count, a wedged process does).
timeout = 30
# SIGTERM: drain for SHUTDOWN_DELAY_MS, then in-flight requests get SHUTDOWN_TIMEOUT_MS.
graceful_timeout = max(1, -(-(replica.shutdown_delay_ms + replica.shutdown_timeout_ms) // 1000))
# Longer than nginx's upstream keepalive_timeout (UPSTREAM_KEEPALIVE_TIMEOUT): the proxy, not the
# replica, closes idle connections, so nginx never reuses a socket the replica is closing.
keepalive = 65

# At least what nginx lets through (its large_client_header_buffers, and njs/edge.js's 64 fields
# plus the 7 it adds), so that nginx, not Gunicorn's HTML error page, refuses what is too large:
# a request line of up to 8 KiB (Gunicorn's default is 4 KiB), 100 fields of 8 KiB each.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# X-Forwarded-Proto (and Gunicorn's other forwarded headers) only from the proxy. The app applies
# X-Forwarded-For and -Prefix under the same rule (lbsample/proxy.py).
forwarded_allow_ips = ",".join(replica.trust_proxy)

# Logs: JSON lines on stderr (errors) and stdout (access), like the TypeScript replica's.
logger_class = JsonAccessLogger
accesslog = "-"
errorlog = "-"
loglevel = {"fatal": "critical", "warn": "warning", "trace": "debug", "silent": "critical"}.get(
    replica.log_level, replica.log_level
)
proc_name = f"lb-lab {replica.replica_id}"
# Gunicorn 25+ opens a control socket at one path per user; three replicas would fight over it.
control_socket_disable = True
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None


def on_starting(server):
    # The heavy libraries imported once, here, for every worker to inherit: Gunicorn's master
    # listens before its workers have booted, and a request nginx sends a restarted replica
    # meanwhile waits for one (past nginx's read timeout, a POST is lost: it happened in a
    # rollout under load once boto3 was added). Modules only: no client, pool or connection
    # exists before the fork (lbsample/media/store.py builds its S3 client after it too).
    import boto3  # noqa: F401
    import flask  # noqa: F401
    import psycopg  # noqa: F401
    import psycopg_pool  # noqa: F401
    import redis  # noqa: F401

    # A worker's metric files outlive it; a restarted replica starts from zero, as a Node one does.
    metrics_dir = Path(METRICS_DIR)
    if metrics_dir.exists():
        shutil.rmtree(metrics_dir)
    metrics_dir.mkdir(parents=True)
    # One semaphore and one count of waiters for the whole replica, inherited by every worker.
    shared.work_semaphore = multiprocessing.BoundedSemaphore(replica.work_concurrency)
    shared.work_waiting = multiprocessing.Value("i", 0)
    # Empty at every start: a fault never outlives a restart.
    from lbsample.lab.faults import STATE_BYTES

    shared.faults = multiprocessing.Array("c", STATE_BYTES)


class _ClosedListener:
    """A worker's listening socket once it closed its copy: nothing to accept, nothing to close."""

    def accept(self):
        raise BlockingIOError(errno.EWOULDBLOCK, "this worker closed its listener")

    def close(self):
        pass

    def fileno(self):
        return -1


def post_worker_init(worker):
    # Gunicorn's own SIGTERM handler stops at once; drain first (lbsample/lifecycle.py), then
    # close this worker's copy of the listening socket. Gunicorn itself only stops polling it:
    # while any process holds it open, the kernel still completes connections nobody will serve
    # (nginx would send a request there and time out). Closed in the master (Gunicorn does) and
    # in every worker, it refuses them: nginx retries a refused connection elsewhere, whatever
    # the method. The worker then answers what arrives on its open connections with
    # "Connection: close" and keeps idle ones for 2 s, past nginx's UPSTREAM_KEEPALIVE_TIMEOUT:
    # nginx closes them first, so none is closed under a request nginx is sending.
    from lbsample import lifecycle, wsgi

    # A replica starts with PG_POOL_MAX connections per server in all, as a TypeScript one does,
    # split among its workers (each pool still grows to PG_POOL_MAX on demand): filling every
    # worker's pools would hold workers x PG_POOL_MAX of Postgres's 100 connections per replica.
    wsgi.warm_up(-(-replica.pg_pool_max // workers))

    def stop_accepting():  # on the worker's own loop (its method queue), not in a signal handler
        worker.set_accept_enabled(False)
        for listener in worker.sockets:
            # Connections the kernel completed that no worker accepted yet would be reset by the
            # close, with a request nginx may already have sent on them, and nginx does not send a
            # POST again: accepted first (the listener is non-blocking), they are answered as any
            # request on an open connection.
            while True:
                accepted = worker.nr_conns
                worker.accept(listener)
                if worker.nr_conns == accepted:
                    break
            # The poller may have collected a connection event for this listener in the turn
            # that runs this callback, and dispatches it afterwards. Gunicorn's own close leaves
            # nothing to accept on, and that accept raised: the worker died with its kept-alive
            # connections, and a request nginx was sending on one was reset (a 502 for a POST;
            # the sigterm test saw it about one run in ten). So the socket is closed under a
            # stand-in that has nothing to accept.
            opened, listener.sock = listener.sock, _ClosedListener()
            opened.close()
        worker.handle_exit(signal.SIGTERM, None)

    def drain_then_exit(signum, frame):
        lifecycle.start_draining()
        defer = lambda: worker.method_queue.defer(stop_accepting)  # noqa: E731
        threading.Timer(replica.shutdown_delay_ms / 1000, defer).start()

    signal.signal(signal.SIGTERM, drain_then_exit)


def worker_exit(server, worker):
    # Close the pools and the Redis client: Postgres sees the sessions end instead of reset.
    wsgi = sys.modules.get("lbsample.wsgi")
    if wsgi is not None:
        wsgi.shutdown()


def child_exit(server, worker):
    # Its gauges (livesum) stop counting; its counters and histograms stay in the totals.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
