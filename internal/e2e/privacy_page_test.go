package e2e

import (
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/model"
)

// TestPrivacyPage: on a 360 px phone, the privacy page is reached from the
// landing page's footer before signing in and from Settings after, fits
// the width and passes axe both times. With --avatar-uploads on, Settings
// offers "Upload a picture": a picture chosen there becomes the avatar.
func TestPrivacyPage(t *testing.T) {
	t.Parallel()
	srv := startServer(t, func(c *config.Config) { c.AvatarUploads = true })
	ana := newBrowser(t, srv, "ana")
	ana.do(phone.emulate())

	ana.open("/")
	ana.click(tid("privacy-link"))
	ana.visible(tid("privacy-page"))
	ana.waitPath("/privacy")
	ana.waitText(tid("privacy-page"), "We do not store your IP address.")
	ana.fitsWidth("the privacy page, signed out")
	ana.axe("the privacy page, signed out")

	ana.startAnonymously()
	ana.click(tid("nav-settings"))
	ana.visible(tid("avatar-upload"))
	// Upload a picture through the file control.
	img := image.NewNRGBA(image.Rect(0, 0, 400, 300))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 3)
	}
	file := filepath.Join(t.TempDir(), "me.png")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ana.do(chromedp.SetUploadFiles(chromedp.CSS(tid("avatar-file")), []string{file}, chromedp.NodeReady))
	ana.waitText(tid("avatar-status"), "Picture saved.")
	ana.visible(tid("avatar-upload") + ` img[src^="/api/users/"]`)
	ana.visible(tid("avatar-remove"))
	ana.fitsWidth("Settings with a picture")

	ana.click(tid("settings-privacy-link"))
	ana.visible(tid("privacy-page"))
	ana.waitPath("/privacy")
	ana.fitsWidth("the privacy page, signed in")
	ana.axe("the privacy page, signed in")

	// ben reports ana in her room; mo, an admin, removes her picture from the report
	// card (asked first), and the file is gone from the blob store.
	ana.open("/lobby")
	room := ana.findRoom()
	ben := newAPIUser(t, srv)
	if status := ben.call(http.MethodPost, "/api/rooms/"+room+"/join", nil, nil); status != http.StatusOK {
		t.Fatalf("ben joins: %d", status)
	}
	if status := ben.call(http.MethodPost, "/api/reports", map[string]any{"userId": ana.userID(), "roomId": room, "reason": "other", "note": "Rude picture"}, nil); status != http.StatusCreated {
		t.Fatalf("ben reports ana: %d", status)
	}
	blobs := func() []string {
		m, _ := filepath.Glob(filepath.Join(srv.cfg.DataDir, "blobs", "avatars", "*"))
		return m
	}
	if n := len(blobs()); n != 1 {
		t.Fatalf("%d files in the blob store, want ana's one", n)
	}
	mo := newBrowser(t, srv, "mo")
	mo.startAnonymously()
	makeRole(t, srv, mo.userID(), model.RoleAdmin)
	mo.open("/moderation")
	report := tid("mod-report") + `[data-user-id="` + ana.userID() + `"]`
	mo.click(report + " " + tid("mod-remove-avatar"))
	mo.visible(tid("mod-remove-avatar-dialog"))
	mo.click(tid("mod-remove-avatar-confirm"))
	mo.waitText(report+" "+tid("mod-remove-avatar-status"), "Picture removed.")
	if got := eval[bool](ana, `fetch('/api/users/profile').then((r) => r.json()).then((u) => u.avatarUrl === null)`); !got {
		t.Fatal("ana still has a picture after the moderator removed it")
	}
	if f := blobs(); len(f) != 0 {
		t.Fatalf("the blob store still holds %v", f)
	}
}
