# prom/prometheus of the image's version, built here (prometheus/build.sh: the Go module proxy for
# the binaries, npm for the web UI): Debian's package is older and leaves out Kubernetes service
# discovery. Laid out as the official image: the binaries on PATH, the data in /prometheus, user
# nobody; Prometheus reads its UI from the folder it starts in.
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=prometheus
RUN apt-install wget && mkdir -p /prometheus && chown nobody:nogroup /prometheus
COPY prometheus/prometheus prometheus/promtool /bin/
COPY prometheus/web /usr/share/prometheus/web
USER nobody
WORKDIR /usr/share/prometheus/web/ui
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
