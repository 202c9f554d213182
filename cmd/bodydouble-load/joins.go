package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bodydouble/bodydouble/internal/loadguard"
	"github.com/bodydouble/bodydouble/internal/procstat"
)

// runJoins measures POST /api/rooms/{id}/join at a fixed rate. Arrivals
// are open loop: each join is sent at its scheduled time whatever happened
// to the ones before, and its latency is counted from that time, so a
// stalled server shows up in the numbers instead of slowing the load.
// Every join is a fresh user taking a seat in a room of -room-size.
func runJoins(args []string) error {
	fs, server := newServerFlags("joins")
	rate := fs.Float64("rate", 200, "joins per second")
	duration := fs.Duration("duration", 20*time.Second, "how long to send joins")
	roomSize := fs.Int("room-size", 8, "seats per room (each room fills up exactly)")
	workers := fs.Int("setup-workers", 16, "concurrent REST calls while creating users and rooms")
	conns := fs.Int("conns", 64, "HTTP connections at most during the measurement")
	pid := fs.Int("server-pid", 0, "server process id, for its CPU per join from /proc (0: skip)")
	if _, err := parseServer(fs, args, server); err != nil {
		return err
	}
	n := int(*rate * duration.Seconds())
	if n < 1 || n > 50_000 || *roomSize < 2 || *roomSize > 50 {
		return errors.New("rate × duration must be 1..50000 joins, room-size 2..50")
	}
	loadguard.Watchdog("bodydouble-load", *duration+time.Duration(n)*3*time.Millisecond+2*time.Minute)
	ctx := context.Background()
	setup := newAPI(*server, *workers)
	users, err := setup.signupMany(ctx, n, *workers)
	if err != nil {
		return err
	}
	roomIDs, err := setup.createRooms(ctx, users[0].Token, "Joins", (n+*roomSize-1) / *roomSize, *roomSize, *workers)
	if err != nil {
		return err
	}
	setup.hc.CloseIdleConnections()

	a := newAPI(*server, *conns)
	// Warm the connection pool so the first joins do not pay for dials.
	_ = parallel(*conns, *conns, func(int) error {
		return a.call(ctx, "GET", "/api/openapi.json", "", nil, nil, http.StatusOK)
	})
	var p0 procSample
	var wait0 time.Duration
	if *pid != 0 {
		if p0, err = sampleProc(*pid); err != nil {
			return fmt.Errorf("-server-pid: %w", err)
		}
		wait0 = procstat.RunDelay(*pid)
	}
	var h hist
	var failed atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := time.Duration(float64(i) / *rate * float64(time.Second))
		if d := due - time.Since(start); d > 0 {
			time.Sleep(d)
		}
		wg.Go(func() {
			err := a.call(ctx, "POST", "/api/rooms/"+roomIDs[i / *roomSize]+"/join", users[i].Token, nil, nil, http.StatusOK)
			h.add(time.Since(start) - due)
			if err != nil {
				failed.Add(1)
				firstErr.Do(func() { logf("join failed: %v", err) })
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	fmt.Printf("\n== joins: %d at %.0f/s offered (%.0f/s achieved), %d failed\n", n, *rate, float64(n)/d.Seconds(), failed.Load())
	fmt.Printf("join latency from scheduled send: %s\n", h.summary())
	if *pid != 0 {
		p1, _ := sampleProc(*pid)
		wait := procstat.RunDelay(*pid) - wait0
		fmt.Printf("server CPU %.0f µs per join (%.0f%% of one core); its threads waited for a CPU %.0f%% of the time; machine load average %s\n",
			float64((p1.cpu-p0.cpu)/time.Microsecond)/float64(n), 100*(p1.cpu-p0.cpu).Seconds()/d.Seconds(), 100*wait.Seconds()/d.Seconds(), loadAvg())
	}
	return nil
}
