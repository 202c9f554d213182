// Package metrics is Body Double's Prometheus side: one registry per App
// (never the global one, so tests run several servers in one process), the
// metric families, and the HTTP server of --metrics-addr that serves them.
//
// Other packages do not import Prometheus. They either expose plain
// numbers this package reads at scrape time (open sockets, rooms with
// people, pool use, TURN allocations, focus sessions: no cost between
// scrapes), or call a small observer interface of their own that *Metrics
// implements (realtime.Observer); a nil observer means metrics are off.
// Counters on hot paths are fixed arrays of atomics indexed by a bounded
// name, exported at scrape time. Every label value comes from a fixed set
// (route patterns, event names, status classes): never a raw path or an id.
package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/bodydouble/bodydouble/internal/protocol"
)

// Namespace prefixes every family of the server's own.
const Namespace = "bodydouble"

// Sources are the numbers read at scrape time. Any may be nil (that
// family is then not exported).
type Sources struct {
	// Sockets is the number of open WebSockets on this instance.
	Sockets func() int
	// Rooms is the number of rooms with at least one local socket, and
	// Participants the number of sockets joined to a room.
	Rooms        func() int
	Participants func() int
	// Pool reports the database connection pool.
	Pool func() PoolStats
	// TURNAllocations is the number of live TURN relays.
	TURNAllocations func() int
	// TURNRelayed reports the bytes TURN relays received from peers and
	// sent to them.
	TURNRelayed func() (in, out uint64)
	// Sessions reports focus sessions started and completed since start.
	Sessions func() (started, completed uint64)
	// Broker reports the broker's publishes, messages received from
	// other instances and reconnections.
	Broker func() (published, received, reconnects uint64)
	// Ready reports whether /readyz would answer 200.
	Ready func() bool
	// Jobs counts the background job queue's rows by kind and state.
	Jobs func() []JobCount
	// DataDir, when set (SQLite), is the directory whose filesystem's
	// free and total bytes are exported.
	DataDir string
}

// PoolStats is a database pool's use.
type PoolStats struct {
	InUse, Idle, Max int
	// WaitCount is the number of times a query waited for a connection.
	WaitCount int64
}

// JobCount is how many jobs of one kind are in one state.
type JobCount struct {
	Kind, State string
	N           int
}

// Metrics holds the registry and the families.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	fanOut       prometheus.Histogram
	join         prometheus.Histogram
	queries      map[string]prometheus.Observer // by operation kind (Query)
	limited      map[string]prometheus.Counter  // by limit (RateLimited)

	framesIn, framesOut [numEvents]atomic.Uint64
}

// New builds the registry: Go runtime and process collectors, the
// families of this package, and gauges read from src at scrape time.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "http_requests_total",
		Help: "REST requests by route pattern, method and status code.",
	}, []string{"route", "code"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "http_request_duration_seconds",
		Help:    "REST request duration by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	m.fanOut = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "ws_fanout_seconds",
		Help:    "Time to hand one room event to every local socket in the room.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	})
	m.join = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "ws_join_seconds",
		Help:    "Time from a join-room frame to its answer.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	})
	queries := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "db_query_seconds",
		Help:    "Database query duration by operation kind (on SQLite: an Exec, or a Query to its first row).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"op"})
	m.queries = map[string]prometheus.Observer{}
	for _, op := range queryOps {
		m.queries[op] = queries.WithLabelValues(op)
	}
	limited := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "rate_limited_total",
		Help: "Requests refused by a limit: rest (any REST 429), ws_upgrade_address and ws_upgrade_person (upgrades per second), ws_sockets_address and ws_sockets_person (sockets open at once).",
	}, []string{"limit"})
	m.limited = map[string]prometheus.Counter{}
	for _, l := range limits {
		m.limited[l] = limited.WithLabelValues(l)
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.fanOut, m.join, queries, limited, &scraped{m: m, src: src})
	return m
}

// Registry is the registry the families are in (tests, extra collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Register adds collectors of other packages (e.g. the store's query
// durations) to the registry.
func (m *Metrics) Register(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// The socket's events, the only label values of the frame counters; any
// other name counts as "other".
var events = []string{
	protocol.EvJoinRoom, protocol.EvLeaveRoom, protocol.EvUpdatePresence, protocol.EvStartSession,
	protocol.EvUpdateProgress, protocol.EvCompleteSession, protocol.EvStartTimer, protocol.EvPauseTimer,
	protocol.EvResumeTimer, protocol.EvResetTimer, protocol.EvRemoveParticipant, protocol.EvSendReaction,
	protocol.EvMediaState, protocol.EvRTCOffer, protocol.EvRTCAnswer, protocol.EvRTCIce,
	protocol.EvRoomJoined, protocol.EvRoomLeft, protocol.EvError, protocol.EvParticipantJoined,
	protocol.EvParticipantLeft, protocol.EvPresenceUpdated, protocol.EvSessionStarted,
	protocol.EvSessionUpdated, protocol.EvSessionCompleted, protocol.EvTimerStarted,
	protocol.EvTimerUpdated, protocol.EvTimerCompleted, protocol.EvParticipantUpdated, protocol.EvReaction,
	"other",
}

const numEvents = 31

var eventIndex = func() map[string]int {
	if len(events) != numEvents {
		panic("metrics: numEvents is out of date")
	}
	idx := make(map[string]int, len(events))
	for i, e := range events {
		idx[e] = i
	}
	return idx
}()

func eventNumber(name string) int {
	if i, ok := eventIndex[name]; ok {
		return i
	}
	return numEvents - 1
}

// FrameIn counts one frame read from a socket (realtime.Observer).
func (m *Metrics) FrameIn(event string) { m.framesIn[eventNumber(event)].Add(1) }

// FanOut records one room event handed to n local sockets in d
// (realtime.Observer).
func (m *Metrics) FanOut(event string, n int, d time.Duration) {
	if n > 0 {
		m.framesOut[eventNumber(event)].Add(uint64(n))
	}
	m.fanOut.Observe(d.Seconds())
}

// Replied counts one event sent to a single socket (realtime.Observer).
func (m *Metrics) Replied(event string) { m.framesOut[eventNumber(event)].Add(1) }

// limits are the label values of rate_limited_total (realtime's Limit*
// names, and rest for REST's 429 answers).
var limits = []string{"rest", "ws_upgrade_address", "ws_upgrade_person", "ws_sockets_address", "ws_sockets_person"}

// RateLimited counts one refusal by limit (realtime.Observer); an
// unknown name is not counted, so the label set stays fixed.
func (m *Metrics) RateLimited(limit string) {
	if c, ok := m.limited[limit]; ok {
		c.Inc()
	}
}

// queryOps are the label values of db_query_seconds.
var queryOps = []string{"select", "insert", "update", "delete", "other"}

// Query records one database query of kind op (select, insert, update,
// delete; anything else counts as other) that took d.
func (m *Metrics) Query(op string, d time.Duration) {
	o, ok := m.queries[op]
	if !ok {
		o = m.queries["other"]
	}
	o.Observe(d.Seconds())
}

// Joined records the time one join-room took (realtime.Observer).
func (m *Metrics) Joined(d time.Duration) { m.join.Observe(d.Seconds()) }
