package rooms

import (
	"context"
	"slices"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Blocks keep two people apart in a room they share: the server relays no
// signalling between them (in either direction), a blocked person's
// reactions never reach the blocker, and the blocker's snapshots and
// events mark the blocked participant blocked: true (the blocked person
// sees nothing of it). Quick-join never seats them together (the store's
// QuickJoin).

// forBlockers gives ev the view of those who block userID, the person it
// is about: marked (nil: nothing at all). A store failure leaves ev as it
// is, logged: the event still reaches the room, unmarked.
func (s *Service) forBlockers(ctx context.Context, ev *protocol.Event, userID string, marked any) {
	blockers, err := s.store.Blockers(ctx, userID)
	if err != nil {
		s.log.Warn("rooms: blockers", "user", userID, "err", err)
		return
	}
	if len(blockers) == 0 {
		return
	}
	ev.Blockers = protocol.BlockerList(blockers)
	if marked != nil {
		ev.BlockedData = mustJSON(marked)
	}
}

// apart reports whether a and b block one another, either way. Signalling
// between them is dropped in silence: the sender sees what it would see of
// a peer that does not answer, so a blocked person learns nothing.
func (s *Service) apart(ctx context.Context, a, b string) (bool, error) {
	v, err := s.store.BlockedEither(ctx, a, b)
	if err != nil {
		return false, apperr.From(err)
	}
	return v, nil
}

// SnapshotFor is Snapshot as viewer sees it: the participants viewer
// blocks are marked blocked.
func (s *Service) SnapshotFor(ctx context.Context, viewer, roomID string) (wire.Snapshot, error) {
	snap, err := s.Snapshot(ctx, roomID)
	if err != nil {
		return snap, err
	}
	blocks, err := s.store.Blocks(ctx, viewer)
	if err != nil {
		return wire.Snapshot{}, apperr.From(err)
	}
	for i, p := range snap.Participants {
		snap.Participants[i].Blocked = slices.ContainsFunc(blocks, func(b model.Block) bool { return b.BlockedID == p.ID })
	}
	return snap, nil
}

// BlockChanged tells blockerID, when they and blockedID share a room, the
// blocked participant's new mark (participant-updated, to the blocker's
// connections only). Not sharing a room is no error.
func (s *Service) BlockChanged(ctx context.Context, blockerID, blockedID string, blocked bool) error {
	roomID, err := s.CurrentRoom(ctx, blockerID)
	if err != nil || roomID == "" {
		return err
	}
	ps, err := s.Participants(ctx, roomID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ps, func(p wire.Participant) bool { return p.ID == blockedID })
	if i < 0 {
		return nil // not in the blocker's room
	}
	p := ps[i]
	p.Blocked = blocked
	ev := newEvent(roomID, protocol.EvParticipantUpdated, wire.ParticipantUpdated{RoomID: roomID, Participant: p}, protocol.Origin{})
	ev.To = blockerID
	s.publish(ctx, ev)
	return nil
}
