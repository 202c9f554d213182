package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bodydouble/bodydouble/internal/loadguard"
	"github.com/bodydouble/bodydouble/internal/procstat"
)

// The presence workload (issue 3, point 9): n clients in rooms of 8; each
// joins its room over /ws, then sends update-presence every interval,
// staggered evenly; every member of the room, the sender included, must
// receive presence-updated. Fan-out latency is measured in this process,
// from just before a send's write to the moment each copy is read.

// presenceClient is one simulated person.
type presenceClient struct {
	idx  int
	user user
	room int
	ws   *wsConn

	joinSent atomic.Int64 // ns since t0
	joined   atomic.Bool
	done     chan struct{} // closed when the join ended (either way)
	doneOnce sync.Once
	// last holds, per status, 1 + the index in sends of this client's
	// latest update with that status (0: none yet). Statuses cycle, so a
	// copy is matched to its send as long as it arrives within two
	// intervals.
	last [3]atomic.Int64
}

// sendRecord is one update-presence sent.
type sendRecord struct {
	at     int64 // ns since t0, just before the write
	expect int32 // members of the room when it was sent
	recv   atomic.Int32
}

var statuses = [3]string{"break", "away", "working"}

type presenceRun struct {
	readers *readers
	t0      time.Time
	clients []*presenceClient
	byUser  map[string]*presenceClient
	roomIDs []string

	sends []sendRecord
	nsend atomic.Int64

	join, connect, fanout hist
	// fan-out split at the frame's serverTime (wall clock, ms): into the
	// server until the broadcast was encoded, and from there to the reader
	toServer, fromServer hist
	// per second of the presence phase, by receive time: copies and the
	// worst latency (µs), for -timeline
	phaseStart  atomic.Int64 // ns since t0; 0 before the phase
	secCount    [3600]atomic.Int64
	secMax      [3600]atomic.Int64
	delivered   atomic.Int64 // matched presence-updated copies
	unmatched   atomic.Int64 // presence-updated we cannot tie to a send
	otherEvents atomic.Int64
	errorEvents atomic.Int64
	closedEarly atomic.Int64
	joinFailed  atomic.Int64
	logged      atomic.Int64
}

func (r *presenceRun) since() int64 { return int64(time.Since(r.t0)) }

// logLimited logs the first few problems only.
func (r *presenceRun) logLimited(format string, args ...any) {
	if r.logged.Add(1) <= 10 {
		logf(format, args...)
	}
}

