package app

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bodydouble/bodydouble/internal/api"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// scrape reads and parses /metrics at base.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := (&http.Client{Timeout: wstest.WaitLimit}).Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value is the value of the sample of family name whose labels include
// want (counter, gauge, or a histogram's count); -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for i := 0; i+1 < len(want); i += 2 {
			ok = ok && labels[want[i]] == want[i+1]
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func TestMetricsOffByDefault(t *testing.T) {
	a, _, _ := startApp(t, nil)
	if a.MetricsServer() != nil || a.metrics != nil {
		t.Fatal("metrics are on without --metrics-addr")
	}
	assertNoMetricsOnPublicPort(t, "http://"+a.Addr().String())
}

func assertNoMetricsOnPublicPort(t *testing.T, base string) {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(b), "# HELP") || strings.Contains(string(b), "bodydouble_") {
		t.Fatalf("the public port serves metrics at /metrics: %d %.200s", res.StatusCode, b)
	}
	// Nor Go's profiles.
	res, err = http.Get(base + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(b), "goroutine profile") {
		t.Fatalf("the public port serves profiles at /debug/pprof/: %d %.200s", res.StatusCode, b)
	}
}

// TestProfilesOnMetricsAddress: an operator chasing CPU or memory reads
// Go's profiles from the metrics address.
func TestProfilesOnMetricsAddress(t *testing.T) {
	a, _, _ := startApp(t, func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" })
	res, err := http.Get("http://" + a.MetricsServer().Addr().String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "goroutine profile") {
		t.Fatalf("GET /debug/pprof/goroutine on the metrics address: %d %.200s", res.StatusCode, b)
	}
}

func TestMetricsAfterTraffic(t *testing.T) {
	a, _, _ := startApp(t, func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" })
	metricsBase := "http://" + a.MetricsServer().Addr().String()
	assertNoMetricsOnPublicPort(t, "http://"+a.Addr().String())

	s := signUp(t, a)
	room := firstRoom(t, s) // GET /api/rooms
	if code := s.do(t, "GET", "/api/rooms/"+room, nil, nil); code != http.StatusOK {
		t.Fatalf("GET room: %d", code)
	}
	if code := s.do(t, "GET", "/api/no-such-thing/"+s.userID, nil, nil); code != http.StatusNotFound {
		t.Fatalf("unknown route: %d", code)
	}
	ws := wstest.Dial(t, wsOf(a), s.token)
	ws.Join(room)
	ws.Send("update-presence", map[string]any{"roomId": room, "status": "asleep"}, "bad")
	ws.ExpectError("invalid", "bad") // an answer to this socket alone
	if code := s.do(t, "POST", "/api/sessions", map[string]any{"roomId": room, "goals": []string{"write"}}, nil); code != http.StatusCreated {
		t.Fatalf("start session: %d", code)
	}
	ws.Send("update-presence", map[string]any{"roomId": room, "status": "break"}, "p")

	var fams map[string]*dto.MetricFamily
	await(t, "the presence change counted", wstest.WaitLimit, func() bool {
		fams = scrape(t, metricsBase)
		return value(fams, "bodydouble_ws_frames_out_total", "event", "presence-updated") >= 1
	})
	await(t, "the retention job's row counted", wstest.WaitLimit, func() bool {
		return value(scrape(t, metricsBase), "bodydouble_jobs", "kind", "retention") >= 1
	})
	checks := []struct {
		name   string
		labels []string
		min    float64
	}{
		{"bodydouble_http_requests_total", []string{"route", "GET /api/rooms", "code", "200"}, 1},
		{"bodydouble_http_requests_total", []string{"route", "GET /api/rooms/{id}", "code", "200"}, 1},
		{"bodydouble_http_requests_total", []string{"route", "unmatched", "code", "404"}, 1},
		{"bodydouble_http_request_duration_seconds", []string{"route", "GET /api/rooms"}, 1},
		{"bodydouble_ws_open_sockets", nil, 1},
		{"bodydouble_ws_joined_participants", nil, 1},
		{"bodydouble_rooms_with_people", nil, 1},
		{"bodydouble_ws_frames_in_total", []string{"event", "join-room"}, 1},
		{"bodydouble_ws_frames_out_total", []string{"event", "room-joined"}, 1},
		{"bodydouble_ws_frames_out_total", []string{"event", "error"}, 1},
		{"bodydouble_ws_frames_in_total", []string{"event", "update-presence"}, 1},
		{"bodydouble_ws_fanout_seconds", nil, 1},
		{"bodydouble_ws_join_seconds", nil, 1},
		{"bodydouble_focus_sessions_started_total", nil, 1},
		{"bodydouble_focus_sessions_completed_total", nil, 0},
		{"bodydouble_broker_published_total", nil, 1},
		{"bodydouble_db_pool_connections_max", nil, 1},
		{"bodydouble_db_query_seconds", []string{"op", "select"}, 1},
		{"bodydouble_db_query_seconds", []string{"op", "insert"}, 1},
		{"bodydouble_turn_allocations", nil, 0},
		{"bodydouble_data_dir_free_bytes", nil, 1},
		{"bodydouble_ready", nil, 1},
		{"go_goroutines", nil, 1},
		{"process_resident_memory_bytes", nil, 1},
	}
	for _, c := range checks {
		if v := value(fams, c.name, c.labels...); v < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, v, c.min)
		}
	}

	// Every label value comes from a bounded set: route patterns, event
	// names, status codes; never a path or an id.
	routes := append(api.Patterns(), "unmatched")
	for name, f := range fams {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				v := l.GetValue()
				if strings.Contains(v, s.userID) || strings.Contains(v, room) {
					t.Errorf("%s has an id in label %s=%q", name, l.GetName(), v)
				}
				if l.GetName() == "route" && !slices.Contains(routes, v) {
					t.Errorf("%s has route %q, not a pattern", name, v)
				}
			}
		}
	}
}

