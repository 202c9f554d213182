// Package faultproxy is test-support code: a TCP proxy on loopback that
// stands between a program and a service (PostgreSQL, Redis) and can make
// the service stall or vanish on demand, the way a network or a paused
// server does. Stall holds every byte in both directions with the
// connections left open (a frozen server, a black-holed route); Cut closes
// every connection and refuses new ones (a crashed server); Restore lets
// bytes flow again.
package faultproxy

import (
	"fmt"
	"net"
	"sync"
)

// Proxy forwards TCP connections from its own loopback address to a target.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	state   state
	resumed chan struct{} // closed when a stall ends (Restore, Cut or Close)
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

type state int

const (
	flowing state = iota
	stalled
	cut
)

// New listens on 127.0.0.1 on a free port and forwards every connection to
// target (host:port). Close it when done.
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{ln: ln, target: target, resumed: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's address (host:port), to use instead of the target's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Stall holds every byte in both directions from now on, without closing
// anything: reads on either side simply wait. New connections are accepted
// and stalled too.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != stalled {
		p.state = stalled
		p.resumed = make(chan struct{})
	}
}

// Cut closes every connection (held bytes are dropped) and refuses new
// ones until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.setLocked(cut)
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// Restore ends a stall or a cut: held bytes are delivered, and new
// connections are forwarded again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLocked(flowing)
}

// setLocked changes state, releasing the copiers of a stall that ends.
func (p *Proxy) setLocked(s state) {
	if p.state == stalled {
		close(p.resumed)
	}
	p.state = s
}

// Close stops listening, closes every connection and waits for the
// proxy's goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.setLocked(cut)
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	err := p.ln.Close()
	for c := range conns {
		_ = c.Close()
	}
	p.wg.Wait()
	if err != nil {
		return fmt.Errorf("faultproxy: close: %w", err)
	}
	return nil
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		refuse := p.state == cut
		p.mu.Unlock()
		if refuse {
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve dials the target for client and copies both ways until either
// side ends or the proxy cuts them.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	if p.state == cut {
		p.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.copy(server, client); done <- struct{}{} }()
	go func() { p.copy(client, server); done <- struct{}{} }()
	<-done
	// One direction ended: end both, as a plain TCP relay would.
	_ = client.Close()
	_ = server.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// copy moves bytes from src to dst, waiting before each write while the
// proxy is stalled. Bytes read during a stall are held, not dropped.
func (p *Proxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF or closed: serve ends both sides
		}
	}
}

// wait blocks while the proxy is stalled; it reports false when the
// proxy was cut or closed meanwhile (the held bytes are then dropped).
func (p *Proxy) wait() bool {
	for {
		p.mu.Lock()
		s, resumed := p.state, p.resumed
		p.mu.Unlock()
		switch s {
		case flowing:
			return true
		case cut:
			return false
		}
		<-resumed
	}
}
