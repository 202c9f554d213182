package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
)

// The load of the rolling-restart test: rollingRooms rooms of
// rollingSeats seats, every seat taken, and one outsider per room who
// keeps asking for a seat in it.
const (
	rollingRooms = 4
	rollingSeats = 6
)

// TestRollingRestartBehindAProxyKeepsEverySeatAndSession restarts two
// instances on PostgreSQL and Redis one after the other, behind a load
// balancer, while every seat of four rooms is taken by someone with an
// open focus session who sends a presence update every 200 ms and asks
// for their session over REST every second. Each instance is stopped as
// an operator would (SIGTERM; the instance answers 503 on /readyz and
// closes its sockets with 1012), and a new one is started in its place.
// The clients do what the web app does: on 1012 or a lost connection they
// reconnect through the proxy with back-off and join their room again.
//
// Afterwards everyone is back in their own room on both instances'
// views, every focus session is still open, no room holds more people
// than it seats, nobody heard anyone leave, and the outsiders never got
// a seat. Every read of a session answers 200 (a GET the proxy could not
// deliver is tried on the other instance); a POST it could not deliver is
// counted, not failed, since the instance closes its port before a
// balancer can see its 503 (TestRollingDrainLetsTheBalancerSeeTheInstanceGo).
// The counts (reconnects, refused upgrades, time until everyone was back,
// what the proxy answered) are logged with -v.
func TestRollingRestartBehindAProxyKeepsEverySeatAndSession(t *testing.T) {
	t.Parallel()
	env, _ := scaleOutEnv(t)
	// The proxy is the instances' one trusted proxy: their limits per
	// address count each client, not the proxy.
	args := []string{"--trusted-proxies", "127.0.0.1/32"}
	dir := t.TempDir()
	a, bb := startTogether(t, dir, env, args...)
	proxy := newRollingProxy(t)
	rec := &rollingRecord{}
	proxy.add(a.URL)
	proxy.add(bb.URL)
	rollingWait(t, rec, "both instances healthy at the proxy", func() bool { return proxy.healthy(a.URL) && proxy.healthy(bb.URL) })

	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	t.Cleanup(func() { cancel(); running.Wait() })

	// Everyone signs up through the proxy from their own address; the
	// first of each room creates it.
	people := make([]*rollingPerson, rollingRooms*rollingSeats)
	rooms := make([]string, rollingRooms)
	for i := range people {
		p := newRollingPerson(t, i, proxy.URL, rec)
		people[i] = p
		if i%rollingSeats == 0 {
			var room struct {
				ID string `json:"id"`
			}
			body := map[string]any{"name": fmt.Sprintf("Rolling %d", i/rollingSeats), "category": "study", "maxCapacity": rollingSeats}
			if code := p.call(t, "POST", "/api/rooms", body, &room); code != http.StatusCreated {
				t.Fatalf("create room: %d", code)
			}
			rooms[i/rollingSeats] = room.ID
		}
		p.room = rooms[i/rollingSeats]
	}
	for _, p := range people {
		running.Add(1)
		go func() { defer running.Done(); p.run(ctx) }()
	}
	rollingWait(t, rec, "everyone in their room", func() bool { return rollingAllOn(people, "") })
	// A focus session each, started over REST; then the REST load.
	for _, p := range people {
		var s struct {
			ID string `json:"id"`
		}
		if code := p.call(t, "POST", "/api/sessions", map[string]any{"roomId": p.room, "goals": []string{"keep going"}}, &s); code != http.StatusCreated {
			t.Fatalf("start session: %d", code)
		}
		p.setSession(s.ID)
		running.Add(1)
		go func() { defer running.Done(); p.poll(ctx) }()
	}
	// Outsiders knock on the full rooms.
	for r, room := range rooms {
		k := newRollingPerson(t, len(people)+r, proxy.URL, rec)
		running.Add(1)
		go func() { defer running.Done(); k.knock(ctx, room) }()
	}
	// Load runs a while before anything restarts: five presence updates
	// of each person answered.
	rollingWait(t, rec, "presence updates answered", func() bool {
		for _, p := range people {
			if p.acked.Load() < 5 {
				return false
			}
		}
		return true
	})

	// The rolling restart: A, then B.
	servers := []*server{a, bb}
	var backTimes []time.Duration
	for i, old := range servers {
		began := time.Now()
		proxy.mark(old.URL)
		if err := old.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		// Everyone whose socket was on the old instance is back, on
		// another one, in their room (while the old one may still be
		// finishing its shutdown).
		rollingWait(t, rec, "everyone back after stopping "+old.URL, func() bool { return rollingAllOn(people, old.URL) })
		back := time.Since(began)
		backTimes = append(backTimes, back)
		select {
		case err := <-old.done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, old.logs)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("still running 20 s after SIGTERM")
		}
		took := time.Since(began)
		proxy.remove(old.URL)
		fresh := start(t, dir, env, args...)
		proxy.add(fresh.URL)
		rollingWait(t, rec, "the new instance healthy at the proxy", func() bool { return proxy.healthy(fresh.URL) })
		servers[i] = fresh
		t.Logf("restart %d: SIGTERM to exit %v, everyone back %v after SIGTERM, the new instance ready %v after SIGTERM; the old one's /readyz as the proxy saw it after SIGTERM: %v",
			i+1, took.Round(time.Millisecond), back.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), proxy.history(old.URL))
	}
	// More load on the new pair, then the checks.
	acked := rollingSum(people, func(p *rollingPerson) int64 { return p.acked.Load() })
	rollingWait(t, rec, "presence updates answered after the restarts", func() bool {
		return rollingSum(people, func(p *rollingPerson) int64 { return p.acked.Load() }) >= acked+5*int64(len(people))
	})
	cancel()
	running.Wait()

	for _, msg := range rec.problems() {
		t.Error(msg)
	}
	// Every instance's view: each room seats exactly its people, each of
	// them with their session still open.
	for _, s := range servers {
		for r, room := range rooms {
			members := people[r*rollingSeats : (r+1)*rollingSeats]
			var got struct {
				CurrentCapacity int `json:"currentCapacity"`
				MaxCapacity     int `json:"maxCapacity"`
			}
			if code := call(t, members[0].http, "GET", s.URL+"/api/rooms/"+room, members[0].token, nil, &got); code != 200 {
				t.Fatalf("room on %s: %d", s.URL, code)
			}
			if got.CurrentCapacity != rollingSeats || got.MaxCapacity != rollingSeats {
				t.Errorf("room %d on %s: %d of %d seats taken, want %d of %d", r, s.URL, got.CurrentCapacity, got.MaxCapacity, rollingSeats, rollingSeats)
			}
			// A second tab of the room's first person, straight to the
			// instance: the snapshot lists exactly the room's people,
			// each with their own session.
			c := wstest.Dial(t, wsURL(s.URL), members[0].token)
			want := map[string]string{}
			for _, p := range members {
				want[p.id] = p.sessionID()
			}
			have := map[string]string{}
			for _, v := range c.Join(room).Field(t, "participants").([]any) {
				part := v.(map[string]any)
				focus, _ := part["focus"].(map[string]any)
				sid, _ := focus["sessionId"].(string)
				have[part["id"].(string)] = sid
			}
			if !maps.Equal(have, want) {
				t.Errorf("room %d on %s: participants and sessions %v, want %v", r, s.URL, have, want)
			}
			c.WS.Close(websocket.StatusNormalClosure, "")
		}
		for _, p := range people {
			var sess struct {
				EndedAt *string `json:"endedAt"`
			}
			if code := call(t, p.http, "GET", s.URL+"/api/sessions/"+p.sessionID(), p.token, nil, &sess); code != 200 || sess.EndedAt != nil {
				t.Errorf("person %d's session on %s: %d, endedAt %v", p.n, s.URL, code, sess.EndedAt)
			}
		}
	}

	// The numbers.
	reconnects := rollingSum(people, func(p *rollingPerson) int64 { return p.restarts.Load() })
	lost := rollingSum(people, func(p *rollingPerson) int64 { return p.lost.Load() })
	joins := rollingSum(people, func(p *rollingPerson) int64 { return p.joins.Load() })
	var worst time.Duration
	for _, p := range people {
		worst = max(worst, time.Duration(p.worstGap.Load()))
	}
	t.Logf("%d people in %d rooms, %d outsiders: %d closes with 1012, %d connections lost without a close, %d room joins (%d first joins), longest time a person was out of their room %v",
		len(people), rollingRooms, rollingRooms, reconnects, lost, joins, len(people), worst.Round(time.Millisecond))
	t.Logf("everyone back %v after each SIGTERM", backTimes)
	t.Logf("refused upgrades (status: count): %v; presence updates sent %d, answered %d",
		rec.dialFailures(), rollingSum(people, func(p *rollingPerson) int64 { return p.sent.Load() }), rollingSum(people, func(p *rollingPerson) int64 { return p.acked.Load() }))
	t.Logf("REST: %d requests through the proxy, %d GETs retried on the other instance, %d answered 502 by the proxy, %d 5xx from an instance; session reads (status: count) %v; outsiders' joins (status: count) %v",
		proxy.restRequests.Load(), proxy.retried.Load(), proxy.proxy502REST.Load(), proxy.backend5xxREST.Load(), rec.pollStatuses(), rec.knockStatuses())
	t.Logf("requests that could not reach an instance (method and error: count): %v", proxy.failed())
	t.Logf("WebSocket upgrades: %d through the proxy, %d answered 502 by the proxy, %d 5xx from an instance", proxy.wsUpgrades.Load(), proxy.proxy502WS.Load(), proxy.backend5xxWS.Load())
	// Reading a session is idempotent: the proxy tries it elsewhere, so
	// no read may fail.
	for code, n := range rec.pollStatuses() {
		if code != http.StatusOK {
			t.Errorf("%d session reads answered %d", n, code)
		}
	}
	if reconnects == 0 {
		t.Error("no socket was closed with 1012")
	}
}

