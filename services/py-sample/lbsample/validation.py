"""Input checks with the TypeScript replica's outcomes: 400 for a bad value, 415 for a body that
is not JSON, unknown fields rejected rather than ignored. (The TypeScript replica states these
as JSON schemas; five small checks do not justify a schema library here.)"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

from flask import request

from .errors import HttpError

MAX_DEPTH = 32
CHARSET = re.compile(r';\s*charset\s*=\s*"?([^";\s]+)', re.IGNORECASE)


def json_object(allowed: frozenset[str]) -> dict[str, Any]:
    """The request body: a JSON object with no fields beyond `allowed`, under the contract's
    input policy (contract/README.md), checked in the TypeScript replica's order (src/json-body.ts)."""
    data = request.get_data(cache=True)
    if request.mimetype != "application/json":
        if not data and not request.content_type:
            raise HttpError(400, "body must be object")
        raise HttpError(415, f"Unsupported Media Type: {request.content_type}")
    charset = CHARSET.search(request.content_type or "")
    if charset and charset.group(1).lower() != "utf-8":
        raise HttpError(415, f"Unsupported Media Type: {request.content_type}")
    if not data:
        raise HttpError(400, "Body cannot be empty when content-type is set to 'application/json'")
    try:
        text = data.decode("utf-8")  # strict; a byte order mark stays, and is not JSON
    except UnicodeDecodeError:
        raise HttpError(400, "body is not valid UTF-8") from None
    if _depth(text) > MAX_DEPTH:
        raise HttpError(400, f"body nests deeper than {MAX_DEPTH} levels")
    duplicates: list[str] = []
    try:
        value = json.loads(text, object_pairs_hook=lambda pairs: _object(pairs, duplicates), parse_constant=_not_json)
    except ValueError:
        raise HttpError(400, "body is not valid JSON") from None
    if duplicates:
        raise HttpError(400, f"body has a duplicate key: {duplicates[0]}")
    if not isinstance(value, dict):
        raise HttpError(400, "body must be object")
    # The first unknown field, as the TypeScript replica's validator reports it.
    extra = next((key for key in value if key not in allowed), None)
    if extra is not None:
        raise HttpError(400, f"body must NOT have additional properties ({extra})")
    return value


def _not_json(constant: str) -> Any:
    """NaN and Infinity: Python's json accepts them, JSON (and JavaScript's parser) does not."""
    raise ValueError(constant)


def _object(pairs: list[tuple[str, Any]], duplicates: list[str]) -> dict[str, Any]:
    """json's object hook: notes the first repeated key (raised once the whole body parsed)."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen and not duplicates:
            duplicates.append(key)
        seen[key] = value
    return seen


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects outside strings, counted before parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "{[":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "}]":
            depth -= 1
    return deepest


def text_field(body: dict[str, Any], name: str, max_length: int) -> str:
    """A required string under the contract's text rules (src/json-body.ts, checkText)."""
    if name not in body:
        raise HttpError(400, f"body must have required property '{name}'")
    value = body[name]
    if not isinstance(value, str):
        raise HttpError(400, f"body/{name} must be string")
    if not 1 <= len(value) <= max_length:
        raise HttpError(400, f"body/{name} must be 1 to {max_length} characters")
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise HttpError(400, f"body/{name} must be well-formed Unicode")
    # Control characters (category Cc: C0, DEL, C1) but tab, newline and carriage return.
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in value):
        raise HttpError(400, f"body/{name} must not contain control characters")
    # Something other than white space and invisible format characters (category Cf).
    if all(c.isspace() or unicodedata.category(c) == "Cf" for c in value):
        raise HttpError(400, f"body/{name} must contain a visible character")
    return value


def query(patterns: dict[str, str], required: frozenset[str] = frozenset()) -> dict[str, str]:
    """Query parameters, each matching its pattern; unknown or repeated ones are an error."""
    extra = next((name for name in request.args if name not in patterns), None)
    if extra is not None:
        raise HttpError(400, f"querystring must NOT have additional properties ({extra})")
    values: dict[str, str] = {}
    for name, pattern in patterns.items():
        given = request.args.getlist(name)
        if not given:
            if name in required:
                raise HttpError(400, f"querystring must have required property '{name}'")
            continue
        if len(given) > 1 or not re.fullmatch(pattern, given[0]):
            raise HttpError(400, f'querystring/{name} must match pattern "{pattern}"')
        values[name] = given[0]
    return values


def matches(what: str, value: str, pattern: str) -> str:
    if not re.fullmatch(pattern, value):
        raise HttpError(400, f'{what} must match pattern "{pattern}"')
    return value


# The Idempotency-Key header of the routes that may be retried (the TypeScript replica's
# src/idempotency.ts): malformed or too long, a 400 on every route alike.
IDEMPOTENCY_KEY = r"^[A-Za-z0-9_-]{8,64}$"


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    return None if key is None else matches("headers/idempotency-key", key, IDEMPOTENCY_KEY)


def request_sha256(content: str) -> str:
    """What a key is bound to: the request's content, so that its repeat can be told from another."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
