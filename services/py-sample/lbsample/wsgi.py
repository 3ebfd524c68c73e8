"""What Gunicorn serves (gunicorn.conf.py names it): the app, built once per worker process."""

from __future__ import annotations

import sys

from .app import close, create_app, warm
from .config import ConfigError, load_config
from .logs import configure

try:
    config = load_config()
except ConfigError as err:
    # gunicorn.conf.py checks the same in the master first; this guards other servers.
    print(f"py-sample: {err}", file=sys.stderr)
    sys.exit(1)

configure(config.replica_id, config.log_level)
application = create_app(config)


def warm_up(connections: int) -> None:
    warm(application, connections)


def shutdown() -> None:
    close(application)
