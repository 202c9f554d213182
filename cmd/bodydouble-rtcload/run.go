package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/bodydouble/bodydouble/internal/procstat"
)

// snapshot is every counter at one moment.
type snapshot struct {
	at        time.Time
	tx        map[*link][2]int64 // RTP packets, bytes sent
	retx      map[*link][2]int64 // of which retransmissions
	rx        map[*link][3]int64 // RTP packets, bytes, highest extended sequence number
	ice       map[*link][2]int64 // ICE-level bytes sent, received (SRTP, SRTCP, DTLS)
	frames    map[*user]int64
	serverCPU time.Duration
	serverLag time.Duration
	selfCPU   time.Duration
	busy      time.Duration
	total     time.Duration
	rcvbufErr int64
	sndbufErr int64
	drops     map[string]int64 // UDP socket drops by inode
	nacked    int64            // packets the peers were asked to resend
}

func take(links []*link, users []*user, frames []*atomic.Int64, pid int) (snapshot, error) {
	s := snapshot{tx: map[*link][2]int64{}, retx: map[*link][2]int64{}, rx: map[*link][3]int64{}, ice: map[*link][2]int64{}, frames: map[*user]int64{}}
	if pid > 0 {
		cpu, err := procstat.CPU(pid)
		if err != nil {
			return s, fmt.Errorf("server process: %w", err)
		}
		s.serverCPU, s.serverLag = cpu, procstat.RunDelay(pid)
	}
	s.selfCPU = procstat.SelfCPU()
	s.busy, s.total = machineCPU()
	s.rcvbufErr, s.sndbufErr = udpErrors()
	s.drops = udpDrops()
	s.at = time.Now()
	for _, l := range links {
		s.tx[l] = [2]int64{l.tx.packets.Load(), l.tx.bytes.Load()}
		s.retx[l] = [2]int64{l.tx.retxPackets.Load(), l.tx.retxBytes.Load()}
		s.nacked += l.nacked.Load()
		l.rxMu.Lock()
		s.rx[l] = [3]int64{l.rxPackets, l.rxBytes, l.rxHigh}
		l.rxMu.Unlock()
		st := l.pc.SCTP().Transport().ICETransport().Stats()
		s.ice[l] = [2]int64{int64(st.BytesSent), int64(st.BytesReceived)}
	}
	for i, u := range users {
		s.frames[u] = frames[i].Load()
	}
	return s, nil
}

