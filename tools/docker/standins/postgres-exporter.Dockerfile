FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=prometheus-postgres-exporter
RUN apt-install prometheus-postgres-exporter wget
USER nobody
EXPOSE 9187
ENTRYPOINT ["/usr/bin/prometheus-postgres-exporter"]
