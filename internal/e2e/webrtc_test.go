package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bodydouble/bodydouble/internal/config"
)

// The camera tests: real WebRTC between two Chromiums, with the fake camera
// and microphone, on loopback only. Each
// test runs again in a network namespace of its own whose only interface
// is lo, so that neither Chromium can gather, or send a connectivity check
// to, any other address of this machine. The app's debug hook
// window.__bdMedia (web/README.md "Hooks for browser tests") reads
// getStats() and the SDPs the app sent; localStorage bd.debug.relay = "1"
// forces the connections through the built-in TURN server.

// netnsEnv marks the process that runs inside the namespace.
const netnsEnv = "BODYDOUBLE_E2E_NETNS"

// mediaFlags are the Chromium flags for WebRTC tests with fake devices.
var mediaFlags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("use-fake-device-for-media-stream", true),
	chromedp.Flag("use-fake-ui-for-media-stream", true),
	chromedp.Flag("allow-loopback-in-peer-connection", true),
	// The default list (chromedp.DefaultExecAllocatorOptions) plus mDNS hiding off, so
	// that candidates carry 127.0.0.1 rather than a .local name nothing here resolves.
	chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebRtcHideLocalIpsWithMdns"),
	chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
}

// loopbackOnly runs the calling test again, alone, in a new network
// namespace with only lo up, and reports its outcome. It returns true in
// that namespace (go on with the test) and false outside it (done).
func loopbackOnly(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == "1" {
		return true
	}
	requireChromium(t)
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("camera tests run in a loopback-only network namespace and need %s (util-linux, iproute2): %v", tool, err)
		}
	}
	prefix := []string{"--net"}
	if os.Geteuid() != 0 {
		prefix = []string{"--net", "--map-root-user"}
	}
	if out, err := exec.Command("unshare", append(prefix, "true")...).CombinedOutput(); err != nil {
		t.Skipf("camera tests run in a loopback-only network namespace, and unshare %s is not allowed here: %v %s",
			strings.Join(prefix, " "), err, out)
	}
	args := append(prefix, "--", "sh", "-c", `ip link set lo up && exec "$@"`, "sh",
		os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1", "-test.timeout=5m")
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	text := string(out)
	if err != nil {
		t.Fatalf("%s in its loopback namespace: %v\n%s", t.Name(), err, text)
	}
	if skip := regexp.MustCompile(`(?m)^--- SKIP: ` + regexp.QuoteMeta(t.Name()) + `\b.*$`).FindStringIndex(text); skip != nil {
		t.Skipf("in its loopback namespace:\n%s", strings.TrimSpace(text[skip[0]:]))
	}
	if testing.Verbose() {
		t.Logf("in its loopback namespace:\n%s", indent(text))
	}
	return false
}

// startMediaServer is startServer with the built-in STUN/TURN server on
// loopback, allowed to relay to loopback peers.
func startMediaServer(t *testing.T) *server {
	t.Helper()
	return startServer(t, func(c *config.Config) {
		c.TURNAddr = "127.0.0.1:0"
		c.TURNAllowLocal = true
	})
}

// peerStats is what window.__bdMedia.stats() says about one connection.
type peerStats struct {
	OK                 bool   `json:"ok"`
	First              int    `json:"first"`
	ConnectionState    string `json:"connectionState"`
	FramesDecoded      int    `json:"framesDecoded"`
	FrameWidth         int    `json:"frameWidth"`
	FrameHeight        int    `json:"frameHeight"`
	MaxBitrate         int    `json:"maxBitrate"`
	LocalCandidateType string `json:"localCandidateType"`
}

