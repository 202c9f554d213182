package users

import (
	"context"
	"fmt"
)

// MarkActive records that userID used the app now, for retention (people
// inactive for --retain-inactive are erased by package jobs). The store
// writes at most once a day per person, so calling it on every app start
// costs one indexed statement that usually changes nothing.
func (s *Service) MarkActive(ctx context.Context, userID string) error {
	if _, err := s.store.MarkActive(ctx, userID, s.now()); err != nil {
		return fmt.Errorf("users: mark active: %w", err)
	}
	return nil
}
