package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/bodydouble/bodydouble/internal/openapicheck"
)

// apiDoc is internal/api/openapi.json, which the server embeds and serves;
// every API exchange of these tests is checked against it.
func apiDoc(t *testing.T) *openapicheck.Doc {
	t.Helper()
	d, err := openapicheck.Load("../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkedClient is an HTTP client whose /api/ exchanges are checked
// against the document; differences fail t when it ends.
func checkedClient(t *testing.T) *http.Client {
	t.Helper()
	return &http.Client{Transport: openapicheck.Record(t, apiDoc(t)).Transport(nil)}
}

// watchAPI checks every /api/ exchange the page of ctx makes, as DevTools
// sees it, against the document; differences fail t when it ends. Call it
// once the browser runs. Cookies are not visible to this observer, so the
// security requirement is left to the API tests; a 304 is checked without
// a body (the browser fills it from its cache).
func watchAPI(t *testing.T, ctx context.Context) {
	t.Helper()
	rec := openapicheck.Record(t, apiDoc(t))
	var (
		mu      sync.Mutex
		pending = map[network.RequestID]*openapicheck.Exchange{}
		bodies  sync.WaitGroup
		done    bool // the test is over: events still arriving are ignored
	)
	// Cleanups run last-in first-out: this one waits for bodies being
	// fetched, before the report above and before the browser closes. The
	// listener outlives the test; once done is set (under mu, where the
	// listener starts fetches) no fetch starts, so none races with Wait.
	t.Cleanup(func() {
		mu.Lock()
		done = true
		mu.Unlock()
		bodies.Wait()
	})
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return
		}
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			if err != nil || !strings.HasPrefix(u.Path, openapicheck.Prefix) {
				return
			}
			x := &openapicheck.Exchange{Method: ev.Request.Method, URL: u, Header: headers(ev.Request.Headers), CredentialsHidden: true}
			for _, e := range ev.Request.PostDataEntries {
				x.Body = append(x.Body, e.Bytes...)
			}
			pending[ev.RequestID] = x
		case *network.EventResponseReceived:
			if x := pending[ev.RequestID]; x != nil {
				x.Status, x.ResponseHeader = int(ev.Response.Status), headers(ev.Response.Headers)
			}
		case *network.EventLoadingFailed:
			delete(pending, ev.RequestID)
		case *network.EventLoadingFinished:
			x := pending[ev.RequestID]
			delete(pending, ev.RequestID)
			if x == nil || x.Status == 0 {
				return
			}
			if x.Status == http.StatusNotModified || x.Method == http.MethodHead {
				rec.Add(*x)
				return
			}
			// Asking for the body is a DevTools command, which must not
			// wait inside this listener.
			id := ev.RequestID
			bodies.Go(func() {
				res, err := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
				if err == nil {
					x.ResponseBody = res.Body
					rec.Add(*x)
				} else if ctx.Err() == nil {
					t.Logf("openapi: %s %s: response body unavailable: %v", x.Method, x.URL.Path, err)
				}
			})
		}
	})
	if err == nil {
		_, err = chromedp.Call(ctx, network.Enable, network.EnableParams{})
	}
	if err != nil {
		t.Fatalf("watching the network: %v", err)
	}
}

// headers turns DevTools headers (several values joined by newlines) into
// an http.Header.
func headers(h network.Headers) http.Header {
	out := http.Header{}
	for k, v := range h {
		for _, line := range strings.Split(fmt.Sprint(v), "\n") {
			out.Add(k, line)
		}
	}
	return out
}
