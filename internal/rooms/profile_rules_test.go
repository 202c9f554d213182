package rooms_test

import (
	"slices"
	"testing"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// A profile change reaches the person's room at once: ProfileChanged
// broadcasts participant-updated with the participant as the room sees
// them (the new name or avatar, and the focus and status they had), and
// later snapshots agree. Someone in no room changes their profile without
// an event or an error.
func TestProfileChangedRules(t *testing.T) {
	t.Parallel()
	const avatar = "data:image/png;base64,iVBORw0KGgo="
	tests := []struct {
		name       string
		upd        model.UserUpdate
		wantName   string
		wantAvatar bool
	}{
		{"new name", model.UserUpdate{DisplayName: ptr("Robin")}, "Robin", false},
		{"new avatar", model.UserUpdate{AvatarURL: ptr(avatar)}, "P", true},
		{"both", model.UserUpdate{DisplayName: ptr("Sam"), AvatarURL: ptr(avatar)}, "Sam", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachBackend(t, func(t *testing.T, e *env) {
				me, other := e.user(), e.user()
				r := e.room(me, 4, "open")
				e.join(r.ID, me, other)
				sess := e.session(me, r.ID, true, "write")
				if err := e.s.SetStatus(e.ctx, me, r.ID, "break", none); err != nil {
					t.Fatal(err)
				}
				w := e.watch(r.ID)

				if _, err := e.st.UpdateUser(e.ctx, me, tc.upd, start); err != nil {
					t.Fatal(err)
				}
				if err := e.s.ProfileChanged(e.ctx, me); err != nil {
					t.Fatalf("ProfileChanged: %v", err)
				}
				ev := w.next(protocol.EvParticipantUpdated)
				got := decode[wire.ParticipantUpdated](t, ev.Data)
				p := got.Participant
				if got.RoomID != r.ID || p.ID != me || p.DisplayName != tc.wantName || (p.AvatarURL != nil) != tc.wantAvatar {
					t.Fatalf("participant-updated %s, want %s named %q (avatar %v)", ev.Data, me, tc.wantName, tc.wantAvatar)
				}
				// What the room knew of them besides stays as it was.
				if p.Status != "break" || p.Focus == nil || p.Focus.SessionID != sess.ID || len(p.Focus.Goals) != 1 {
					t.Fatalf("participant-updated lost status or focus: %s", ev.Data)
				}
				// It is the tile a snapshot shows, for whoever joins later.
				snap, err := e.s.Snapshot(e.ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				i := slices.IndexFunc(snap.Participants, func(x wire.Participant) bool { return x.ID == me })
				if i < 0 {
					t.Fatalf("snapshot lists no %s: %+v", me, snap.Participants)
				}
				if s := snap.Participants[i]; s.DisplayName != tc.wantName || (s.AvatarURL == nil) != (p.AvatarURL == nil) ||
					s.AvatarURL != nil && *s.AvatarURL != *p.AvatarURL {
					t.Fatalf("snapshot %+v, event %+v", s, p)
				}
				e.quiet(w, r.ID)

				// The other participant is untouched; once they left, their
				// change is no one's business.
				if _, _, err := e.s.Leave(e.ctx, other, r.ID, none); err != nil {
					t.Fatal(err)
				}
				w.next(protocol.EvParticipantLeft)
				if _, err := e.st.UpdateUser(e.ctx, other, tc.upd, start); err != nil {
					t.Fatal(err)
				}
				if err := e.s.ProfileChanged(e.ctx, other); err != nil {
					t.Fatalf("ProfileChanged out of any room: %v", err)
				}
				e.quiet(w, r.ID)
			})
		})
	}
}
