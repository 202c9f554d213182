package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

type videoResult struct {
	Source  string  `json:"source"`
	Command string  `json:"command,omitempty"`
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	Frames  int     `json:"frames"`
	Seconds float64 `json:"seconds"`
	FPS     float64 `json:"fps"`
	Kbps    float64 `json:"kbps"` // VP8 payload of the file
}

// participant is one person's traffic over the window, all kbit/s.
type participant struct {
	User          string  `json:"user"`
	FramesPerSec  float64 `json:"framesPerSec"` // camera frames handed to pion
	UpRTPKbps     float64 `json:"upRtpKbps"`    // RTP header + payload sent, all links
	DownRTPKbps   float64 `json:"downRtpKbps"`  // RTP header + payload received, all links
	UpICEKbps     float64 `json:"upIceKbps"`    // bytes the ICE transports sent (SRTP + SRTCP)
	DownICEKbps   float64 `json:"downIceKbps"`  // bytes the ICE transports received
	StreamsIn     int     `json:"streamsIn"`    // remote cameras that delivered packets in the window
	PacketsIn     int64   `json:"packetsIn"`    // RTP packets received
	PacketsLost   int64   `json:"packetsLost"`  // expected (by sequence number) minus received
	PacketsOut    int64   `json:"packetsOut"`   // RTP packets sent
	LossPercent   float64 `json:"lossPercent"`  // of expected
	UpPacketsPerS float64 `json:"upPacketsPerSec"`
}

type result struct {
	Mode          string      `json:"mode"` // direct or relay
	Peers         int         `json:"peers"`
	Connections   int         `json:"connections"`
	Video         videoResult `json:"video"`
	ICEServers    []string    `json:"iceServers"`
	CPUs          int         `json:"cpus"`
	LoadAvgBefore float64     `json:"loadAvgBefore"`
	SignalPace    float64     `json:"signalPacePerSec"`
	SignalBurst   int         `json:"signalBurst"`

	SetupSeconds float64 `json:"setupSeconds"`
	// Signalling per socket: events written (join-room and media-state
	// included), rtc-* among them, the seconds between a socket's first and
	// last rtc-*, and error frames received by code.
	EventsPerSocket    []int64        `json:"eventsPerSocket"`
	RTCPerSocket       []int64        `json:"rtcPerSocket"`
	RTCSpanSeconds     []float64      `json:"rtcSpanSeconds"`
	ErrorsByCode       map[string]int `json:"errorsByCode"`
	LinkErrors         []string       `json:"linkErrors,omitempty"`
	QueueDropped       int64          `json:"queueDropped,omitempty"` // events this tool failed to queue (never expected)
	CandidatePairs     map[string]int `json:"candidatePairs"`         // local/remote type → links
	ConnectionStates   map[string]int `json:"connectionStates"`
	WindowSeconds      float64        `json:"windowSeconds"`
	Participants       []participant  `json:"participants"`
	MeanUpRTPKbps      float64        `json:"meanUpRtpKbps"`
	MeanDownRTPKbps    float64        `json:"meanDownRtpKbps"`
	MeanUpICEKbps      float64        `json:"meanUpIceKbps"`
	MeanDownICEKbps    float64        `json:"meanDownIceKbps"`
	PerStreamRTPKbps   float64        `json:"perStreamRtpKbps"` // mean RTP kbit/s of one camera on one link
	TotalPacketsIn     int64          `json:"totalPacketsIn"`
	TotalPacketsLost   int64          `json:"totalPacketsLost"`
	TotalLossPercent   float64        `json:"totalLossPercent"`
	MachineBusyPercent float64        `json:"machineBusyPercent"` // all CPUs, in the window
	UDPRcvbufErrors    int64          `json:"udpRcvbufErrors"`    // machine-wide, in the window
	UDPDropsServer     int64          `json:"udpDropsServer"`     // full receive buffers of the server's sockets
	UDPDropsPeers      int64          `json:"udpDropsPeers"`      // full receive buffers of this tool's sockets
	NackedPackets      int64          `json:"nackedPackets"`      // packets receivers asked for again
	RetransmitKbps     float64        `json:"retransmitKbpsPerParticipant"`
	UDPSndbufErrors    int64          `json:"udpSndbufErrors"`
	LocalCandidates    map[string]int `json:"localCandidates"` // gathered by all links, by type
	SelfCPUPercent     float64        `json:"selfCpuPercentOfCore"`

	ServerPID            int     `json:"serverPid,omitempty"`
	ServerCPUSeconds     float64 `json:"serverCpuSeconds"`
	ServerCorePercent    float64 `json:"serverCorePercent"`
	ServerRunDelayPct    float64 `json:"serverRunDelayPercent"` // runnable but waiting for a CPU, % of the window
	RelayedMbps          float64 `json:"relayedMbps"`           // (Σ ICE bytes sent + Σ ICE bytes received) × 8 / window
	ForwardedMbps        float64 `json:"forwardedMbps"`         // Σ ICE bytes sent × 8 / window: each packet counted once
	MicrosPerRelayedMbit float64 `json:"serverCpuMicrosPerRelayedMbit"`
	MicrosPerForwarded   float64 `json:"serverCpuMicrosPerForwardedMbit"`

	Failed string `json:"failed,omitempty"`
}

