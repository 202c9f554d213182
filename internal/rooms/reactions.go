package rooms

import (
	"context"
	"slices"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Reactions are the silent cheers one participant may send another:
// clap (👏), strong (💪) and coffee (☕). There is no free text, so there
// is nothing to moderate.
var Reactions = []string{"clap", "strong", "coffee"}

// SendReaction tells roomID that userID cheered the participant in.To.
// The caller has checked that userID is in the room (the hub does: a
// socket sends only to the room it is in). allow is the sender's rate
// limit: it is asked only once the reaction is valid, so a mistake costs
// no allowance, and a refusal is rate_limited with nothing sent. Nothing
// is stored.
func (s *Service) SendReaction(ctx context.Context, userID string, in wire.ReactionInput, allow func() bool, o protocol.Origin) error {
	var errs []apperr.FieldError
	if !slices.Contains(Reactions, in.Reaction) {
		errs = append(errs, apperr.FieldError{Field: "reaction", Message: "Choose clap, strong or coffee."})
	}
	if in.To == "" || in.To == userID || checkID(in.To) != nil {
		errs = append(errs, apperr.FieldError{Field: "to", Message: "Cheer someone else in this room."})
	}
	if len(errs) > 0 {
		return apperr.Fields(errs...)
	}
	if err := checkID(in.RoomID); err != nil {
		return err
	}
	cur, err := s.CurrentRoom(ctx, in.To)
	if err != nil {
		return err
	}
	if cur != in.RoomID {
		return apperr.Field("to", "Cheer someone else in this room.")
	}
	if allow != nil && !allow() {
		return apperr.New(apperr.RateLimited, "That's a lot of cheering: one reaction every few seconds, please.")
	}
	ev := newEvent(in.RoomID, protocol.EvReaction,
		wire.Reaction{RoomID: in.RoomID, From: userID, To: in.To, Reaction: in.Reaction}, o)
	s.forBlockers(ctx, &ev, userID, nil) // those who blocked the sender see nothing of it
	s.publish(ctx, ev)
	return nil
}
