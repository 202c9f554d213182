package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// setOffline cuts b off the network (the service worker included, as when
// the device is offline) or reconnects it; navigator.onLine follows.
func (b *browser) setOffline(offline bool) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		conditions := []*network.Conditions{}
		if offline {
			conditions = append(conditions, &network.Conditions{Offline: true})
		}
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &offline,
			MatchedNetworkConditions:    conditions,
		}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: offline, DownloadThroughput: -1, UploadThroughput: -1,
		})
		return err
	}))
}

// TestInstallable: the manifest has what an install needs, Chromium reports
// no installability error, and the service worker takes control.
func TestInstallable(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.startAnonymously()

	href := eval[string](b, `document.querySelector('link[rel="manifest"]')?.href ?? ''`)
	if href == "" {
		t.Fatal("no <link rel=manifest>")
	}
	res, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Name    string `json:"name"`
		Display string `json:"display"`
		Icons   []struct {
			Src     string `json:"src"`
			Sizes   string `json:"sizes"`
			Type    string `json:"type"`
			Purpose string `json:"purpose"`
		} `json:"icons"`
	}
	err = json.NewDecoder(res.Body).Decode(&m)
	res.Body.Close()
	if err != nil {
		t.Fatalf("the manifest: %v", err)
	}
	if m.Name == "" || m.Display != "standalone" {
		t.Errorf("manifest name %q, display %q", m.Name, m.Display)
	}
	var sizes []string
	maskable := false
	for _, ic := range m.Icons {
		sizes = append(sizes, ic.Sizes)
		maskable = maskable || slices.Contains(strings.Fields(ic.Purpose), "maskable")
		res, err := http.Get(srv.URL + ic.Src)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != ic.Type {
			t.Errorf("icon %s: %d %s, want 200 %s", ic.Src, res.StatusCode, res.Header.Get("Content-Type"), ic.Type)
		}
	}
	if !slices.Contains(sizes, "192x192") || !slices.Contains(sizes, "512x512") || !maskable {
		t.Errorf("manifest icons %v (a maskable one: %v); want 192x192, 512x512 and a maskable one", sizes, maskable)
	}

	// The service worker installs (precaching the shell) and controls the
	// page after a reload.
	scope := eval[string](b, `navigator.serviceWorker.ready.then((r) => r.active ? r.scope : '')`)
	if scope != srv.URL+"/" {
		t.Errorf("service worker scope %q, want %s/", scope, srv.URL)
	}
	b.reload()
	b.visible(tid("find-room"))
	if sw := eval[string](b, `navigator.serviceWorker.controller?.scriptURL ?? ''`); sw != srv.URL+"/sw.js" {
		t.Errorf("after a reload the page is controlled by %q, want %s/sw.js", sw, srv.URL)
	}

	manifest := run(b, chromedp.Action[page.GetAppManifestResult](func(ctx context.Context, t *chromedp.Target) (page.GetAppManifestResult, error) {
		return cdp.Call(ctx, t, page.GetAppManifest, page.GetAppManifestParams{})
	}))
	for _, e := range manifest.Errors {
		t.Errorf("Chromium finds the manifest wrong: %s", e.Message)
	}
	installable := run(b, chromedp.Action[page.GetInstallabilityErrorsResult](func(ctx context.Context, t *chromedp.Target) (page.GetInstallabilityErrorsResult, error) {
		return cdp.Call(ctx, t, page.GetInstallabilityErrors, cdp.Empty{})
	}))
	for _, e := range installable.InstallabilityErrors {
		t.Errorf("Chromium would not offer to install the app: %s %v", e.ErrorID, e.ErrorArguments)
	}
}

// TestOffline: with the network gone, a reload opens the app shell from the
// service worker and shows the offline screen; when the network is back the
// app carries on by itself.
func TestOffline(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.startAnonymously()
	eval[bool](b, `navigator.serviceWorker.ready.then((r) => !!r.active)`)

	b.setOffline(true)
	b.reload()
	b.visible(tid("offline"))
	b.waitText(tid("offline"), "offline")
	b.checkScreen("offline")

	b.setOffline(false) // the browser's online event retries at once
	b.visible(tid("find-room"))
	b.gone(tid("offline"))
}
