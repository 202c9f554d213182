package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/pprof"
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
	fs, server := newServerFlags("presence")
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
	u, err := parseServer(fs, args, server)
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
