import json

import pytest
from conftest import REPO

from lbsample.config import REQUIRED, SPEC, ConfigError, load_config


def test_every_missing_variable_is_named_at_once():
    with pytest.raises(ConfigError) as caught:
        load_config({"REPLICA_ID": "py9"})
    message = str(caught.value)
    for name in ("REDIS_HOST", "REDIS_PASSWORD", "SESSION_SECRET", "PG_PRIMARY_HOST", "PG_PASSWORD"):
        assert f"{name} is required" in message


def test_bad_values_say_what_is_wrong(lab_env):
    with pytest.raises(ConfigError) as caught:
        load_config({**lab_env, "PORT": "70000", "TRUST_PROXY": "not-an-address", "SESSION_SECRET": "short"})
    message = str(caught.value)
    assert "PORT must be between 1 and 65535" in message
    assert "TRUST_PROXY" in message
    assert "SESSION_SECRET must be at least 32 characters" in message


def test_production_refuses_the_example_secrets(lab_env):
    # .env.example's, whatever this checkout's .env holds (`make up` in Docker mode writes new ones).
    lines = (REPO / ".env.example").read_text().splitlines()
    secrets = ("SESSION_SECRET", "REDIS_PASSWORD", "PG_PASSWORD", "S3_SECRET_ACCESS_KEY")
    examples = dict(line.split("=", 1) for line in lines if line.split("=", 1)[0] in secrets)
    assert sorted(examples) == sorted(secrets)
    with pytest.raises(ConfigError, match=f"{', '.join(secrets)} still the example value"):
        load_config({**lab_env, **examples, "NODE_ENV": "production"})


def _rejects(parse, raw: str) -> bool:
    try:
        parse(raw)
    except ValueError:
        return True
    return False


def test_reads_exactly_the_contracts_variables_with_its_bounds_and_defaults():
    """contract/replica-env.json, read as data: every variable is read here, with its default (or
    none when required), and each parser takes the bounds and values the contract allows, refusing
    the ones beyond."""
    every = json.loads((REPO / "contract/replica-env.json").read_text())["variables"]
    # A variable the contract gives some sets only (the TypeScript replica's switches) is not ours.
    contract = {name: rule for name, rule in every.items() if "py" in rule.get("sets", ["py"])}
    assert sorted(SPEC) == sorted(contract)
    problems = []
    for name, rule in contract.items():
        parse, default = SPEC[name]
        if rule.get("required") and default is not REQUIRED:
            problems.append(f"{name}: a default, but required")
        if "default" in rule and str(rule["default"]) != default:
            problems.append(f"{name}: default {default} here, {rule['default']} in the contract")
        if "minimum" in rule and (
            _rejects(parse, str(rule["minimum"])) or not _rejects(parse, str(rule["minimum"] - 1))
        ):
            problems.append(f"{name}: minimum is not {rule['minimum']}")
        if "maximum" in rule and (
            _rejects(parse, str(rule["maximum"])) or not _rejects(parse, str(rule["maximum"] + 1))
        ):
            problems.append(f"{name}: maximum is not {rule['maximum']}")
        if "minLength" in rule and rule["minLength"] > 1 and not _rejects(parse, "x" * (rule["minLength"] - 1)):
            problems.append(f"{name}: takes fewer than {rule['minLength']} characters")
        for value in rule.get("enum", []):
            if _rejects(parse, value):
                problems.append(f"{name}: refuses {value}")
        if "enum" in rule and not _rejects(parse, "not-one-of-them"):
            problems.append(f"{name}: takes a value outside {rule['enum']}")
        if "pattern" in rule and not _rejects(parse, "has space"):
            problems.append(f"{name}: takes a value its pattern refuses")
    assert problems == []


def test_defaults_are_the_typescript_replicas(lab_env):
    minimal = {k: v for k, v in lab_env.items() if k not in ("DEPENDENCY_TIMEOUT_MS", "WORK_CONCURRENCY", "HOST")}
    config = load_config(minimal)
    assert (config.dependency_timeout_ms, config.work_concurrency, config.host) == (750, 8, "0.0.0.0")
