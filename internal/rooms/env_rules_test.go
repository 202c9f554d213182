package rooms_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// The *_rules_test.go files test the rules of package rooms through its
// exported API only: a real Service on a real store (SQLite always,
// PostgreSQL too when BODYDOUBLE_TEST_DATABASE_URL is set), an in-process
// broker, and a clock the test moves.

// none is the zero origin: a change no socket request asked for (REST).
var none protocol.Origin

// start is where every test clock begins: a Monday morning, and years
// ahead of the wall clock, so that a timer started by a test is never due
// in real time while the test runs.
var start = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

// clock is a Service clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// env is one Service with its store, broker and clock.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    store.Store
	br    *broker.Memory
	clock *clock
	s     *rooms.Service
}

// eachBackend runs f once per store backend, each with a fresh env.
func eachBackend(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, newEnv(t, b.Open(t)))
		})
	}
}

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	br := broker.NewMemory()
	t.Cleanup(func() { _ = br.Close() })
	c := &clock{now: start}
	s := rooms.New(rooms.Options{Store: st, Broker: br, Now: c.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return &env{t: t, ctx: context.Background(), st: st, br: br, clock: c, s: s}
}

// user stores a person and returns their id.
func (e *env) user() string {
	e.t.Helper()
	id := uuid.NewString()
	if err := e.st.CreateUser(e.ctx, model.User{ID: id, AnonymousID: uuid.NewString(), DisplayName: "P", CreatedAt: start, UpdatedAt: start}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// room creates a room of category study, with capacity and mic policy,
// made by creator.
func (e *env) room(creator string, capacity int, mic string) model.Room {
	e.t.Helper()
	r, err := e.s.CreateRoom(e.ctx, creator, wire.CreateRoomInput{Name: "Room", Category: "study", MaxCapacity: &capacity, MicPolicy: &mic})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// join puts each user in roomID, failing the test if one cannot.
func (e *env) join(roomID string, users ...string) {
	e.t.Helper()
	for _, u := range users {
		if _, err := e.s.Join(e.ctx, u, roomID, none); err != nil {
			e.t.Fatalf("join: %v", err)
		}
	}
}

// session starts a session of userID in roomID with goals.
func (e *env) session(userID, roomID string, share bool, goals ...string) model.Session {
	e.t.Helper()
	s, err := e.s.StartSession(e.ctx, userID, wire.StartSessionInput{RoomID: roomID, Goals: goals, ShareGoals: &share}, none)
	if err != nil {
		e.t.Fatalf("start session: %v", err)
	}
	return s
}

// code is err's apperr code, or "" when err is nil, or "(not apperr)".
func code(err error) string {
	if err == nil {
		return ""
	}
	var e *apperr.Error
	if !errors.As(err, &e) {
		return "(not apperr: " + err.Error() + ")"
	}
	return e.Code
}

// wantCode fails unless err has code ("" for no error).
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Fatalf("%s: %v (code %q), want %q", what, err, got, want)
	}
}

// fields lists the fields of an `invalid` error, in order; nil otherwise.
func fields(err error) []string {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid {
		return nil
	}
	out := []string{}
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// wantFields fails unless err is `invalid` naming exactly want, in order.
func wantFields(t *testing.T, what string, err error, want ...string) {
	t.Helper()
	if got := fields(err); !slices.Equal(got, want) {
		t.Fatalf("%s: %v, want invalid %v", what, err, want)
	}
}

// event is one room broadcast as a test sees it.
type event struct {
	Name, Owner, Subject, Reason, To string
	Data, OwnerData                  json.RawMessage
}

// watcher collects the broadcasts of one room, in order.
type watcher struct {
	t  *testing.T
	ch chan event
}

// watch subscribes to roomID's broadcasts from now on.
func (e *env) watch(roomID string) *watcher {
	e.t.Helper()
	w := &watcher{t: e.t, ch: make(chan event, 256)}
	cancel, err := e.br.Subscribe(e.ctx, protocol.RoomChannel(roomID), func(b []byte) {
		if string(b) == marker {
			w.ch <- event{Name: marker}
			return
		}
		ev, err := protocol.DecodeEvent(b)
		if err != nil {
			e.t.Errorf("undecodable broadcast: %v", err)
			return
		}
		w.ch <- event{Name: ev.Name, Owner: ev.Owner, Subject: ev.Subject, Reason: ev.Reason, To: ev.To,
			Data: bytesCopy(ev.Data), OwnerData: bytesCopy(ev.OwnerData)}
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(cancel)
	return w
}

// marker is what quiet publishes: not an event, so it cannot be confused
// with one.
const marker = "(marker)"

// quiet fails if anything was broadcast to roomID since the last next: it
// publishes a marker from this goroutine, which the broker delivers after
// everything this goroutine published before, and expects it next.
func (e *env) quiet(w *watcher, roomID string) {
	e.t.Helper()
	if err := e.br.Publish(e.ctx, protocol.RoomChannel(roomID), []byte(marker)); err != nil {
		e.t.Fatal(err)
	}
	w.next(marker)
}

func bytesCopy(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage{}, b...)
}

// next returns the next broadcast, which must be called name. The broker
// delivers asynchronously; the timeout only bounds a failing test.
func (w *watcher) next(name string) event {
	w.t.Helper()
	select {
	case ev := <-w.ch:
		if ev.Name != name {
			w.t.Fatalf("next broadcast is %s (%s), want %s", ev.Name, ev.Data, name)
		}
		return ev
	case <-time.After(10 * time.Second):
		w.t.Fatalf("no %s broadcast", name)
		return event{}
	}
}

// decode unmarshals JSON into a fresh T, failing the test on error.
func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }
