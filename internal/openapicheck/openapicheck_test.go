package openapicheck

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fixture is a small document with the shapes the Body Double API uses:
// a public operation, a secured one with a path id and a JSON body, a
// required response header, a 204 and a Problem.
const fixture = `{
  "openapi": "3.1.0",
  "info": {"title": "fixture", "version": "1"},
  "security": [{"bearer": []}],
  "paths": {
    "/api/things/{id}": {
      "put": {
        "operationId": "putThing",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"$ref": "#/components/schemas/Thing"},
          "example": {"name": "lamp"}
        }}},
        "responses": {
          "200": {"description": "ok",
            "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string", "minLength": 1}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "400": {"$ref": "#/components/responses/Problem"}
        }
      }
    },
    "/api/ping": {
      "post": {
        "operationId": "ping",
        "security": [{}],
        "responses": {"204": {"description": "pong"}}
      }
    }
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "responses": {"Problem": {"description": "a problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
    "schemas": {
      "Thing": {"type": "object", "additionalProperties": false, "required": ["name"],
        "properties": {"name": {"type": "string", "minLength": 1, "examples": ["lamp", ""]}},
        "examples": [{"name": "desk"}, {"name": "desk", "legs": 4}]},
      "Problem": {"type": "object", "required": ["status", "code"],
        "properties": {"status": {"type": "integer"}, "code": {"type": "string"}}}
    }
  }
}`

const thingID = "6f1c1f52-3f0e-4a3c-9d7b-2a0f8a3c1b11"

