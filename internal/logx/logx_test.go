package logx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/httpx"
)

func TestRequestIDOnEveryLine(t *testing.T) {
	var buf bytes.Buffer
	level := new(slog.LevelVar)
	log := New(&buf, "json", level).With("component", "test")
	ctx := httpx.WithRequestID(context.Background(), "abc-1")
	log.InfoContext(ctx, "inside a request")
	log.InfoContext(ctx, "names its own", "requestId", "abc-1")
	log.Info("outside")
	log.DebugContext(ctx, "below the level")
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, m)
	}
	if len(got) != 3 || got[0]["requestId"] != "abc-1" || got[0]["component"] != "test" || got[2]["requestId"] != nil {
		t.Fatalf("lines %v", got)
	}
	if n := strings.Count(strings.Split(buf.String(), "\n")[1], "requestId"); n != 1 {
		t.Errorf("a line that names the id has it %d times", n)
	}
	if LevelOf(log) != level {
		t.Error("LevelOf lost the level")
	}
}

func TestLevelHandler(t *testing.T) {
	level := new(slog.LevelVar)
	h := LevelHandler(level, nil)
	do := func(method, body string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/debug/log-level", strings.NewReader(body)))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	if code, body := do("GET", ""); code != 200 || body != `{"level":"info"}` {
		t.Fatalf("GET %d %s", code, body)
	}
	for _, bad := range []string{`{"level":"loud"}`, `{"level":"debug","x":1}`, `level=debug`, ``} {
		if code, _ := do("PUT", bad); code != http.StatusBadRequest || level.Level() != slog.LevelInfo {
			t.Fatalf("PUT %q: %d, level %v", bad, code, level.Level())
		}
	}
	if code, body := do("PUT", `{"level":"error"}`); code != 200 || body != `{"level":"error"}` || level.Level() != slog.LevelError {
		t.Fatalf("PUT error: %d %s", code, body)
	}
	if code, _ := do("DELETE", ""); code != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE %d", code)
	}
}
