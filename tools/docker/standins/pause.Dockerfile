# The pod sandbox image the lab's own Kubernetes cluster runs (k8s/cluster/config/containerd.toml):
# k8s/cluster/pause/pause.c, built static, alone in the image as registry.k8s.io/pause is.
FROM scratch
LABEL org.lb-lab.standin=pause
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