func (r *result) compute(o options, users []*user, links []*link, s0, s1 snapshot) {
	win := s1.at.Sub(s0.at).Seconds()
	r.WindowSeconds = win
	kbps := func(b int64) float64 { return float64(b) * 8 / win / 1000 }
	var sentICE, recvICE int64
	var streamBytes int64
	var streams int
	for _, u := range users {
		p := participant{User: u.id, FramesPerSec: float64(s1.frames[u]-s0.frames[u]) / win}
		var up, down, upICE, downICE, expected int64
		for _, l := range links {
			if l.u != u {
				continue
			}
			tx0, tx1 := s0.tx[l], s1.tx[l]
			rx0, rx1 := s0.rx[l], s1.rx[l]
			ice0, ice1 := s0.ice[l], s1.ice[l]
			up += tx1[1] - tx0[1]
			p.PacketsOut += tx1[0] - tx0[0]
			down += rx1[1] - rx0[1]
			upICE += ice1[0] - ice0[0]
			downICE += ice1[1] - ice0[1]
			got := rx1[0] - rx0[0]
			exp := rx1[2] - rx0[2]
			p.PacketsIn += got
			expected += exp
			p.PacketsLost += max(exp-got, 0)
			if got > 0 {
				p.StreamsIn++
				streams++
				streamBytes += rx1[1] - rx0[1]
			}
		}
		p.UpRTPKbps, p.DownRTPKbps, p.UpICEKbps, p.DownICEKbps = kbps(up), kbps(down), kbps(upICE), kbps(downICE)
		p.UpPacketsPerS = float64(p.PacketsOut) / win
		if expected > 0 {
			p.LossPercent = 100 * float64(p.PacketsLost) / float64(expected)
		}
		sentICE += upICE
		recvICE += downICE
		r.Participants = append(r.Participants, p)
		r.MeanUpRTPKbps += p.UpRTPKbps / float64(len(users))
		r.MeanDownRTPKbps += p.DownRTPKbps / float64(len(users))
		r.MeanUpICEKbps += p.UpICEKbps / float64(len(users))
		r.MeanDownICEKbps += p.DownICEKbps / float64(len(users))
		r.TotalPacketsIn += p.PacketsIn
		r.TotalPacketsLost += p.PacketsLost
	}
	if streams > 0 {
		r.PerStreamRTPKbps = kbps(streamBytes) / float64(streams)
	}
	if n := r.TotalPacketsIn + r.TotalPacketsLost; n > 0 {
		r.TotalLossPercent = 100 * float64(r.TotalPacketsLost) / float64(n)
	}
	if d := s1.total - s0.total; d > 0 {
		r.MachineBusyPercent = 100 * float64(s1.busy-s0.busy) / float64(d)
	}
	r.UDPRcvbufErrors, r.UDPSndbufErrors = s1.rcvbufErr-s0.rcvbufErr, s1.sndbufErr-s0.sndbufErr
	r.NackedPackets = s1.nacked - s0.nacked
	var retx int64
	for _, l := range links {
		retx += s1.retx[l][1] - s0.retx[l][1]
	}
	r.RetransmitKbps = kbps(retx) / float64(len(users))
	r.SelfCPUPercent = 100 * (s1.selfCPU - s0.selfCPU).Seconds() / win
	if o.serverPID > 0 {
		cpu := s1.serverCPU - s0.serverCPU
		r.ServerCPUSeconds = cpu.Seconds()
		r.ServerCorePercent = 100 * cpu.Seconds() / win
		r.ServerRunDelayPct = 100 * (s1.serverLag - s0.serverLag).Seconds() / win
		if r.Mode == "relay" {
			relayedMbit := float64(sentICE+recvICE) * 8 / 1e6
			forwardedMbit := float64(sentICE) * 8 / 1e6
			r.RelayedMbps = relayedMbit / win
			r.ForwardedMbps = forwardedMbit / win
			us := float64(cpu) / float64(time.Microsecond)
			if relayedMbit > 0 {
				r.MicrosPerRelayedMbit = us / relayedMbit
				r.MicrosPerForwarded = us / forwardedMbit
			}
		}
	}
	r.CandidatePairs = map[string]int{}
	r.ConnectionStates = map[string]int{}
	for _, l := range links {
		r.CandidatePairs[l.pairType()]++
		r.ConnectionStates[l.state.Load().(webrtc.PeerConnectionState).String()]++
	}
	// Relay mode: relay on both sides. Direct: no relay on either side (a
	// server-reflexive candidate on loopback is the host address again).
	good := 0
	for k, n := range r.CandidatePairs {
		if r.Mode == "relay" && k == "relay/relay" || r.Mode != "relay" && k != "none" && !strings.Contains(k, "relay") {
			good += n
		}
	}
	switch {
	case good != len(links):
		r.Failed = fmt.Sprintf("not every link uses a %s candidate pair: %v", r.Mode, r.CandidatePairs)
	case r.ConnectionStates["connected"] != len(links):
		r.Failed = fmt.Sprintf("not every link stayed connected: %v", r.ConnectionStates)
	}
	for _, p := range r.Participants {
		if p.StreamsIn != len(users)-1 && r.Failed == "" {
			r.Failed = fmt.Sprintf("%s received %d of %d cameras in the window", p.User, p.StreamsIn, len(users)-1)
		}
	}
}

