package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// grantClipboard lets pages of origin write and read the clipboard without
// asking, as a person who allowed it would.
func (b *browser) grantClipboard(origin string) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			if _, err := cdp.Call(ctx, t, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: &cdpbrowser.PermissionDescriptor{Name: name},
				Setting:    cdpbrowser.PermissionSettingGranted,
				Origin:     origin,
			}); err != nil {
				return fmt.Errorf("grant %s: %w", name, err)
			}
		}
		return nil
	}))
}

// unlistedIn reports how many cards of the lobby of b show room.
func unlistedIn(b *browser, room string) int {
	b.t.Helper()
	b.visible(tid("room-card")) // the list has arrived (the starter rooms)
	return b.count(fmt.Sprintf(`%s[data-room-id=%q]`, tid("room-card"), room))
}

// TestInviteLink: ana creates an unlisted room, copies its invite link and
// ben, who opens it, lands in the same room; ben's lobby never lists the
// room, before or after he is in it. Without a clipboard the link is shown
// in a field, selected, to copy by hand.
func TestInviteLink(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	startAll(t, ana, ben)
	benID := ben.userID()

	ana.click(tid("create-room-open"))
	ana.visible(tid("create-room-form"))
	ana.setField("#room-name", "Just us two")
	ana.clickLabel(tid("create-room-unlisted"))
	if !eval[bool](ana, `document.querySelector('#room-unlisted').checked`) {
		t.Fatal("the unlisted box is not ticked after a click on its label")
	}
	ana.click(tid("create-room-submit"))
	room := strings.TrimPrefix(ana.waitPath("/room/"), "/room/")
	ana.waitText(tid("room-title"), "Just us two")
	ana.visible(tid("room-unlisted"))

	ana.grantClipboard(srv.URL)
	ana.click(tid("copy-invite"))
	ana.waitText(tid("invite-status"), "Link copied")
	if role := eval[string](ana, `document.querySelector('[data-testid="invite-status"]').getAttribute('role')`); role != "status" {
		t.Errorf("the copy status has role %q, want status", role)
	}
	link := eval[string](ana, `navigator.clipboard.readText()`)
	if want := srv.URL + "/room/" + room; link != want {
		t.Fatalf("copied invite link %q, want %q", link, want)
	}

	// Ben's lobby does not list the room, though ana is in it.
	if n := unlistedIn(ben, room); n != 0 {
		t.Fatalf("ben's lobby lists the unlisted room (%d cards)", n)
	}
	ben.do(chromedp.Navigate(link))
	ben.waitPath("/room/" + room)
	ben.waitText(tid("room-title"), "Just us two")
	ana.visible(tileOf(benID))

	// Still unlisted with two people in it.
	ben.click(tid("nav-lobby"))
	ben.visible(tid("room-bar"))
	if n := unlistedIn(ben, room); n != 0 {
		t.Fatalf("ben's lobby lists the unlisted room he is in (%d cards)", n)
	}

	// Without a clipboard, the link is shown and selected instead.
	ben.click(tid("room-bar-back"))
	ben.waitPath("/room/" + room)
	eval[chromedp.Void](ben, `Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true })`)
	ben.click(tid("copy-invite"))
	ben.visible(tid("invite-link"))
	if shown := eval[string](ben, `document.querySelector('[data-testid="invite-link"]').value`); shown != link {
		t.Errorf("fallback field shows %q, want %q", shown, link)
	}
	// Selected once the field has rendered (the app selects it right after).
	ben.waitFor("the link selected", `(() => { const el = document.querySelector('[data-testid="invite-link"]');
		return el.selectionStart === 0 && el.selectionEnd === el.value.length; })()`)
}
