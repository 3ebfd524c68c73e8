# The Gateway API implementation of the lab's own Kubernetes cluster (k8s/cluster/traefik.yaml):
# Traefik of the image's version from the Go module proxy (k8s/cluster/traefik/build.sh says
# what that build leaves out), where the official image keeps it.
FROM scratch
LABEL org.lb-lab.standin=traefik
COPY traefik /usr/local/bin/traefik
USER 65532:65532
EXPOSE 80
ENTRYPOINT ["/usr/local/bin/traefik"]
