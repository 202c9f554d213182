package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// BenchmarkQuickJoin is "Find me a room" right after leaving one, in a
// lobby of 20 rooms of 4 with a history of 2,000 past participations. The
// user is made, seated and sent out outside the timer, and leaves the room
// quick-join chose afterwards, so the lobby stays as it is while the
// history grows.
func BenchmarkQuickJoin(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		lobby(b, s)
		rooms, err := s.ListRooms(ctx, model.ListRoomsOptions{Limit: 20})
		if err != nil {
			b.Fatal(err)
		}
		// past seats and leaves them, one room after another.
		past := func(u model.User, n int) {
			for i := range n {
				r := rooms[i%len(rooms)]
				if _, err := s.JoinRoom(ctx, r.ID, u.ID, benchNow, benchNow.Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
				if _, err := s.LeaveRoom(ctx, r.ID, u.ID, benchNow.Add(time.Duration(i)*time.Second)); err != nil {
					b.Fatal(err)
				}
			}
		}
		for range 200 {
			past(benchUser(b, s), 10)
		}
		fallback := model.Room{Name: "Focus room", Category: "deep-work", MaxCapacity: 8, MicPolicy: "muted", IsActive: true}
		now := benchNow.Add(time.Minute)
		for b.Loop() {
			b.StopTimer()
			u := benchUser(b, s)
			past(u, 1)
			b.StartTimer()
			res, err := quickJoin(ctx, s, u.ID, fallback, now)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if _, err := s.LeaveRoom(ctx, res.Room.ID, u.ID, now); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
}

// quickJoin is QuickJoin as the rooms service calls it.
func quickJoin(ctx context.Context, s store.Store, userID string, fallback model.Room, now time.Time) (model.JoinResult, error) {
	return s.QuickJoin(ctx, userID, nil, fallback, now, now.Add(time.Hour), now.Add(-15*time.Minute))
}
