package turn

import (
	"testing"
	"time"
)

// The relays count the bytes they carry, each way.
func TestRelayedBytesAreCounted(t *testing.T) {
	s := start(t, Options{AllowLocal: true})
	user, pass := Credentials(testSecret, "user-1", "token-1", time.Hour, time.Now())
	c := client(t, s, user, pass, false)
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	defer relay.Close()
	peer, got := udpPeer(t)
	out := []byte("twenty bytes outward")
	if _, err := relay.WriteTo(out, peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the peer got nothing")
	}
	in := []byte("back in")
	if _, err := peer.WriteTo(in, relay.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	relay.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	if _, _, err := relay.ReadFrom(buf); err != nil {
		t.Fatal(err)
	}
	// The counts are added just after each datagram moves: poll for them.
	deadline := time.Now().Add(5 * time.Second)
	for {
		gotIn, gotOut := s.RelayedBytes()
		if gotIn == uint64(len(in)) && gotOut == uint64(len(out)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("relayed in %d, out %d; want %d, %d", gotIn, gotOut, len(in), len(out))
		}
		time.Sleep(10 * time.Millisecond) // polling a condition
	}
}
