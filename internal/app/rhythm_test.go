package app

import (
	"net/http"
	"testing"
)

// anyoneRoom creates a room without a cycle whose timer anyone in it
// controls (starter rooms keep their own rhythm: nobody controls theirs).
func anyoneRoom(t *testing.T, s session) string {
	t.Helper()
	var room struct {
		ID string `json:"id"`
	}
	in := map[string]any{"name": "Timer room", "category": "study", "timerControl": "anyone"}
	if code := s.do(t, "POST", "/api/rooms", in, &room); code != http.StatusCreated || room.ID == "" {
		t.Fatalf("create room: %d", code)
	}
	return room.ID
}
