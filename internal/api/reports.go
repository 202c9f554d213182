package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/bodydouble/bodydouble/internal/ratelimit"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Reports per person: 10 at once, then one every 6 minutes (10 an hour).
// A person with more to report than that is better served by a moderator
// who has read the first ten. The buckets are the server's Limiter's:
// shared by every instance with --redis-url.
const (
	reportBurst = 10
	reportEvery = time.Hour / reportBurst
)

var limitReports = ratelimit.Limit{Name: "reports", Rate: 1, Per: reportEvery, Burst: reportBurst}

// report is POST /api/reports: 201 with a new report, or 200 with the open
// one when the caller reported the same person within a day. Over the
// caller's allowance it is 429 with Retry-After.
func (s *server) report(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.ReportInput](r)
	if err != nil {
		return err
	}
	id := identity(r).UserID
	var wait time.Duration
	allow := func() bool {
		ok, d := s.limits.Allow(r.Context(), limitReports, id)
		wait = d
		return ok
	}
	rep, created, err := s.safety.Report(r.Context(), id, in, allow)
	if err != nil {
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
		}
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, wire.FromReport(rep))
}
