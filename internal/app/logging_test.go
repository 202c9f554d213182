package app

// Access lines, the request id shared by a problem document and its lines,
// and the log level changed on the metrics address.

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/logx"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/testlog"
)

// startLogged runs the app on loopback with a JSON logger of logx at
// level info and the metrics address on, and returns its log buffer.
func startLogged(t *testing.T) (*App, *testlog.Buffer) {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.MetricsAddr = "localhost:0" // not --addr's string, which Validate refuses
	cfg.DataDir = t.TempDir()
	cfg.Secret = testTokenSecret
	cfg.TURNAddr = config.TURNOff
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	level := new(slog.LevelVar)
	a, err := New(t.Context(), cfg, logx.New(logs, "json", level))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := a.Start(t.Context()); err != nil {
		a.closeBackends()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("app log:\n%s", logs.String())
		}
	})
	return a, logs
}

// lines decodes the JSON lines of logs whose fields match want.
func lines(t *testing.T, logs *testlog.Buffer, want map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		ok := true
		for k, v := range want {
			if m[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// awaitLine waits for a line matching want (lines may follow the answer).
func awaitLine(t *testing.T, logs *testlog.Buffer, want map[string]any) map[string]any {
	t.Helper()
	deadline := time.Now().Add(faultLimit)
	for time.Now().Before(deadline) {
		if ls := lines(t, logs, want); len(ls) > 0 {
			return ls[0]
		}
		time.Sleep(5 * time.Millisecond) // polling the buffer, bounded by the deadline
	}
	t.Fatalf("no log line with %v", want)
	return nil
}

func TestAccessLog(t *testing.T) {
	a, logs := startLogged(t)
	s := signUp(t, a)
	const goal = "Finish the letter to Dr Quillfeather"

	// A request that carries a token, a cookie, a query and a person's
	// text, answered with a problem (not in the room).
	req, _ := http.NewRequest("POST", s.base+"/api/sessions?note=private-query-text",
		strings.NewReader(`{"roomId":"c0ffee00-0000-4000-8000-000000000000","goals":["`+goal+`"]}`))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(&http.Cookie{Name: "bd_session", Value: "cookie-" + s.token})
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var problem struct {
		Code      string `json:"code"`
		RequestID string `json:"requestId"`
	}
	_ = json.NewDecoder(res.Body).Decode(&problem)
	res.Body.Close()
	if res.StatusCode < 400 || problem.RequestID == "" || res.Header.Get("X-Request-Id") != problem.RequestID {
		t.Fatalf("answer %d %+v, X-Request-Id %q", res.StatusCode, problem, res.Header.Get("X-Request-Id"))
	}
	line := awaitLine(t, logs, map[string]any{"msg": "http request", "requestId": problem.RequestID})
	if line["method"] != "POST" || line["route"] != "POST /api/sessions" || line["status"] != float64(res.StatusCode) ||
		line["level"] != "INFO" || line["instance"] == "" || line["instance"] == nil {
		t.Errorf("access line %v", line)
	}
	if b, _ := line["bytes"].(float64); b <= 0 {
		t.Errorf("bytes %v", line["bytes"])
	}
	if _, ok := line["duration"].(float64); !ok {
		t.Errorf("duration %v", line["duration"])
	}
	raw, _ := json.Marshal(line)
	for _, secret := range []string{"127.0.0.1", "203.0.113.7", s.token, "private-query-text", "Quillfeather", "cookie-"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("access line holds %q: %s", secret, raw)
		}
	}
	for _, secret := range []string{s.token, "Quillfeather", "private-query-text", "203.0.113.7"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}

	// A route with an id is logged by its pattern, never its path.
	res = s.call(t, "GET", "/api/rooms/c0ffee00-0000-4000-8000-000000000000")
	res.Body.Close()
	line = awaitLine(t, logs, map[string]any{"msg": "http request", "requestId": res.Header.Get("X-Request-Id")})
	if line["route"] != "GET /api/rooms/{id}" || line["status"] != float64(res.StatusCode) {
		t.Errorf("room line %v", line)
	}

	// The socket is logged at its upgrade, while it is still open.
	c := wstest.Dial(t, wsOf(a), s.token)
	line = awaitLine(t, logs, map[string]any{"msg": "http request", "route": "/ws"})
	if line["status"] != float64(http.StatusSwitchingProtocols) || line["method"] != "GET" {
		t.Errorf("upgrade line %v", line)
	}
	c.Join(firstRoom(t, s))
}

func TestLogLevelChanges(t *testing.T) {
	a, logs := startLogged(t)
	s := signUp(t, a)
	levelURL := "http://" + a.MetricsServer().Addr().String() + "/debug/log-level"
	put := func(body string) (int, string) {
		req, _ := http.NewRequest("PUT", levelURL, strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Level string `json:"level"`
		}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out.Level
	}

	res := s.call(t, "GET", "/api/auth/session")
	res.Body.Close()
	first := res.Header.Get("X-Request-Id")
	awaitLine(t, logs, map[string]any{"msg": "http request", "requestId": first})
	if ls := lines(t, logs, map[string]any{"level": "DEBUG"}); len(ls) > 0 {
		t.Fatalf("debug lines at info: %v", ls)
	}
	if code, _ := put(`{"level":"verbose"}`); code != http.StatusBadRequest {
		t.Fatalf("bad level: %d", code)
	}
	if code, level := put(`{"level":"debug"}`); code != http.StatusOK || level != "debug" {
		t.Fatalf("set debug: %d %q", code, level)
	}
	res = s.call(t, "GET", "/api/auth/session")
	res.Body.Close()
	id := res.Header.Get("X-Request-Id")
	// The API's own debug line of the request, with the same request id.
	awaitLine(t, logs, map[string]any{"msg": "api request", "level": "DEBUG", "requestId": id})

	// A bad level changes nothing.
	if code, _ := put(`{"level":"nonsense"}`); code != http.StatusBadRequest {
		t.Fatalf("bad level: %d", code)
	}
	res, err := http.Get(levelURL)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Level string `json:"level"`
	}
	_ = json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	if got.Level != "debug" {
		t.Fatalf("level after a bad change: %q", got.Level)
	}
}
