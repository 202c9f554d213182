package app

import (
	"net/http"
	"os"

	"github.com/bodydouble/bodydouble/internal/api"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/logx"
)

// accessLog gives every request its id and, with --access-log, its line
// (docs/operations.md "Monitoring"). The routes are the patterns of the
// public mux, so a line names "GET /api/rooms/{id}", never a path.
func (a *App) accessLog(h http.Handler) http.Handler {
	routes := append(api.Patterns(), "/api/", "/ws", "/healthz", "/readyz", "/")
	return httpx.AccessLog{
		Log: a.log, Instance: instanceName(), Routes: routes,
		IDs: httpx.NewRequestIDs(), Off: !a.cfg.AccessLog,
	}.Handler(h)
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
