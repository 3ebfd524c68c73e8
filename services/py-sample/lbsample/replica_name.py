"""A replica's name when REPLICA_ID is unset: Docker mode's scaled service (see the TypeScript
replica's services/app/src/replica-name.ts, which does the same).

Compose names a scaled service's containers <project>-<service>-<n> (lb-lab-py-3), and Docker's
DNS answers a reverse lookup of a container's address with that name; the replica takes
<service><n> (py3), the name native mode gives it. The lookup asks DNS itself: the C library's
would answer from /etc/hosts, where Docker writes the container ID.
"""

import re
import socket

import dns.exception
import dns.resolver
import dns.reversename

from lbsample.config import ConfigError

_CONTAINER = re.compile(r"-([a-z0-9_]+)-(\d+)$")


def from_container_name(ptr: str) -> str | None:
    match = _CONTAINER.search(ptr.split(".")[0])
    return f"{match[1]}{match[2]}" if match else None


def from_dns(timeout: float = 2.0) -> str:
    address = socket.gethostbyname(socket.gethostname())
    try:
        answer = dns.resolver.resolve(dns.reversename.from_address(address), "PTR", lifetime=timeout)
        names = [str(record.target).rstrip(".") for record in answer]
    except dns.exception.DNSException:
        names = []
    for name in names:
        replica = from_container_name(name)
        if replica:
            return replica
    found = ", ".join(names) or "nothing"
    raise ConfigError(
        f"REPLICA_ID is unset and DNS names {address} {found}, not a Compose container "
        "(<project>-<service>-<n>): set REPLICA_ID"
    )
