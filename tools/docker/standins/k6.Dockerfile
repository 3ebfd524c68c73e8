# k6 built from go.k6.io/k6 by standins.sh; user and entrypoint as in the official image.
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=k6
RUN apt-install ca-certificates && useradd --uid 12345 --create-home --shell /bin/sh k6
COPY k6 /usr/bin/k6
USER k6
WORKDIR /home/k6
ENTRYPOINT ["k6"]