// rollingRecord gathers what the clients saw.
type rollingRecord struct {
	mu       sync.Mutex
	issues   []string
	dials    map[int]int // refused upgrades by status (0: no answer)
	polls    map[int]int // session reads by status (0: no answer)
	knocks   map[int]int // outsiders' joins by status (0: no answer)
	problemN int
}

func (r *rollingRecord) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problemN++
	if len(r.issues) < 10 {
		msg := fmt.Sprintf(format, args...)
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		r.issues = append(r.issues, msg)
	}
}

func (r *rollingRecord) problems() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.issues)
	if r.problemN > len(out) {
		out = append(out, fmt.Sprintf("and %d more problems", r.problemN-len(out)))
	}
	return out
}

func rollingCount(mu *sync.Mutex, m *map[int]int, code int) {
	mu.Lock()
	defer mu.Unlock()
	if *m == nil {
		*m = map[int]int{}
	}
	(*m)[code]++
}

func rollingCounts(mu *sync.Mutex, m map[int]int) map[int]int {
	mu.Lock()
	defer mu.Unlock()
	out := map[int]int{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (r *rollingRecord) dialFailures() map[int]int  { return rollingCounts(&r.mu, r.dials) }
func (r *rollingRecord) pollStatuses() map[int]int  { return rollingCounts(&r.mu, r.polls) }
func (r *rollingRecord) knockStatuses() map[int]int { return rollingCounts(&r.mu, r.knocks) }

// rollingPerson is one simulated person: their own loopback address
// (127.0.n+1.1, a network of their own for the limits per address), their
// token, room and focus session, and one WebSocket through the proxy.
type rollingPerson struct {
	n           int
	proxy       string
	http        *http.Client
	token, id   string
	room        string
	rec         *rollingRecord
	mu          sync.Mutex
	session     string
	backend     string // the instance the socket is on, "" when not in the room
	restarts    atomic.Int64
	lost        atomic.Int64
	joins       atomic.Int64
	sent, acked atomic.Int64
	worstGap    atomic.Int64 // longest time out of the room after the first join, ns
}

func newRollingPerson(t *testing.T, n int, proxy string, rec *rollingRecord) *rollingPerson {
	t.Helper()
	if n+1 > 254 {
		t.Fatalf("person %d has no loopback address", n)
	}
	local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(n+1), 1)}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}).DialContext
	t.Cleanup(tr.CloseIdleConnections)
	p := &rollingPerson{n: n, proxy: proxy, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}, rec: rec}
	var s session
	if code := p.call(t, "POST", "/api/auth/anonymous", nil, &s); code != http.StatusCreated {
		t.Fatalf("sign-up of person %d: %d", n, code)
	}
	p.token, p.id = s.Token, s.User.ID
	return p
}

