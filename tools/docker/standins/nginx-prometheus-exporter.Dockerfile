FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=prometheus-nginx-exporter
RUN apt-install prometheus-nginx-exporter
USER nobody
EXPOSE 9113
ENTRYPOINT ["/usr/bin/prometheus-nginx-exporter"]