func run(ctx context.Context, o options, base *url.URL) (*result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	v, err := loadVideo(ctx, o)
	if err != nil {
		return nil, err
	}
	res := &result{Mode: "direct", Peers: o.peers, Connections: o.peers * (o.peers - 1) / 2,
		CPUs: runtime.NumCPU(), LoadAvgBefore: loadAvg(), ServerPID: o.serverPID,
		SignalPace: o.signalRate, SignalBurst: o.signalBurst}
	if o.relay {
		res.Mode = "relay"
	}
	res.Video = videoResult{Source: v.source, Command: v.command, Width: v.width, Height: v.height,
		Frames: len(v.frames), Seconds: v.duration.Seconds(), FPS: float64(len(v.frames)) / v.duration.Seconds(), Kbps: v.kbps()}
	logf := func(format string, args ...any) {
		if o.verbose {
			fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
		}
	}

	// People, a room of o.peers, everyone joined with the camera on.
	users := make([]*user, o.peers)
	for i := range users {
		if users[i], err = signUp(ctx, base, i); err != nil {
			return nil, err
		}
	}
	defer func() {
		for _, u := range users {
			u.close()
		}
	}()
	var room struct {
		ID string `json:"id"`
	}
	if err := call(ctx, base, "POST", "/api/rooms", users[0].token,
		map[string]any{"name": "rtcload camera mesh", "category": "deep-work", "maxCapacity": o.peers},
		&room, http.StatusCreated); err != nil {
		return nil, err
	}
	for _, u := range users {
		u.room = room.ID
		if err := u.iceServers(ctx, base, o.turnTCP); err != nil {
			return nil, err
		}
		if o.relay && len(u.ice) == 0 {
			return nil, errors.New("relay mode: the server hands out no ICE servers (is --turn-addr set?)")
		}
		if err := u.dial(ctx, base, o.signalRate, o.signalBurst); err != nil {
			return nil, err
		}
		if _, err := u.request(ctx, "join-room", map[string]any{"roomId": room.ID}); err != nil {
			return nil, err
		}
		if _, err := u.request(ctx, "media-state", map[string]any{"roomId": room.ID, "camera": true, "mic": false, "watching": true}); err != nil {
			return nil, err
		}
	}
	for _, s := range users[0].ice {
		res.ICEServers = append(res.ICEServers, s.URLs...)
	}
	logf("%d people in room %s with cameras on", len(users), room.ID)

	// The mesh: one link per person and other person, all created before
	// any signalling so that every offer finds its link.
	tracks := make([]*webrtc.TrackLocalStaticSample, len(users))
	for i, u := range users {
		if tracks[i], err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "camera", u.id); err != nil {
			return nil, err
		}
	}
	var links []*link
	defer func() {
		var wg sync.WaitGroup
		for _, l := range links {
			wg.Go(func() { _ = l.pc.Close() })
		}
		wg.Wait()
	}()
	for i, u := range users {
		for _, r := range users {
			if r == u {
				continue
			}
			l, err := newLink(u, r, tracks[i], o.relay)
			if err != nil {
				return nil, err
			}
			u.mu.Lock()
			u.links[r.id] = l
			u.mu.Unlock()
			links = append(links, l)
		}
	}
	frames := make([]*atomic.Int64, len(users))
	for i := range users {
		frames[i] = &atomic.Int64{}
		phase := v.frames[0].dur * time.Duration(i) / time.Duration(len(users))
		go sendVideo(ctx, tracks[i], v, phase, frames[i])
	}
	start := time.Now()
	for _, l := range links {
		go l.run(ctx)
	}

	// Set-up: every link connected and carrying the other's camera.
	deadline := time.After(o.setup)
	for _, l := range links {
		for _, ch := range []chan struct{}{l.connected, l.firstRTP} {
			select {
			case <-ch:
			case <-deadline:
				return res.fail(links, users, fmt.Sprintf("the mesh was not up within %s: %s", o.setup, setupState(links)))
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	res.SetupSeconds = time.Since(start).Seconds()
	logf("mesh up in %.1fs", res.SetupSeconds)

	// takeAfter waits d (unless ctx ends first), then takes a snapshot.
	takeAfter := func(d time.Duration) (snapshot, error) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return snapshot{}, ctx.Err()
		}
		return take(links, users, frames, o.serverPID)
	}
	s0, err := takeAfter(o.warmup)
	if err != nil {
		return nil, err
	}
	s1, err := takeAfter(o.window)
	if err != nil {
		return nil, err
	}
	res.compute(o, users, links, s0, s1)
	res.UDPDropsServer = dropsOf(s0.drops, s1.drops, socketInodes(o.serverPID))
	res.UDPDropsPeers = dropsOf(s0.drops, s1.drops, socketInodes(0))
	res.collectSignalling(users, links)
	return res, nil
}

// setupState says how far the links got, for a failed set-up.
func setupState(links []*link) string {
	states := map[string]int{}
	noMedia := 0
	for _, l := range links {
		states[l.state.Load().(webrtc.PeerConnectionState).String()]++
		select {
		case <-l.firstRTP:
		default:
			noMedia++
		}
		if err := l.error(); err != nil {
			states["error: "+err.Error()]++
		}
	}
	keys := make([]string, 0, len(states))
	for k := range states {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := ""
	for _, k := range keys {
		out += fmt.Sprintf("%s ×%d; ", k, states[k])
	}
	return out + fmt.Sprintf("%d of %d links without media", noMedia, len(links))
}

func (r *result) fail(links []*link, users []*user, why string) (*result, error) {
	r.collectSignalling(users, links)
	r.Failed = why
	return r, nil
}
