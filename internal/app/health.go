package app

import (
	"context"

	"github.com/bodydouble/bodydouble/internal/health"
)

// pinger is a backend that can say whether it answers: the SQL store and
// the Redis broker. The in-process broker has nothing to lose.
type pinger interface {
	Ping(ctx context.Context) error
}

// healthChecks are what /readyz asks: the database, and the broker when
// it is Redis (the rate limits share its server).
func (a *App) healthChecks() []health.Check {
	var checks []health.Check
	if p, ok := a.store.(pinger); ok {
		checks = append(checks, health.Check{Name: "database", Ping: p.Ping})
	}
	if p, ok := a.broker.(pinger); ok {
		checks = append(checks, health.Check{Name: "broker", Ping: p.Ping})
	}
	return checks
}
