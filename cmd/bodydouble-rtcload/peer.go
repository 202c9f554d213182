package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

// rtpCounter counts the RTP packets a PeerConnection sends. It is the
// innermost interceptor (registered first), so it sees every packet as it
// goes to SRTP, retransmissions included.
type rtpCounter struct {
	interceptor.NoOp
	packets     atomic.Int64
	bytes       atomic.Int64 // RTP header + payload
	retxPackets atomic.Int64 // retransmissions among them (RTX, or an old sequence number)
	retxBytes   atomic.Int64
}

func (c *rtpCounter) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	var mu sync.Mutex
	var high uint16
	started := false
	return interceptor.RTPWriterFunc(func(h *rtp.Header, p []byte, a interceptor.Attributes) (int, error) {
		n, err := w.Write(h, p, a)
		if err != nil {
			return n, err
		}
		size := int64(h.MarshalSize() + len(p))
		c.packets.Add(1)
		c.bytes.Add(size)
		retx := info.SSRCRetransmission != 0 && h.SSRC == info.SSRCRetransmission ||
			info.PayloadTypeRetransmission != 0 && h.PayloadType == info.PayloadTypeRetransmission
		if !retx && h.SSRC == info.SSRC {
			mu.Lock()
			if started && int16(h.SequenceNumber-high) <= 0 {
				retx = true
			} else {
				started, high = true, h.SequenceNumber
			}
			mu.Unlock()
		}
		if retx {
			c.retxPackets.Add(1)
			c.retxBytes.Add(size)
		}
		return n, err
	})
}

type counterFactory struct{ c *rtpCounter }

func (f counterFactory) NewInterceptor(string) (interceptor.Interceptor, error) { return f.c, nil }

// link is one side of a PeerConnection between two participants: u's
// connection to remote. Both sides send their camera and receive the
// other's.
type link struct {
	u       *user
	remote  *user
	offerer bool // the lower user id offers
	relay   bool
	pc      *webrtc.PeerConnection
	in      chan msg
	tx      *rtpCounter
	nacked  atomic.Int64 // packets the remote asked for again (RTCP NACK)

	rxMu      sync.Mutex
	rxPackets int64
	rxBytes   int64 // RTP header + payload, as read from the track
	rxHigh    int64 // extended highest sequence number
	rxStarted bool

	firstRTP  chan struct{}
	firstOnce sync.Once
	connected chan struct{}
	connOnce  sync.Once
	state     atomic.Value // webrtc.PeerConnectionState

	mu         sync.Mutex
	remoteSet  bool
	pendingIn  []webrtc.ICECandidateInit
	localSent  bool
	pendingOut []*webrtc.ICECandidateInit
	candTypes  map[string]int // local candidates gathered, by type
	errMu      sync.Mutex
	err        error
}

// newAPI is a pion API restricted to loopback: the "lo" interface only,
// loopback candidates included, UDP over IPv4, no mDNS. The counter is the
// first interceptor; pion's defaults (NACK, RTCP reports, TWCC feedback,
// stats) follow, as a browser has them.
func newAPI(c *rtpCounter) (*webrtc.API, error) {
	var se webrtc.SettingEngine
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// VP8 only, without RTX: pion's NACK generator does not see packets
	// repaired through RTX and asks for them again every 100 ms until
	// they leave its window, which turns a little loss into a storm of
	// retransmissions between two pion peers. Without RTX a resent packet
	// arrives on the media SSRC and ends its NACKs, as in a browser. The
	// cap of 10 NACKs per packet is Chrome's.
	var m webrtc.MediaEngine
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}},
		PayloadType: 96,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	reg.Add(counterFactory{c})
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(&m, reg,
		webrtc.WithNackGeneratorOptions(nack.GeneratorMaxNacksPerPacket(10))); err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(&m), webrtc.WithInterceptorRegistry(reg)), nil
}

func newLink(u, remote *user, track webrtc.TrackLocal, relay bool) (*link, error) {
	l := &link{u: u, remote: remote, offerer: u.id < remote.id, relay: relay, in: make(chan msg, 256),
		tx: &rtpCounter{}, firstRTP: make(chan struct{}), connected: make(chan struct{}),
		candTypes: map[string]int{}}
	api, err := newAPI(l.tx)
	if err != nil {
		return nil, err
	}
	cfg := webrtc.Configuration{ICEServers: u.ice}
	if relay {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	if l.pc, err = api.NewPeerConnection(cfg); err != nil {
		return nil, err
	}
	l.state.Store(webrtc.PeerConnectionStateNew)
	sender, err := l.pc.AddTrack(track)
	if err != nil {
		l.pc.Close()
		return nil, err
	}
	// Read RTCP so that the interceptors (NACK responder, reports) run,
	// counting the packets the receiver asks to be sent again.
	go func() {
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if nack, ok := p.(*rtcp.TransportLayerNack); ok {
					for _, pair := range nack.Nacks {
						l.nacked.Add(int64(len(pair.PacketList())))
					}
				}
			}
		}
	}()
	l.pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		var init *webrtc.ICECandidateInit
		typ := "end"
		if c != nil {
			j := c.ToJSON()
			init, typ = &j, c.Typ.String()
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.candTypes[typ]++
		if init == nil {
			return // like the web app, the end of candidates is not sent
		}
		if !l.localSent {
			l.pendingOut = append(l.pendingOut, init)
			return
		}
		l.sendCandidate(init)
	})
	l.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		l.state.Store(s)
		if s == webrtc.PeerConnectionStateConnected {
			l.connOnce.Do(func() { close(l.connected) })
		}
	})
	l.pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go l.receive(t) })
	return l, nil
}

