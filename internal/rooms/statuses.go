package rooms

import (
	"context"
	"fmt"
	"sync"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// statuses holds the presence statuses this instance has broadcast and not
// yet written to the store. Presence is the most frequent change of all, so
// it is written behind in batches (Options.StatusFlush); this instance's own
// reads lay the unwritten statuses over the store's (overlay), so they are
// never behind what it broadcast.
type statuses struct {
	mu      sync.Mutex
	pending map[string]seatStatus // user → status not yet written
	writing map[string]seatStatus // taken by the flush under way, not yet committed
	spare   map[string]seatStatus // an emptied map kept for the next flush, with its room
	// flushes counts flushes that committed (and so dropped what they
	// wrote from writing): a read that spans one may be stale.
	flushes uint64
}

type seatStatus struct{ room, status string }

func newStatuses() *statuses {
	return &statuses{pending: map[string]seatStatus{}, writing: map[string]seatStatus{}, spare: map[string]seatStatus{}}
}

// set records userID's status in roomID.
func (s *statuses) set(roomID, userID, status string) {
	s.mu.Lock()
	s.pending[userID] = seatStatus{roomID, status}
	s.mu.Unlock()
}

// forget drops userID's unwritten status: they joined or left a room, which
// resets it.
func (s *statuses) forget(userID string) {
	s.mu.Lock()
	delete(s.pending, userID)
	delete(s.writing, userID)
	s.mu.Unlock()
}

// mark returns the count of committed flushes, to be taken before the
// store is read and handed to overlay after.
func (s *statuses) mark() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushes
}

// overlay lays the unwritten statuses of roomID over ps, read from the
// store after mark returned since. It reports false when a flush committed
// in between: a status it wrote may have been neither in what the store
// returned nor still here, so the caller reads again.
func (s *statuses) overlay(roomID string, ps []wire.Participant, since uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flushes != since {
		return false
	}
	for i := range ps {
		if st, ok := s.pending[ps[i].ID]; ok && st.room == roomID {
			ps[i].Status = st.status
		} else if st, ok := s.writing[ps[i].ID]; ok && st.room == roomID {
			ps[i].Status = st.status
		}
	}
	return true
}

// flush writes the pending statuses in one transaction. Until it commits
// they stay visible to overlay.
func (s *statuses) flush(ctx context.Context, st store.Store) error {
	s.mu.Lock()
	if len(s.pending) == 0 {
		s.mu.Unlock()
		return nil
	}
	// Swap rather than allocate: the maps keep their size from one flush
	// to the next, so a steady stream of changes never regrows them.
	s.writing, s.pending, s.spare = s.pending, s.spare, s.writing
	updates := make([]model.StatusUpdate, 0, len(s.writing))
	for u, ss := range s.writing {
		updates = append(updates, model.StatusUpdate{RoomID: ss.room, UserID: u, Status: ss.status})
	}
	s.mu.Unlock()
	err := st.SetStatuses(ctx, updates)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		// Put back what no newer change replaced and no join or leave
		// forgot (forget deletes from writing), for the next flush.
		for u, ss := range s.writing {
			if _, newer := s.pending[u]; !newer {
				s.pending[u] = ss
			}
		}
	} else {
		s.flushes++
	}
	clear(s.writing)
	if err != nil {
		return fmt.Errorf("rooms: write statuses: %w", err)
	}
	return nil
}
