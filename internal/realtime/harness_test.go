package realtime_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// waitLimit bounds every wait for an event; tests never sleep to synchronise.
const waitLimit = 10 * time.Second

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
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	st := o.store
	if st == nil {
		st = storetest.OpenSQLite(t)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := broker.NewMemory()
	t.Cleanup(func() { b.Close() })
	a, err := auth.NewService(st, strings.Repeat("s", 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := rooms.New(rooms.Options{Store: st, Broker: b, Logger: log, Grace: o.grace})
	if err := st.SeedRooms(context.Background(), rooms.StarterRooms()); err != nil {
		t.Fatal(err)
	}
	hub := realtime.New(realtime.Options{Auth: a, Rooms: rs, Broker: b, Logger: log})
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

// user makes a new anonymous identity.
func (e *env) user(t *testing.T) auth.Identity {
	t.Helper()
	_, id, err := e.auth.CreateAnonymous(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// room creates a room with the given capacity.
func (e *env) room(t *testing.T, owner auth.Identity, capacity int) string {
	t.Helper()
	r, err := e.rooms.CreateRoom(context.Background(), owner.UserID, rooms.CreateRoomInput{Name: "Test room", Category: "study", MaxCapacity: &capacity})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func (e *env) wsURL() string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws" }

type msg struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	Ref   string          `json:"ref"`
}

func (m msg) field(t *testing.T, path ...string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(m.Data, &v); err != nil {
		t.Fatalf("data of %s: %v", m.Event, err)
	}
	for _, p := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object at %q", m.Event, v, p)
		}
		v = obj[p]
	}
	return v
}

type client struct {
	t      *testing.T
	ws     *websocket.Conn
	in     chan msg
	closed chan websocket.StatusCode
}

// dial opens a socket as id (Bearer auth).
func (e *env) dial(t *testing.T, id auth.Identity) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, e.wsURL(), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + id.Token}}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ws.SetReadLimit(1 << 20)
	c := &client{t: t, ws: ws, in: make(chan msg, 1024), closed: make(chan websocket.StatusCode, 1)}
	go func() {
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				c.closed <- websocket.CloseStatus(err)
				close(c.in)
				return
			}
			var m msg
			if err := json.Unmarshal(b, &m); err != nil {
				panic("server sent invalid JSON: " + string(b))
			}
			c.in <- m
		}
	}()
	t.Cleanup(func() { ws.CloseNow() })
	return c
}

func (c *client) send(event string, data any, ref string) {
	c.t.Helper()
	f := map[string]any{"event": event, "data": data}
	if ref != "" {
		f["ref"] = ref
	}
	b, _ := json.Marshal(f)
	c.sendRaw(b)
}

func (c *client) sendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// next returns the very next frame.
func (c *client) next() msg {
	c.t.Helper()
	select {
	case m, ok := <-c.in:
		if !ok {
			c.t.Fatal("connection closed while waiting for a frame")
		}
		return m
	case <-time.After(waitLimit):
		c.t.Fatal("no frame within the wait limit")
	}
	return msg{}
}

// expect returns the next frame and checks its event and ref.
func (c *client) expect(event, ref string) msg {
	c.t.Helper()
	m := c.next()
	if m.Event != event || m.Ref != ref {
		c.t.Fatalf("got %s (ref %q) %s, want %s (ref %q)", m.Event, m.Ref, m.Data, event, ref)
	}
	if _, ok := m.field(c.t, "serverTime").(float64); !ok {
		c.t.Fatalf("%s has no serverTime: %s", m.Event, m.Data)
	}
	return m
}

// expectError checks the next frame is an error with code and ref.
func (c *client) expectError(code, ref string) msg {
	c.t.Helper()
	m := c.expect("error", ref)
	if got := m.field(c.t, "code"); got != code {
		c.t.Fatalf("error code %v, want %s: %s", got, code, m.Data)
	}
	return m
}

// waitClose waits for the server to close the socket and returns the code.
func (c *client) waitClose() websocket.StatusCode {
	c.t.Helper()
	for {
		select {
		case code := <-c.closed:
			return code
		case _, ok := <-c.in:
			if !ok {
				return <-c.closed
			}
		case <-time.After(waitLimit):
			c.t.Fatal("socket not closed within the wait limit")
		}
	}
}

// join sends join-room and returns the snapshot.
func (c *client) join(roomID string) msg {
	c.t.Helper()
	c.send("join-room", map[string]any{"roomId": roomID}, "j")
	return c.expect("room-joined", "j")
}
