package api

import (
	"net/http"

	"github.com/bodydouble/bodydouble/internal/moderation"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// modReports is GET /api/mod/reports?status=open|resolved&cursor=&limit=:
// reports newest first, each with its context. status defaults to open.
func (s *server) modReports(w http.ResponseWriter, r *http.Request) error {
	actor := identity(r).UserID
	if err := s.mod.RequireStaff(r.Context(), actor); err != nil {
		return err
	}
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	status := q.Get("status")
	if !q.Has("status") {
		status = "open"
	}
	views, next, err := s.mod.Reports(r.Context(), actor, status, q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	page := wire.ModReportPage{Reports: make([]wire.ModReport, 0, len(views)), NextCursor: cursor(next)}
	for _, v := range views {
		page.Reports = append(page.Reports, fromReportView(v))
	}
	return writeJSON(w, http.StatusOK, page)
}

// resolveReport is POST /api/mod/reports/{id}/resolve: dismiss, remove
// the reported person from the report's room, or ban them; the answer is
// the resolved report.
func (s *server) resolveReport(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.ResolveInput](r)
	if err != nil {
		return s.bodyError(r, err, s.mod.RequireStaff)
	}
	rep, err := s.mod.ResolveReport(r.Context(), identity(r).UserID, r.PathValue("id"),
		moderation.Resolution{Action: in.Action, Reason: in.Reason, Hours: in.DurationHours})
	return answer(w, http.StatusOK, rep, err, wire.FromReport)
}

// fromReportView is the wire form of a report with its context. The
// reporter is left out: moderators judge the report, not who made it.
func fromReportView(v moderation.ReportView) wire.ModReport {
	out := wire.ModReport{Report: wire.FromReport(v.Report), OpenReports: v.OpenReports}
	if v.ReportedUser != nil {
		out.ReportedUser = &wire.ReportedUser{ID: v.ReportedUser.ID, DisplayName: v.ReportedUser.DisplayName, RecentNames: v.RecentNames}
	}
	if v.Room != nil {
		out.Room = &wire.ReportRoom{ID: v.Room.ID, Name: v.Room.Name}
	}
	return out
}