func (l *link) fail(err error) {
	l.errMu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.errMu.Unlock()
}

func (l *link) error() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.err
}

// sendCandidate writes one rtc-ice; l.mu is held so that candidates keep
// their order behind the description.
func (l *link) sendCandidate(c *webrtc.ICECandidateInit) {
	l.u.send("rtc-ice", map[string]any{"roomId": l.u.room, "to": l.remote.id, "candidate": c}, "")
}

// sendDescription writes the offer or answer, then the candidates that
// were gathered before it.
func (l *link) sendDescription(event, sdp string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.u.send(event, map[string]any{"roomId": l.u.room, "to": l.remote.id, "sdp": sdp}, "")
	l.localSent = true
	for _, c := range l.pendingOut {
		l.sendCandidate(c)
	}
	l.pendingOut = nil
}

// remoteDescription applies an offer or answer, then the candidates that
// arrived before it.
func (l *link) remoteDescription(typ webrtc.SDPType, sdp string) error {
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: typ, SDP: sdp}); err != nil {
		return fmt.Errorf("set remote %s: %w", typ, err)
	}
	l.mu.Lock()
	l.remoteSet = true
	pending := l.pendingIn
	l.pendingIn = nil
	l.mu.Unlock()
	for _, c := range pending {
		if err := l.pc.AddICECandidate(c); err != nil {
			return fmt.Errorf("add candidate: %w", err)
		}
	}
	return nil
}

// sendLocal makes the local description with create (an offer or an
// answer), applies it and sends it as event; on failure it reports what
// failed and returns false.
func (l *link) sendLocal(event, what string, create func() (webrtc.SessionDescription, error)) bool {
	desc, err := create()
	if err == nil {
		err = l.pc.SetLocalDescription(desc)
	}
	if err != nil {
		l.fail(fmt.Errorf("%s: %w", what, err))
		return false
	}
	l.sendDescription(event, desc.SDP)
	return true
}

// run signals for the link until ctx ends: the offerer starts, and both
// apply what arrives, in order.
func (l *link) run(ctx context.Context) {
	if l.offerer && !l.sendLocal("rtc-offer", "offer", func() (webrtc.SessionDescription, error) { return l.pc.CreateOffer(nil) }) {
		return
	}
	for {
		var m msg
		select {
		case m = <-l.in:
		case <-ctx.Done():
			return
		}
		var d struct {
			SDP       string                   `json:"sdp"`
			Candidate *webrtc.ICECandidateInit `json:"candidate"`
		}
		if err := json.Unmarshal(m.Data, &d); err != nil {
			l.fail(fmt.Errorf("%s: %w", m.Event, err))
			continue
		}
		switch m.Event {
		case "rtc-offer":
			if l.offerer {
				l.fail(fmt.Errorf("an offer from %s, who should answer", l.remote.id))
				continue
			}
			if err := l.remoteDescription(webrtc.SDPTypeOffer, d.SDP); err != nil {
				l.fail(err)
				continue
			}
			l.sendLocal("rtc-answer", "answer", func() (webrtc.SessionDescription, error) { return l.pc.CreateAnswer(nil) })
		case "rtc-answer":
			if err := l.remoteDescription(webrtc.SDPTypeAnswer, d.SDP); err != nil {
				l.fail(err)
			}
		case "rtc-ice":
			if d.Candidate == nil || d.Candidate.Candidate == "" {
				continue // end of candidates
			}
			l.mu.Lock()
			if !l.remoteSet {
				l.pendingIn = append(l.pendingIn, *d.Candidate)
				l.mu.Unlock()
				continue
			}
			l.mu.Unlock()
			if err := l.pc.AddICECandidate(*d.Candidate); err != nil {
				l.fail(fmt.Errorf("add candidate: %w", err))
			}
		}
	}
}

// receive reads the remote camera, counting packets, bytes and the
// highest sequence number (for loss).
func (l *link) receive(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if n < 12 {
			continue
		}
		seq := uint16(buf[2])<<8 | uint16(buf[3])
		l.rxMu.Lock()
		if !l.rxStarted {
			l.rxStarted, l.rxHigh = true, int64(seq)
		} else if d := int16(seq - uint16(l.rxHigh)); d > 0 {
			l.rxHigh += int64(d)
		}
		l.rxPackets++
		l.rxBytes += int64(n)
		l.rxMu.Unlock()
		l.firstOnce.Do(func() { close(l.firstRTP) })
	}
}

// pairType names the selected candidate pair, local/remote.
func (l *link) pairType() string {
	pair, err := l.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		return "none"
	}
	return pair.Local.Typ.String() + "/" + pair.Remote.Typ.String()
}

// sendVideo writes the video into track in a loop, frame by frame at the
// file's own timing, until ctx ends. It counts frames written.
func sendVideo(ctx context.Context, track *webrtc.TrackLocalStaticSample, v *video, phase time.Duration, frames *atomic.Int64) {
	t := time.NewTimer(phase)
	defer t.Stop()
	next := time.Now().Add(phase)
	for i := 0; ; i = (i + 1) % len(v.frames) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f := v.frames[i]
		_ = track.WriteSample(media.Sample{Data: f.data, Duration: f.dur})
		frames.Add(1)
		next = next.Add(f.dur)
		d := time.Until(next)
		if d < -time.Second { // far behind (a stalled machine): start afresh
			next, d = time.Now(), 0
		}
		t.Reset(max(d, 0))
	}
}