func (r *result) collectSignalling(users []*user, links []*link) {
	r.ErrorsByCode = map[string]int{}
	r.LocalCandidates = map[string]int{}
	for _, l := range links {
		l.mu.Lock()
		for k, n := range l.candTypes {
			r.LocalCandidates[k] += n
		}
		l.mu.Unlock()
	}
	for _, u := range users {
		r.EventsPerSocket = append(r.EventsPerSocket, u.eventsSent.Load())
		r.RTCPerSocket = append(r.RTCPerSocket, u.rtcSent.Load())
		span := 0.0
		if f, l := u.firstRTC.Load(), u.lastRTC.Load(); f > 0 {
			span = time.Duration(l - f).Seconds()
		}
		r.RTCSpanSeconds = append(r.RTCSpanSeconds, span)
		r.QueueDropped += u.dropped.Load()
		for k, n := range u.errors() {
			r.ErrorsByCode[k] += n
		}
	}
	for _, l := range links {
		if err := l.error(); err != nil {
			r.LinkErrors = append(r.LinkErrors, fmt.Sprintf("%d→%d: %v", l.u.idx, l.remote.idx, err))
		}
	}
}

func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "bodydouble-rtcload: %d cameras, full mesh (%d PeerConnections), mode %s\n", r.Peers, r.Connections, r.Mode)
	fmt.Fprintf(w, "video: %s, %dx%d, %d frames in %.1fs (%.1f fps), VP8 %.1f kbit/s\n",
		r.Video.Source, r.Video.Width, r.Video.Height, r.Video.Frames, r.Video.Seconds, r.Video.FPS, r.Video.Kbps)
	if r.Video.Command != "" {
		fmt.Fprintf(w, "  made with: %s\n", r.Video.Command)
	}
	fmt.Fprintf(w, "ICE servers: %s\n", strings.Join(r.ICEServers, " "))
	fmt.Fprintf(w, "machine: %d CPUs, 1-min load %.2f before the run\n", r.CPUs, r.LoadAvgBefore)
	fmt.Fprintf(w, "local candidates gathered by the %d links: %v\n", r.Peers*(r.Peers-1), r.LocalCandidates)
	pace := "unpaced"
	if r.SignalPace > 0 {
		pace = fmt.Sprintf("paced at %.0f/s, burst %d", r.SignalPace, r.SignalBurst)
	}
	fmt.Fprintf(w, "signalling (%s): events per socket %v, rtc-* %v, rtc-* span s %v, error frames %v\n",
		pace, r.EventsPerSocket, r.RTCPerSocket, roundAll(r.RTCSpanSeconds), r.ErrorsByCode)
	if r.QueueDropped > 0 {
		fmt.Fprintf(w, "  %d events dropped: this tool's write queue was full\n", r.QueueDropped)
	}
	for _, e := range r.LinkErrors {
		fmt.Fprintf(w, "  link error %s\n", e)
	}
	if r.Failed != "" && r.WindowSeconds == 0 {
		fmt.Fprintf(w, "FAILED: %s\n", r.Failed)
		return
	}
	fmt.Fprintf(w, "mesh up in %.1fs; candidate pairs %v; states %v\n", r.SetupSeconds, r.CandidatePairs, r.ConnectionStates)
	fmt.Fprintf(w, "window %.1fs (kbit/s; RTP = header + payload, ICE = SRTP/SRTCP bytes on the transport):\n", r.WindowSeconds)
	fmt.Fprintf(w, "  %-3s %6s %9s %9s %9s %9s %8s %8s %9s %6s %7s\n", "#", "fps", "up RTP", "down RTP", "up ICE", "down ICE", "RTP/s up", "streams", "pkts in", "lost", "loss %")
	var pps float64
	for i, p := range r.Participants {
		fmt.Fprintf(w, "  %-3d %6.1f %9.1f %9.1f %9.1f %9.1f %8.0f %8d %9d %6d %7.3f\n", i, p.FramesPerSec, p.UpRTPKbps, p.DownRTPKbps,
			p.UpICEKbps, p.DownICEKbps, p.UpPacketsPerS, p.StreamsIn, p.PacketsIn, p.PacketsLost, p.LossPercent)
		pps += p.UpPacketsPerS / float64(len(r.Participants))
	}
	fmt.Fprintf(w, "  %-3s %6s %9.1f %9.1f %9.1f %9.1f %8.0f %8s %9d %6d %7.3f\n", "avg", "", r.MeanUpRTPKbps, r.MeanDownRTPKbps,
		r.MeanUpICEKbps, r.MeanDownICEKbps, pps, "", r.TotalPacketsIn, r.TotalPacketsLost, r.TotalLossPercent)
	fmt.Fprintf(w, "one camera on one link: %.1f kbit/s RTP; retransmissions %.1f kbit/s per participant (in up RTP); packets NACKed %d\n",
		r.PerStreamRTPKbps, r.RetransmitKbps, r.NackedPackets)
	fmt.Fprintf(w, "machine busy %.0f%% of all CPUs in the window; this tool used %.0f%% of a core; UDP buffer drops (machine-wide): receive %d, send %d\n",
		r.MachineBusyPercent, r.SelfCPUPercent, r.UDPRcvbufErrors, r.UDPSndbufErrors)
	fmt.Fprintf(w, "UDP receive-buffer drops: at the server's sockets %d, at the peers' sockets %d\n", r.UDPDropsServer, r.UDPDropsPeers)
	if r.ServerPID > 0 {
		fmt.Fprintf(w, "server pid %d: %.2fs CPU in %.1fs = %.1f%% of a core (waited runnable for a CPU %.1f%% of the window)\n",
			r.ServerPID, r.ServerCPUSeconds, r.WindowSeconds, r.ServerCorePercent, r.ServerRunDelayPct)
		if r.Mode == "relay" {
			fmt.Fprintf(w, "relayed: %.2f Mbit/s = (Σ ICE bytes sent + Σ ICE bytes received by the peers) × 8 / window\n", r.RelayedMbps)
			fmt.Fprintf(w, "TURN CPU: %.0f µs per relayed Mbit (%.0f µs per Mbit counted once, Σ sent only: %.2f Mbit/s)\n",
				r.MicrosPerRelayedMbit, r.MicrosPerForwarded, r.ForwardedMbps)
		}
	}
	if r.Failed != "" {
		fmt.Fprintf(w, "FAILED: %s\n", r.Failed)
	}
}

func roundAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(int(x*10+0.5)) / 10
	}
	return out
}
