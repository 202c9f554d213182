package realtime_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// waitLimit bounds every wait for an event; tests never sleep to synchronise.
const waitLimit = wstest.WaitLimit

type env struct {
	st    store.Store
	auth  *auth.Service
	rooms *rooms.Service
	hub   *realtime.Hub
	srv   *httptest.Server
}

type envOptions struct {
	grace time.Duration
	store store.Store
	// broker is the instance's broker (closed with the env); a fresh
	// in-process one when nil.
	broker broker.Broker
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	st := o.store
	if st == nil {
		st = openStore(t)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := o.broker
	if b == nil {
		b = broker.NewMemory()
	}
	t.Cleanup(func() { b.Close() })
	a, err := auth.NewService(st, strings.Repeat("s", 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := rooms.New(rooms.Options{Store: st, Broker: b, Logger: log, Grace: o.grace})
	if err := st.SeedRooms(context.Background(), rooms.StarterRooms()); err != nil {
		t.Fatal(err)
	}
	hub, err := realtime.New(realtime.Options{Auth: a, Rooms: rs, Broker: b, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { rs.Run(ctx); done <- struct{}{} }()
	go func() { hub.Run(ctx); done <- struct{}{} }()
	mux := http.NewServeMux()
	mux.Handle("/ws", hub)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), waitLimit)
		defer c()
		hub.Shutdown(sctx)
		srv.Close()
		cancel()
		<-done
		<-done
	})
	return &env{st: st, auth: a, rooms: rs, hub: hub, srv: srv}
}

// openStore opens a fresh store: PostgreSQL when BODYDOUBLE_TEST_DATABASE_URL
// is set (the hub's behaviour depends on the store's concurrency), else SQLite.
func openStore(t *testing.T) store.Store {
	t.Helper()
	if os.Getenv(storetest.PostgresEnv) != "" {
		return storetest.OpenPostgres(t)
	}
	return storetest.OpenSQLite(t)
}

// user makes a new anonymous identity.
func (e *env) user(t *testing.T) auth.Identity {
	t.Helper()
	_, id, err := e.auth.CreateAnonymous(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// oneInRoom seats a new person in a new room of 8 over a socket, and
// returns a second person who is in no room yet.
func (e *env) oneInRoom(t *testing.T) (alice, bob auth.Identity, room string, a *client) {
	t.Helper()
	alice, bob = e.user(t), e.user(t)
	room = e.room(t, alice, 8)
	a = e.dial(t, alice)
	a.Join(room)
	return alice, bob, room, a
}

// twoInRoom seats two new people in a new room of 8 over their sockets,
// with the first one's participant-joined about the second consumed.
func (e *env) twoInRoom(t *testing.T) (alice, bob auth.Identity, room string, a, b *client) {
	t.Helper()
	alice, bob, room, a = e.oneInRoom(t)
	b = e.dial(t, bob)
	b.Join(room)
	a.Expect("participant-joined", "")
	return alice, bob, room, a, b
}

// room creates a room with the given capacity, whose timer anyone in it
// controls.
func (e *env) room(t *testing.T, owner auth.Identity, capacity int) string {
	t.Helper()
	anyone := "anyone"
	r, err := e.rooms.CreateRoom(context.Background(), owner.UserID, wire.CreateRoomInput{Name: "Test room", Category: "study", MaxCapacity: &capacity, TimerControl: &anyone})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func (e *env) wsURL() string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws" }

type (
	msg    = wstest.Msg
	client = wstest.Client
)

// dial opens a socket as id (Bearer auth).
func (e *env) dial(t *testing.T, id auth.Identity) *client {
	t.Helper()
	return wstest.Dial(t, e.wsURL(), id.Token)
}
