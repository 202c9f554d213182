package sqlstore_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// userish matches the column names that hold a person's id by the
// schema's conventions, whether or not a foreign key says so (the audit
// log's and a few others have none).
var userish = regexp.MustCompile(`(^|_)(user_id|user|by|actor_id|target_id|blocker_id|blocked_id|reporter_id)$`)

// TestPrivacySchema fails when a table holds people's ids in a column
// that PersonalColumns does not name (with its export path or the reason
// it has none, and its erasure rule): by foreign key to users, by name, or
// because SeedPerson's id turns up in it.
func TestPrivacySchema(t *testing.T) {
	for _, b := range storetest.RawBackends() {
		t.Run(b.Name, func(t *testing.T) {
			s, raw := b.Open(t)
			p := storetest.SeedPerson(t, s, time.Now().UTC().Truncate(time.Millisecond))
			holding := map[string]string{}
			for _, c := range raw.Columns(t) {
				key := c.Table + "." + c.Name
				switch {
				case c.RefUsers:
					holding[key] = "references users"
				case userish.MatchString(c.Name) || key == "users.id":
					holding[key] = "named like a user's id"
				}
			}
			if len(holding) < 10 {
				t.Fatalf("found only %v: the schema listing is broken", holding)
			}
			for _, c := range storetest.Find(raw.Dump(t), p.ID) {
				if _, ok := holding[c.Table+"."+c.Column]; !ok {
					holding[c.Table+"."+c.Column] = "holds the seeded person's id"
				}
			}
			for key, why := range holding {
				if _, ok := sqlstore.PersonalColumns[key]; !ok {
					t.Errorf("%s %s but is neither exported nor allow-listed in sqlstore.PersonalColumns", key, why)
				}
			}
			for key := range sqlstore.PersonalColumns {
				if _, ok := holding[key]; !ok {
					t.Errorf("PersonalColumns names %s, which the schema does not have (or no longer marks as a user's)", key)
				}
			}
		})
	}
}

// TestExportAndErase seeds a person with data in every table, checks the
// export has all of it, erases them and searches the whole database for
// their id, names, avatar and goals.
func TestExportAndErase(t *testing.T) {
	for _, b := range storetest.RawBackends() {
		t.Run(b.Name, func(t *testing.T) {
			s, raw := b.Open(t)
			ctx := t.Context()
			now := time.Now().UTC().Truncate(time.Millisecond)
			p := storetest.SeedPerson(t, s, now)

			x, err := s.ExportUser(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if x.User.ID != p.ID || x.User.DisplayName != p.Name || x.User.AvatarURL == nil || *x.User.AvatarURL != p.Avatar || x.User.Role != model.RoleModerator {
				t.Errorf("export user = %+v", x.User)
			}
			if x.Preferences == nil {
				t.Error("export has no preferences")
			}
			if len(x.Names) != 1 || x.Names[0].DisplayName != p.OldName {
				t.Errorf("export names = %+v", x.Names)
			}
			var goals []string
			for _, se := range x.Sessions {
				goals = append(goals, se.Goals...)
			}
			slices.Sort(goals)
			if !slices.Equal(goals, p.Goals) || len(x.Sessions) != 2 {
				t.Errorf("export sessions = %+v", x.Sessions)
			}
			if len(x.Participation) != 1 || x.Participation[0].RoomID != p.Room || x.Participation[0].LeftAt != nil {
				t.Errorf("export participation = %+v", x.Participation)
			}
			if len(x.RoomsCreated) != 1 || x.RoomsCreated[0].ID != p.RoomCreated {
				t.Errorf("export rooms = %+v", x.RoomsCreated)
			}
			if len(x.ReportsFiled) != 1 || x.ReportsFiled[0].ID != p.ReportBy {
				t.Errorf("export reports = %+v (only theirs, never one about them)", x.ReportsFiled)
			}
			if len(x.Blocks) != 1 || x.Blocks[0].BlockedID != p.Other.ID {
				t.Errorf("export blocks = %+v (only whom they block)", x.Blocks)
			}
			if len(x.Bans) != 1 || x.Bans[0].Reason != "against them" {
				t.Errorf("export bans = %+v", x.Bans)
			}
			if len(x.RoomBans) != 1 || x.RoomBans[0].RoomID != p.RoomCreated {
				t.Errorf("export room bans = %+v", x.RoomBans)
			}
			var actions []string
			for _, a := range x.Audit {
				actions = append(actions, a.Action)
			}
			slices.Sort(actions)
			if want := []string{"report.resolve", "role.set", "user.ban", "user.ban"}; !slices.Equal(actions, want) {
				t.Errorf("export audit actions = %v, want %v", actions, want)
			}
			if _, err := s.ExportUser(ctx, "nobody"); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("export of nobody: %v", err)
			}

			// The search finds them before: it does look everywhere.
			before := storetest.Find(raw.Dump(t), p.Secrets()...)
			if len(before) < 10 {
				t.Fatalf("the dump holds them in only %d cells before the erasure", len(before))
			}

			stand := uuid.NewString()
			if err := s.EraseUser(ctx, p.ID, stand, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := s.EraseUser(ctx, p.ID, uuid.NewString(), now); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("erasing again: %v, want not found", err)
			}
			if left := storetest.Find(raw.Dump(t), p.Secrets()...); len(left) > 0 {
				t.Errorf("after the erasure the database still holds them: %+v", left)
			}
			if _, err := s.GetUser(ctx, p.ID); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("GetUser after erasure: %v", err)
			}

			// Reports by and about them stay for moderators, with the stand-in.
			by, err := s.GetReport(ctx, p.ReportBy)
			if err != nil || by.ReporterID != stand || by.ReportedUserID != p.Other.ID || by.Note != "their note" {
				t.Errorf("their report after erasure = %+v, %v", by, err)
			}
			about, err := s.GetReport(ctx, p.ReportAbout)
			if err != nil || about.ReportedUserID != stand || about.ReporterID != p.Other.ID {
				t.Errorf("the report about them after erasure = %+v, %v", about, err)
			}
			u, err := s.GetUser(ctx, stand)
			if err != nil || u.DisplayName != model.ErasedDisplayName || u.AvatarVersion != nil {
				t.Errorf("stand-in = %+v, %v", u, err)
			}
			log, err := s.AuditLog(ctx, "", 1)
			if err != nil || len(log) != 1 || log[0].Action != model.AuditUserErase || log[0].ActorID != stand || log[0].TargetID != stand || log[0].Reason != "" {
				t.Errorf("latest audit entry = %+v, %v", log, err)
			}
			// What was only theirs went: the room they were in is empty of
			// them, and the other person's block of them went too.
			ps, err := s.Participants(ctx, p.Room)
			if err != nil || len(ps) != 1 || ps[0].UserID != p.Other.ID {
				t.Errorf("participants after erasure = %+v, %v", ps, err)
			}
			blockers, err := s.Blockers(ctx, stand)
			if err != nil || len(blockers) != 0 {
				t.Errorf("blocks of the stand-in = %v, %v", blockers, err)
			}
			for _, c := range storetest.Find(raw.Dump(t), stand) {
				if !strings.HasPrefix(c.Table, "users") && !slices.Contains([]string{"reports", "audit_log", "rooms", "room_timers", "user_bans"}, c.Table) {
					t.Errorf("the stand-in turned up in %s.%s", c.Table, c.Column)
				}
			}
		})
	}
}
