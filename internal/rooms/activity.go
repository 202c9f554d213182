package rooms

import "context"

// markActive records that userID was active now, for retention (people
// inactive for --retain-inactive are erased, package jobs). The store
// writes at most once a day per person; a failure is only logged: the
// join happened.
func (s *Service) markActive(ctx context.Context, userID string) {
	if _, err := s.store.MarkActive(ctx, userID, s.clock()); err != nil && ctx.Err() == nil {
		s.log.Warn("rooms: mark active", "err", err)
	}
}
