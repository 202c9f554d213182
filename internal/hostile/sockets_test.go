package hostile

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxGrowth is what any one attack below may add to the server's resident
// memory. Before the hardening, the first two attacks grew it by more than
// a gigabyte in seconds; a bounded server grows by a few MiB at most (the
// Go heap's own slack included).
const maxGrowth = 32 * mib

// TestHugeFrameLength: a frame whose 64-bit length has its top bit set
// (nbio reads it as negative and used to buffer whatever followed) is
// refused at its header with 1009, on 8 sockets of 2 people at once.
func TestHugeFrameLength(t *testing.T) {
	s := startServer(t)
	var sockets []*rawWS
	for range 2 {
		p := s.signUp(t, "127.0.0.11")
		for range 4 {
			sockets = append(sockets, s.mustDial(t, p))
		}
	}
	evil := append(header(opText, 1<<63), make([]byte, 64<<10-14)...)
	chunk := make([]byte, 64<<10)
	outcomes := make([]closeOutcome, len(sockets))
	_, growth := s.peakRSS(func() {
		var wg sync.WaitGroup
		for i, ws := range sockets {
			wg.Go(func() {
				ended := ws.drain(20 * time.Second)
				if _, err := ws.c.Write(evil); err == nil {
					ws.flood(chunk, 1024, 10*time.Second) // up to 64 MiB each
				}
				outcomes[i] = <-ended
			})
		}
		wg.Wait()
	})
	for i, o := range outcomes {
		if o.code != 1009 {
			t.Errorf("socket %d: closed with %d (%v), want 1009", i, o.code, o.err)
		}
	}
	t.Logf("8 sockets streaming after a 2^63-byte header: RSS grew %.1f MiB", float64(growth)/mib)
	if growth > maxGrowth {
		t.Errorf("RSS grew %.1f MiB, want under %d MiB", float64(growth)/mib, maxGrowth/mib)
	}
}

// TestPingFlood: 125-byte pings in a loop from a client that never reads
// used to fill the server with unsent pongs; now control frames are
// counted, the socket is closed, and the pongs count in the backlog.
func TestPingFlood(t *testing.T) {
	s := startServer(t)
	p := s.signUp(t, "127.0.0.12")
	ping := frame(opPing, bytes.Repeat([]byte{'p'}, 125))
	deaf := s.mustDial(t, p)
	var sent int
	_, growth := s.peakRSS(func() { sent = deaf.flood(ping, 1_000_000, 8*time.Second) })
	t.Logf("ping flood without reading: %d pings taken before the server closed, RSS grew %.1f MiB", sent, float64(growth)/mib)
	if sent == 1_000_000 {
		t.Error("the server took a million pings without closing the socket")
	}
	if growth > maxGrowth {
		t.Errorf("RSS grew %.1f MiB, want under %d MiB", float64(growth)/mib, maxGrowth/mib)
	}
	// A client that reads sees why.
	ws := s.mustDial(t, p)
	ended := ws.drain(10 * time.Second)
	ws.flood(ping, 100_000, 8*time.Second)
	if o := <-ended; o.code != 1008 {
		t.Errorf("ping flood: closed with %d (%v), want 1008", o.code, o.err)
	}
}

// TestJunkFloods: malformed and binary frames count against the socket's
// limit like events: a flood of them ends in 1008 after a bounded number of
// error replies (it used to get 217,700 replies in 5 s and never close).
func TestJunkFloods(t *testing.T) {
	s := startServer(t)
	p := s.signUp(t, "127.0.0.13")
	for _, tc := range []struct {
		name        string
		first, junk []byte
	}{
		{"malformed", nil, frame(opText, []byte("{"))},
		{"binary", nil, frame(opBinary, []byte("x"))},
		// a text message that never ends, one byte per fragment
		{"fragments", frame(0x01, []byte("{")), frame(0x00, []byte("x"))},
	} {
		name, junk := tc.name, tc.junk
		ws := s.mustDial(t, p)
		ended := ws.drain(15 * time.Second)
		if _, err := ws.c.Write(tc.first); err != nil {
			t.Fatal(err)
		}
		ws.flood(junk, 100_000, 10*time.Second)
		o := <-ended
		if o.code != 1008 {
			t.Errorf("%s flood: closed with %d (%v), want 1008", name, o.code, o.err)
		}
		if o.events > 100 {
			t.Errorf("%s flood: %d replies before the close, want at most 100", name, o.events)
		}
		t.Logf("%s flood: %d replies, then %d", name, o.events, o.code)
	}
}

