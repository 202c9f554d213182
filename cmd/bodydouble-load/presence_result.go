package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/bodydouble/bodydouble/internal/procstat"
)

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
func loadAvg() string { return strings.Join(procstat.LoadAvg(), " ") }

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

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
