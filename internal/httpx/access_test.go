package httpx

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/testlog"
)

func accessLines(t *testing.T, logs *testlog.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestAccessLog(t *testing.T) {
	logs := &testlog.Buffer{}
	hijacked := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		if RequestID(r.Context()) == "" || RequestID(r.Context()) != w.Header().Get("X-Request-Id") {
			t.Errorf("request id %q, header %q", RequestID(r.Context()), w.Header().Get("X-Request-Id"))
		}
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprint(w, "12345")
	})
	mux.HandleFunc("GET /socket", func(w http.ResponseWriter, r *http.Request) {
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		<-hijacked // the socket lives on; its line is already written
		c.Close()
	})
	h := AccessLog{
		Log:      slog.New(slog.NewJSONHandler(logs, nil)),
		Instance: "i-1", Routes: []string{"GET /things/{id}", "GET /socket"},
	}.Handler(mux)
	srv := httptest.NewServer(h)
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/things/42?secret=q", nil)
	req.Header.Set("Authorization", "Bearer tok-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	http.Get(srv.URL + "/nowhere")

	// The socket: its line is there while the handler still holds it.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /socket HTTP/1.1\r\nHost: x\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
	if line, _ := bufio.NewReader(conn).ReadString('\n'); !strings.Contains(line, "101") {
		t.Fatalf("upgrade answered %q", line)
	}
	var ls []map[string]any
	for len(ls) < 3 { // lines may follow their answers; bounded by the test's timeout
		ls = accessLines(t, logs)
	}
	close(hijacked)
	want := []struct {
		route  string
		status float64
		bytes  float64
	}{{"GET /things/{id}", 418, 5}, {"unmatched", 404, 19}, {"GET /socket", 101, 0}}
	byRoute := map[string]map[string]any{}
	for _, l := range ls {
		byRoute[l["route"].(string)] = l
	}
	for i, w := range want {
		l := byRoute[w.route]
		if l == nil || l["status"] != w.status || l["bytes"] != w.bytes || l["instance"] != "i-1" || l["requestId"] == "" {
			t.Errorf("line %d: %v, want %+v", i, l, w)
		}
	}
	if id := byRoute["GET /things/{id}"]["requestId"]; id != res.Header.Get("X-Request-Id") {
		t.Errorf("line id %v, header %q", id, res.Header.Get("X-Request-Id"))
	}
	if s := logs.String(); strings.Contains(s, "secret") || strings.Contains(s, "127.0.0.1") || strings.Contains(s, "/things/42") {
		t.Errorf("the log holds what it must not: %s", s)
	}
}

func TestAccessLogOff(t *testing.T) {
	logs := &testlog.Buffer{}
	h := AccessLog{Log: slog.New(slog.NewJSONHandler(logs, nil)), Off: true}.Handler(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if logs.String() != "" || rec.Header().Get("X-Request-Id") == "" {
		t.Fatalf("off: log %q, id %q", logs.String(), rec.Header().Get("X-Request-Id"))
	}
}
