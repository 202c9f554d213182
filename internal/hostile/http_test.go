package hostile

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSlowRequests: 560 POSTs that announce a body and send one byte used
// to exhaust the server's file descriptors (accept4: too many open files),
// so that real requests timed out. One address now holds at most
// --max-conns-per-addr of them, and a person elsewhere is served.
func TestSlowRequests(t *testing.T) {
	s := startServer(t)
	before := s.fds()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.31")}, Timeout: 5 * time.Second}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 560 {
		c, err := d.Dial("tcp", s.addr)
		if err != nil {
			break // the kernel's queue is full: the server is refusing, not drowning
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /api/rooms HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", s.addr)
	}
	// A real person, from another address, is served while they wait.
	p := s.signUp(t, "127.0.0.32")
	if status, body := s.call(t, p, "GET", "/api/rooms", nil, nil); status != http.StatusOK {
		t.Fatalf("a real request during the attack: %d %s", status, body)
	}
	held := s.fds() - before
	t.Logf("560 slow POSTs from one address: the server holds %d more descriptors", held)
	if held > 64+8 {
		t.Errorf("the server holds %d more descriptors, want at most the per-address cap (64) and a few", held)
	}
}

// TestErrorAnswersAreCapped: 12,000 invalid entries used to get an answer
// 14 times the request's size; an `invalid` answer lists at most 20.
func TestErrorAnswersAreCapped(t *testing.T) {
	s := startServer(t)
	p := s.signUp(t, "127.0.0.33")
	cats := make([]string, 12000)
	for i := range cats {
		cats[i] = "x"
	}
	status, body := s.call(t, p, "PUT", "/api/users/preferences", map[string]any{"preferredRoomCategories": cats}, nil)
	var problem struct {
		Code   string
		Errors []struct{ Field string }
	}
	if err := json.Unmarshal(body, &problem); err != nil {
		t.Fatalf("%d %.200s: %v", status, body, err)
	}
	t.Logf("12,000 invalid categories (%d bytes): %d, %d errors in %d bytes", 12000*7, status, len(problem.Errors), len(body))
	if status != http.StatusBadRequest || problem.Code != "invalid" || len(problem.Errors) == 0 || len(problem.Errors) > 20 {
		t.Errorf("answer %d %s with %d errors; want 400 invalid with 1 to 20", status, problem.Code, len(problem.Errors))
	}
	if len(body) > 4<<10 {
		t.Errorf("the answer is %d bytes", len(body))
	}
}

// TestForgedCursors: a cursor the server did not make is a bad request,
// not a missing page.
func TestForgedCursors(t *testing.T) {
	s := startServer(t)
	p := s.signUp(t, "127.0.0.34")
	for _, path := range []string{"/api/rooms?cursor=garbage", "/api/rooms?cursor=AAAA", "/api/sessions/history?cursor=%00%ff"} {
		status, body := s.call(t, p, "GET", path, nil, nil)
		if status != http.StatusBadRequest || !strings.Contains(string(body), `"cursor"`) {
			t.Errorf("GET %s: %d %s, want 400 naming the cursor", path, status, body)
		}
	}
}

// TestProtocolPromises: every event with a ref gets exactly one reply, and
// a failed remove-participant changes nothing.
func TestProtocolPromises(t *testing.T) {
	s := startServer(t)
	const src = "127.0.0.35"
	creator, other := s.signUp(t, src), s.signUp(t, src)
	room := s.createRoom(t, creator)

	// leave-room from a tab that never joined: one reply, then the marker.
	tab := s.mustDial(t, other)
	tab.send(t, "leave-room", map[string]any{"roomId": room}, "leave")
	tab.send(t, "no-such-event", map[string]any{}, "marker")
	for _, ref := range []string{"leave", "marker"} {
		if ev, _ := tab.next(t); ev.Ref != ref {
			t.Fatalf("got %s (ref %q) %s, want the reply to %q", ev.Event, ev.Ref, ev.Data, ref)
		}
	}

	// remove-participant of someone not in the room, and of nobody.
	ws := s.mustDial(t, creator)
	ws.send(t, "join-room", map[string]any{"roomId": room}, "j")
	ws.expect(t, "room-joined", "j")
	for _, target := range []string{other.id, "6f1d2c1e-9a4b-4c59-8f3e-0d6b2a7c9e11"} {
		ws.send(t, "remove-participant", map[string]any{"roomId": room, "participantId": target}, "rm")
		data, _ := ws.expect(t, "error", "rm")
		var e struct{ Code string }
		_ = json.Unmarshal(data, &e)
		if e.Code != "not_in_room" && e.Code != "not_found" {
			t.Errorf("remove-participant %s: %s, want not_in_room or not_found", target, data)
		}
	}
	// The failed removal banned nobody.
	tab.send(t, "join-room", map[string]any{"roomId": room}, "j2")
	tab.expect(t, "room-joined", "j2")
}
