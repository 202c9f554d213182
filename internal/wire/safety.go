package wire

import "github.com/bodydouble/bodydouble/internal/model"

// BlockInput is POST /api/blocks.
type BlockInput struct {
	UserID string `json:"userId"`
}

// Block is one person the caller blocks.
type Block struct {
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"`
	CreatedAt   Time   `json:"createdAt"`
}

// Blocks is GET /api/blocks.
type Blocks struct {
	Blocks []Block `json:"blocks"`
}

// FromBlocks converts the caller's blocks.
func FromBlocks(bs []model.Block) Blocks {
	out := Blocks{Blocks: make([]Block, 0, len(bs))}
	for _, b := range bs {
		out.Blocks = append(out.Blocks, Block{UserID: b.BlockedID, DisplayName: b.DisplayName, CreatedAt: Time(b.CreatedAt)})
	}
	return out
}

// ReportInput is POST /api/reports.
type ReportInput struct {
	UserID string  `json:"userId"`
	RoomID *string `json:"roomId"`
	Reason string  `json:"reason"`
	Note   *string `json:"note"`
}

// Report is a report as its reporter sees it.
type Report struct {
	ID             string  `json:"id"`
	ReportedUserID string  `json:"reportedUserId"`
	RoomID         *string `json:"roomId"`
	Reason         string  `json:"reason"`
	Note           string  `json:"note"`
	Status         string  `json:"status"`
	CreatedAt      Time    `json:"createdAt"`
}

// FromReport converts a model report.
func FromReport(r model.Report) Report {
	return Report{ID: r.ID, ReportedUserID: r.ReportedUserID, RoomID: r.RoomID, Reason: r.Reason, Note: r.Note, Status: r.Status, CreatedAt: Time(r.CreatedAt)}
}
