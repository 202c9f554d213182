package rooms

import (
	"context"
	"fmt"
	"sync"

	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// statuses holds the presence statuses this instance has broadcast and not
// yet written to the store. Presence is the most frequent change of all, so
// it is written behind in batches (Options.StatusFlush); this instance's own
// reads lay the unwritten statuses over the store's, so they are never
// behind what it broadcast.
type statuses struct {
	mu      sync.Mutex
	pending map[string]map[string]string // room → user → status, not yet written
	writing map[string]map[string]string // taken by the flush under way, not yet committed
	roomOf  map[string]string            // user → room of their pending entry
}

func newStatuses() *statuses {
	return &statuses{pending: map[string]map[string]string{}, roomOf: map[string]string{}}
}

// set records userID's status in roomID.
func (s *statuses) set(roomID, userID, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.roomOf[userID]; ok && old != roomID {
		s.dropLocked(old, userID)
	}
	s.setLocked(roomID, userID, status)
}

// forget drops userID's unwritten status: they joined or left a room, which
// resets it.
func (s *statuses) forget(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if room, ok := s.roomOf[userID]; ok {
		s.dropLocked(room, userID)
	}
	for _, users := range s.writing {
		delete(users, userID)
	}
}

func (s *statuses) dropLocked(roomID, userID string) {
	delete(s.pending[roomID], userID)
	if len(s.pending[roomID]) == 0 {
		delete(s.pending, roomID)
	}
	delete(s.roomOf, userID)
}

// overlay returns the unwritten statuses of roomID's participants. Taken
// before the store is read, it covers a flush that commits in between.
func (s *statuses) overlay(roomID string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.writing[roomID]) == 0 && len(s.pending[roomID]) == 0 {
		return nil
	}
	out := make(map[string]string, len(s.writing[roomID])+len(s.pending[roomID]))
	for u, st := range s.writing[roomID] {
		out[u] = st
	}
	for u, st := range s.pending[roomID] {
		out[u] = st
	}
	return out
}

// flush writes the pending statuses in one transaction. Until it commits
// they stay visible to overlay.
func (s *statuses) flush(ctx context.Context, st store.Store) error {
	s.mu.Lock()
	if len(s.pending) == 0 {
		s.mu.Unlock()
		return nil
	}
	batch := s.pending
	s.writing, s.pending, s.roomOf = batch, map[string]map[string]string{}, map[string]string{}
	updates := make([]store.StatusUpdate, 0, len(batch))
	for room, users := range batch {
		for u, status := range users {
			updates = append(updates, store.StatusUpdate{RoomID: room, UserID: u, Status: status})
		}
	}
	s.mu.Unlock()
	err := st.SetStatuses(ctx, updates)
	s.mu.Lock()
	s.writing = nil
	if err != nil {
		// Put back what no newer change replaced and no join or leave
		// forgot (forget prunes writing, which is batch), for the next flush.
		for room, users := range batch {
			for u, status := range users {
				if _, newer := s.roomOf[u]; !newer {
					s.setLocked(room, u, status)
				}
			}
		}
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("rooms: write statuses: %w", err)
	}
	return nil
}

func (s *statuses) setLocked(roomID, userID, status string) {
	room := s.pending[roomID]
	if room == nil {
		room = map[string]string{}
		s.pending[roomID] = room
	}
	room[userID] = status
	s.roomOf[userID] = roomID
}

// apply lays overlay statuses over participants read from the store.
func apply(ps []wire.Participant, overlay map[string]string) {
	for i := range ps {
		if st, ok := overlay[ps[i].ID]; ok {
			ps[i].Status = st
		}
	}
}
