package e2e

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bodydouble/bodydouble/internal/config"
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
}
