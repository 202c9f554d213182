package app

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"

	"github.com/bodydouble/bodydouble/internal/httpx"
)

// blockedNets are the networks of --block-cidrs: refused on HTTP (the API,
// the web app and /ws, before any upgrade) and by the TURN server. The
// file is re-read when it changes (fileWatch); a file with a bad line is
// refused whole and the list in force stays.
type blockedNets struct {
	set atomic.Pointer[netSet]
	w   *fileWatch
}

func newBlockedNets(path string, log *slog.Logger) *blockedNets {
	b := &blockedNets{}
	b.set.Store(&netSet{})
	b.w = &fileWatch{path: path, flag: "--block-cidrs", what: "blocked networks", log: log, apply: func(data []byte) ([]any, error) {
		s, err := parseNetSet(string(data))
		if err != nil {
			return nil, err
		}
		b.set.Store(s)
		return []any{"networks", s.n}, nil
	}}
	return b
}

// Blocked reports whether addr is in a blocked network.
func (b *blockedNets) Blocked(addr netip.Addr) bool { return b.set.Load().contains(addr) }

// netSet is a set of networks, by family and prefix length: a lookup
// masks the address once per length in use.
type netSet struct {
	by4 map[int]map[netip.Prefix]struct{}
	by6 map[int]map[netip.Prefix]struct{}
	n   int
}

// parseNetSet reads one CIDR or address per line; # starts a comment.
// A line that is neither is an error naming it.
func parseNetSet(text string) (*netSet, error) {
	s := &netSet{by4: map[int]map[netip.Prefix]struct{}{}, by6: map[int]map[netip.Prefix]struct{}{}}
	for i, line := range strings.Split(text, "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(line, "/") {
			var err error
			if p, err = netip.ParsePrefix(line); err != nil {
				return nil, fmt.Errorf("line %d: %q is not a network (CIDR) or an address", i+1, line)
			}
		} else {
			a, err := netip.ParseAddr(line)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("line %d: %q is not a network (CIDR) or an address", i+1, line)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			if p.Bits() < 96 {
				return nil, fmt.Errorf("line %d: %q mixes IPv4 and IPv6", i+1, line)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		m := s.by4
		if p.Addr().Is6() {
			m = s.by6
		}
		if m[p.Bits()] == nil {
			m[p.Bits()] = map[netip.Prefix]struct{}{}
		}
		if _, dup := m[p.Bits()][p]; !dup {
			m[p.Bits()][p] = struct{}{}
			s.n++
		}
	}
	return s, nil
}

func (s *netSet) contains(a netip.Addr) bool {
	if s.n == 0 || !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	m := s.by4
	if a.Is6() {
		m = s.by6
	}
	for bits, nets := range m {
		p, err := a.Prefix(bits)
		if err != nil {
			continue
		}
		if _, ok := nets[p]; ok {
			return true
		}
	}
	return false
}

// blockedProblem is the answer to a blocked network: 403 forbidden.
var blockedProblem, _ = json.Marshal(map[string]any{
	"type": "about:blank", "title": http.StatusText(http.StatusForbidden), "status": http.StatusForbidden,
	"code": "forbidden", "message": "Your network is blocked from this service.",
})

// refuseBlocked answers requests from blocked networks (the client address
// as proxies resolve it) with 403 forbidden, and passes the rest to next.
func refuseBlocked(b *blockedNets, proxies httpx.Proxies, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.Blocked(proxies.ClientAddr(r)) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write(blockedProblem)
			return
		}
		next.ServeHTTP(w, r)
	})
}