// call is main_test's call from this person's address, through the proxy.
func (p *rollingPerson) call(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	return call(t, p.http, method, p.proxy+path, p.token, body, out)
}

func (p *rollingPerson) setSession(id string) {
	p.mu.Lock()
	p.session = id
	p.mu.Unlock()
}

func (p *rollingPerson) sessionID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.session
}

// on returns the instance the person's socket is joined on, or "".
func (p *rollingPerson) on() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.backend
}

// rollingAllOn reports whether everyone is in their room on an instance
// other than not.
func rollingAllOn(people []*rollingPerson, not string) bool {
	for _, p := range people {
		if on := p.on(); on == "" || on == not {
			return false
		}
	}
	return true
}

func rollingSum(people []*rollingPerson, f func(*rollingPerson) int64) int64 {
	var n int64
	for _, p := range people {
		n += f(p)
	}
	return n
}

// run keeps the person connected until ctx ends, as the web app does:
// after a close (other than signed out or banned) or a failed connection
// it waits backoffDelay and connects again, the wait growing from 0.5 s to
// 10 s with each failure and starting over after a connection that stayed
// up 10 s.
func (p *rollingPerson) run(ctx context.Context) {
	attempt := 0
	var outSince time.Time
	for ctx.Err() == nil {
		up, err := p.connect(ctx, &outSince)
		if ctx.Err() != nil {
			return
		}
		if up >= 10*time.Second {
			attempt = 0
		}
		if err != nil {
			p.rec.problem("person %d: %v", p.n, err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(rollingBackoff(attempt)):
		}
		attempt++
	}
}

// rollingBackoff is the web app's backoffDelay: exponential from 0.5 s up
// to 10 s, with a random wait between half and all of it.
func rollingBackoff(attempt int) time.Duration {
	ceiling := min(10*time.Second, 500*time.Millisecond<<min(attempt, 10))
	return ceiling/2 + rand.N(ceiling/2)
}

// connect makes one connection, joins the room and reads until the
// connection ends. It returns how long the socket was open, and an error
// only for what a client must not retry (the server refused it for good,
// or the person lost their seat).
func (p *rollingPerson) connect(ctx context.Context, outSince *time.Time) (time.Duration, error) {
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	ws, resp, err := websocket.Dial(dialCtx, wsURL(p.proxy), &websocket.DialOptions{
		HTTPClient: p.http,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + p.token}},
	})
	cancel()
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		if ctx.Err() == nil {
			rollingCount(&p.rec.mu, &p.rec.dials, code)
		}
		if code == http.StatusUnauthorized || code == http.StatusForbidden {
			return 0, fmt.Errorf("upgrade refused with %d", code)
		}
		return 0, nil
	}
	backend := resp.Header.Get(rollingBackendHeader)
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	opened := time.Now()
	connCtx, stop := context.WithCancel(ctx)
	defer stop()
	defer func() {
		p.mu.Lock()
		if p.backend != "" {
			*outSince = time.Now()
		}
		p.backend = ""
		p.mu.Unlock()
	}()
	if err := rollingSend(connCtx, ws, "join-room", map[string]any{"roomId": p.room}, "join"); err != nil {
		return 0, nil
	}
	for {
		_, b, err := ws.Read(connCtx)
		if err != nil {
			up := time.Since(opened)
			if ctx.Err() != nil {
				return up, nil // the test is over
			}
			switch code := websocket.CloseStatus(err); code {
			case websocket.StatusServiceRestart:
				p.restarts.Add(1)
			case -1:
				p.lost.Add(1)
			case 4401, 4403, websocket.StatusPolicyViolation:
				return up, fmt.Errorf("closed with %d", code)
			default:
				p.rec.problem("person %d: closed with %d", p.n, code)
			}
			return up, nil
		}
		var m struct {
			Event string          `json:"event"`
			Data  json.RawMessage `json:"data"`
			Ref   string          `json:"ref"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			p.rec.problem("person %d: invalid JSON %q", p.n, b)
			continue
		}
		switch {
		case m.Event == "room-joined" && m.Ref == "join":
			if err := p.checkSnapshot(m.Data); err != nil {
				return time.Since(opened), err
			}
			p.joins.Add(1)
			p.mu.Lock()
			p.backend = backend
			if !outSince.IsZero() {
				p.worstGap.Store(max(p.worstGap.Load(), int64(time.Since(*outSince))))
			}
			p.mu.Unlock()
			go p.present(connCtx, ws)
		case m.Event == "error":
			p.rec.problem("person %d: error %s (ref %q)", p.n, m.Data, m.Ref)
			if m.Ref == "join" {
				return time.Since(opened), fmt.Errorf("rejoin refused: %s", m.Data)
			}
		case m.Event == "presence-updated" && strings.HasPrefix(m.Ref, "p"):
			p.acked.Add(1)
		case m.Event == "participant-left" || m.Event == "room-left":
			p.rec.problem("person %d heard %s %s", p.n, m.Event, m.Data)
		case m.Event == "focus-session-updated" || m.Event == "focus-session-completed":
			if bytes.Contains(m.Data, []byte(`"endedAt":"`)) {
				p.rec.problem("person %d heard a session end: %s %s", p.n, m.Event, m.Data)
			}
		}
	}
}