// decodes waits until b decodes video from person id and the count of
// decoded frames keeps growing (30 more frames, two seconds at 15 fps).
func (b *browser) decodes(id string) peerStats {
	b.t.Helper()
	s := eval[peerStats](b, fmt.Sprintf(`(async (id) => {
		const deadline = Date.now() + 12000;
		let first = null, last = null;
		while (Date.now() < deadline) {
			const all = window.__bdMedia ? await window.__bdMedia.stats() : {};
			last = all[id] || null;
			if (last && last.framesDecoded > 0) {
				if (first === null) first = last.framesDecoded;
				else if (last.framesDecoded >= first + 30) return { ok: true, first, ...last };
			}
			await new Promise((r) => setTimeout(r, 200));
		}
		return { ok: false, first: first ?? 0, ...(last || {}) };
	})(%s)`, jsString(id)))
	if !s.OK {
		sent := b.sent(id)
		var types []string
		for _, d := range sent {
			types = append(types, d.Type)
		}
		lg := eval[[]string](b, fmt.Sprintf(`(window.__bdMedia.log()[%s]) ?? []`, jsString(id)))
		b.t.Fatalf("%s: video from %s is not being decoded: %+v; the app sent them %v\n%s", b.name, id, s, types, strings.Join(lg, "\n"))
	}
	return s
}

// sentSDP is one session description the app sent to a person.
type sentSDP struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// sent returns the SDPs b's app sent to person id.
func (b *browser) sent(id string) []sentSDP {
	b.t.Helper()
	return eval[[]sentSDP](b, fmt.Sprintf(`(window.__bdMedia ? window.__bdMedia.sdp()[%s] : null) ?? []`, jsString(id)))
}

// liveAudio reports whether an SDP has an audio section that could carry
// sound: a port other than 0 and no a=inactive.
func liveAudio(sdp string) bool {
	inAudio, live := false, false
	sc := bufio.NewScanner(strings.NewReader(sdp))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "m=") {
			if inAudio && live {
				return true
			}
			f := strings.Fields(line)
			inAudio = len(f) > 1 && f[0] == "m=audio"
			live = inAudio && f[1] != "0"
		} else if inAudio && line == "a=inactive" {
			live = false
		}
	}
	return inAudio && live
}

