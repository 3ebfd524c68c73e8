"""Fixtures: the app built from the environment the lab gives py1, against the lab's real Redis
and Postgres (`make up` first; `make test` does)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lbsample.app import close, create_app
from lbsample.config import Config, load_config

REPO = Path(__file__).resolve().parents[3]
NODE = REPO / "node_modules/.bin/node"


def lab(*args: str) -> str:
    """Runs a lab verb (the CLI `make` calls) and returns its output."""
    result = subprocess.run(
        [str(NODE), str(REPO / "tools/lab/src/cli.ts"), *args], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"lab {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@pytest.fixture(scope="session")
def lab_env() -> dict[str, str]:
    env = json.loads(lab("env", "py1"))
    env["REPLICA_ID"] = "pytest"
    # In-process metrics here: the multiprocess folder belongs to the running py1.
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


@pytest.fixture
def config(lab_env: dict[str, str]) -> Config:
    return load_config(lab_env)


@pytest.fixture
def app(config: Config) -> Iterator[Flask]:
    built = create_app(config)
    yield built
    close(built)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_app(lab_env: dict[str, str]) -> Iterator:
    """Builds more replicas (other REPLICA_IDs, other settings); all closed after the test."""
    built: list[Flask] = []

    def make(**overrides: str) -> Flask:
        app = create_app(load_config({**lab_env, **overrides}))
        built.append(app)
        return app

    yield make
    for app in built:
        close(app)
