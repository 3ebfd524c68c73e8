"""The operator's fault switch (`make fault`), as routes/faults.ts: on the replica's own port
only (nginx answers /faults itself with 404)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint

from ...context import replica
from ...validation import json_object
from ..faults import FIELDS, validate

blueprint = Blueprint("faults", __name__)
log = logging.getLogger("lbsample")


def _state(state: dict[str, Any]) -> dict[str, Any]:
    set_at = state["setAt"]
    return {
        "replica": replica().config.replica_id,
        "faults": state["faults"],
        # JavaScript's toISOString(): UTC, milliseconds, Z.
        "setAt": None
        if set_at is None
        else datetime.fromtimestamp(set_at / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{set_at % 1000:03d}Z",
    }


@blueprint.get("/faults")
def show() -> dict[str, Any]:
    return _state(replica().faults.get())


@blueprint.put("/faults")
def put() -> dict[str, Any]:
    faults = validate(json_object(frozenset(FIELDS)))
    # As the TypeScript replica logs it: a fault set is worth a line, a read is not.
    if faults:
        log.warning("faults set", extra={"fields": {"faults": faults}})
    else:
        log.info("faults cleared")
    return _state(replica().faults.set(faults))


@blueprint.delete("/faults")
def clear() -> dict[str, Any]:
    log.info("faults cleared")
    return _state(replica().faults.set({}))
