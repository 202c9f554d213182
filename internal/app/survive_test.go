package app

// Survival tests: a person seated with an open focus session keeps it
// through a restart (SIGINT, a graceful stop), a crash (SIGKILL: no
// shutdown at all) and a dropped socket, as long as they come back within
// the grace period (docs/protocol.md "Presence and grace"). They run the
// real binary, so the timings are production's: 30 s of grace, and 90 s
// (grace plus the outage tolerance) for the seats a crashed instance held.
//
// Each test also seats a canary who never comes back. Seeing the canary
// leave proves that the new instance's sweep has run past the point where
// the person's seat would have gone, with no wait on the clock.

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// surviveLimit bounds the wait for the canary: a crashed instance's
// seats go 90 s after its last lease renewal, plus a sweep.
const surviveLimit = 4 * time.Minute

// binary builds bodydouble once per test binary run.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "bodydouble-survive-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bodydouble")
	out, err := exec.Command("go", "build", "-o", path, "github.com/bodydouble/bodydouble/cmd/bodydouble").CombinedOutput()
	if err != nil {
		return "", &buildError{string(out), err}
	}
	return path, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// proc is one bodydouble process.
type proc struct {
	cmd  *exec.Cmd
	base string // http://host:port
	done chan struct{}

	mu   sync.Mutex
	logs strings.Builder
}

// startProc runs bodydouble with args on a random loopback port and
// returns once it listens.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatalf("build bodydouble: %v", err)
	}
	p := &proc{done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--turn-addr", "off", "--log-format", "json"}, args...)...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			var rec struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "bodydouble listening" {
				addr <- rec.URL
			}
		}
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			p.mu.Lock()
			t.Logf("log of pid %d:\n%s", p.cmd.Process.Pid, p.logs.String())
			p.mu.Unlock()
		}
	})
	select {
	case p.base = <-addr:
	case <-p.done:
		t.Fatal("bodydouble exited before listening")
	case <-time.After(time.Minute):
		t.Fatal("bodydouble did not listen within a minute")
	}
	return p
}

func (p *proc) ws() string { return "ws" + strings.TrimPrefix(p.base, "http") + "/ws" }

// stop ends the process with sig and waits for it to exit.
func (p *proc) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Fatalf("bodydouble did not exit within a minute of %v", sig)
	}
}

// signUpAt creates an anonymous user through base's API.
func signUpAt(t *testing.T, base string) session {
	t.Helper()
	res, err := http.Post(base+"/api/auth/anonymous", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("sign up: %d %v", res.StatusCode, err)
	}
	return session{base: base, token: a.Token, userID: a.User.ID}
}

// untilRef returns c's frame with ref, skipping the room's other events.
func untilRef(t *testing.T, c *wstest.Client, ref string) wstest.Msg {
	t.Helper()
	for {
		if m := c.Next(); m.Ref == ref {
			return m
		}
	}
}

// focusOf returns the focus of userID in a room-joined snapshot (nil if
// they have none) and whether they are in the room at all.
func focusOf(t *testing.T, snap wstest.Msg, userID string) (map[string]any, bool) {
	t.Helper()
	for _, p := range snap.Field(t, "participants").([]any) {
		pm := p.(map[string]any)
		if pm["id"] == userID {
			f, _ := pm["focus"].(map[string]any)
			return f, true
		}
	}
	return nil, false
}

// backendArgs are the database flags of each backend the tests run on:
// SQLite always, PostgreSQL when BODYDOUBLE_TEST_DATABASE_URL is set.
// Each call gives a fresh database.
func backendArgs(t *testing.T) map[string]func(t *testing.T) []string {
	t.Helper()
	b := map[string]func(t *testing.T) []string{
		"sqlite": func(t *testing.T) []string { return []string{"--data-dir", t.TempDir()} },
	}
	if os.Getenv(storetest.PostgresEnv) != "" {
		b["postgres"] = func(t *testing.T) []string {
			return []string{"--data-dir", t.TempDir(), "--database-url", storetest.PostgresURL(t)}
		}
	}
	return b
}

// How the connection of the person (and the canary) goes away.
const (
	viaRestart = "restart" // SIGINT: sockets closed with 1012, seats released
	viaCrash   = "crash"   // SIGKILL: nothing released, no lease ended
	viaDrop    = "drop"    // the sockets drop; the server stays up
)

