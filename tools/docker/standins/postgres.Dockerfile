# Debian's Postgres of the image's major version. compose.yaml starts both servers through the
# project's own entrypoint (services/postgres/entrypoint.sh), never the official one's.
FROM lb-lab-standin/base:bookworm
ARG MAJOR
LABEL org.lb-lab.standin=postgresql-${MAJOR}
RUN groupadd --system --gid 999 postgres \
 && useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && apt-install "postgresql-${MAJOR}" \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 1777 /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/${MAJOR}/bin:$PATH PGDATA=/var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