// TestAvatarsKeepRoomsJoinable: three people with the largest avatars
// allowed used to make every joiner's room-joined too large to send (1013);
// snapshots carry avatars by URL now.
func TestAvatarsKeepRoomsJoinable(t *testing.T) {
	s := startServer(t)
	const src = "127.0.0.14"
	creator := s.signUp(t, src)
	room := s.createRoom(t, creator)
	avatar := largestAvatar(t)
	for range 3 {
		p := s.signUp(t, src)
		if status, body := s.call(t, p, "PUT", "/api/users/profile", map[string]any{"avatarUrl": avatar}, nil); status != http.StatusOK {
			t.Fatalf("set an avatar of %d bytes: %d %s", len(avatar), status, body)
		}
		ws := s.mustDial(t, p)
		ws.send(t, "join-room", map[string]any{"roomId": room}, "j")
		ws.expect(t, "room-joined", "j")
	}
	ws := s.mustDial(t, s.signUp(t, src))
	ws.send(t, "join-room", map[string]any{"roomId": room}, "j")
	data, size := ws.expect(t, "room-joined", "j")
	if size > 8<<10 {
		t.Errorf("room-joined with 3 large avatars is %d bytes", size)
	}
	var snap struct {
		Participants []struct{ AvatarURL *string }
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	urls := 0
	for _, p := range snap.Participants {
		if p.AvatarURL != nil {
			if !strings.HasPrefix(*p.AvatarURL, "/api/users/") {
				t.Errorf("avatarUrl %.40q… is not a URL of the server's", *p.AvatarURL)
			}
			urls++
		}
	}
	if urls != 3 {
		t.Errorf("%d participants with an avatar URL, want 3", urls)
	}
}

// largestAvatar is a PNG data: URL of random pixels just under the 32 KB limit.
func largestAvatar(t *testing.T) string {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, 88, 88))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), 0xff
	}
	img.Set(0, 0, color.RGBA{0, 0, 0, 0xff})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	url := "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
	if len(url) > 32<<10 || len(url) < 28<<10 {
		t.Fatalf("the test avatar is %d bytes, want just under 32 KiB", len(url))
	}
	return url
}

// TestHandshakeFloods: upgrades are limited per person (whatever their
// address) and per address (whoever the people).
func TestHandshakeFloods(t *testing.T) {
	s := startServer(t)
	upgrade := func(p person) (bool, string) {
		ws, status, body := s.dialBody(t, p)
		if ws == nil {
			if status != http.StatusTooManyRequests {
				t.Fatalf("upgrade refused with %d %s, want 429", status, body)
			}
			return false, body
		}
		// Close and wait for the server's side to end too, so that the
		// five-sockets rule never decides the outcome.
		_, _ = ws.c.Write(frame(opClose, binary.BigEndian.AppendUint16(nil, 1000)))
		for {
			if _, err := ws.read(10 * time.Second); err != nil {
				break
			}
		}
		return true, ""
	}

	p := s.signUp(t, "127.0.0.15")
	start := time.Now()
	accepted, refused := 0, 0
	for range 40 {
		if ok, body := upgrade(p); ok {
			accepted++
		} else if strings.Contains(body, "too often") {
			refused++
		}
	}
	allowed := 10 + int(time.Since(start).Seconds()) + 1 // the burst and its refill meanwhile
	t.Logf("one person, 40 upgrades: %d accepted, %d refused (at most %d allowed)", accepted, refused, allowed)
	if refused == 0 || accepted > allowed {
		t.Errorf("one person: %d upgrades accepted, %d refused as too often; want at most %d accepted", accepted, refused, allowed)
	}

	// Eight people, signed up elsewhere, connecting from one address.
	var crowd []person
	for i := range 8 {
		p := s.signUp(t, "127.0.0."+strconv.Itoa(20+i))
		p.src = "127.0.0.16"
		crowd = append(crowd, p)
	}
	start = time.Now()
	accepted, refused = 0, 0
	for i := range 80 {
		if ok, body := upgrade(crowd[i%8]); ok {
			accepted++
		} else if strings.Contains(body, "your network") {
			refused++
		}
	}
	allowed = 60 + 10*int(time.Since(start).Seconds()+1)
	t.Logf("one address, 80 upgrades of 8 people: %d accepted, %d refused (at most %d allowed)", accepted, refused, allowed)
	if refused == 0 || accepted > allowed {
		t.Errorf("one address: %d accepted, %d refused as from the network; want at most %d accepted", accepted, refused, allowed)
	}
}