func runPresence(args []string) error {
	fs := newFlags("presence")
	server := fs.String("server", "http://127.0.0.1:8080", "server base URL (loopback only; run it with --rate-limit=off)")
	n := fs.Int("n", 1000, "clients (connections)")
	roomSize := fs.Int("room-size", 8, "clients per room (the rooms' maxCapacity)")
	interval := fs.Duration("interval", 2*time.Second, "each client sends update-presence this often")
	duration := fs.Duration("duration", 30*time.Second, "length of the measured presence phase")
	joinRate := fs.Float64("join-rate", 500, "socket joins started per second")
	joinInFlight := fs.Int("join-inflight", 256, "joins in flight at most")
	settle := fs.Duration("settle", 5*time.Second, "idle wait after the joins before the memory sample")
	drain := fs.Duration("drain", 5*time.Second, "how long to wait for late copies after the last send")
	pid := fs.Int("server-pid", 0, "server process id, for RSS and CPU from /proc (0: skip)")
	srcIPs := fs.Int("src-ips", 8, "spread connections over 127.0.0.1..127.0.0.<k> (more ephemeral ports)")
	workers := fs.Int("setup-workers", 16, "concurrent REST calls while creating users and rooms")
	cpuProfile := fs.String("cpuprofile", "", "write this tool's own CPU profile here")
	timeline := fs.Bool("timeline", false, "print deliveries and the worst fan-out latency per second of the phase")
	jsonOut := fs.String("json", "", "also write the results as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := loadguard.Loopback(*server)
	if err != nil {
		return err
	}
	if *n < 1 || *n > 19000 || *roomSize < 2 || *roomSize > 50 || *interval <= 0 || *duration <= 0 || *srcIPs < 1 || *srcIPs > 250 {
		return errors.New("flags out of range (n 1..19000, room-size 2..50, src-ips 1..250)")
	}
	if *pid != 0 {
		if _, err := sampleProc(*pid); err != nil {
			return fmt.Errorf("-server-pid: %w", err)
		}
	}
	setupBudget := time.Duration(float64(*n)/(*joinRate)*float64(time.Second)) + time.Duration(*n)*2*time.Millisecond
	loadguard.Watchdog("bodydouble-load", setupBudget+*settle+*duration+*drain+3*time.Minute)

	ctx := context.Background()
	a := newAPI(*server, *workers)
	rd, err := newReaders()
	if err != nil {
		return err
	}
	r := &presenceRun{readers: rd, t0: time.Now(), byUser: make(map[string]*presenceClient, *n)}

	// Setup over REST: users, then rooms of roomSize.
	users, err := a.signupMany(ctx, *n, *workers)
	if err != nil {
		return err
	}
	nrooms := (*n + *roomSize - 1) / *roomSize
	r.roomIDs, err = a.createRooms(ctx, users[0].Token, "Load", nrooms, *roomSize, *workers)
	if err != nil {
		return err
	}
	members := make([]int32, nrooms)
	for i, us := range users {
		c := &presenceClient{idx: i, user: us, room: i / *roomSize, done: make(chan struct{})}
		r.clients = append(r.clients, c)
		r.byUser[us.ID] = c
	}
	a.hc.CloseIdleConnections()

	// Joins over the socket, open loop at joinRate.
	var before procSample
	if *pid != 0 {
		before, _ = sampleProc(*pid)
		logf("server before sockets: RSS %s, %d threads", mib(before.rss), before.threads)
	}
	hostport := u.Host
	sem := make(chan struct{}, *joinInFlight)
	joinStart := time.Now()
	for i, c := range r.clients {
		due := time.Duration(float64(i) / *joinRate * float64(time.Second))
		if d := due - time.Since(joinStart); d > 0 {
			time.Sleep(d)
		}
		sem <- struct{}{}
		laddr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%*srcIPs))}
		go func() {
			r.connectAndJoin(c, hostport, laddr)
			select {
			case <-c.done:
			case <-time.After(30 * time.Second):
				r.logLimited("join of client %d timed out", c.idx)
				r.joinFailed.Add(1)
			}
			<-sem
		}()
	}
	for range *joinInFlight {
		sem <- struct{}{}
	}
	joined := 0
	for _, c := range r.clients {
		if c.joined.Load() {
			joined++
			members[c.room]++
		}
	}
	jd := time.Since(joinStart)
	logf("joined %d/%d sockets in %s (%.0f/s); join %s", joined, *n, jd.Round(time.Millisecond), float64(joined)/jd.Seconds(), r.join.summary())
	logf("connect (dial + upgrade) %s", r.connect.summary())
	if joined == 0 {
		return errors.New("no client joined")
	}

	// Idle: memory per joined connection.
	time.Sleep(*settle)
	var idle procSample
	if *pid != 0 {
		idle, _ = sampleProc(*pid)
		logf("server idle with %d joined sockets: RSS %s (%.1f KiB per connection), %d threads",
			joined, mib(idle.rss), float64(idle.rss-before.rss)/1024/float64(joined), idle.threads)
	}

	// Presence phase.
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	order := make([]*presenceClient, 0, joined)
	for k := range *roomSize { // interleave rooms: a room's members send far apart
		for i := k; i < len(r.clients); i += *roomSize {
			if r.clients[i].joined.Load() {
				order = append(order, r.clients[i])
			}
		}
	}
	perSecond := float64(len(order)) / interval.Seconds()
	total := int(perSecond*duration.Seconds()) + 1
	r.sends = make([]sendRecord, total)
	var p0, p1 procSample
	var wait0, selfWait0 time.Duration
	if *pid != 0 {
		p0, _ = sampleProc(*pid)
		wait0 = procstat.RunDelay(*pid)
	}
	self0 := procstat.SelfCPU()
	selfWait0 = procstat.RunDelay(os.Getpid())
	phaseStart := time.Now()
	r.phaseStart.Store(r.since())
	delivered0 := r.delivered.Load()
	logf("presence: %d clients, one update each per %s = %.0f updates/s, %.0f deliveries/s offered, for %s",
		len(order), *interval, perSecond, perSecond*float64(*roomSize), *duration)
	buf := make([]byte, 0, 128)
	sent := 0
	writeErrs := 0
	for j := range total {
		due := time.Duration(float64(j) / perSecond * float64(time.Second))
		if due >= *duration {
			break
		}
		if d := due - time.Since(phaseStart); d > 0 {
			time.Sleep(d)
		}
		c := order[j%len(order)]
		round := j / len(order)
		si := round % 3
		rec := &r.sends[j]
		rec.expect = members[c.room]
		buf = buf[:0]
		buf = append(buf, `{"event":"update-presence","data":{"roomId":"`...)
		buf = append(buf, r.roomIDs[c.room]...)
		buf = append(buf, `","status":"`...)
		buf = append(buf, statuses[si]...)
		buf = append(buf, `"}}`...)
		rec.at = r.since()
		c.last[si].Store(int64(j) + 1)
		if err := c.ws.writeText(buf); err != nil {
			writeErrs++
			rec.expect = 0
			continue
		}
		sent++
	}
	phase := time.Since(phaseStart)
	deliveredPhase := r.delivered.Load() - delivered0
	var wait1 time.Duration
	if *pid != 0 {
		p1, _ = sampleProc(*pid)
		wait1 = procstat.RunDelay(*pid)
	}
	self1 := procstat.SelfCPU()
	selfWait1 := procstat.RunDelay(os.Getpid())
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}

	// Drain: wait for late copies.
	var expected int64
	for j := range sent + writeErrs {
		expected += int64(r.sends[j].expect)
	}
	drainEnd := time.Now().Add(*drain)
	for time.Now().Before(drainEnd) && r.delivered.Load() < expected {
		time.Sleep(50 * time.Millisecond)
	}
	var missing, dup int64
	for j := range sent + writeErrs {
		e, g := int64(r.sends[j].expect), int64(r.sends[j].recv.Load())
		missing += max(0, e-g)
		dup += max(0, g-e)
	}

	res := presenceResult{
		Clients: *n, Joined: joined, RoomSize: *roomSize, Interval: interval.String(), Duration: phase.Round(time.Millisecond).String(),
		JoinP50ms: msf(r.join.quantile(0.5)), JoinP99ms: msf(r.join.quantile(0.99)), JoinMaxms: msf(time.Duration(r.join.max.Load()) * time.Microsecond),
		ConnectP99ms: msf(r.connect.quantile(0.99)),
		Sent:         sent, WriteErrors: writeErrs, Expected: expected, Delivered: r.delivered.Load(), Missing: missing, Duplicates: dup,
		Unmatched: r.unmatched.Load(), ErrorEvents: r.errorEvents.Load(), ClosedEarly: r.closedEarly.Load(),
		OfferedPerSec:   float64(expected) / phase.Seconds(),
		DeliveredPerSec: float64(deliveredPhase) / phase.Seconds(),
		FanoutP50ms:     msf(r.fanout.quantile(0.5)), FanoutP90ms: msf(r.fanout.quantile(0.9)), FanoutP99ms: msf(r.fanout.quantile(0.99)),
		FanoutP999ms: msf(r.fanout.quantile(0.999)), FanoutMaxms: msf(time.Duration(r.fanout.max.Load()) * time.Microsecond),
		ToServerP50ms: msf(r.toServer.quantile(0.5)), ToServerP99ms: msf(r.toServer.quantile(0.99)),
		FromServerP50ms: msf(r.fromServer.quantile(0.5)), FromServerP99ms: msf(r.fromServer.quantile(0.99)),
		LoadToolCPUPercent:  100 * (self1 - self0).Seconds() / phase.Seconds(),
		LoadToolRunDelayPct: 100 * (selfWait1 - selfWait0).Seconds() / phase.Seconds(),
		MachineLoad:         loadAvg(),
	}
	if *pid != 0 {
		res.ServerRSSBeforeMiB = float64(before.rss) / (1 << 20)
		res.ServerRSSIdleMiB = float64(idle.rss) / (1 << 20)
		res.ServerRSSActiveMiB = float64(p1.rss) / (1 << 20)
		res.RSSPerIdleConnKiB = float64(idle.rss-before.rss) / 1024 / float64(joined)
		res.RSSPerActiveConnKiB = float64(p1.rss-before.rss) / 1024 / float64(joined)
		res.ServerCPUPercent = 100 * (p1.cpu - p0.cpu).Seconds() / p1.at.Sub(p0.at).Seconds()
		if deliveredPhase > 0 {
			res.ServerCPUPerDeliveryUs = float64((p1.cpu-p0.cpu)/time.Nanosecond) / 1000 / float64(deliveredPhase)
		}
		res.ServerThreads = p1.threads
		res.ServerRunDelayPct = 100 * (wait1 - wait0).Seconds() / phase.Seconds()
	}
	if *timeline {
		fmt.Println("second  copies  worst fan-out")
		for sec := range int(phase.Seconds()) + int(drain.Seconds()) + 1 {
			if sec >= len(r.secCount) {
				break
			}
			fmt.Printf("%6d  %6d  %8.1f ms\n", sec, r.secCount[sec].Load(), float64(r.secMax[sec].Load())/1000)
		}
	}
	res.print(os.Stdout)
	if dup > 0 {
		fmt.Printf("warning: %d copies matched a send twice: copies arrived more than %s late, beyond what status cycling can tell apart; latencies above that are unreliable\n",
			dup, 3**interval)
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	// Leave without ceremony: the sockets close with the process.
	return nil
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// connectAndJoin dials c's socket, starts its reader and sends join-room.
func (r *presenceRun) connectAndJoin(c *presenceClient, hostport string, laddr net.Addr) {
	t := time.Now()
	ws, err := dialWS(hostport, c.user.Token, laddr, 10*time.Second)
	if err != nil {
		r.logLimited("client %d: %v", c.idx, err)
		r.joinFailed.Add(1)
		c.doneOnce.Do(func() { close(c.done) })
		return
	}
	r.connect.add(time.Since(t))
	c.ws = ws
	if err := r.readers.add(ws, func(msg []byte) { r.handle(c, msg, r.since()) }, func(err error) { r.ended(c, err) }); err != nil {
		r.logLimited("client %d: %v", c.idx, err)
		r.joinFailed.Add(1)
		c.doneOnce.Do(func() { close(c.done) })
		return
	}
	c.joinSent.Store(r.since())
	msg := `{"event":"join-room","data":{"roomId":"` + r.roomIDs[c.room] + `"},"ref":"j"}`
	if err := ws.writeText([]byte(msg)); err != nil {
		r.logLimited("client %d: send join-room: %v", c.idx, err)
		r.joinFailed.Add(1)
		c.doneOnce.Do(func() { close(c.done) })
	}
}

var (
	evPrefix    = []byte(`{"event":"`)
	participant = []byte(`"participantId":"`)
	statusKey   = []byte(`"status":"`)
	joinRef     = []byte(`"ref":"j"}`)
)

// ended records that c's socket ended with err.
func (r *presenceRun) ended(c *presenceClient, err error) {
	if c.joined.Load() || !errors.Is(err, io.EOF) {
		r.closedEarly.Add(1)
		r.logLimited("client %d: socket ended: %v", c.idx, err)
	}
	c.doneOnce.Do(func() { close(c.done) })
}

// handle accounts for one message c received at now (ns since t0).
func (r *presenceRun) handle(c *presenceClient, msg []byte, now int64) {
	{
		if !bytes.HasPrefix(msg, evPrefix) {
			r.otherEvents.Add(1)
			return
		}
		rest := msg[len(evPrefix):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			return
		}
		switch string(rest[:end]) {
		case "presence-updated":
			id := valueAfter(rest, participant)
			st := valueAfter(rest, statusKey)
			sender := r.byUser[string(id)]
			si := statusIndex(st)
			if sender == nil || si < 0 {
				r.unmatched.Add(1)
				return
			}
			seq := sender.last[si].Load()
			if seq == 0 {
				r.unmatched.Add(1)
				return
			}
			rec := &r.sends[seq-1]
			rec.recv.Add(1)
			lat := now - rec.at
			r.fanout.add(time.Duration(lat))
			if st, ok := serverTime(rest); ok {
				t0 := r.t0.UnixMicro()
				sent, got := t0+rec.at/1000, t0+now/1000
				r.toServer.add(time.Duration(st*1000-sent) * time.Microsecond)
				r.fromServer.add(time.Duration(got-st*1000) * time.Microsecond)
			}
			r.delivered.Add(1)
			if ps := r.phaseStart.Load(); ps != 0 && now >= ps {
				if sec := (now - ps) / int64(time.Second); sec < int64(len(r.secCount)) {
					r.secCount[sec].Add(1)
					us := lat / 1000
					for m := r.secMax[sec].Load(); us > m && !r.secMax[sec].CompareAndSwap(m, us); m = r.secMax[sec].Load() {
					}
				}
			}
		case "room-joined":
			if bytes.HasSuffix(msg, joinRef) && !c.joined.Load() {
				r.join.add(time.Duration(now - c.joinSent.Load()))
				c.joined.Store(true)
				c.doneOnce.Do(func() { close(c.done) })
			}
		case "error":
			r.errorEvents.Add(1)
			r.logLimited("client %d: error event: %.200s", c.idx, msg)
			if !c.joined.Load() && bytes.HasSuffix(msg, joinRef) {
				r.joinFailed.Add(1)
				c.doneOnce.Do(func() { close(c.done) })
			}
		default:
			r.otherEvents.Add(1)
		}
	}
}

// valueAfter returns the string value following key (which ends with the
// opening quote) in a frame written by the server.
func valueAfter(b, key []byte) []byte {
	i := bytes.Index(b, key)
	if i < 0 {
		return nil
	}
	v := b[i+len(key):]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return nil
	}
	return v[:j]
}

