"""Read-your-writes without a session (services/app/src/plugins/core/read-your-writes.ts): after a
write, the replica gives its writer a signed cookie holding the primary's WAL position (or
"pending" when the write's outcome is unknown); that client's reads go to the standby only once it
has replayed that far. The cookie lives READ_YOUR_WRITES_SECONDS and no store keeps anything: a
write needs neither Redis nor a session, and keeps working when Redis is down or full.
"""

from __future__ import annotations

import re

from flask import Response, g, request
from itsdangerous import BadSignature, Signer

from .context import replica
from .db import WRITE_PENDING

POSITION = re.compile(r"pending|[0-9A-F]{1,8}/[0-9A-F]{1,8}")


def _cookie() -> tuple[str, Signer]:
    config = replica().config
    return f"{config.session_cookie_name}_rw", Signer(config.session_secret, salt="read-your-writes")


def last_write() -> str | None:
    """This client's last write position, from its cookie; None without one (or a forged one)."""
    name, signer = _cookie()
    value = request.cookies.get(name)
    if not value:
        return None
    try:
        position = signer.unsign(value).decode()
    except (BadSignature, UnicodeDecodeError):
        position = ""
    if POSITION.fullmatch(position):
        return position
    # Forged or mangled: it could only steer reads, so it is dropped rather than refused.
    g.forget_last_write = True
    return None


def remember_write(position: str | None) -> None:
    """Gives the client its write's position (stamp() sets it on the answer, error or not)."""
    g.remember_write = position or WRITE_PENDING


def stamp(response: Response) -> None:
    name, signer = _cookie()
    path = f"{request.script_root}/"
    if "remember_write" in g:
        response.set_cookie(
            name,
            signer.sign(g.remember_write).decode(),
            max_age=replica().config.read_your_writes_seconds,
            path=path,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    elif g.get("forget_last_write"):
        response.delete_cookie(name, path=path)
