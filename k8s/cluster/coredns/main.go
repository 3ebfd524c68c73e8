// CoreDNS with only the plugins the cluster's Corefile uses (coredns.yaml): the cluster DNS
// every Kubernetes distribution runs, built here from the Go module proxy because no image
// registry is reachable. The order of Directives is the order CoreDNS runs them in.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func init() {
	dnsserver.Directives = []string{
		"reload", "errors", "health", "ready", "prometheus", "cache", "loop", "loadbalance",
		"kubernetes",
	}
}

func main() { coremain.Run() }
