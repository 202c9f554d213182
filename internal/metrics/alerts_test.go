package metrics

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"go.yaml.in/yaml/v3"
)

// registered builds Metrics with every source set, puts one sample in
// every family that has labels, and returns the names of what it exports
// (histograms and summaries with their _bucket, _sum and _count series).
func registered(t *testing.T) map[string]bool {
	t.Helper()
	m := New(Sources{
		Sockets: func() int { return 1 }, Rooms: func() int { return 1 }, Participants: func() int { return 1 },
		Pool:            func() PoolStats { return PoolStats{Max: 1} },
		TURNAllocations: func() int { return 0 },
		TURNRelayed:     func() (uint64, uint64) { return 0, 0 },
		Sessions:        func() (uint64, uint64) { return 0, 0 },
		Broker:          func() (uint64, uint64, uint64) { return 0, 0, 0 },
		Ready:           func() bool { return true },
		Jobs:            func() []JobCount { return []JobCount{{Kind: "retention", State: "completed", N: 1}} },
		DataDir:         t.TempDir(),
	})
	h := m.Middleware([]string{"GET /api/rooms"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/rooms", nil))
	m.FrameIn("join-room")
	m.FanOut("presence-updated", 1, time.Millisecond)
	m.Joined(time.Millisecond)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{"up": true} // Prometheus's own, per target
	for _, f := range fams {
		n := f.GetName()
		names[n] = true
		if t := f.GetType(); t == dto.MetricType_HISTOGRAM || t == dto.MetricType_SUMMARY {
			names[n+"_bucket"], names[n+"_sum"], names[n+"_count"] = true, true, true
		}
	}
	return names
}

// metricName finds the series names an expression selects: identifiers of
// our families (bodydouble_, go_, process_) and up.
var metricName = regexp.MustCompile(`\b(?:bodydouble|go|process)_[a-zA-Z0-9_:]+|\bup\b`)

// unknown returns the names expr selects and those of them not in names.
func unknown(expr string, names map[string]bool) (found, missing []string) {
	found = metricName.FindAllString(expr, -1)
	for _, n := range found {
		if !names[n] {
			missing = append(missing, n)
		}
	}
	return found, missing
}

func checkExpr(t *testing.T, where, expr string, names map[string]bool) int {
	t.Helper()
	found, missing := unknown(expr, names)
	for _, n := range missing {
		t.Errorf("%s: %q names %s, which the server does not export", where, expr, n)
	}
	if len(found) == 0 {
		t.Errorf("%s: %q names no metric", where, expr)
	}
	return len(found)
}

// wantAlerts is what an operator must know at 3 a.m. (docs/operations.md).
var wantAlerts = []string{"BodyDoubleInstanceDown", "BodyDoubleNotReady", "BodyDoubleHigh5xxRate",
	"BodyDoubleSlowFanOut", "BodyDoubleSocketsDropping", "BodyDoubleBrokerReconnecting",
	"BodyDoubleJobFailing", "BodyDoubleDiskFilling"}

func TestAlertRulesNameExistingMetrics(t *testing.T) {
	names := registered(t)
	b, err := os.ReadFile("../../deploy/prometheus-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("prometheus-alerts.yml: %v", err)
	}
	alerts := map[string]bool{}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("a rule of %s has no alert name or no expr", g.Name)
			}
			alerts[r.Alert] = true
			checkExpr(t, r.Alert, r.Expr, names)
		}
	}
	for _, want := range wantAlerts {
		if !alerts[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

func TestDashboardNamesExistingMetrics(t *testing.T) {
	names := registered(t)
	b, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	n := 0
	for _, p := range doc.Panels {
		for _, tg := range p.Targets {
			n += checkExpr(t, p.Title, tg.Expr, names)
		}
	}
	if n == 0 {
		t.Fatal("the dashboard queries nothing")
	}
}

// The check itself works: a misspelt name is caught, a histogram's
// series and Prometheus's own up are known.
func TestUnknownMetricIsCaught(t *testing.T) {
	names := registered(t)
	for expr, want := range map[string]string{
		`rate(bodydouble_ws_frames_in_totl[5m]) > 0`:                              "bodydouble_ws_frames_in_totl",
		`bodydouble_ready == 0 or up == 0`:                                        "",
		`histogram_quantile(0.99, rate(bodydouble_ws_fanout_seconds_bucket[5m]))`: "",
	} {
		found, missing := unknown(expr, names)
		if len(found) == 0 || strings.Join(missing, ",") != want {
			t.Errorf("%s: found %v, missing %v; want missing %q", expr, found, missing, want)
		}
	}
}

// A REST 429 counts as a rest refusal; other codes do not.
func TestMiddlewareCountsRESTRefusals(t *testing.T) {
	m := New(Sources{})
	code := http.StatusOK
	h := m.Middleware([]string{"GET /api/rooms"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/rooms", nil))
	code = http.StatusTooManyRequests
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/rooms", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/rooms/x", nil))
	m.RateLimited("no-such-limit") // not counted: the label set is fixed
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "bodydouble_rate_limited_total" && f.GetName() != "bodydouble_http_requests_total" {
			continue
		}
		for _, s := range f.Metric {
			key := f.GetName()
			for _, l := range s.Label {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			got[key] = s.Counter.GetValue()
		}
	}
	for key, want := range map[string]float64{
		"bodydouble_rate_limited_total limit=rest":                     2,
		"bodydouble_rate_limited_total limit=ws_upgrade_person":        0,
		"bodydouble_http_requests_total code=200 route=GET /api/rooms": 1,
		"bodydouble_http_requests_total code=429 route=GET /api/rooms": 1,
		"bodydouble_http_requests_total code=429 route=unmatched":      1,
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %v (all: %v)", key, got[key], want, got)
		}
	}
	if len(got) != 8 {
		t.Errorf("series %v, want the five limits and three request series", got)
	}
}

// TestAlertRulesWithPromtool checks the rules as Prometheus reads them
// and runs their unit tests (deploy/prometheus-alerts.test.yml: each alert
// fires on the series it is for and stays quiet on a near miss). CI
// installs promtool (Debian's prometheus package).
func TestAlertRulesWithPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (apt-get install prometheus)")
	}
	for _, args := range [][]string{
		{"check", "rules", "prometheus-alerts.yml"},
		{"test", "rules", "prometheus-alerts.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "../../deploy"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	// Every alert has a case in which it fires.
	b, err := os.ReadFile("../../deploy/prometheus-alerts.test.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("prometheus-alerts.test.yml: %v", err)
	}
	fires := map[string]bool{}
	for _, tc := range doc.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			}
		}
	}
	for _, want := range wantAlerts {
		if !fires[want] {
			t.Errorf("prometheus-alerts.test.yml has no case in which %s fires", want)
		}
	}
}
