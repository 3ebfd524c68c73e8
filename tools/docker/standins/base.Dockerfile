# The base of every stand-in: a debootstrap of the machine's Debian mirror (standins.sh imports
# it as lb-lab-standin/rootfs), plus one helper that installs without recommends or leftovers.
FROM lb-lab-standin/rootfs:bookworm
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN printf '#!/bin/sh\nset -e\napt-get update -qq\napt-get install -y -qq --no-install-recommends "$@" >/dev/null\nrm -rf /var/lib/apt/lists/*\n' \
      > /usr/local/bin/apt-install && chmod +x /usr/local/bin/apt-install
