package main

import (
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// replicaName: the lab gives each replica REPLICA_ID natively; a scaled Compose service cannot
// give each container its own, so the replica takes its container's name from Docker's DNS
// (lb-lab-go-2 is go2). The DNS server is asked directly: Go's resolver answers a reverse
// lookup from /etc/hosts first, where Docker writes only the container's id.
func replicaName() string {
	host, _ := os.Hostname()
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 {
		return host
	}
	for _, name := range reverseLookup(addrs[0]) {
		if id := replicaFromContainer(name); id != "" {
			return id
		}
	}
	return host
}

var containerName = regexp.MustCompile(`-([a-z0-9_]+)-(\d+)$`)

// replicaFromContainer: lb-lab-go-2.lb-lab_backend. is go2; "" for any other name.
func replicaFromContainer(name string) string {
	m := containerName.FindStringSubmatch(strings.SplitN(name, ".", 2)[0])
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}

// reverseLookup asks the first name server of /etc/resolv.conf for addr's PTR names.
func reverseLookup(addr string) []string {
	ip := net.ParseIP(addr).To4()
	conf, err := os.ReadFile("/etc/resolv.conf")
	if ip == nil || err != nil {
		return nil
	}
	server := ""
	for _, line := range strings.Split(string(conf), "\n") {
		if fields := strings.Fields(line); len(fields) == 2 && fields[0] == "nameserver" {
			server = fields[1]
			break
		}
	}
	arpa := dnsmessage.MustNewName(
		strings.Join([]string{itoa(ip[3]), itoa(ip[2]), itoa(ip[1]), itoa(ip[0]), "in-addr.arpa."}, "."))
	query, err := (&dnsmessage.Message{
		Header:    dnsmessage.Header{ID: uint16(time.Now().UnixNano()), RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: arpa, Type: dnsmessage.TypePTR, Class: dnsmessage.ClassINET}},
	}).Pack()
	if server == "" || err != nil {
		return nil
	}
	conn, err := net.DialTimeout("udp", net.JoinHostPort(server, "53"), 2*time.Second)
	if err != nil {
		return nil
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	if _, err = conn.Write(query); err != nil {
		return nil
	}
	n, err := conn.Read(buf)
	var answer dnsmessage.Message
	if err != nil || answer.Unpack(buf[:n]) != nil {
		return nil
	}
	var names []string
	for _, rr := range answer.Answers {
		if ptr, ok := rr.Body.(*dnsmessage.PTRResource); ok {
			names = append(names, ptr.PTR.String())
		}
	}
	return names
}

func itoa(b byte) string { return strconv.Itoa(int(b)) }
