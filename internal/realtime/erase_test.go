package realtime_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/store"
)

// redisInstance starts a hub on st whose broker is a Redis client of its
// own (with prefix), as a separate server process would have.
func redisInstance(t *testing.T, st store.Store, url, prefix string) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := broker.NewRedis(t.Context(), broker.RedisOptions{URL: url, Prefix: prefix, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return newEnv(t, envOptions{store: st, broker: b})
}

// TestEraseClosesEverySocketEverywhere: a person who erased themselves
// has sockets on two instances, opened with two tokens; CloseUser on one
// instance closes both with 4401, and nobody else's.
func TestEraseClosesEverySocketEverywhere(t *testing.T) {
	t.Parallel()
	url := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if url == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL is not set")
	}
	b := make([]byte, 8)
	rand.Read(b)
	prefix := "bdtest:" + hex.EncodeToString(b) + ":"
	st := openStore(t)
	one, two := redisInstance(t, st, url, prefix), redisInstance(t, st, url, prefix)

	// The second instance listens on the tokens channel once a logout
	// published by the first closes a socket there.
	probe := one.user(t)
	probeConn := two.dial(t, probe)
	if err := one.auth.Revoke(context.Background(), probe); err != nil {
		t.Fatal(err)
	}
	one.hub.CloseToken(context.Background(), probe)
	if code := probeConn.WaitClose(); code != websocket.StatusCode(realtime.CloseSignedOut) {
		t.Fatalf("probe closed with %d", code)
	}

	first := one.user(t)
	second, err := one.auth.Issue(first.UserID) // another device of the same person
	if err != nil {
		t.Fatal(err)
	}
	here, there := one.dial(t, first), two.dial(t, second)
	bystander := two.dial(t, two.user(t))
	one.hub.CloseUser(context.Background(), first.UserID)
	for _, c := range []*client{here, there} {
		if code := c.WaitClose(); code != websocket.StatusCode(realtime.CloseSignedOut) {
			t.Fatalf("close code %d, want 4401", code)
		}
	}
	bystander.Send("dance", map[string]any{}, "still-open")
	bystander.ExpectError("unknown_event", "still-open")
}
