package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// Run runs the contract suite against the store that open returns. Every
// subtest opens its own store (some need an empty world, such as QuickJoin)
// and runs in parallel with the others.
func Run(t *testing.T, open func(t testing.TB) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Secret", testSecret},
		{"Revocation", testRevocation},
		{"ErasedTokens", testErasedTokens},
		{"Users", testUsers},
		{"AvatarVersion", testAvatarVersion},
		{"Preferences", testPreferences},
		{"Rooms", testRooms},
		{"CountRoomsCreatedBy", testCountRoomsCreatedBy},
		{"SeedRooms", testSeedRooms},
		{"ListRooms", testListRooms},
		{"Join", testJoin},
		{"JoinErrors", testJoinErrors},
		{"Leave", testLeave},
		{"Rejoin", testRejoin},
		{"MoveEndsSession", testMoveEndsSession},
		{"JoinCapacityConcurrent", testJoinCapacityConcurrent},
		{"Participants", testParticipants},
		{"SetStatus", testSetStatus},
		{"Presence", testPresence},
		{"ExpireConcurrent", testExpireConcurrent},
		{"SeatHolds", testSeatHolds},
		{"Sessions", testSessions},
		{"SessionErrors", testSessionErrors},
		{"OpenSessions", testOpenSessions},
		{"History", testHistory},
		{"Timers", testTimers},
		{"TimerConcurrent", testTimerConcurrent},
		{"QuickJoin", testQuickJoin},
		{"QuickJoinFallback", testQuickJoinFallback},
		{"QuickJoinConcurrent", testQuickJoinConcurrent},
		{"Blocks", testBlocks},
		{"QuickJoinBlocks", testQuickJoinBlocks},
		{"QuickJoinBlocksConcurrent", testQuickJoinBlocksConcurrent},
		{"SharedRoomSince", testSharedRoomSince},
		{"Reports", testReports},
		{"NameHistory", testNameHistory},
		{"Media", testMedia},
		{"Ban", testBan},
		{"Roles", testRoles},
		{"UserBans", testUserBans},
		{"CloseRoom", testCloseRoom},
		{"CloseEmptyRooms", testCloseEmptyRooms},
		{"CloseEmptyRoomsConcurrent", testCloseEmptyRoomsConcurrent},
		{"Audit", testAudit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newFixture(t, open(t)))
		})
	}
}

// base is the suite's clock: a fixed UTC instant with milliseconds, far
// from the real time so nothing depends on it.
var base = time.Date(2031, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// at returns base plus d.
func at(d time.Duration) time.Time { return base.Add(d) }

// fixture bundles a store with helpers that fail the test on error.
type fixture struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	// seq makes creation times of rooms distinct and increasing.
	seq atomic.Int64
}

func newFixture(t *testing.T, s store.Store) *fixture {
	return &fixture{t: t, s: s, ctx: t.Context()}
}

// user creates a user named name.
func (f *fixture) user(name string) model.User {
	f.t.Helper()
	u := model.User{
		ID:          uuid.NewString(),
		AnonymousID: uuid.NewString(),
		DisplayName: name,
		CreatedAt:   base,
		UpdatedAt:   base,
	}
	if err := f.s.CreateUser(f.ctx, u); err != nil {
		f.t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

// users creates n users.
func (f *fixture) users(n int) []model.User {
	f.t.Helper()
	us := make([]model.User, n)
	for i := range us {
		us[i] = f.user(fmt.Sprintf("user %d", i))
	}
	return us
}

// room creates an active room; each one is created 1 ms after the previous.
func (f *fixture) room(name, category string, capacity int) model.Room {
	f.t.Helper()
	r, err := f.s.CreateRoom(f.ctx, model.Room{
		Name:        name,
		Category:    category,
		MaxCapacity: capacity,
		MicPolicy:   "muted",
		IsActive:    true,
		CreatedAt:   at(time.Duration(f.seq.Add(1)) * time.Millisecond),
	})
	if err != nil {
		f.t.Fatalf("CreateRoom(%s): %v", name, err)
	}
	return r
}

// join joins userID to roomID at now, holding the seat 30 s.
func (f *fixture) join(roomID, userID string, now time.Time) model.JoinResult {
	f.t.Helper()
	res, err := f.s.JoinRoom(f.ctx, roomID, userID, now, now.Add(30*time.Second))
	if err != nil {
		f.t.Fatalf("JoinRoom(%s, %s): %v", roomID, userID, err)
	}
	return res
}

// start opens a session for userID in roomID at now.
func (f *fixture) start(roomID, userID string, now time.Time, goals ...string) model.Session {
	f.t.Helper()
	x, err := f.s.StartSession(f.ctx, model.Session{RoomID: roomID, UserID: userID, StartedAt: now, Goals: goals})
	if err != nil {
		f.t.Fatalf("StartSession(%s, %s): %v", roomID, userID, err)
	}
	return x
}

// getRoom reads a room.
func (f *fixture) getRoom(id string) model.Room {
	f.t.Helper()
	r, err := f.s.GetRoom(f.ctx, id)
	if err != nil {
		f.t.Fatalf("GetRoom(%s): %v", id, err)
	}
	return r
}

// expiredIDs lists the user ids ExpiredParticipants gives at now, in its order.
func (f *fixture) expiredIDs(now time.Time) []string {
	f.t.Helper()
	ps, err := f.s.ExpiredParticipants(f.ctx, now)
	if err != nil {
		f.t.Fatalf("ExpiredParticipants: %v", err)
	}
	ids := []string{}
	for _, p := range ps {
		ids = append(ids, p.UserID)
	}
	return ids
}

// participantIDs lists the user ids of a room's participants, in order.
func (f *fixture) participantIDs(roomID string) []string {
	f.t.Helper()
	ps, err := f.s.Participants(f.ctx, roomID)
	if err != nil {
		f.t.Fatalf("Participants(%s): %v", roomID, err)
	}
	ids := []string{}
	for _, p := range ps {
		ids = append(ids, p.UserID)
	}
	return ids
}

// ok fails the test now if err is not nil.
func ok(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// isErr fails the test unless errors.Is(err, target).
func isErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// eq fails the test unless got and want are deeply equal.
func eq[T any](t *testing.T, got, want T, what string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// isUUID fails the test unless id, which what filled in, is a UUID.
func isUUID(t *testing.T, id, what string) {
	t.Helper()
	if _, err := uuid.Parse(id); err != nil {
		t.Errorf("%s filled ID %q, want a UUID", what, id)
	}
}

// sameTime fails the test unless got is want, in UTC.
func sameTime(t *testing.T, got, want time.Time, what string) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s: got %v, want %v (UTC)", what, got, want)
	}
}

// race runs op(i) for i in [0, n) in parallel and counts the calls that
// succeeded and those that failed with lose; any other error fails the
// test, named what.
func race(t *testing.T, n int, lose error, what string, op func(i int) error) (won, lost int32) {
	var w, l atomic.Int32
	parallel(n, func(i int) {
		err := op(i)
		switch {
		case err == nil:
			w.Add(1)
		case errors.Is(err, lose):
			l.Add(1)
		default:
			t.Errorf("%s: %v", what, err)
		}
	})
	return w.Load(), l.Load()
}

// parallel runs fn(i) for i in [0, n) on n goroutines released together,
// and waits for them.
func parallel(n int, fn func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

func ptr[T any](v T) *T { return &v }
