package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/testlog"
)

// A crash is not a restart: the process is killed (kill -9) with no
// goodbye to anyone, and started again on the same data. The server binary
// is built once for the tests that need a real process.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// serverBinary builds cmd/bodydouble once per test run.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bodydouble-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bodydouble")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/bodydouble").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a bodydouble running as its own process on a fixed loopback
// port and data directory, so that it can be killed and started again.
type process struct {
	t    *testing.T
	bin  string
	addr string
	dir  string
	cmd  *exec.Cmd
	logs *testlog.Buffer
}

func startProcess(t *testing.T) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // free for the process; loopback ports are not handed out again at once
	p := &process{t: t, bin: serverBinary(t), addr: addr, dir: t.TempDir(), logs: &testlog.Buffer{}}
	p.start()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("server log:\n%s", p.logs.String())
		}
	})
	return p
}

func (p *process) URL() string { return "http://" + p.addr }

// start runs the binary and waits until it answers.
func (p *process) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, "--addr", p.addr, "--data-dir", p.dir, "--rate-limit=off", "--turn-addr=off", "--shutdown-grace=5s")
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL()+"/api/openapi.json", nil)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if ctx.Err() != nil {
			p.t.Fatalf("the server did not answer within 30 s: %v", err)
		}
		// Nothing to wait on but the port: ask again shortly.
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the process at once, as kill -9 does: no socket is closed
// cleanly, no seat is released, nothing is written.
func (p *process) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.cmd = nil
}

// TestCrash: the server is killed (kill -9) while ana is in a focus block
// and started again. Both people come back to the room by themselves,
// ana's session was not ended (the API and ben's screen still show her
// goal), and a change afterwards reaches the other person.
func TestCrash(t *testing.T) {
	t.Parallel()
	p := startProcess(t)
	srv := &server{t: t, URL: p.URL()}
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	room, anaID, _ := together(t, ana, ben)

	const goal = "Write the crash report"
	sessionID := eval[string](ana, fmt.Sprintf(`fetch('/api/sessions', {
		method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ roomId: %s, goals: [%s], shareGoals: true, plannedMinutes: 25 }),
	}).then((r) => r.json()).then((s) => s.id)`, jsString(room), jsString(goal)))
	ben.waitText(tileOf(anaID), goal)

	p.kill()
	for _, b := range []*browser{ana, ben} {
		b.visible(tid("reconnecting"))
	}
	p.start()
	for _, b := range []*browser{ana, ben} {
		b.gone(tid("reconnecting"))
		b.visible(tileOf(anaID))
	}
	ben.waitText(tileOf(anaID), goal)
	ended := eval[bool](ana, fmt.Sprintf(`fetch('/api/sessions/%s').then((r) => r.json()).then((s) => s.endedAt !== null)`, sessionID))
	if ended {
		t.Fatal("the crash ended ana's session")
	}
	// Live again: a change reaches the other person.
	ana.clickLabel(tid("status-away"))
	ben.visible(tileOf(anaID) + `[data-status="away"]`)
}
