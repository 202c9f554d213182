package rooms

import (
	"context"
	"errors"
	"slices"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// JoinResult is what Join did.
type JoinResult struct {
	Room model.Room
	// AlreadyIn is true when the user was in the room already; nothing was broadcast.
	AlreadyIn bool
}

// Join puts userID in roomID, leaving their current room first, with exact
// capacity. The seat is held for Grace until a socket claims it. The other
// participants get participant-joined; the joiner's own copy is their reply
// (the transport sends room-joined to it instead).
func (s *Service) Join(ctx context.Context, userID, roomID string, o protocol.Origin) (JoinResult, error) {
	if err := checkID(roomID); err != nil {
		return JoinResult{}, err
	}
	now := s.clock()
	s.forgetStatus(userID)
	res, err := s.store.JoinRoom(ctx, roomID, userID, now, now.Add(s.grace))
	if err != nil {
		return JoinResult{}, apperr.From(err)
	}
	return s.afterJoin(ctx, userID, res, o)
}

// QuickJoin is "Find me a room": the open room with the most people, the
// person's preferred categories first among occupied rooms, the room they
// left in the last justLeftFor only when no other has a seat, and a new
// room only when every room is full.
func (s *Service) QuickJoin(ctx context.Context, userID string, o protocol.Origin) (JoinResult, error) {
	prefs, err := s.store.GetPreferences(ctx, userID)
	if err != nil {
		return JoinResult{}, apperr.From(err)
	}
	category := "deep-work"
	if len(prefs.PreferredRoomCategories) > 0 {
		category = prefs.PreferredRoomCategories[0]
	}
	now := s.clock()
	fallback := model.Room{
		Name:        "Focus room",
		Description: ptr("Opened because every other room was full."),
		Category:    category,
		MaxCapacity: DefaultCapacity,
		MicPolicy:   "muted",
		IsActive:    true,
		CreatedAt:   now,
		// Nobody created it: it keeps its category's rhythm.
		TimerControl: model.TimerOwner,
		Cycle:        CategoryCycle(category),
	}
	s.forgetStatus(userID)
	res, err := s.store.QuickJoin(ctx, userID, prefs.PreferredRoomCategories, fallback, now, now.Add(s.grace), justLeftSince(now))
	if err != nil {
		return JoinResult{}, apperr.From(err)
	}
	return s.afterJoin(ctx, userID, res, o)
}

func (s *Service) afterJoin(ctx context.Context, userID string, res model.JoinResult, o protocol.Origin) (JoinResult, error) {
	s.markActive(ctx, userID)
	if res.Left != nil {
		s.announceLeave(ctx, userID, *res.Left, "", protocol.Origin{})
	}
	if !res.AlreadyIn {
		p, err := s.participant(ctx, res.Room.ID, userID)
		if err != nil {
			return JoinResult{}, err
		}
		ev := newEvent(res.Room.ID, protocol.EvParticipantJoined, wire.ParticipantJoined{RoomID: res.Room.ID, Participant: p}, o)
		ev.Subject = userID
		marked := p
		marked.Blocked = true
		s.forBlockers(ctx, &ev, userID, wire.ParticipantJoined{RoomID: res.Room.ID, Participant: marked})
		s.publish(ctx, ev)
	}
	return JoinResult{Room: res.Room, AlreadyIn: res.AlreadyIn}, nil
}

// participant returns one active participant as the room sees them.
func (s *Service) participant(ctx context.Context, roomID, userID string) (wire.Participant, error) {
	ps, err := s.Participants(ctx, roomID)
	if err != nil {
		return wire.Participant{}, err
	}
	for _, p := range ps {
		if p.ID == userID {
			return p, nil
		}
	}
	return wire.Participant{}, apperr.From(model.ErrNotInRoom)
}

// ProfileChanged tells userID's current room, if they are in one, that
// their display name or avatar changed: participant-updated carries the
// participant built as for participant-joined (from the store, so focus,
// status and media stay as they are). Not being in a room is no error;
// neither is leaving it meanwhile. Snapshots read the store, so people
// who join later see the new profile without this event.
func (s *Service) ProfileChanged(ctx context.Context, userID string) error {
	roomID, err := s.CurrentRoom(ctx, userID)
	if err != nil || roomID == "" {
		return err
	}
	ps, err := s.Participants(ctx, roomID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ps, func(p wire.Participant) bool { return p.ID == userID })
	if i < 0 {
		return nil // they left between the two reads
	}
	ev := newEvent(roomID, protocol.EvParticipantUpdated, wire.ParticipantUpdated{RoomID: roomID, Participant: ps[i]}, protocol.Origin{})
	marked := ps[i]
	marked.Blocked = true
	s.forBlockers(ctx, &ev, userID, wire.ParticipantUpdated{RoomID: roomID, Participant: marked})
	s.publish(ctx, ev)
	return nil
}

// Leave takes userID out of roomID and ends their open session there.
// Leaving a room one is not in succeeds and changes nothing. announced
// reports whether participant-left was broadcast (carrying o's ref).
func (s *Service) Leave(ctx context.Context, userID, roomID string, o protocol.Origin) (room model.Room, announced bool, err error) {
	if err := checkID(roomID); err != nil {
		return model.Room{}, false, err
	}
	s.forgetStatus(userID)
	res, err := s.store.LeaveRoom(ctx, roomID, userID, s.clock())
	if err != nil {
		return model.Room{}, false, apperr.From(err)
	}
	if res.WasIn {
		s.announceLeave(ctx, userID, res, "", o)
	}
	return res.Room, res.WasIn, nil
}

// announceLeave broadcasts a departure: the ended session first, then
// participant-left (with reason, when it is not "").
func (s *Service) announceLeave(ctx context.Context, userID string, res model.LeaveResult, reason string, o protocol.Origin) {
	if res.EndedSession != nil {
		s.publishSession(ctx, protocol.EvSessionUpdated, *res.EndedSession, protocol.Origin{})
	}
	ev := newEvent(res.Room.ID, protocol.EvParticipantLeft, wire.ParticipantLeft{RoomID: res.Room.ID, ParticipantID: userID, Reason: reason}, o)
	ev.Subject, ev.Reason = userID, reason
	s.publish(ctx, ev)
}

// CurrentRoom returns the id of the room userID is in, or "".
func (s *Service) CurrentRoom(ctx context.Context, userID string) (string, error) {
	id, err := s.store.CurrentRoom(ctx, userID)
	if errors.Is(err, model.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", apperr.From(err)
	}
	return id, nil
}

// Statuses a participant can have.
var Statuses = []string{"working", "break", "away"}

// SetStatus changes userID's status in roomID and tells the room at once.
// The caller must have checked that userID is in roomID (the hub does: a
// socket can only set the status of the room it is in). The status is
// written to the store behind (see statuses).
func (s *Service) SetStatus(ctx context.Context, userID, roomID, status string, o protocol.Origin) error {
	if !slices.Contains(Statuses, status) {
		return apperr.Field("status", "must be working, break or away")
	}
	if err := checkID(roomID); err != nil {
		return err
	}
	s.statuses.set(roomID, userID, status)
	// Built by hand: both ids are UUIDs and status is one of three words,
	// so nothing needs escaping, and this is the hottest event there is.
	data := make([]byte, 0, 128)
	data = append(data, `{"roomId":"`...)
	data = append(data, roomID...)
	data = append(data, `","participantId":"`...)
	data = append(data, userID...)
	data = append(data, `","status":"`...)
	data = append(data, status...)
	data = append(data, `"}`...)
	s.publish(ctx, protocol.Event{Room: roomID, Name: protocol.EvPresenceUpdated, Data: data, Origin: o})
	return nil
}

// forgetStatus drops userID's unwritten status change: they joined or left
// a room, which resets it.
func (s *Service) forgetStatus(userID string) { s.statuses.forget(userID) }

// sweep ends the seats whose grace period ran out (Run sweeps only when
// the seat lease says expiry may go ahead). Each store call is bounded
// (see seats.Lease.Call), and a stalled call that completes late only errs on
// the side of keeping people: its now is the time it was made.
func (s *Service) sweep(ctx context.Context) {
	now := s.clock()
	var expired []model.Participant
	err := s.seats.Call(ctx, func(ctx context.Context) (err error) {
		expired, err = s.store.ExpiredParticipants(ctx, now)
		return err
	})
	if err != nil {
		s.log.Warn("rooms: sweep", "err", err)
		return
	}
	for _, p := range expired {
		var res model.LeaveResult
		err := s.seats.Call(ctx, func(ctx context.Context) (err error) {
			res, err = s.store.ExpireParticipant(ctx, p.RoomID, p.UserID, now)
			return err
		})
		if err != nil {
			s.log.Warn("rooms: expire", "room", p.RoomID, "err", err)
			return // the store is failing: the rest wait for the next sweep
		}
		if res.WasIn {
			s.announceLeave(ctx, p.UserID, res, "", protocol.Origin{})
		}
	}
}

// Participants lists a room's participants with their focus; media state is
// filled in by the real-time layer.
func (s *Service) Participants(ctx context.Context, roomID string) ([]wire.Participant, error) {
	for {
		since := s.statuses.mark()
		ps, err := s.storedParticipants(ctx, roomID)
		if err != nil || s.statuses.overlay(roomID, ps, since) {
			return ps, err
		}
		// A status flush committed during the read; read again.
	}
}

// storedParticipants is Participants as the store has it.
func (s *Service) storedParticipants(ctx context.Context, roomID string) ([]wire.Participant, error) {
	ps, err := s.store.Participants(ctx, roomID)
	if err != nil {
		return nil, apperr.From(err)
	}
	open, err := s.store.OpenSessions(ctx, roomID)
	if err != nil {
		return nil, apperr.From(err)
	}
	focus := make(map[string]model.Session, len(open))
	for _, sess := range open {
		focus[sess.UserID] = sess
	}
	out := make([]wire.Participant, 0, len(ps))
	for _, p := range ps {
		w := wire.FromParticipant(p)
		if sess, ok := focus[p.UserID]; ok {
			w.Focus = wire.FocusOf(sess)
		}
		out = append(out, w)
	}
	return out, nil
}

// Snapshot reads a room's full state.
func (s *Service) Snapshot(ctx context.Context, roomID string) (wire.Snapshot, error) {
	if err := checkID(roomID); err != nil {
		return wire.Snapshot{}, err
	}
	room, err := s.store.GetRoom(ctx, roomID)
	if err != nil {
		return wire.Snapshot{}, apperr.From(err)
	}
	ps, err := s.Participants(ctx, roomID)
	if err != nil {
		return wire.Snapshot{}, err
	}
	t, err := s.roomTimer(ctx, room)
	if err != nil {
		return wire.Snapshot{}, err
	}
	return wire.Snapshot{Room: wire.FromRoom(room), Participants: ps, Timer: t}, nil
}

func ptr[T any](v T) *T { return &v }
