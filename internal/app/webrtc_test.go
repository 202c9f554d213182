package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/bodydouble/bodydouble/internal/app"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
)

// TestPionPeersThroughTheBuiltInRelay connects two real WebRTC stacks
// (pion) that signal through the server's room socket and are forced to use
// only the built-in TURN relay, on loopback, and checks that media arrives.
func TestPionPeersThroughTheBuiltInRelay(t *testing.T) {
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.RateLimit = "127.0.0.1:0", t.TempDir(), false
	cfg.TURNAddr, cfg.TURNAllowLocal = "127.0.0.1:0", true
	a, err := app.New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(ctx)
	})
	if a.TURNAddr() == "" {
		t.Fatal("the built-in TURN server did not start")
	}
	base := "http://" + a.Addr().String()
	alice, bob := signUp(t, base), signUp(t, base)
	var rooms struct {
		Rooms []struct{ ID string } `json:"rooms"`
	}
	getJSON(t, base+"/api/rooms", alice.Token, &rooms)
	room := rooms.Rooms[0].ID

	var iceResp struct {
		ICEServers []webrtc.ICEServer `json:"iceServers"`
	}
	getJSON(t, base+"/api/rtc/ice-servers", alice.Token, &iceResp)
	ws := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	ca, cb := wstest.Dial(t, ws, alice.Token), wstest.Dial(t, ws, bob.Token)
	ca.Join(room)
	cb.Join(room)

	sender := newPeer(t, iceResp.ICEServers, ca, room, bob.User.ID)
	receiver := newPeer(t, iceResp.ICEServers, cb, room, alice.User.ID)
	var packets atomic.Int64
	got := make(chan struct{})
	receiver.pc.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := track.ReadRTP(); err != nil {
				return
			}
			if packets.Add(1) == 50 {
				close(got)
			}
		}
	})
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sender.pc.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	go receiver.signal()
	offer, err := sender.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	ca.Send("rtc-offer", map[string]any{"roomId": room, "to": bob.User.ID, "sdp": offer.SDP}, "")
	go sender.signal()

	// Send frames until 50 packets arrived, bounded in time and count.
	frame := bytes.Repeat([]byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, 200)
	tick := time.NewTicker(33 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for sent := 0; ; sent++ {
		select {
		case <-got:
			assertRelayed(t, sender.pc)
			assertRelayed(t, receiver.pc)
			return
		case <-deadline:
			t.Fatalf("only %d RTP packets arrived through the relay in 20 s (ICE: sender %s, receiver %s)",
				packets.Load(), sender.pc.ICEConnectionState(), receiver.pc.ICEConnectionState())
		case <-tick.C:
			if err := track.WriteSample(media.Sample{Data: frame, Duration: 33 * time.Millisecond}); err != nil && sent > 600 {
				t.Fatal(err)
			}
		}
	}
}

// peer is one pion PeerConnection signalling through a room socket.
type peer struct {
	t    *testing.T
	pc   *webrtc.PeerConnection
	c    *wstest.Client
	room string
	to   string
}

func newPeer(t *testing.T, servers []webrtc.ICEServer, c *wstest.Client, room, to string) *peer {
	t.Helper()
	var se webrtc.SettingEngine
	// Loopback only: no other interface of this machine is ever used.
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	var m webrtc.MediaEngine
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(&m))
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: servers, ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	p := &peer{t: t, pc: pc, c: c, room: room, to: to}
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		var init any
		if cand != nil {
			init = cand.ToJSON()
		}
		p.send("rtc-ice", map[string]any{"roomId": room, "to": to, "candidate": init})
	})
	return p
}

// send writes a signalling event; it runs on pion's goroutines, so a
// failure shows up as media that never arrives rather than a t.Fatal here.
func (p *peer) send(event string, data any) {
	b, _ := json.Marshal(map[string]any{"event": event, "data": data})
	_ = p.c.WS.Write(context.Background(), websocket.MessageText, b)
}

// signal applies the signalling that arrives on the socket until it closes.
func (p *peer) signal() {
	for m := range p.c.In {
		switch m.Event {
		case "rtc-offer":
			var d struct{ SDP string }
			json.Unmarshal(m.Data, &d)
			if p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: d.SDP}) != nil {
				return
			}
			answer, err := p.pc.CreateAnswer(nil)
			if err != nil || p.pc.SetLocalDescription(answer) != nil {
				return
			}
			p.send("rtc-answer", map[string]any{"roomId": p.room, "to": p.to, "sdp": answer.SDP})
		case "rtc-answer":
			var d struct{ SDP string }
			json.Unmarshal(m.Data, &d)
			p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: d.SDP})
		case "rtc-ice":
			var d struct{ Candidate *webrtc.ICECandidateInit }
			json.Unmarshal(m.Data, &d)
			if d.Candidate != nil {
				p.pc.AddICECandidate(*d.Candidate)
			}
		}
	}
}

// assertRelayed checks that the connection's selected candidate pair uses
// a relayed candidate on this side.
func assertRelayed(t *testing.T, pc *webrtc.PeerConnection) {
	t.Helper()
	pair, err := pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		t.Fatalf("no selected candidate pair: %v", err)
	}
	if pair.Local.Typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("local candidate is %s, not relay", pair.Local.Typ)
	}
}

type identity struct {
	Token string `json:"token"`
	User  struct {
		ID string `json:"id"`
	} `json:"user"`
}

func signUp(t *testing.T, base string) identity {
	t.Helper()
	resp, err := http.Post(base+"/api/auth/anonymous", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var id identity
	if err := json.NewDecoder(resp.Body).Decode(&id); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("sign up: %d %v", resp.StatusCode, err)
	}
	return id
}

func getJSON(t *testing.T, url, token string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
