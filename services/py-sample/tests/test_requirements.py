"""requirements.txt pins every package the sample runs on, transitive ones included, on every
Python the project meets: 3.11.13 (the official image), 3.11.2 (Debian bookworm, the Docker
stand-in) and the one running these tests."""

from __future__ import annotations

import platform
import re
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
PYTHONS = sorted({"3.11.2", "3.11.13", platform.python_version()})


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned() -> dict[str, Requirement]:
    lines = (line.split("#")[0].strip() for line in REQUIREMENTS.read_text().splitlines())
    return {canonical(req.name): req for req in map(Requirement, filter(None, lines))}


def test_every_requirement_is_pinned_to_one_version():
    for name, req in pinned().items():
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", name


def test_every_dependency_of_a_pinned_package_is_pinned_too_on_each_python():
    pins = pinned()
    missing = set()
    for python in PYTHONS:
        env = {**default_environment(), "python_full_version": python, "python_version": python[:4]}
        wanted = [req for req in pins.values() if req.marker is None or req.marker.evaluate(env)]
        for req in wanted:
            # What each package declares it needs: its own metadata, as installed here. A pin
            # for another Python only (async-timeout) is not installed here; it needs nothing.
            try:
                declared = distribution(req.name).requires or []
            except PackageNotFoundError:
                assert req.marker is not None and not req.marker.evaluate(), f"{req.name} is not installed"
                continue
            for dep in map(Requirement, declared):
                applies = dep.marker is None or dep.marker.evaluate({**env, "extra": ""})
                extras = {canonical(e) for e in req.extras}
                if dep.marker is not None and extras:
                    applies = applies or any(dep.marker.evaluate({**env, "extra": e}) for e in extras)
                if applies and canonical(dep.name) not in pins:
                    missing.add(f"{dep.name} (needed by {req.name} on Python {python})")
    assert not missing, sorted(missing)
