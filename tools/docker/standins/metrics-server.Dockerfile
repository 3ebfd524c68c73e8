# Resource metrics for the lab's own Kubernetes cluster (k8s/cluster/metrics-server.yaml):
# metrics-server of the image's version from the Go module proxy (k8s/cluster/metrics-server/go.mod
# pins it), alone in the image as the official one is.
FROM scratch
LABEL org.lb-lab.standin=metrics-server
COPY metrics-server /metrics-server
USER 65534:65534
ENTRYPOINT ["/metrics-server"]
