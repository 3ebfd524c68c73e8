#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt uses (the first "debian" archive in its sources),
# so image builds fetch from where apt already does: no mirror's name is written in the repo.
set -euo pipefail
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
  # deb822: a "URIs:" line in a stanza whose suites are the release itself (not -security).
  awk '/^URIs:/ {uri=$2} /^Suites:/ {if ($0 !~ /security/ && uri ~ /\/debian\/?$/) {print uri; exit}}' "$f"
done | head -n 1 | grep . && exit 0
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && awk '$1 == "deb" && $0 !~ /security/ && $2 ~ /\/debian\/?$/ {print $2; exit}' "$f"
done | head -n 1 | grep . && exit 0
echo "debian-mirror: no Debian mirror in /etc/apt/sources*: set DEBIAN_MIRROR" >&2
exit 1
