package metrics

import (
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
)

// scraped exports what is read at scrape time: the Sources and the frame
// counters. Nothing here costs anything between scrapes.
type scraped struct {
	m   *Metrics
	src Sources
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
}

var (
	descSockets      = desc("ws_open_sockets", "Open WebSockets on this instance.")
	descRooms        = desc("rooms_with_people", "Rooms with at least one socket on this instance.")
	descParticipants = desc("ws_joined_participants", "Sockets on this instance joined to a room.")
	descFramesIn     = desc("ws_frames_in_total", "Frames read from sockets, by event.", "event")
	descFramesOut    = desc("ws_frames_out_total", "Frames handed to sockets, by event: room events once per socket, and answers to one socket (room-joined, error).", "event")
	descPoolInUse    = desc("db_pool_connections_in_use", "Database connections running a query.")
	descPoolIdle     = desc("db_pool_connections_idle", "Idle database connections.")
	descPoolMax      = desc("db_pool_connections_max", "Most database connections the pool opens.")
	descPoolWaits    = desc("db_pool_waits_total", "Times a query waited for a free database connection.")
	descTURN         = desc("turn_allocations", "Live TURN relay allocations.")
	descTURNBytes    = desc("turn_relayed_bytes_total", "Bytes TURN relays carried, by direction: in from peers, out to peers.", "direction")
	descStarted      = desc("focus_sessions_started_total", "Focus sessions started.")
	descCompleted    = desc("focus_sessions_completed_total", "Focus sessions completed.")
	descPublished    = desc("broker_published_total", "Messages published to the broker.")
	descReceived     = desc("broker_received_total", "Messages received through Redis from other instances.")
	descReconnects   = desc("broker_reconnects_total", "Times the broker's Redis connection came back after it was lost.")
	descReady        = desc("ready", "1 when /readyz answers 200 (store and broker answer, not shutting down), else 0.")
	descJobs         = desc("jobs", "Background job rows by kind and state (River keeps finished ones a day, discarded ones a week).", "kind", "state")
	descDiskFree     = desc("data_dir_free_bytes", "Bytes free to the server on the filesystem of --data-dir (SQLite).")
	descDiskSize     = desc("data_dir_size_bytes", "Size in bytes of the filesystem of --data-dir (SQLite).")
)

func (s *scraped) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSockets, descRooms, descParticipants, descFramesIn, descFramesOut,
		descPoolInUse, descPoolIdle, descPoolMax, descPoolWaits, descTURN, descTURNBytes, descStarted, descCompleted,
		descPublished, descReceived, descReconnects, descReady, descJobs,
		descDiskFree, descDiskSize} {
		ch <- d
	}
}

func (s *scraped) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, l...)
	}
	if f := s.src.Sockets; f != nil {
		gauge(descSockets, float64(f()))
	}
	if f := s.src.Rooms; f != nil {
		gauge(descRooms, float64(f()))
	}
	if f := s.src.Participants; f != nil {
		gauge(descParticipants, float64(f()))
	}
	for i, name := range events {
		counter(descFramesIn, float64(s.m.framesIn[i].Load()), name)
		counter(descFramesOut, float64(s.m.framesOut[i].Load()), name)
	}
	if f := s.src.Pool; f != nil {
		p := f()
		gauge(descPoolInUse, float64(p.InUse))
		gauge(descPoolIdle, float64(p.Idle))
		gauge(descPoolMax, float64(p.Max))
		counter(descPoolWaits, float64(p.WaitCount))
	}
	if f := s.src.TURNAllocations; f != nil {
		gauge(descTURN, float64(f()))
	}
	if f := s.src.TURNRelayed; f != nil {
		in, out := f()
		counter(descTURNBytes, float64(in), "in")
		counter(descTURNBytes, float64(out), "out")
	}
	if f := s.src.Sessions; f != nil {
		started, completed := f()
		counter(descStarted, float64(started))
		counter(descCompleted, float64(completed))
	}
	if f := s.src.Broker; f != nil {
		pub, recv, rec := f()
		counter(descPublished, float64(pub))
		counter(descReceived, float64(recv))
		counter(descReconnects, float64(rec))
	}
	if f := s.src.Ready; f != nil {
		v := 0.0
		if f() {
			v = 1
		}
		gauge(descReady, v)
	}
	if f := s.src.Jobs; f != nil {
		for _, j := range f() {
			ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(j.N), j.Kind, j.State)
		}
	}
	if s.src.DataDir != "" {
		var st syscall.Statfs_t
		if syscall.Statfs(s.src.DataDir, &st) == nil {
			gauge(descDiskFree, float64(st.Bavail)*float64(st.Bsize))
			gauge(descDiskSize, float64(st.Blocks)*float64(st.Bsize))
		}
	}
}
