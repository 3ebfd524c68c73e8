# Go: the toolchain itself, from the Go module proxy's golang.org/toolchain module (the same
# files as go.dev's release archive), fetched by standins.sh into the build context. Laid out
# as the official image is: GOROOT /usr/local/go, GOPATH /go, and GOTOOLCHAIN=local.
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=golang
ARG VERSION
RUN apt-install ca-certificates git
COPY go/ /usr/local/go/
ENV GOLANG_VERSION=${VERSION} GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:$PATH
RUN mkdir -p /go/bin /go/src && go version
WORKDIR /go
