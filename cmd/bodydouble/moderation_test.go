package main_test

import (
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
)

// admin runs `bodydouble admin args...` with env, as an operator would on
// the server's machine, and returns its output.
func admin(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"admin"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

type ownSession struct {
	User struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	} `json:"user"`
}

// TestAdminCommandAndBanAcrossInstances: the command line makes a
// moderator in the servers' database; the moderator bans someone on A,
// and that person's socket on B closes with 4403, B refuses their REST
// requests (but for their session) and their new sockets, until the ban
// is lifted.
func TestAdminCommandAndBanAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := scaleOut(t)
	env := a.env
	mod, bob := signUp(t, a.URL), signUp(t, b.URL)

	// A member may not ban.
	if code := call(t, nil, "POST", a.URL+"/api/mod/bans", mod.Token, map[string]any{"userId": bob.User.ID, "reason": "spam"}, nil); code != http.StatusForbidden {
		t.Fatalf("a member's ban: %d, want 403", code)
	}
	if out, err := admin(t, env, "role", mod.User.ID, "emperor"); err == nil {
		t.Fatalf("admin accepted an unknown role: %s", out)
	}
	out, err := admin(t, env, "role", mod.User.ID, "admin")
	if err != nil {
		t.Fatalf("bodydouble admin role: %v\n%s", err, out)
	}
	var own ownSession
	call(t, nil, "GET", b.URL+"/api/auth/session", mod.Token, nil, &own)
	if own.User.Role != "admin" {
		t.Fatalf("role after the command, read on the other instance: %q", own.User.Role)
	}

	cb := wstest.Dial(t, wsURL(b.URL), bob.Token)
	// B has just looked bob up (the socket's upgrade): its cached answer
	// is "not banned", which the ban's message must drop.
	var ban struct {
		ID string `json:"id"`
	}
	if code := call(t, nil, "POST", a.URL+"/api/mod/bans", mod.Token, map[string]any{"userId": bob.User.ID, "reason": "spam", "durationHours": 24}, &ban); code != http.StatusCreated {
		t.Fatalf("ban: %d", code)
	}
	if code := cb.WaitClose(); code != websocket.StatusCode(realtime.CloseBanned) {
		t.Fatalf("bob's socket on B closed with %d, want 4403", code)
	}
	var problem struct {
		Code   string `json:"code"`
		Reason string `json:"reason"`
		Until  string `json:"until"`
	}
	if code := call(t, nil, "GET", b.URL+"/api/rooms", bob.Token, nil, &problem); code != http.StatusForbidden || problem.Code != "banned" || problem.Reason != "spam" || problem.Until == "" {
		t.Fatalf("bob's request on B: %d %+v, want 403 banned with reason and until", code, problem)
	}
	if code := call(t, nil, "GET", b.URL+"/api/auth/session", bob.Token, nil, nil); code != http.StatusOK {
		t.Fatalf("bob's session on B: %d, want 200", code)
	}
	req, _ := http.NewRequest("GET", b.URL+"/ws", nil)
	req.Header.Set("Authorization", "Bearer "+bob.Token)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("bob's new socket on B: %d, want 403 before the upgrade", res.StatusCode)
	}

	// Lifted on B: A lets bob in again.
	if code := call(t, nil, "DELETE", b.URL+"/api/mod/bans/"+ban.ID, mod.Token, nil, nil); code != http.StatusNoContent {
		t.Fatalf("unban: %d", code)
	}
	deadline := time.Now().Add(wstest.WaitLimit)
	for call(t, nil, "GET", a.URL+"/api/rooms", bob.Token, nil, nil) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("bob still refused on A after the ban was lifted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var audit struct {
		Entries []struct {
			ActorID string `json:"actorId"`
			Action  string `json:"action"`
		} `json:"entries"`
	}
	call(t, nil, "GET", a.URL+"/api/mod/audit", mod.Token, nil, &audit)
	var actions []string
	for _, e := range audit.Entries {
		actions = append(actions, e.ActorID+":"+e.Action)
	}
	want := "x:user.unban x:user.ban cli:role.set"
	if got := strings.ReplaceAll(strings.Join(actions, " "), mod.User.ID, "x"); got != want {
		t.Fatalf("audit log %q, want %q", got, want)
	}
}