var serverTimeKey = []byte(`"serverTime":`)

// serverTime reads the frame's serverTime (Unix ms).
func serverTime(b []byte) (int64, bool) {
	i := bytes.Index(b, serverTimeKey)
	if i < 0 {
		return 0, false
	}
	var v int64
	n := 0
	for _, c := range b[i+len(serverTimeKey):] {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int64(c-'0')
		n++
	}
	return v, n > 0
}

func statusIndex(s []byte) int {
	for i, st := range statuses {
		if string(s) == st {
			return i
		}
	}
	return -1
}

type presenceResult struct {
	Clients      int     `json:"clients"`
	Joined       int     `json:"joined"`
	RoomSize     int     `json:"roomSize"`
	Interval     string  `json:"interval"`
	Duration     string  `json:"duration"`
	JoinP50ms    float64 `json:"joinP50ms"`
	JoinP99ms    float64 `json:"joinP99ms"`
	JoinMaxms    float64 `json:"joinMaxms"`
	ConnectP99ms float64 `json:"connectP99ms"`

	Sent            int     `json:"sent"`
	WriteErrors     int     `json:"writeErrors"`
	Expected        int64   `json:"expected"`
	Delivered       int64   `json:"delivered"`
	Missing         int64   `json:"missing"`
	Duplicates      int64   `json:"duplicates"`
	Unmatched       int64   `json:"unmatched"`
	ErrorEvents     int64   `json:"errorEvents"`
	ClosedEarly     int64   `json:"closedEarly"`
	OfferedPerSec   float64 `json:"offeredPerSec"`
	DeliveredPerSec float64 `json:"deliveredPerSec"`
	FanoutP50ms     float64 `json:"fanoutP50ms"`
	FanoutP90ms     float64 `json:"fanoutP90ms"`
	FanoutP99ms     float64 `json:"fanoutP99ms"`
	FanoutP999ms    float64 `json:"fanoutP999ms"`
	FanoutMaxms     float64 `json:"fanoutMaxms"`
	ToServerP50ms   float64 `json:"toServerP50ms"`
	ToServerP99ms   float64 `json:"toServerP99ms"`
	FromServerP50ms float64 `json:"fromServerP50ms"`
	FromServerP99ms float64 `json:"fromServerP99ms"`

	ServerRSSBeforeMiB     float64 `json:"serverRssBeforeMiB,omitempty"`
	ServerRSSIdleMiB       float64 `json:"serverRssIdleMiB,omitempty"`
	ServerRSSActiveMiB     float64 `json:"serverRssActiveMiB,omitempty"`
	RSSPerIdleConnKiB      float64 `json:"rssPerIdleConnKiB,omitempty"`
	RSSPerActiveConnKiB    float64 `json:"rssPerActiveConnKiB,omitempty"`
	ServerCPUPercent       float64 `json:"serverCpuPercent,omitempty"`
	ServerCPUPerDeliveryUs float64 `json:"serverCpuPerDeliveryUs,omitempty"`
	ServerThreads          int     `json:"serverThreads,omitempty"`
	ServerRunDelayPct      float64 `json:"serverRunDelayPercent"`
	LoadToolCPUPercent     float64 `json:"loadToolCpuPercent"`
	LoadToolRunDelayPct    float64 `json:"loadToolRunDelayPercent"`
	MachineLoad            string  `json:"machineLoad"`
}

