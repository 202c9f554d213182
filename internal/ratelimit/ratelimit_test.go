package ratelimit

import (
	"net/netip"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	b := NewBuckets[string](2, 3, 100)
	for i := range 3 {
		if ok, _ := b.Allow("a", now); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if ok, wait := b.Allow("a", now); ok || wait != 500*time.Millisecond {
		t.Errorf("over the burst: ok=%v wait=%v, want refused for 500ms", ok, wait)
	}
	if ok, _ := b.Allow("b", now); !ok {
		t.Error("another key shares a's bucket")
	}
	if ok, _ := b.Allow("a", now.Add(500*time.Millisecond)); !ok {
		t.Error("the bucket did not refill")
	}
}

// TestTableBounded: the table forgets idle keys and never grows past its maximum.
func TestTableBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	b := NewBuckets[int](10, 40, 50)
	for i := range 1000 {
		b.Allow(i, now)
		if n := b.Len(); n > 50 {
			t.Fatalf("%d keys kept, max 50", n)
		}
	}
	b.Allow(5000, now.Add(b.t.Idle()))
	if n := b.Len(); n != 1 {
		t.Errorf("%d keys after everyone went idle, want 1", n)
	}
}

func TestAddrKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.1":         "192.0.2.1",
		"::ffff:192.0.2.1":  "192.0.2.1",
		"2001:db8:1:2::1":   "2001:db8:1:2::",
		"2001:db8:1:2:ff::": "2001:db8:1:2::",
	} {
		if got := AddrKey(netip.MustParseAddr(in)); got != netip.MustParseAddr(want) {
			t.Errorf("AddrKey(%s) = %s, want %s", in, got, want)
		}
	}
}
