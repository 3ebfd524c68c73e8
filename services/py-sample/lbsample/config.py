"""Everything the replica reads from its environment, read once at start-up and validated.

The names, defaults and limits are the TypeScript replica's (services/app/src/config.ts): one
replica contract, one set of variables. The lab (native) and compose.yaml (Docker) set them.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import make_dataclass
from typing import Any


class ConfigError(Exception):
    """One message naming every bad or missing variable."""


Parse = Callable[[str], Any]


def _integer(low: int, high: int) -> Parse:
    def parse(raw: str) -> int:
        if not re.fullmatch(r"-?[0-9]+", raw):
            raise ValueError("must be an integer")
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _one_of(*allowed: str) -> Parse:
    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return raw

    return parse


def _text(min_length: int = 1, pattern: str | None = None) -> Parse:
    def parse(raw: str) -> str:
        if len(raw) < min_length:
            raise ValueError(f"must be at least {min_length} characters")
        if pattern and not re.fullmatch(pattern, raw):
            raise ValueError(f"must match {pattern}")
        return raw

    return parse


def _addresses(raw: str) -> tuple[str, ...]:
    entries = tuple(entry.strip() for entry in raw.split(",") if entry.strip())
    if not entries:
        raise ValueError("must list at least one address")
    for entry in entries:
        ipaddress.ip_network(entry, strict=False)  # ValueError names the bad entry
    return entries


PORT = _integer(1, 65535)
REQUIRED = object()

# Variable: (parser, default or REQUIRED). Comments on each are in .env.example.
SPEC: dict[str, tuple[Parse, Any]] = {
    # The stack's one environment switch (named for the TypeScript replica): production
    # refuses the example secrets.
    "NODE_ENV": (_one_of("development", "production", "test"), "development"),
    "HOST": (_text(), "0.0.0.0"),
    "PORT": (PORT, "8000"),
    "REPLICA_ID": (_text(pattern=r"[A-Za-z0-9_.-]{1,64}"), REQUIRED),
    "LOG_LEVEL": (_one_of("fatal", "error", "warn", "info", "debug", "trace", "silent"), "info"),
    # Addresses (IPs or CIDRs) allowed to set X-Forwarded-*: only the proxy.
    "TRUST_PROXY": (_addresses, "127.0.0.1"),
    "SHUTDOWN_DELAY_MS": (_integer(0, 60_000), "0"),
    "SHUTDOWN_TIMEOUT_MS": (_integer(0, 120_000), "10000"),
    "DEPENDENCY_TIMEOUT_MS": (_integer(50, 30_000), "750"),
    # All the dependency waits of one request together (services/app/src/config.ts).
    "REQUEST_DEADLINE_MS": (_integer(100, 120_000), "1000"),
    "REDIS_HOST": (_text(), REQUIRED),
    "REDIS_PORT": (PORT, "6379"),
    "REDIS_PASSWORD": (_text(), REQUIRED),
    "SESSION_SECRET": (_text(min_length=32), REQUIRED),
    # nginx's hash_cookie strategy reads this cookie: only characters nginx variables allow.
    "SESSION_COOKIE_NAME": (_text(pattern=r"[A-Za-z0-9_]{1,64}"), "lab_py_sid"),
    "SESSION_TTL_SECONDS": (_integer(60, 30 * 86_400), "3600"),
    "READ_YOUR_WRITES_SECONDS": (_integer(1, 3600), "60"),
    "PG_PRIMARY_HOST": (_text(), REQUIRED),
    "PG_PRIMARY_PORT": (PORT, "5432"),
    "PG_REPLICA_HOST": (_text(), REQUIRED),
    "PG_REPLICA_PORT": (PORT, "5432"),
    "PG_DATABASE": (_text(), REQUIRED),
    "PG_USER": (_text(), REQUIRED),
    "PG_PASSWORD": (_text(), REQUIRED),
    # Per pool per worker process: a replica holds up to workers x PG_POOL_MAX per server.
    "PG_POOL_MAX": (_integer(1, 100), "10"),
    "PG_QUERY_TIMEOUT_MS": (_integer(100, 60_000), "1000"),
    # The object store media uploads go to (services/app/src/config.ts says why these).
    "S3_ENDPOINT": (_text(pattern=r"https?://[^/\s]+"), REQUIRED),
    "S3_BUCKET": (_text(pattern=r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]"), "media"),
    "S3_ACCESS_KEY_ID": (_text(pattern=r"[A-Za-z0-9_]{3,64}"), REQUIRED),
    "S3_SECRET_ACCESS_KEY": (_text(min_length=16), REQUIRED),
    "MEDIA_MAX_BYTES": (_integer(1024, 52_428_800), "5242880"),
    "MEDIA_MAX_PIXELS": (_integer(1, 250_000_000), "40000000"),
    "WORK_CONCURRENCY": (_integer(1, 1000), "8"),
    "WORK_MAX_MS": (_integer(1, 60_000), "1000"),
    # The longest a request waits for a work slot before it is shed (503).
    "WORK_QUEUE_TIMEOUT_MS": (_integer(0, 60_000), "500"),
}

SECRETS = ("SESSION_SECRET", "REDIS_PASSWORD", "PG_PASSWORD", "S3_SECRET_ACCESS_KEY")
# Every example secret in .env.example contains this marker.
EXAMPLE_MARKER = "change-me"


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Reads and validates the environment; raises ConfigError listing every problem."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, (parse, default) in SPEC.items():
        raw = environ.get(name)
        if raw is None or raw == "":
            if default is REQUIRED:
                problems.append(f"{name} is required")
                continue
            raw = default
        try:
            values[name] = parse(raw)
        except ValueError as err:
            problems.append(f"{name} {err}")
    if not problems and values["NODE_ENV"] == "production":
        examples = [name for name in SECRETS if EXAMPLE_MARKER in values[name]]
        if examples:
            problems.append(f"{', '.join(examples)} still the example value (NODE_ENV=production)")
    if problems:
        raise ConfigError(f"invalid configuration: {'; '.join(problems)}")
    return Config(**{_field(name): value for name, value in values.items()})


def _field(name: str) -> str:
    """A variable's attribute on Config: its name in lower case (NODE_ENV is `env`)."""
    return "env" if name == "NODE_ENV" else name.lower()


# The configuration as the routes read it: a frozen attribute per variable of SPEC (the
# contract's, contract/replica-env.json), so the names are listed once, above.
Config = make_dataclass(
    "Config",
    [(_field(name), Any) for name in SPEC],
    frozen=True,
    namespace={"dependency_timeout": property(lambda self: self.dependency_timeout_ms / 1000)},
)
