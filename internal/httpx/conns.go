package httpx

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ConnLimits bounds the TCP connections a server holds, so that no one
// client, and no flood of them, can take the file descriptors every other
// request needs.
type ConnLimits struct {
	// PerAddr is the most open connections of one client address (IPv6
	// by /64, as one host usually has a whole /64); 0 is no cap.
	PerAddr int
	// Exempt are peers never capped per address: trusted reverse proxies,
	// through which every client comes.
	Exempt Proxies
	// Total is the most connections open at once, Held included; 0 is no
	// cap. FDReserve derives it from the process's descriptor limit.
	Total int
	// Held, if not nil, counts connections that left this listener but
	// still hold a descriptor: upgraded WebSockets, handed to another
	// event loop at hijack.
	Held func() int
	// Log gets a warning when connections are refused, at most one per
	// warnEvery.
	Log *slog.Logger
}

// FDReserve is how many file descriptors TotalFromRlimit keeps back for
// everything that is not a client connection: database and Redis pools,
// TURN relays, files.
const FDReserve = 256

// TotalFromRlimit returns the Total cap that keeps FDReserve descriptors
// free below the process's RLIMIT_NOFILE (Go raises the soft limit to the
// hard one at start-up), or 0 when the limit is unknown or unlimited.
func TotalFromRlimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == ^uint64(0) || rl.Cur > 1<<30 {
		return 0
	}
	n := int(rl.Cur)
	if n-FDReserve < n/2 {
		return n / 2 // a small limit: keep half
	}
	return n - FDReserve
}

// warnEvery spaces out the warnings about refused connections.
const warnEvery = 10 * time.Second

// Listener is a net.Listener that enforces ConnLimits: a connection over a
// cap is accepted and closed at once (with a reset, so it leaves nothing
// behind in TIME_WAIT), and running out of descriptors never leaves
// clients waiting in the accept queue. Connections are returned as the
// inner listener made them (a *net.TCPConn stays one, which the WebSocket
// hub needs to hand the socket to its event loop), so a connection's end
// is learnt from the http.Server through ConnState, not from Close.
type Listener struct {
	net.Listener
	lim ConnLimits

	mu     sync.Mutex
	open   map[net.Conn]netip.Addr // every admitted connection, by what Accept returned
	byAddr map[netip.Addr]int      // admitted connections per capped key
	spare  *os.File                // a descriptor given up to accept-and-close when none is left

	refused  atomic.Int64 // since the last warning
	lastWarn atomic.Int64 // unix nanoseconds
}

// Listen wraps ln. The http.Server serving it must have ConnState set to
// the Listener's ConnState, or connections are never released.
func (l ConnLimits) Listen(ln net.Listener) *Listener {
	spare, _ := os.Open(os.DevNull) // without it, EMFILE is only survived, not shed
	return &Listener{Listener: ln, lim: l, open: map[net.Conn]netip.Addr{}, byAddr: map[netip.Addr]int{}, spare: spare}
}

// Accept returns the next connection within the caps, closing those over
// them.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if isOutOfFiles(err) && l.shed() {
				continue
			}
			return nil, err
		}
		if l.admit(c) {
			return c, nil
		}
		reset(c)
		l.warn()
	}
}

// admit counts c in, or reports that a cap is reached.
func (l *Listener) admit(c net.Conn) bool {
	k, capped := l.key(c)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lim.Total > 0 {
		n := len(l.open)
		if l.lim.Held != nil {
			n += l.lim.Held()
		}
		if n >= l.lim.Total {
			return false
		}
	}
	if capped {
		if l.byAddr[k] >= l.lim.PerAddr {
			return false
		}
		l.byAddr[k]++
	}
	l.open[c] = k
	return true
}

// key is c's per-address key, and whether the per-address cap applies.
func (l *Listener) key(c net.Conn) (netip.Addr, bool) {
	if l.lim.PerAddr <= 0 {
		return netip.Addr{}, false
	}
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}, false // not TCP/IP (a Unix socket): nothing to key by
	}
	a := ap.Addr().Unmap()
	if l.lim.Exempt.contains(a) {
		return netip.Addr{}, false
	}
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			a = p.Addr()
		}
	}
	return a, true
}

// ConnState releases a connection when the server closes it or hands it
// over (hijack: from then on Held counts it); use it as http.Server's
// ConnState.
func (l *Listener) ConnState(c net.Conn, s http.ConnState) {
	if s != http.StateClosed && s != http.StateHijacked {
		return
	}
	// With TLS the server sees the *tls.Conn around what Accept returned.
	if nc, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = nc.NetConn()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	k, ok := l.open[c]
	if !ok {
		return
	}
	delete(l.open, c)
	if k.IsValid() {
		if l.byAddr[k]--; l.byAddr[k] <= 0 {
			delete(l.byAddr, k)
		}
	}
}

// Open reports how many connections are counted as open, for tests.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}

// Close closes the listener and the spare descriptor.
func (l *Listener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	if l.spare != nil {
		l.spare.Close()
		l.spare = nil
	}
	l.mu.Unlock()
	return err
}

// shed handles EMFILE/ENFILE: the kernel keeps the waiting connection in
// the accept queue, where it (and everyone behind it) would wait until a
// descriptor frees up. Giving up the spare descriptor lets one accept
// succeed, and that connection is closed at once: its client is refused
// at once instead of timing out. It reports whether to try Accept again.
func (l *Listener) shed() bool {
	l.mu.Lock()
	spare := l.spare
	l.spare = nil
	l.mu.Unlock()
	if spare == nil {
		return false // the caller returns the error; http.Server backs off
	}
	spare.Close()
	c, err := l.Listener.Accept()
	if err == nil {
		reset(c)
		l.warn()
	}
	if again, err2 := os.Open(os.DevNull); err2 == nil {
		l.mu.Lock()
		l.spare = again
		l.mu.Unlock()
	}
	return err == nil
}

// warn logs refused connections, at most once per warnEvery.
func (l *Listener) warn() {
	n := l.refused.Add(1)
	now := time.Now().UnixNano()
	last := l.lastWarn.Load()
	if l.lim.Log == nil || now-last < int64(warnEvery) || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	l.refused.Add(-n)
	l.lim.Log.Warn("httpx: connections refused: a connection cap is reached", "refused", n, "perAddr", l.lim.PerAddr, "total", l.lim.Total)
}

// reset closes c with a TCP reset: the client learns at once, and this
// side keeps no TIME_WAIT state for it.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func isOutOfFiles(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// BodyDeadline returns h with each request body's arrival bounded by d,
// counted from when the handler starts: a client that trickles a body, or
// sends less than it announced, is cut off rather than holding a
// connection and a goroutine for ever. Once the body has been read to
// its end the deadline is lifted, since net/http then reads on in the
// background to notice a client that goes away, and a timeout there would
// cancel a slow handler's context. Requests without a body (WebSocket
// upgrades among them) are left alone; a hijacked connection has its
// deadlines cleared by net/http anyway.
func BodyDeadline(h http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(d)) == nil {
				// A copy, as http.StripPrefix makes: the server's own
				// request keeps its body, whose type tells it after the
				// handler whether to drain the rest (under this deadline
				// still) or close the connection.
				r2 := new(http.Request)
				*r2 = *r
				r2.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
				r = r2
			}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline once the body has been read whole.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
