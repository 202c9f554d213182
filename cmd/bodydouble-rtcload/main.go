// Command bodydouble-rtcload measures the camera feature of a running
// bodydouble server: a room of eight people with every camera on, as a
// full WebRTC mesh of pion peers that signal through the server's room
// WebSocket and send a VP8 stream at the web app's default camera settings
// (320×240, 15 fps, 150 kbit/s cap) to each other.
//
//	bodydouble-rtcload -server http://127.0.0.1:18390 -server-pid PID -relay=false
//	bodydouble-rtcload -server http://127.0.0.1:18390 -server-pid PID -relay=true
//
// With -relay=true every PeerConnection uses ICETransportPolicy relay, so
// all media crosses the server's built-in TURN relay, and the tool reports
// the server process's CPU time per relayed Mbit/s. The server must run
// with --rate-limit=off, --turn-allow-local and a --turn-addr on loopback.
//
// Everything stays on loopback: the server URL must be a loopback address,
// the peers gather candidates on the "lo" interface only (UDP4, no mDNS),
// and the whole run is bounded by a hard time limit. docs/performance.md
// ("Camera (WebRTC)") has the commands and the numbers measured with them.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/bodydouble/bodydouble/internal/loadguard"
)

type options struct {
	server      string
	serverPID   int
	peers       int
	relay       bool
	ivf         string
	keepIVF     string
	width       int
	height      int
	fps         int
	bitrate     int // kbit/s
	ivfSeconds  int
	warmup      time.Duration
	window      time.Duration
	setup       time.Duration
	signalRate  float64
	signalBurst int
	turnTCP     bool
	jsonOut     string
	verbose     bool
}

func main() {
	var o options
	fs := flag.NewFlagSet("bodydouble-rtcload", flag.ExitOnError)
	fs.StringVar(&o.server, "server", "http://127.0.0.1:18390", "base URL of the running bodydouble (loopback only)")
	fs.IntVar(&o.serverPID, "server-pid", 0, "process id of that bodydouble, for its CPU time from /proc (0: not measured)")
	fs.IntVar(&o.peers, "peers", 8, "participants in the room, all with the camera on (2–8: the app allows 8 cameras)")
	fs.BoolVar(&o.relay, "relay", false, "force every PeerConnection through the built-in TURN relay (ICETransportPolicy relay)")
	fs.StringVar(&o.ivf, "ivf", "", "VP8 IVF file to send (default: made now with ffmpeg at -width×-height, -fps, -bitrate)")
	fs.StringVar(&o.keepIVF, "keep-ivf", "", "also copy the generated IVF file here")
	fs.IntVar(&o.width, "width", 320, "width of the generated video")
	fs.IntVar(&o.height, "height", 240, "height of the generated video")
	fs.IntVar(&o.fps, "fps", 15, "frame rate of the generated video")
	fs.IntVar(&o.bitrate, "bitrate", 150, "bitrate of the generated video in kbit/s (the web app's VIDEO_DEFAULT.maxBitrate is 150 kbit/s)")
	fs.IntVar(&o.ivfSeconds, "ivf-seconds", 20, "length of the generated video; it is sent in a loop")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "wait after every connection carries media, before measuring")
	fs.DurationVar(&o.window, "window", 20*time.Second, "the measured steady window")
	fs.DurationVar(&o.setup, "setup-timeout", 60*time.Second, "limit for building the whole mesh")
	fs.Float64Var(&o.signalRate, "signal-rate", 10, "signalling events per second per socket (0: unpaced); the server allows 20/s with a burst of 40")
	fs.IntVar(&o.signalBurst, "signal-burst", 20, "burst of the per-socket signalling pace")
	fs.BoolVar(&o.turnTCP, "turn-tcp", false, "also use the turn:…?transport=tcp URL (default: UDP only, so every relay carries media)")
	fs.StringVar(&o.jsonOut, "json", "", "write the result as JSON to this file")
	fs.BoolVar(&o.verbose, "v", false, "log signalling progress")
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fatalf("unexpected argument %q", fs.Arg(0))
	}
	if o.peers < 2 || o.peers > 8 {
		fatalf("-peers must be 2–8")
	}
	if o.window < time.Second {
		fatalf("-window must be at least 1s")
	}
	base, err := loadguard.Loopback(o.server)
	if err != nil {
		fatalf("%v", err)
	}
	limit := o.setup + o.warmup + o.window + 90*time.Second
	loadguard.Watchdog("bodydouble-rtcload", limit)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, o, base)
	if err != nil {
		fatalf("%v", err)
	}
	res.print(os.Stdout)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			fatalf("%v", err)
		}
	}
	if res.Failed != "" {
		fmt.Fprintln(os.Stderr, "bodydouble-rtcload:", res.Failed)
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bodydouble-rtcload: "+format+"\n", args...)
	os.Exit(1)
}
