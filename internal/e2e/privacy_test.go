package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// TestPrivacy: ana, named and with a finished block, downloads her data
// from Settings (fetched through the page, as the link would), then erases
// everything behind the typed confirmation. The app is back at its start,
// signed out; her old session is refused; the room no longer has her; and
// the database holds neither her id, nor her name, nor her goal.
func TestPrivacy(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana := newBrowser(t, srv, "ana")
	ana.startAnonymously()
	room := ana.findRoom()
	goal := "Draft the secret letter"
	completeFocusSession(ana, goal, 4)

	name := "Ana Privately"
	ana.click(tid("nav-settings"))
	ana.visible(tid("display-name"))
	ana.setField(tid("display-name"), name)
	ana.click(tid("save-name"))
	ana.waitText(`form p[role="status"]`, "Saved.")

	id := ana.userID()
	token := eval[string](ana, `fetch('/api/auth/session').then((r) => r.json()).then((s) => s.token)`)
	ben := newAPIUser(t, srv)
	if status := ben.call(http.MethodPost, "/api/rooms/"+room+"/join", nil, nil); status != http.StatusOK {
		t.Fatalf("ben joins: %d", status)
	}

	// The download: a link to the export, named with today's date (UTC).
	ana.visible(tid("download-data"))
	today := time.Now().UTC().Format("2006-01-02")
	if got := eval[string](ana, fmt.Sprintf(`document.querySelector(%s).getAttribute('download')`, jsString(tid("download-data")))); got != "body-double-export-"+today+".json" {
		t.Errorf("the download is named %q", got)
	}
	type export struct {
		Disposition string
		Name        string
		Goals       []string
		Reports     int
	}
	x := eval[export](ana, fmt.Sprintf(`fetch(document.querySelector(%s).href).then(async (r) => {
		const body = await r.json();
		return { Disposition: r.headers.get('content-disposition'), Name: body.user.displayName,
			Goals: body.sessions.flatMap((s) => s.goals), Reports: body.reportsFiled.length };
	})`, jsString(tid("download-data"))))
	// The date of the file is the server's day; both ran just now.
	if !strings.HasPrefix(x.Disposition, `attachment; filename="body-double-export-`) || x.Name != name ||
		len(x.Goals) != 1 || x.Goals[0] != goal || x.Reports != 0 {
		t.Errorf("the export: %+v", x)
	}

	raw := storetest.RawSQLite(t, srv.cfg.DataDir)
	if found := storetest.Find(raw.Dump(t), id, name, goal); len(found) < 3 {
		t.Fatalf("before the erasure the search finds her in only %d cells", len(found))
	}

	// Erase: the dialog says what goes and what stays, and erases only
	// once ERASE is typed.
	ana.click(tid("erase-open"))
	ana.visible(tid("erase-dialog"))
	ana.waitText(tid("erase-dialog"), "reports you filed or that were filed about you stay for moderators")
	ana.axe("the erase dialog")
	if !eval[bool](ana, fmt.Sprintf(`document.querySelector(%s).disabled`, jsString(tid("erase-submit")))) {
		t.Error("Erase everything is enabled before the word is typed")
	}
	ana.typeInto(tid("erase-confirm"), "ERASE")
	ana.click(tid("erase-submit"))
	ana.visible(tid("start-anon"))
	if p := ana.path(); p != "/" {
		t.Errorf("after erasing, the app is at %q, want the start screen", p)
	}

	// Her old session is refused, by cookie (the page) and by token.
	if status := eval[int](ana, `fetch('/api/auth/session').then((r) => r.status)`); status != http.StatusUnauthorized {
		t.Errorf("the page's session after erasing: %d", status)
	}
	old := &apiUser{t: t, base: srv.URL, token: token, client: checkedClient(t)}
	for _, path := range []string{"/api/auth/session", "/api/users/me/export"} {
		if status := old.call(http.MethodGet, path, nil, nil); status != http.StatusUnauthorized {
			t.Errorf("GET %s with her old token: %d, want 401", path, status)
		}
	}
	var r struct {
		CurrentCapacity int `json:"currentCapacity"`
	}
	if status := ben.call(http.MethodGet, "/api/rooms/"+room, nil, &r); status != http.StatusOK || r.CurrentCapacity != 1 {
		t.Errorf("the room after her erasure: %d, %d people (want ben alone)", status, r.CurrentCapacity)
	}
	if left := storetest.Find(raw.Dump(t), id, name, goal); len(left) > 0 {
		t.Errorf("the database still holds her: %+v", left)
	}
}
