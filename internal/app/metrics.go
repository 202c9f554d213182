package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/bodydouble/bodydouble/internal/api"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/metrics"
	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// newMetrics builds the registry when --metrics-addr is set (nil
// otherwise). Its gauges read the app's parts at scrape time, so the
// closures look at fields New and Start fill in later.
func (a *App) newMetrics(st *sqlstore.Store) *metrics.Metrics {
	if a.cfg.MetricsAddr == "" {
		return nil
	}
	src := metrics.Sources{
		Sockets:      func() int { return a.hub.Conns() },
		Rooms:        func() int { return a.hub.RoomsWithPeople() },
		Participants: func() int { return a.hub.Participants() },
		Pool: func() metrics.PoolStats {
			p := st.PoolStats()
			return metrics.PoolStats{InUse: p.InUse, Idle: p.Idle, Max: p.Max, WaitCount: p.WaitCount}
		},
		TURNAllocations: func() int {
			if a.turn == nil {
				return 0
			}
			return a.turn.Allocations()
		},
		TURNRelayed: func() (uint64, uint64) {
			if a.turn == nil {
				return 0, 0
			}
			return a.turn.RelayedBytes()
		},
		Sessions: func() (uint64, uint64) { return a.rooms.SessionCounts() },
		Broker: func() (uint64, uint64, uint64) {
			if c, ok := a.broker.(broker.Counter); ok {
				n := c.Counts()
				return n.Published, n.Received, n.Reconnects
			}
			return 0, 0, 0
		},
	}
	src.Ready = func() bool { return len(a.health.Failing(context.Background())) == 0 }
	src.Jobs = func() []metrics.JobCount {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		rows, err := st.JobCounts(ctx)
		if err != nil {
			return nil // no table yet, or the database is down (bodydouble_ready says so)
		}
		out := make([]metrics.JobCount, len(rows))
		for i, r := range rows {
			out[i] = metrics.JobCount{Kind: r.Kind, State: r.State, N: r.N}
		}
		return out
	}
	if a.cfg.DatabaseURL == "" {
		src.DataDir = a.cfg.DataDir
	}
	m := metrics.New(src)
	st.ObserveQueries(m.Query)
	a.metricsSrv = metrics.NewServer(m)
	return m
}

// observer is the hub's realtime.Observer: nil (off) without metrics.
func (a *App) observer() realtime.Observer {
	if a.metrics == nil {
		return nil
	}
	return a.metrics
}

// instrumentAPI counts and times REST requests by route when metrics are on.
func (a *App) instrumentAPI(h http.Handler) http.Handler {
	if a.metrics == nil {
		return h
	}
	return a.metrics.Middleware(api.Patterns(), h)
}

// startMetrics listens on --metrics-addr (when set).
func (a *App) startMetrics() error {
	if a.metrics == nil {
		return nil
	}
	if err := a.metricsSrv.Start(a.cfg.MetricsAddr); err != nil {
		return fmt.Errorf("app: cannot listen on --metrics-addr %q: %w", a.cfg.MetricsAddr, err)
	}
	return nil
}

// stopMetrics stops the metrics listener (when there is one).
func (a *App) stopMetrics(ctx context.Context) error {
	if a.metricsSrv == nil {
		return nil
	}
	return a.metricsSrv.Shutdown(ctx)
}

// MetricsServer is the server of --metrics-addr (nil when off), made by
// New: endpoints that must stay off the public port mount on it with
// Handle before Start; tests read its Addr after.
func (a *App) MetricsServer() *metrics.Server { return a.metricsSrv }