// turnOn clicks one of my media switches (media-camera, media-mic,
// media-watching) and waits until the server has accepted it.
func (b *browser) turnOn(testID string) {
	b.t.Helper()
	b.click(tid(testID))
	b.waitFor(testID+" to be on", fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		return !!el && el.checked && !el.disabled;
	})()`, jsString(tid(testID))))
}

// camerasSeeEachOther: two people in a room turn their cameras on and
// watch; each decodes the other's video. With relay, every connection goes
// through the built-in TURN server.
func camerasSeeEachOther(t *testing.T, relay bool) {
	srv := startMediaServer(t)
	if relay && srv.app.TURNAddr() == "" {
		t.Skipf("the built-in TURN server did not start; server log:\n%s", srv.logs.String())
	}
	ana, ben := newBrowser(t, srv, "ana", mediaFlags...), newBrowser(t, srv, "ben", mediaFlags...)
	_, anaID, benID := together(t, ana, ben)

	for _, b := range []*browser{ana, ben} {
		servers := eval[string](b, `fetch('/api/rtc/ice-servers').then((r) => r.text())`)
		if relay && !strings.Contains(servers, "turn:127.0.0.1:") {
			t.Fatalf("%s: /api/rtc/ice-servers names no TURN server on loopback: %s", b.name, servers)
		}
		if relay {
			eval[chromedp.Void](b, `localStorage.setItem('bd.debug.relay', '1')`)
		}
		// A quiet room: no mic switch at all, and it says why.
		b.visible(tid("media-mic-off"))
		if n := b.count(tid("media-mic")); n != 0 {
			t.Fatalf("%s: a mic switch in a muted room", b.name)
		}
	}

	var wg sync.WaitGroup
	for _, b := range []*browser{ana, ben} {
		wg.Go(func() {
			b.turnOn("media-camera")
			b.visible(tid("own-video"))
			b.turnOn("media-watching")
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	for _, c := range []struct {
		b    *browser
		from string
	}{{ana, benID}, {ben, anaID}} {
		c.b.visible(tileOf(c.from) + " " + tid("participant-video"))
		s := c.b.decodes(c.from)
		t.Logf("%s decodes %s: %d frames and counting, %d×%d (%s, %s candidate)",
			c.b.name, c.from, s.FramesDecoded, s.FrameWidth, s.FrameHeight, s.ConnectionState, s.LocalCandidateType)
		// The body-doubling default: about 320×240, capped at 150 kbps.
		if s.FrameWidth > 320 || s.FrameHeight > 240 || s.FrameWidth == 0 {
			t.Errorf("%s: video from %s is %d×%d, want at most 320×240", c.b.name, c.from, s.FrameWidth, s.FrameHeight)
		}
		if s.MaxBitrate != 150_000 {
			t.Errorf("%s: my video to %s is capped at %d bits/s, want 150000", c.b.name, c.from, s.MaxBitrate)
		}
		if relay && s.LocalCandidateType != "relay" {
			t.Errorf("%s: the connection to %s uses a %q candidate, not the relay", c.b.name, c.from, s.LocalCandidateType)
		}
		if !relay && s.LocalCandidateType == "relay" {
			t.Errorf("%s: the direct connection to %s goes through the relay", c.b.name, c.from)
		}
	}

	if !relay {
		// Video tiles, my own mirrored preview, "Hide video": still axe-clean.
		ana.checkScreen("room-cameras")
	}

	// In this muted room, nothing the app sent could carry sound.
	for _, c := range []struct {
		b  *browser
		to string
	}{{ana, benID}, {ben, anaID}} {
		sdps := c.b.sent(c.to)
		largest := 0
		for _, d := range sdps {
			largest = max(largest, len(d.SDP))
			if liveAudio(d.SDP) {
				t.Errorf("%s sent %s an %s with live audio in a muted room:\n%s", c.b.name, c.to, d.Type, d.SDP)
			}
			if len(d.SDP) > 12000 {
				t.Errorf("%s sent %s an %s of %d bytes, over the server's limit", c.b.name, c.to, d.Type, len(d.SDP))
			}
		}
		if len(sdps) == 0 {
			t.Errorf("%s sent %s no session description", c.b.name, c.to)
		}
		t.Logf("%s sent %s %d descriptions, the largest %d bytes", c.b.name, c.to, len(sdps), largest)
	}
	if o := append(ana.sent(benID), ben.sent(anaID)...); !slicesHaveOffer(o) {
		t.Errorf("no offer was sent either way")
	}

	// Ben turns his camera off: Ana's tile for him goes back to the avatar,
	// and the camera light goes out (his track is stopped).
	ben.click(tid("media-camera"))
	ben.gone(tid("own-video"))
	ana.gone(tileOf(benID) + " " + tid("participant-video"))
	if live := eval[int](ben, `document.querySelectorAll('video').length`); live != 1 {
		t.Errorf("ben: %d video elements after turning his camera off, want 1 (Ana's)", live)
	}

	// Leaving tears the connections down: Ana has none left.
	ben.click(tid("leave-room"))
	ben.waitPath("/lobby")
	ana.gone(tileOf(benID))
	ana.waitFor("no connections left", `(async () => window.__bdMedia && Object.keys(await window.__bdMedia.stats()).length === 0)()`)
	ana.quietConsole()
	ben.quietConsole()
}

// quietConsole fails on any error or warning in b's console (the app warns
// when signalling fails or the server refuses a message).
func (b *browser) quietConsole() {
	b.t.Helper()
	b.flushConsole()
	for _, m := range b.console() {
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
			b.t.Errorf("%s console %s: %s (%s:%d)", b.name, m.Type, m, m.URL, m.Line+1)
		}
	}
}

func slicesHaveOffer(sdps []sentSDP) bool {
	for _, d := range sdps {
		if d.Type == "offer" {
			return true
		}
	}
	return false
}

// TestCamerasDirect: two cameras on in one room, connected directly.
func TestCamerasDirect(t *testing.T) {
	t.Parallel()
	if loopbackOnly(t) {
		camerasSeeEachOther(t, false)
	}
}

// TestCamerasThroughRelay: the same, forced through the built-in TURN server.
func TestCamerasThroughRelay(t *testing.T) {
	t.Parallel()
	if loopbackOnly(t) {
		camerasSeeEachOther(t, true)
	}
}

// TestOpenRoomMicAndRemoval: in a room whose creator allowed mics, a mic is
// heard (and can be muted locally); then the creator removes the other
// person, who is told, lands in the lobby and cannot come back.
func TestOpenRoomMicAndRemoval(t *testing.T) {
	t.Parallel()
	if !loopbackOnly(t) {
		return
	}
	srv := startMediaServer(t)
	ana, ben := newBrowser(t, srv, "ana", mediaFlags...), newBrowser(t, srv, "ben", mediaFlags...)
	startAll(t, ana, ben)
	anaID, benID := ana.userID(), ben.userID()
	roomID := eval[string](ana, `fetch('/api/rooms', {
		method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ name: 'Talk it through', category: 'study', micPolicy: 'open' }),
	}).then((r) => r.json()).then((r) => r.id)`)
	for _, b := range []*browser{ana, ben} {
		b.open("/room/" + roomID)
		b.visible(tid("room-title"))
	}
	ana.visible(tileOf(benID))
	ben.visible(tileOf(anaID))

	// Ana speaks; Ben watches (and so listens).
	ana.turnOn("media-mic")
	ben.turnOn("media-watching")
	ben.waitFor("ana's sound to play", fmt.Sprintf(`(() => {
		const a = document.querySelector(%s);
		return !!a && !!a.srcObject && a.srcObject.getAudioTracks().length === 1 && !a.paused;
	})()`, jsString(tileOf(anaID)+" "+tid("participant-audio"))))
	live := false
	for _, d := range ana.sent(benID) {
		live = live || liveAudio(d.SDP)
	}
	if !live {
		t.Errorf("ana's mic is on in an open room, but no SDP she sent has live audio: %+v", ana.sent(benID))
	}
	// Ben mutes her on his screen.
	ben.click(tileOf(anaID) + " " + tid("mute-participant"))
	ben.gone(tileOf(anaID) + " " + tid("participant-audio"))
	ben.visible(tileOf(anaID) + " " + tid("unmute-participant"))

	// Only the creator sees "Remove from room".
	if n := ben.count(tid("remove-participant")); n != 0 {
		t.Errorf("ben sees %d remove buttons in a room he did not create", n)
	}
	ana.checkScreen("room-open-mic")
	ana.click(tileOf(benID) + " " + tid("remove-participant"))
	ana.visible(tid("remove-dialog"))
	ana.checkScreen("remove-dialog")
	ana.click(tid("remove-confirm"))
	ana.gone(tileOf(benID))
	ben.waitPath("/lobby")
	ben.waitText(tid("lobby-notice"), "The host asked you to leave this room.")
	ana.waitFor("no connections left", `(async () => window.__bdMedia && Object.keys(await window.__bdMedia.stats()).length === 0)()`)

	ben.open("/room/" + roomID)
	ben.visible(tid("room-error") + `[data-code="forbidden"]`)
	ana.quietConsole()
}

// TestLiveAudio checks the test's own reading of SDPs.
func TestLiveAudio(t *testing.T) {
	for sdp, want := range map[string]bool{
		"v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n":                                    false,
		"v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=inactive\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n": false,
		"v=0\r\nm=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n":                                   false,
		"v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=recvonly\r\n":                                   true,
		"v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendonly\r\n": true,
	} {
		if got := liveAudio(sdp); got != want {
			t.Errorf("liveAudio(%q) = %v, want %v", sdp, got, want)
		}
	}
}
