package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/wire"
)

func (c *client) blocks(t *testing.T) []wire.Block {
	t.Helper()
	var b wire.Blocks
	c.do(t, "GET", "/api/blocks", nil).want(t, http.StatusOK).decode(t, &b)
	return b.Blocks
}

func TestBlocks(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		ann, ben, cy := e.signup(t), e.signup(t), e.signup(t)
		if got := ann.blocks(t); len(got) != 0 {
			t.Fatalf("blocks of a newcomer: %+v", got)
		}
		ann.do(t, "POST", "/api/blocks", map[string]any{"userId": ben.userID}).want(t, http.StatusNoContent)
		e.clock.Advance(time.Minute)
		ann.do(t, "POST", "/api/blocks", map[string]any{"userId": cy.userID}).want(t, http.StatusNoContent)
		ann.do(t, "POST", "/api/blocks", map[string]any{"userId": ben.userID}).want(t, http.StatusNoContent) // again: nothing changes
		got := ann.blocks(t)
		if len(got) != 2 || got[0].UserID != cy.userID || got[1].UserID != ben.userID || got[1].DisplayName == "" {
			t.Fatalf("ann's blocks %+v, want cy then ben", got)
		}
		if time.Time(got[1].CreatedAt) != e.clock.Now().Add(-time.Minute) {
			t.Errorf("ben blocked at %v, want the first block's time", time.Time(got[1].CreatedAt))
		}
		if len(ben.blocks(t)) != 0 {
			t.Errorf("ben sees ann's blocks")
		}

		ann.do(t, "POST", "/api/blocks", map[string]any{"userId": ann.userID}).invalid(t, "userId")
		ann.do(t, "POST", "/api/blocks", map[string]any{"userId": "nope"}).invalid(t, "userId")
		ann.do(t, "POST", "/api/blocks", map[string]any{}).invalid(t, "userId")
		ann.do(t, "POST", "/api/blocks", map[string]any{"userId": ben.userID, "why": "x"}).problem(t, http.StatusBadRequest, "invalid")
		ann.do(t, "POST", "/api/blocks", map[string]any{"userId": unknownID}).problem(t, http.StatusNotFound, "not_found")
		if len(ann.blocks(t)) != 2 {
			t.Errorf("a refused block changed the list")
		}

		ann.do(t, "DELETE", "/api/blocks/"+ben.userID, nil).want(t, http.StatusNoContent)
		ann.do(t, "DELETE", "/api/blocks/"+ben.userID, nil).want(t, http.StatusNoContent)
		ann.do(t, "DELETE", "/api/blocks/not-an-id", nil).problem(t, http.StatusNotFound, "not_found")
		if got := ann.blocks(t); len(got) != 1 || got[0].UserID != cy.userID {
			t.Fatalf("after unblocking ben: %+v", got)
		}
		(&client{base: e.url}).do(t, "GET", "/api/blocks", nil).problem(t, http.StatusUnauthorized, "unauthorized")
	})
}

func TestQuickJoinKeepsBlockedApart(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		ann, ben := e.signup(t), e.signup(t)
		var first wire.Room
		ann.do(t, "POST", "/api/rooms/quick-join", nil).want(t, http.StatusOK).decode(t, &first)
		ben.do(t, "POST", "/api/blocks", map[string]any{"userId": ann.userID}).want(t, http.StatusNoContent)
		var second wire.Room
		ben.do(t, "POST", "/api/rooms/quick-join", nil).want(t, http.StatusOK).decode(t, &second)
		if second.ID == first.ID {
			t.Fatalf("ben quick-joined the room of ann, whom he blocked")
		}
	})
}
