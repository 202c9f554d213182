package loadguard

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCall checks what Call sends and how it reads the answer, against a
// real HTTP server on loopback that echoes the request.
func TestCall(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, `{"error":"taken"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"method": r.Method, "path": r.URL.Path, "auth": r.Header.Get("Authorization"),
			"type": r.Header.Get("Content-Type"), "body": string(body),
		})
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name, method, path, token string
		in                        any
		want                      map[string]string
		wantErr                   string
	}{
		{name: "JSON body and token", method: "POST", path: "/api/rooms", token: "tok", in: map[string]int{"n": 1},
			want: map[string]string{"method": "POST", "path": "/api/rooms", "auth": "Bearer tok", "type": "application/json", "body": `{"n":1}`}},
		{name: "no body, no token", method: "GET", path: "/api/x",
			want: map[string]string{"method": "GET", "path": "/api/x", "auth": "", "type": "", "body": ""}},
		{name: "other status", method: "GET", path: "/fail", wantErr: `GET /fail: status 409: {"error":"taken"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got map[string]string
			err := Call(context.Background(), srv.Client(), srv.URL, tt.method, tt.path, tt.token, tt.in, &got, http.StatusCreated)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Call error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
