package httpx

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// serve runs an http.Server on a loopback Listener with lim and returns
// the address it listens on.
func serve(t *testing.T, lim ConnLimits) (string, *Listener) {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := lim.Listen(tcp)
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }),
		ConnState:         l.ConnState,
		ReadHeaderTimeout: 5 * time.Second,
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return tcp.Addr().String(), l
}

// request opens a connection from the loopback address from (Linux
// routes all of 127/8 to lo) and makes one keep-alive request on it. It
// returns the open connection, or the error that ended it: a refused
// connection is accepted by the kernel and then reset.
func request(t *testing.T, addr, from string) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		c.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.Close()
		return nil, errors.New(resp.Status)
	}
	c.SetDeadline(time.Time{})
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// refused fails t unless err is the server closing the connection (not a
// timeout: a refused connection must be told at once).
func refused(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s was served", what)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s timed out instead of being closed at once: %v", what, err)
	}
}

func TestPerAddressCapClosesTheExcessConnection(t *testing.T) {
	t.Parallel()
	const perAddr = 3
	proxy := netip.MustParsePrefix("127.0.0.3/32")
	addr, l := serve(t, ConnLimits{PerAddr: perAddr, Exempt: Proxies{proxy}})

	var mine []net.Conn
	for i := range perAddr {
		c, err := request(t, addr, "127.0.0.1")
		if err != nil {
			t.Fatalf("connection %d of %d: %v", i+1, perAddr, err)
		}
		mine = append(mine, c)
	}
	_, err := request(t, addr, "127.0.0.1")
	refused(t, "connection 4 from one address", err)

	// Another address, and a trusted proxy beyond the cap, are served.
	if _, err := request(t, addr, "127.0.0.2"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	for i := range 2 * perAddr {
		if _, err := request(t, addr, "127.0.0.3"); err != nil {
			t.Fatalf("trusted proxy's connection %d: %v", i+1, err)
		}
	}

	// Closing one frees its place (the server learns of it asynchronously).
	mine[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := request(t, addr, "127.0.0.1"); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("a closed connection's place was never freed (%d counted open): %v", l.Open(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIPv6AddressesShareTheirSlash64(t *testing.T) {
	t.Parallel()
	l := &Listener{lim: ConnLimits{PerAddr: 1}}
	a, _ := l.key(fakeConn{"[2001:db8:1:2::1]:5000"})
	b, _ := l.key(fakeConn{"[2001:db8:1:2:ffff::9]:6000"})
	c, _ := l.key(fakeConn{"[2001:db8:1:3::1]:5000"})
	if a != b || a == c {
		t.Fatalf("keys %v %v %v: one /64 must share a key, another must not", a, b, c)
	}
	if _, capped := l.key(fakeConn{"[::ffff:10.0.0.1]:1"}); !capped {
		t.Fatal("an IPv4-mapped address is not capped")
	}
}

type fakeConn struct{ remote string }

func (f fakeConn) RemoteAddr() net.Addr { return addrString(f.remote) }

type addrString string

func (a addrString) Network() string { return "tcp" }
func (a addrString) String() string  { return string(a) }

// The methods fakeConn does not need.
func (fakeConn) Read([]byte) (int, error)         { return 0, errors.New("fake") }
func (fakeConn) Write([]byte) (int, error)        { return 0, errors.New("fake") }
func (fakeConn) Close() error                     { return nil }
func (fakeConn) LocalAddr() net.Addr              { return addrString("127.0.0.1:1") }
func (fakeConn) SetDeadline(time.Time) error      { return nil }
func (fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (fakeConn) SetWriteDeadline(time.Time) error { return nil }

func TestTotalCapCountsHeldConnections(t *testing.T) {
	t.Parallel()
	var held atomic.Int64
	held.Store(2)
	addr, _ := serve(t, ConnLimits{Total: 3, Held: func() int { return int(held.Load()) }})
	first, err := request(t, addr, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = request(t, addr, "127.0.0.2")
	refused(t, "a connection beyond the total (2 held + 1 open)", err)
	held.Store(0)
	if _, err := request(t, addr, "127.0.0.2"); err != nil {
		t.Fatalf("after the held connections ended: %v", err)
	}
	first.Close()
}

func TestTotalFromRlimitKeepsAReserve(t *testing.T) {
	t.Parallel()
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skip(err)
	}
	got := TotalFromRlimit()
	if got <= 0 || got > int(rl.Cur)-min(FDReserve, int(rl.Cur)/2) {
		t.Fatalf("TotalFromRlimit %d with a limit of %d", got, rl.Cur)
	}
}

// TestAcceptShedsWhenOutOfDescriptors runs the process out of file
// descriptors (under a lowered RLIMIT_NOFILE) and checks that a new client
// is closed at once rather than left waiting in the accept queue, and that
// the server serves again once descriptors are free. Not parallel: it
// changes the whole process's limit.
func TestAcceptShedsWhenOutOfDescriptors(t *testing.T) {
	addr, _ := serve(t, ConnLimits{})
	if _, err := request(t, addr, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Skip(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd: ", err)
	}
	low := orig
	low.Cur = uint64(len(fds) + 64)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip("cannot lower RLIMIT_NOFILE: ", err)
	}
	var fill []*os.File
	t.Cleanup(func() {
		for _, f := range fill {
			f.Close()
		}
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig)
	})
	for range 1000 { // bounded: the limit is about 64 above what is open
		f, err := os.Open(os.DevNull)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				t.Fatal(err)
			}
			break
		}
		fill = append(fill, f)
	}
	// One descriptor for the client's own socket; the server has none.
	fill[len(fill)-1].Close()
	fill = fill[:len(fill)-1]
	_, err = request(t, addr, "127.0.0.1")
	refused(t, "a connection while out of descriptors", err)

	for _, f := range fill {
		f.Close()
	}
	fill = nil
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig)
	// The spare descriptor is back and the server serves.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := request(t, addr, "127.0.0.1"); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("not served once descriptors were free: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
