package broker

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a log destination that tests may read while goroutines write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestQueueOverflowDrops checks the bounded queue: a stuck handler loses the
// messages past the limit (with a log line), keeps the ones before it, in
// order, and recovers once it is unstuck.
func TestQueueOverflowDrops(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	m := NewMemory()
	t.Cleanup(func() { _ = m.Close() })
	m.f.log = slog.New(slog.NewTextHandler(&logs, nil))
	m.f.limit = 10

	ctx := context.Background()
	started, gate := make(chan struct{}), make(chan struct{})
	var openGate sync.Once
	t.Cleanup(func() { openGate.Do(func() { close(gate) }) }) // before Close, which waits for the handler
	got := make(chan string, 100)
	cancel, err := m.Subscribe(ctx, "room", func(p []byte) {
		if string(p) == "m0" {
			close(started)
			<-gate
		}
		got <- string(p)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()

	publish := func(s string) {
		t.Helper()
		if err := m.Publish(ctx, "room", []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	publish("m0")
	<-started // the handler holds m0; the queue is empty
	for i := 1; i <= 20; i++ {
		publish(fmt.Sprint("m", i)) // m1..m10 fit, m11..m20 are dropped
	}
	if !strings.Contains(logs.String(), "dropping messages") {
		t.Errorf("no drop warning logged; logs:\n%s", logs.String())
	}
	openGate.Do(func() { close(gate) })
	expect := func(w string) {
		t.Helper()
		select {
		case g := <-got:
			if g != w {
				t.Fatalf("got %q, want %q", g, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for %q", w)
		}
	}
	for i := 0; i <= 10; i++ {
		expect(fmt.Sprint("m", i))
	}
	// The queue has drained, so nothing is dropped any more, and m11..m20
	// are gone for good: the next message is the sentinel.
	publish("end")
	expect("end")
	if !strings.Contains(logs.String(), "dropped=10") {
		t.Errorf("dropped count not logged; logs:\n%s", logs.String())
	}
}
