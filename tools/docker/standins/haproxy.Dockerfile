# HAProxy of the image's version: the build native mode runs (haproxy/build.sh, from Debian's
# source tarball, copied in by standins.sh), on bookworm's OpenSSL and PCRE2. As the official
# image: user haproxy (uid and gid 99), SIGUSR1 to stop gracefully, no HTTP client.
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=haproxy
RUN apt-install libssl3 libpcre2-8-0 \
 && groupadd --gid 99 --system haproxy \
 && useradd --uid 99 --gid 99 --system --no-create-home --home-dir /var/lib/haproxy haproxy \
 && mkdir -p /var/lib/haproxy && chown haproxy:haproxy /var/lib/haproxy
COPY haproxy /usr/local/sbin/haproxy
RUN haproxy -v
USER haproxy
WORKDIR /var/lib/haproxy
STOPSIGNAL SIGUSR1
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
