package api

import (
	"net/netip"
	"testing"
	"time"
)

func TestLimiterBuckets(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiter(limits{allRate: 2, allBurst: 3, signupRate: 0.5, signupBurst: 1, maxClients: 100}, clock.Now)
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("192.0.2.2")
	for i := range 3 {
		if ok, _ := l.allow(a, false); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if ok, wait := l.allow(a, false); ok || wait != 500*time.Millisecond {
		t.Errorf("over the burst: ok=%v wait=%v, want refused for 500ms", ok, wait)
	}
	if ok, _ := l.allow(b, true); !ok {
		t.Error("another address shares a's bucket")
	}
	if ok, wait := l.allow(b, true); ok || wait != 2*time.Second {
		t.Errorf("second signup: ok=%v wait=%v, want refused for 2s", ok, wait)
	}
	// The refused signup gave its overall token back: b has one left.
	if ok, _ := l.allow(b, false); !ok {
		t.Error("a refused signup used up an overall token")
	}
	clock.Advance(500 * time.Millisecond)
	if ok, _ := l.allow(a, false); !ok {
		t.Error("the bucket did not refill")
	}
}

func TestLimiterIPv6Prefix(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiter(limits{allRate: 1, allBurst: 1, signupRate: 1, signupBurst: 1, maxClients: 100}, clock.Now)
	if ok, _ := l.allow(netip.MustParseAddr("2001:db8:1:2::1"), false); !ok {
		t.Fatal("first request refused")
	}
	if ok, _ := l.allow(netip.MustParseAddr("2001:db8:1:2:ffff::9"), false); ok {
		t.Error("another address of the same /64 got its own bucket")
	}
	if ok, _ := l.allow(netip.MustParseAddr("2001:db8:1:3::1"), false); !ok {
		t.Error("another /64 shares the bucket")
	}
}

// TestLimiterBounded: the table forgets idle clients and never grows past maxClients.
func TestLimiterBounded(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiter(limits{allRate: 10, allBurst: 40, signupRate: 1, signupBurst: 10, maxClients: 50}, clock.Now)
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }
	for i := range 1000 {
		l.allow(addr(i), false)
		if n := l.clients.Len(); n > 50 {
			t.Fatalf("%d clients kept, max 50", n)
		}
	}
	clock.Advance(l.clients.Idle())
	l.allow(addr(5000), false)
	if n := l.clients.Len(); n != 1 {
		t.Errorf("%d clients after everyone went idle, want 1", n)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 9 * time.Second: 9} {
		if got := retryAfterSeconds(d); got != want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}