// checkSnapshot checks a room-joined: the person's own room, with them
// in it and, once they have one, their open session on them.
func (p *rollingPerson) checkSnapshot(data json.RawMessage) error {
	var snap struct {
		Room struct {
			ID string `json:"id"`
		} `json:"room"`
		Participants []struct {
			ID    string `json:"id"`
			Focus *struct {
				SessionID string `json:"sessionId"`
			} `json:"focus"`
		} `json:"participants"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("room-joined: %v", err)
	}
	if snap.Room.ID != p.room {
		return fmt.Errorf("joined room %q, want %s", snap.Room.ID, p.room)
	}
	if len(snap.Participants) > rollingSeats {
		return fmt.Errorf("room-joined lists %d people in a room of %d", len(snap.Participants), rollingSeats)
	}
	want := p.sessionID()
	for _, part := range snap.Participants {
		if part.ID != p.id {
			continue
		}
		if want == "" {
			return nil
		}
		if part.Focus == nil || part.Focus.SessionID != want {
			return fmt.Errorf("after a rejoin my focus is %+v, want session %s", part.Focus, want)
		}
		return nil
	}
	return fmt.Errorf("room-joined does not list me")
}

// present sends an update-presence every 200 ms until ctx ends.
func (p *rollingPerson) present(ctx context.Context, ws *websocket.Conn) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	statuses := []string{"working", "break"}
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := rollingSend(ctx, ws, "update-presence", map[string]any{"roomId": p.room, "status": statuses[i%2]}, fmt.Sprintf("p%d", i)); err != nil {
			return
		}
		p.sent.Add(1)
	}
}

func rollingSend(ctx context.Context, ws *websocket.Conn, event string, data any, ref string) error {
	b, _ := json.Marshal(map[string]any{"event": event, "data": data, "ref": ref})
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return ws.Write(wctx, websocket.MessageText, b)
}

// poll reads the person's session through the proxy every second, as an
// app showing it would, and records the answers; an ended session is a
// problem.
func (p *rollingPerson) poll(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		code, body := p.request(ctx, "GET", "/api/sessions/"+p.sessionID())
		if ctx.Err() != nil {
			return
		}
		rollingCount(&p.rec.mu, &p.rec.polls, code)
		if code == http.StatusOK && !bytes.Contains(body, []byte(`"endedAt":null`)) {
			p.rec.problem("person %d's session ended: %s", p.n, body)
		}
	}
}

// knock asks for a seat in the full room every 300 ms: every answer must
// be 409 room_full (a seat held for someone reconnecting is not free).
func (p *rollingPerson) knock(ctx context.Context, room string) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
		code, body := p.request(ctx, "POST", "/api/rooms/"+room+"/join")
		if ctx.Err() != nil {
			return
		}
		rollingCount(&p.rec.mu, &p.rec.knocks, code)
		if code < 500 && code != 0 && (code != http.StatusConflict || !bytes.Contains(body, []byte("room_full"))) {
			p.rec.problem("an outsider's join of a full room: %d %s", code, body)
		}
	}
}

// request is one REST request through the proxy; 0 when nothing answered.
func (p *rollingPerson) request(ctx context.Context, method, path string) (int, []byte) {
	req, _ := http.NewRequestWithContext(ctx, method, p.proxy+path, nil)
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// rollingWait polls cond every 20 ms for up to a minute; when it does
// not come true, the test fails with the problems rec holds (if any).
func rollingWait(t *testing.T, rec *rollingRecord, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			var seen []string
			if rec != nil {
				seen = rec.problems()
			}
			t.Fatalf("%s: not within a minute; problems: %q", what, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRollingDrainLetsTheBalancerSeeTheInstanceGo checks what
// docs/operations.md ("Health probes") promises a load balancer: when
// shutdown begins, /readyz answers 503 before the instance stops taking
// connections, so a balancer checking every 200 ms stops sending to it
// first (the 503 lasts at least one check interval: --drain-delay, 2 s by
// default with --redis-url, given here since this instance runs alone).
// Without that window, requests the balancer sends in the meantime find
// the connection refused: a GET can be tried elsewhere, a POST gets 502.
func TestRollingDrainLetsTheBalancerSeeTheInstanceGo(t *testing.T) {
	t.Parallel()
	s := start(t, t.TempDir(), nil, "--drain-delay", "1s")
	proxy := newRollingProxy(t)
	proxy.add(s.URL)
	rollingWait(t, nil, "the instance healthy at the proxy", func() bool { return proxy.healthy(s.URL) })
	// A socket, so that shutdown has someone to tell 1012.
	me := signUp(t, s.URL)
	c := wstest.Dial(t, wsURL(s.URL), me.Token)

	// Besides the proxy, the test asks /readyz as often as it can, to
	// measure how long the 503 lasts.
	var first503, refused time.Time
	proxy.mark(s.URL)
	began := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: time.Second}
	for refused.IsZero() && time.Since(began) < 20*time.Second {
		resp, err := client.Get(s.URL + "/readyz")
		switch {
		case err != nil:
			refused = time.Now()
		case resp.StatusCode == http.StatusServiceUnavailable && first503.IsZero():
			first503 = time.Now()
		}
		if err == nil {
			resp.Body.Close()
		}
	}
	closed := c.WaitClose()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, s.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20 s after SIGTERM")
	}
	window, from := time.Duration(0), "never"
	if !first503.IsZero() {
		window, from = refused.Sub(first503), "+"+first503.Sub(began).Round(time.Millisecond).String()
	}
	t.Logf("after SIGTERM: /readyz 503 from %s for %v, then connections refused; socket closed with %d; the proxy (checking every 200 ms) saw %v",
		from, window.Round(time.Millisecond), closed, proxy.history(s.URL))
	// A balancer that checks every rollingCheckEvery sees a 503 that
	// lasts at least that long, whenever its checks fall.
	if window < rollingCheckEvery {
		t.Errorf("/readyz answered 503 for %v before the instance stopped taking connections (%v after SIGTERM): a load balancer checking every %v may never see it, and sends requests to a closed port meanwhile",
			window.Round(time.Millisecond), refused.Sub(began).Round(time.Millisecond), rollingCheckEvery)
	}
}