// On PostgreSQL and Redis: query durations by kind, and messages one
// instance receives from another.
func TestMetricsOnPostgresAndRedis(t *testing.T) {
	redisURL := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL is not set")
	}
	dbURL := storetest.PostgresURL(t) // skips without BODYDOUBLE_TEST_DATABASE_URL
	prefix := "bdtest-" + rand.Text() + ":"
	configure := func(c *config.Config) {
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = dbURL, redisURL, prefix
		c.TURNAddr = config.TURNOff
		c.MetricsAddr = "127.0.0.1:0"
	}
	a, _, _ := startApp(t, configure)
	b, _, _ := startApp(t, configure)
	sa, sb := signUp(t, a), signUp(t, b)
	room := firstRoom(t, sa)
	wa := wstest.Dial(t, wsOf(a), sa.token)
	wa.Join(room)
	wb := wstest.Dial(t, wsOf(b), sb.token)
	wb.Join(room)

	aBase := "http://" + a.MetricsServer().Addr().String()
	await(t, "a message from the other instance counted", wstest.WaitLimit, func() bool {
		return value(scrape(t, aBase), "bodydouble_broker_received_total") >= 1
	})
	fams := scrape(t, "http://"+b.MetricsServer().Addr().String())
	for _, c := range []struct {
		name   string
		labels []string
	}{
		{"bodydouble_db_query_seconds", []string{"op", "select"}},
		{"bodydouble_db_query_seconds", []string{"op", "insert"}},
		{"bodydouble_broker_published_total", nil},
		{"bodydouble_db_pool_connections_max", nil},
		{"bodydouble_ready", nil},
	} {
		if v := value(fams, c.name, c.labels...); v < 1 {
			t.Errorf("%s%v = %v, want at least 1", c.name, c.labels, v)
		}
	}
	if value(fams, "bodydouble_data_dir_free_bytes") != -1 {
		t.Error("the data directory's disk is exported on PostgreSQL, where it holds no database")
	}
}

// Refusals by a rate limit are counted by limit: a person reconnecting
// too often (the socket's per-person upgrade limit) and a REST 429.
func TestMetricsCountRateLimitRefusals(t *testing.T) {
	a, _, _ := startApp(t, func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" })
	s := signUp(t, a)
	refused := false
	for range 100 {
		ctx, cancel := context.WithTimeout(context.Background(), wstest.WaitLimit)
		ws, res, err := websocket.Dial(ctx, wsOf(a), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + s.token}}})
		cancel()
		if err == nil {
			ws.CloseNow()
			continue
		}
		if res == nil || res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("dial: %v", err)
		}
		refused = true
		break
	}
	if !refused {
		t.Fatal("no upgrade was refused")
	}
	fams := scrape(t, "http://"+a.MetricsServer().Addr().String())
	// Which limit refuses first depends on whether the server has seen
	// the closed sockets go: upgrades per second, or sockets at once.
	perSecond := value(fams, "bodydouble_rate_limited_total", "limit", "ws_upgrade_person")
	atOnce := value(fams, "bodydouble_rate_limited_total", "limit", "ws_sockets_person")
	if perSecond+atOnce != 1 {
		t.Errorf("refusals of the person: %v per second + %v at once, want 1", perSecond, atOnce)
	}
	if v := value(fams, "bodydouble_rate_limited_total", "limit", "rest"); v != 0 {
		t.Errorf("rest refusals = %v, want 0 (none was refused)", v)
	}
}