func TestFocusSurvivesRestart(t *testing.T)       { t.Parallel(); survive(t, viaRestart) }
func TestFocusSurvivesCrash(t *testing.T)         { t.Parallel(); survive(t, viaCrash) }
func TestFocusSurvivesDroppedSocket(t *testing.T) { t.Parallel(); survive(t, viaDrop) }

// survive seats alice (with an open focus session of a planned 50
// minutes), bob (who watches) and a canary on one instance, takes their
// connections away by how, brings alice and bob back on the instance
// that serves next, and waits for the canary, who never comes back, to
// be let go. Alice must still be in the room with her focus, her session
// open, and nobody may have heard that she left or that her session
// ended.
func survive(t *testing.T, how string) {
	for name, args := range backendArgs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			flags := append(args(t), "--secret", testTokenSecret)
			first := startProc(t, flags...)
			alice, bob, canary := signUpAt(t, first.base), signUpAt(t, first.base), signUpAt(t, first.base)
			room := firstRoom(t, alice)
			ca, cb, cc := wstest.Dial(t, first.ws(), alice.token), wstest.Dial(t, first.ws(), bob.token), wstest.Dial(t, first.ws(), canary.token)
			ca.Join(room)
			cb.Join(room)
			cc.Join(room)
			ca.Send("start-focus-session", map[string]any{"roomId": room, "goals": []string{}, "plannedMinutes": 50}, "f")
			id := untilRef(t, ca, "f").Field(t, "session", "id").(string)
			before := watchSocket("bob before", cb)
			await(t, "bob hears alice's session start", wstest.WaitLimit, func() bool { return before.count(event("focus-session-started")) > 0 })

			next := first
			switch how {
			case viaRestart:
				first.stop(t, os.Interrupt)
				next = startProc(t, flags...)
			case viaCrash:
				first.stop(t, syscall.SIGKILL)
				next = startProc(t, flags...)
			case viaDrop:
				ca.WS.CloseNow()
				cb.WS.CloseNow()
				cc.WS.CloseNow()
			}
			await(t, "bob's old socket closes", wstest.WaitLimit, func() bool { done, _ := before.closed(); return done })

			// Alice's app reconnects and joins the room again.
			ca2 := wstest.Dial(t, next.ws(), alice.token)
			snap := ca2.Join(room)
			focus, in := focusOf(t, snap, alice.userID)
			if !in || focus == nil || focus["sessionId"] != id || focus["plannedMinutes"] != float64(50) {
				t.Fatalf("after the %s alice is in the room: %v, with focus %v, want session %s of 50 minutes", how, in, focus, id)
			}
			cb2 := wstest.Dial(t, next.ws(), bob.token)
			cb2.Join(room)
			after := watchSocket("bob after", cb2)
			seen := watchSocket("alice after", ca2)

			await(t, "the canary is let go", surviveLimit, func() bool {
				return after.count(about("participant-left", "participantId", canary.userID)) > 0
			})
			for _, w := range []*watch{before, after, seen} {
				if n := w.count(about("participant-left", "participantId", alice.userID)); n != 0 {
					t.Errorf("%s heard alice leave", w.name)
				}
				if n := w.count(sessionEnded); n != 0 {
					t.Errorf("%s heard %d sessions end", w.name, n)
				}
				if n := w.count(event("room-left")); n != 0 {
					t.Errorf("%s was taken out of the room", w.name)
				}
			}
			var s struct {
				EndedAt        *string `json:"endedAt"`
				PlannedMinutes *int    `json:"plannedMinutes"`
			}
			alice.base = next.base
			if code := alice.do(t, "GET", "/api/sessions/"+id, nil, &s); code != http.StatusOK || s.EndedAt != nil {
				t.Fatalf("alice's session after the %s: %d, endedAt %v", how, code, s.EndedAt)
			}
			// Someone arriving now sees alice with her focus.
			late := signUpAt(t, next.base)
			snap = wstest.Dial(t, next.ws(), late.token).Join(room)
			if focus, in := focusOf(t, snap, alice.userID); !in || focus == nil || focus["sessionId"] != id {
				t.Fatalf("a newcomer sees alice in the room: %v, with focus %v", in, focus)
			}
			if _, in := focusOf(t, snap, canary.userID); in {
				t.Fatal("the canary is still in the room")
			}
		})
	}
}
