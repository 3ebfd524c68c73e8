FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=prometheus-redis-exporter
RUN apt-install prometheus-redis-exporter wget
USER nobody
EXPOSE 9121
ENTRYPOINT ["/usr/bin/prometheus-redis-exporter"]
