# Cluster DNS for the lab's own Kubernetes cluster (k8s/cluster/coredns.yaml): CoreDNS of the
# image's version from the Go module proxy, with only the plugins the Corefile uses
# (k8s/cluster/coredns/main.go), alone in the image as the official one is.
FROM scratch
LABEL org.lb-lab.standin=coredns
COPY coredns /coredns
USER 65532:65532
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
