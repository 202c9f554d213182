package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

func testMedia(t *testing.T, f *fixture) {
	r := f.room("media", "study", 8)
	u := f.user("u")
	f.join(r.ID, u.ID, at(0))
	media := func() model.Media {
		t.Helper()
		ps, err := f.s.Participants(f.ctx, r.ID)
		ok(t, err, "Participants")
		return ps[0].Media
	}
	eq(t, media(), model.Media{}, "media after joining")
	conn, err := f.s.MediaConn(f.ctx, r.ID, u.ID)
	ok(t, err, "MediaConn")
	eq(t, conn, "", "media conn before any")

	ok(t, f.s.SetMedia(f.ctx, r.ID, u.ID, "conn-1", nil), "SetMedia conn only")
	conn, _ = f.s.MediaConn(f.ctx, r.ID, u.ID)
	eq(t, conn, "conn-1", "media conn")
	eq(t, media(), model.Media{}, "media unchanged by a conn-only update")

	ok(t, f.s.SetMedia(f.ctx, r.ID, u.ID, "conn-2", &model.Media{Camera: true, Watching: true}), "SetMedia")
	conn, _ = f.s.MediaConn(f.ctx, r.ID, u.ID)
	eq(t, conn, "conn-2", "media conn after media-state")
	eq(t, media(), model.Media{Camera: true, Watching: true}, "media")

	// Only the media connection's going turns media off, and only once.
	cleared, err := f.s.ClearMedia(f.ctx, r.ID, u.ID, "conn-1")
	ok(t, err, "ClearMedia of another connection")
	eq(t, cleared, false, "cleared by a connection that does not carry media")
	eq(t, media(), model.Media{Camera: true, Watching: true}, "media kept")
	cleared, err = f.s.ClearMedia(f.ctx, r.ID, u.ID, "conn-2")
	ok(t, err, "ClearMedia")
	eq(t, cleared, true, "cleared by the media connection")
	eq(t, media(), model.Media{}, "media after the media connection went")
	cleared, _ = f.s.ClearMedia(f.ctx, r.ID, u.ID, "conn-2")
	eq(t, cleared, false, "nothing left to clear")

	stranger := f.user("stranger")
	isErr(t, f.s.SetMedia(f.ctx, r.ID, stranger.ID, "x", nil), model.ErrNotInRoom, "SetMedia of a stranger")
	_, err = f.s.MediaConn(f.ctx, r.ID, stranger.ID)
	isErr(t, err, model.ErrNotInRoom, "MediaConn of a stranger")

	// Leaving and coming back starts with everything off.
	_, err = f.s.LeaveRoom(f.ctx, r.ID, u.ID, at(time.Minute))
	ok(t, err, "LeaveRoom")
	f.join(r.ID, u.ID, at(2*time.Minute))
	eq(t, media(), model.Media{}, "media after a rejoin")
	conn, _ = f.s.MediaConn(f.ctx, r.ID, u.ID)
	eq(t, conn, "", "media conn after a rejoin")
}

func testBan(t *testing.T, f *fixture) {
	r := f.room("ban", "study", 8)
	other := f.room("other", "study", 8)
	u, v := f.user("u"), f.user("v")
	f.join(r.ID, u.ID, at(0))
	ok(t, f.s.Ban(f.ctx, r.ID, v.ID, at(24*time.Hour)), "Ban")
	_, err := f.s.JoinRoom(f.ctx, r.ID, v.ID, at(time.Hour), at(time.Hour+30*time.Second))
	isErr(t, err, model.ErrBanned, "join while banned")
	if errors.Is(err, model.ErrRoomFull) {
		t.Fatal("a ban is not a full room")
	}
	// Quick join never picks the room one is banned from, even the fullest.
	f.join(r.ID, f.user("w").ID, at(0))
	res := f.quickJoin(v.ID, nil, at(time.Hour))
	eq(t, res.Room.ID, other.ID, "quick join skips the fuller room the user is banned from")
	// The ban ends.
	_, err = f.s.LeaveRoom(f.ctx, res.Room.ID, v.ID, at(25*time.Hour))
	ok(t, err, "LeaveRoom")
	f.join(r.ID, v.ID, at(25*time.Hour))
}
