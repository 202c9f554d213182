package app

import (
	"context"
	"net/http"
	"os"

	"github.com/bodydouble/bodydouble/internal/api"
	"github.com/bodydouble/bodydouble/internal/errreport"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/logx"
)

// accessLog gives every request its id and, with --access-log, its line
// (docs/operations.md "Monitoring"). The routes are the patterns of the
// public mux, so a line names "GET /api/rooms/{id}", never a path.
func (a *App) accessLog(h http.Handler) http.Handler {
	routes := append(api.Patterns(), "/api/", "/ws", "/healthz", "/readyz", "/")
	// Panics and 5xx to Sentry, with the id; /readyz's 503 is an answer.
	h = a.errs.Middleware(routes, []string{"/readyz"}, h)
	return httpx.AccessLog{
		Log: a.log, Instance: instanceName(), Routes: routes,
		IDs: httpx.NewRequestIDs(), Off: !a.cfg.AccessLog,
	}.Handler(h)
}

// newReporter connects to Sentry with --sentry-dsn (nil without).
func (a *App) newReporter() error {
	var err error
	a.errs, err = errreport.New(errreport.Options{DSN: a.cfg.SentryDSN, Environment: a.cfg.Environment})
	return err
}

// clientErrors is where the API sends the web app's reports: Sentry, or
// nil (the API logs them at debug) without it.
func (a *App) clientErrors() func(context.Context, errreport.ClientError) {
	if a.errs == nil {
		return nil
	}
	return a.errs.Client
}

// instanceName names this process in access lines: the host name (a
// container's or pod's name), which is no person's data.
func instanceName() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

// mountLogLevel puts GET/PUT /debug/log-level on the metrics address when
// there is one and the logger's level can change (logx.New made it).
func (a *App) mountLogLevel() {
	if a.metricsSrv == nil {
		return
	}
	if lv := logx.LevelOf(a.log); lv != nil {
		a.metricsSrv.Handle("/debug/log-level", logx.LevelHandler(lv, a.log))
	}
}