func fixtureDoc(t *testing.T) *Doc {
	t.Helper()
	d, err := Parse([]byte(fixture))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// TestCheck: each kind of difference is found, and right exchanges pass.
func TestCheck(t *testing.T) {
	t.Parallel()
	d := fixtureDoc(t)
	okReq := hdr("Authorization", "Bearer x", "Content-Type", "application/json")
	okRes := hdr("Content-Type", "application/json", "X-Request-Id", "r1")
	problem := hdr("Content-Type", "application/problem+json")
	for _, tc := range []struct {
		name string
		x    Exchange
		want string // a part of the one problem expected; "" for none
	}{
		{"right", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq, Body: []byte(`{"name":"lamp"}`),
			Status: 200, ResponseHeader: okRes, ResponseBody: []byte(`{"name":"lamp"}`)}, ""},
		{"accepted request without credentials", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"name":"lamp"}`),
			Status: 200, ResponseHeader: okRes, ResponseBody: []byte(`{"name":"lamp"}`)}, "request"},
		{"credentials hidden from the observer", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: hdr("Content-Type", "application/json"), Body: []byte(`{"name":"lamp"}`),
			Status: 200, ResponseHeader: okRes, ResponseBody: []byte(`{"name":"lamp"}`), CredentialsHidden: true}, ""},
		{"undocumented status", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq,
			Status: 404, ResponseHeader: problem, ResponseBody: []byte(`{"status":404,"code":"not_found"}`)}, "404"},
		{"response field of the wrong type", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq, Body: []byte(`{"name":"lamp"}`),
			Status: 200, ResponseHeader: okRes, ResponseBody: []byte(`{"name":7}`)}, "name"},
		{"undocumented response field", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq, Body: []byte(`{"name":"lamp"}`),
			Status: 200, ResponseHeader: okRes, ResponseBody: []byte(`{"name":"lamp","colour":"red"}`)}, "colour"},
		{"undocumented content type", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq, Body: []byte(`{"name":"lamp"}`),
			Status: 200, ResponseHeader: hdr("Content-Type", "text/plain", "X-Request-Id", "r1"), ResponseBody: []byte(`lamp`)}, "text/plain"},
		{"missing required header", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq, Body: []byte(`{"name":"lamp"}`),
			Status: 200, ResponseHeader: hdr("Content-Type", "application/json"), ResponseBody: []byte(`{"name":"lamp"}`)}, "X-Request-Id"},
		{"accepted request body that breaks the schema", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq, Body: []byte(`{"name":""}`),
			Status: 200, ResponseHeader: okRes, ResponseBody: []byte(`{"name":"lamp"}`)}, "request"},
		{"refused request body is the test's business", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq, Body: []byte(`{"name":""}`),
			Status: 400, ResponseHeader: problem, ResponseBody: []byte(`{"status":400,"code":"invalid"}`)}, ""},
		{"problem that breaks its schema", Exchange{Method: "PUT", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq,
			Status: 400, ResponseHeader: problem, ResponseBody: []byte(`{"status":"400"}`)}, "status"},
		{"body where none is declared", Exchange{Method: "POST", URL: &url.URL{Path: "/api/ping"},
			Status: 204, ResponseHeader: hdr("Content-Type", "application/json"), ResponseBody: []byte(`{}`)}, "declares no content"},
		{"204 without body", Exchange{Method: "POST", URL: &url.URL{Path: "/api/ping"}, Status: 204}, ""},
		{"HEAD is checked as GET without a body", Exchange{Method: "HEAD", URL: &url.URL{Path: "/api/things/" + thingID}, Header: okReq,
			Status: 500, ResponseHeader: problem}, "500"},
		{"undocumented route, catch-all answer", Exchange{Method: "GET", URL: &url.URL{Path: "/api/nope"},
			Status: 404, ResponseHeader: problem, ResponseBody: []byte(`{"status":404,"code":"not_found"}`)}, ""},
		{"undocumented method without Allow", Exchange{Method: "DELETE", URL: &url.URL{Path: "/api/ping"},
			Status: 405, ResponseHeader: problem, ResponseBody: []byte(`{"status":405,"code":"method_not_allowed"}`)}, "Allow"},
		{"undocumented route that answers", Exchange{Method: "GET", URL: &url.URL{Path: "/api/nope"},
			Status: 200, ResponseHeader: okRes, ResponseBody: []byte(`{}`)}, "not in the document"},
		{"outside the API", Exchange{Method: "GET", URL: &url.URL{Path: "/index.html"}, Status: 200}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := d.Check(tc.x)
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("problems %q, want none", got)
			case tc.want != "" && (len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tc.want)):
				t.Errorf("problems %q, want one mentioning %q", got, tc.want)
			}
		})
	}
}

// TestCheckExamples: the examples that break their schema are named, the
// rest pass.
func TestCheckExamples(t *testing.T) {
	t.Parallel()
	checked, problems := fixtureDoc(t).CheckExamples()
	if checked != 5 {
		t.Errorf("checked %d examples, want 5", checked)
	}
	want := []string{"/components/schemas/Thing/examples/1", "/components/schemas/Thing/properties/name/examples/1"}
	if len(problems) != len(want) {
		t.Fatalf("problems %q, want %d", problems, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(problems[i], w+": ") {
			t.Errorf("problem %q, want it about %s", problems[i], w)
		}
	}
}

// TestRecorder: the exchanges of a wrapped handler, or of a client's
// transport, are checked with their bodies (the request body as the
// handler read it), and the response reaches the client unchanged.
func TestRecorder(t *testing.T) {
	t.Parallel()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 64)
		n, _ := r.Body.Read(b)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "r1")
		_, _ = w.Write(b[:n]) // echoes the thing
	})
	for _, tc := range []struct {
		name string
		wrap func(*Recorder) (http.Handler, *http.Client)
	}{
		{"handler", func(r *Recorder) (http.Handler, *http.Client) { return r.Handler(echo), http.DefaultClient }},
		{"transport", func(r *Recorder) (http.Handler, *http.Client) { return echo, &http.Client{Transport: r.Transport(nil)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &Recorder{doc: fixtureDoc(t), t: t} // reports nothing by itself: read below
			h, client := tc.wrap(rec)
			srv := httptest.NewServer(h)
			defer srv.Close()
			// {"name":""} breaks Thing, in the request and in the response.
			for _, body := range []string{`{"name":"lamp"}`, `{"name":""}`} {
				req, _ := http.NewRequest("PUT", srv.URL+"/api/things/"+thingID, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer x")
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || string(got) != body {
					t.Fatalf("answer %d %s, want 200 %s", res.StatusCode, got, body)
				}
			}
			srv.Close() // waits for the handlers
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if rec.checked != 2 {
				t.Errorf("checked %d exchanges, want 2", rec.checked)
			}
			if len(rec.problems) != 2 || !strings.HasPrefix(rec.problems[0], "PUT /api/things/"+thingID+" → 200: ") ||
				!strings.Contains(rec.problems[1], "request") {
				t.Errorf("problems %q, want the response's and the request's", rec.problems)
			}
		})
	}
}