// loadAvg is the first three fields of /proc/loadavg.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func (p presenceResult) print(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n== presence: %d/%d clients joined, rooms of %d, one update per %s, %s measured (GOMAXPROCS here %d)\n",
		p.Joined, p.Clients, p.RoomSize, p.Interval, p.Duration, runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "join (join-room → room-joined): p50 %.2f ms, p99 %.2f ms, max %.2f ms; connect p99 %.2f ms\n", p.JoinP50ms, p.JoinP99ms, p.JoinMaxms, p.ConnectP99ms)
	fmt.Fprintf(&b, "updates sent %d (write errors %d); copies expected %d, delivered %d, missing %d, duplicates %d, unmatched %d, error events %d, sockets closed %d\n",
		p.Sent, p.WriteErrors, p.Expected, p.Delivered, p.Missing, p.Duplicates, p.Unmatched, p.ErrorEvents, p.ClosedEarly)
	fmt.Fprintf(&b, "deliveries: offered %.0f/s, delivered %.0f/s\n", p.OfferedPerSec, p.DeliveredPerSec)
	fmt.Fprintf(&b, "fan-out (send → receive): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
		p.FanoutP50ms, p.FanoutP90ms, p.FanoutP99ms, p.FanoutP999ms, p.FanoutMaxms)
	fmt.Fprintf(&b, "  split at serverTime (ms clock): send → broadcast encoded p50 %.1f / p99 %.1f ms; encoded → received p50 %.1f / p99 %.1f ms\n",
		p.ToServerP50ms, p.ToServerP99ms, p.FromServerP50ms, p.FromServerP99ms)
	if p.ServerRSSIdleMiB > 0 {
		fmt.Fprintf(&b, "server RSS: %.1f MiB before sockets, %.1f MiB idle joined (%.2f KiB/conn), %.1f MiB at the end of the phase (%.2f KiB/conn); %d threads\n",
			p.ServerRSSBeforeMiB, p.ServerRSSIdleMiB, p.RSSPerIdleConnKiB, p.ServerRSSActiveMiB, p.RSSPerActiveConnKiB, p.ServerThreads)
		fmt.Fprintf(&b, "server CPU: %.0f%% of one core, %.2f µs per delivered message; its threads waited for a CPU %.0f%% of the time (other processes)\n",
			p.ServerCPUPercent, p.ServerCPUPerDeliveryUs, p.ServerRunDelayPct)
	}
	fmt.Fprintf(&b, "load tool CPU: %.0f%% of one core, waited for a CPU %.0f%%; machine load average %s\n", p.LoadToolCPUPercent, p.LoadToolRunDelayPct, p.MachineLoad)
	_, _ = io.WriteString(w, b.String())
}
