package rooms

import (
	"context"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/protocol"
)

// Closing the rooms people made and left (docs/api.md "Room lifecycle").
const (
	// CloseEmptyAfter is how long a room a person made may stand empty by
	// default before it closes by itself. Starter rooms never close.
	CloseEmptyAfter = 24 * time.Hour
	// closeEmptyEvery is how often Run looks for such rooms.
	closeEmptyEvery = time.Minute
)

// CloseEmptyRooms closes the rooms people made that nobody has been in
// for the Service's CloseEmptyAfter (one indexed statement; several
// instances may run it at once, and each room is closed by one of them)
// and returns their ids. A closed room is inactive as a moderator's close
// leaves it, without an audit entry: nobody acted. Nobody is in such a
// room, so nothing is broadcast; should someone have sat down in the very
// moment it closed, they leave it as at a moderator's close. The lobby
// learns of it through the database, as of any write.
func (s *Service) CloseEmptyRooms(ctx context.Context) ([]string, error) {
	now := s.clock()
	ids, err := s.store.CloseEmptyRooms(ctx, now.Add(-s.closeEmptyAfter), now)
	if err != nil {
		return nil, apperr.From(err)
	}
	for _, id := range ids {
		s.log.Info("rooms: closed a room empty too long", "room", id, "after", s.closeEmptyAfter)
		if err := s.emptyClosed(ctx, id); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// emptyClosed has whoever is in a closed room leave it, told
// participant-left with reason removed: everyone after a moderator's
// CloseRoom; nobody after CloseEmptyRooms, unless they joined as it
// closed.
func (s *Service) emptyClosed(ctx context.Context, roomID string) error {
	ps, err := s.store.Participants(ctx, roomID)
	if err != nil {
		return apperr.From(err)
	}
	for _, p := range ps {
		s.forgetStatus(p.UserID)
		res, err := s.store.LeaveRoom(ctx, roomID, p.UserID, s.clock())
		if err != nil {
			return apperr.From(err)
		}
		if res.WasIn {
			s.announceLeave(ctx, p.UserID, res, protocol.ReasonRemoved, protocol.Origin{})
		}
	}
	return nil
}

// closeEmpty is Run's periodic CloseEmptyRooms, bounded as every
// background store call.
func (s *Service) closeEmpty(ctx context.Context) {
	err := s.seats.Call(ctx, func(ctx context.Context) error {
		_, err := s.CloseEmptyRooms(ctx)
		return err
	})
	if err != nil {
		s.log.Warn("rooms: close empty rooms", "err", err)
	}
}
