package protocol

import (
	"encoding/json"
	"testing"
)

// TestRoute is the routing rule, one row per kind of recipient.
func TestRoute(t *testing.T) {
	t.Parallel()
	owned := json.RawMessage(`{"goals":["mine"]}`)
	marked := json.RawMessage(`{"participant":{"blocked":true}}`)
	for _, tc := range []struct {
		name    string
		ev      Event
		user    string
		conn    string
		sender  bool
		want    Copy
		wantRef bool
	}{
		{"a member gets the event", Event{Name: EvPresenceUpdated}, "u", "c", false, DataCopy, false},
		{"the sender's copy carries the ref", Event{Name: EvPresenceUpdated, Origin: Origin{Conn: "c", Ref: "7"}}, "u", "c", true, DataCopy, true},
		{"no ref when the request had none", Event{Name: EvPresenceUpdated, Origin: Origin{Conn: "c"}}, "u", "c", true, DataCopy, false},
		{"other connections get no ref", Event{Name: EvPresenceUpdated, Origin: Origin{Conn: "c", Ref: "7"}}, "u", "d", false, DataCopy, false},
		{"a joiner gets no participant-joined about itself", Event{Name: EvParticipantJoined, Subject: "u", Origin: Origin{Conn: "c", Ref: "7"}}, "u", "c", true, NoCopy, false},
		{"others get the joiner's participant-joined", Event{Name: EvParticipantJoined, Subject: "v"}, "u", "c", false, DataCopy, false},
		{"the leaver gets room-left", Event{Name: EvParticipantLeft, Subject: "u", Reason: ReasonRemoved}, "u", "c", false, RoomLeftCopy, false},
		{"the leaver's room-left carries the ref", Event{Name: EvParticipantLeft, Subject: "u", Origin: Origin{Conn: "c", Ref: "7"}}, "u", "c", true, RoomLeftCopy, true},
		{"others get participant-left", Event{Name: EvParticipantLeft, Subject: "v"}, "u", "c", false, DataCopy, false},
		{"a subject on another event changes nothing", Event{Name: EvPresenceUpdated, Subject: "u"}, "u", "c", false, DataCopy, false},
		{"signalling reaches its user", Event{Name: EvRTCOffer, To: "u"}, "u", "c", false, DataCopy, false},
		{"signalling skips other users", Event{Name: EvRTCOffer, To: "v"}, "u", "c", false, NoCopy, false},
		{"signalling reaches the media connection", Event{Name: EvRTCOffer, To: "u", ToConn: "c"}, "u", "c", false, DataCopy, false},
		{"signalling skips the user's other connections", Event{Name: EvRTCOffer, To: "u", ToConn: "d"}, "u", "c", false, NoCopy, false},
		{"the owner gets their own view", Event{Name: EvSessionUpdated, Owner: "u", OwnerData: owned}, "u", "c", false, OwnerCopy, false},
		{"the owner's view carries the ref", Event{Name: EvSessionUpdated, Owner: "u", OwnerData: owned, Origin: Origin{Conn: "c", Ref: "7"}}, "u", "c", true, OwnerCopy, true},
		{"others get the shared view", Event{Name: EvSessionUpdated, Owner: "v", OwnerData: owned}, "u", "c", false, DataCopy, false},
		{"an owner with no own view gets the shared one", Event{Name: EvSessionUpdated, Owner: "u"}, "u", "c", false, DataCopy, false},
		{"a blocker gets the blocked view", Event{Name: EvParticipantJoined, Subject: "v", Blockers: "w\nu", BlockedData: marked}, "u", "c", false, BlockedCopy, false},
		{"the only blocker gets the blocked view", Event{Name: EvParticipantUpdated, Blockers: "u", BlockedData: marked}, "u", "c", false, BlockedCopy, false},
		{"others get the plain view", Event{Name: EvParticipantJoined, Subject: "v", Blockers: "w\nuu\nx", BlockedData: marked}, "u", "c", false, DataCopy, false},
		{"a prefix of a blocker is no blocker", Event{Name: EvParticipantJoined, Subject: "v", Blockers: "uu", BlockedData: marked}, "u", "c", false, DataCopy, false},
		{"a blocker gets nothing without a blocked view", Event{Name: EvReaction, Blockers: "w\nu"}, "u", "c", false, NoCopy, false},
		{"signalling to someone else is not a blocker's", Event{Name: EvRTCOffer, To: "v", Blockers: "u", BlockedData: marked}, "u", "c", false, NoCopy, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ref := tc.ev.Route(tc.user, tc.conn, tc.sender)
			if got != tc.want || ref != tc.wantRef {
				t.Fatalf("Route = %v, %v; want %v, %v", got, ref, tc.want, tc.wantRef)
			}
		})
	}
}

// TestRouteAllocatesNothing: Route runs for every member on every event.
func TestRouteAllocatesNothing(t *testing.T) {
	ev := Event{Name: EvSessionUpdated, Owner: "u", OwnerData: json.RawMessage(`{}`), Origin: Origin{Conn: "c", Ref: "7"}}
	if n := testing.AllocsPerRun(100, func() { ev.Route("u", "c", true) }); n != 0 {
		t.Fatalf("Route allocates %v times", n)
	}
	blocked := Event{Name: EvParticipantJoined, Blockers: "a\nb\nu", BlockedData: json.RawMessage(`{}`)}
	if n := testing.AllocsPerRun(100, func() { blocked.Route("u", "c", false) }); n != 0 {
		t.Fatalf("Route of a blocked view allocates %v times", n)
	}
}

func TestRoomLeftData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ room, reason, want string }{
		{"r1", "", `{"roomId":"r1"}`},
		{"r1", ReasonRemoved, `{"roomId":"r1","reason":"removed"}`},
		{`a"b`, "", `{"roomId":"a\"b"}`},
	} {
		if got := string(RoomLeftData(tc.room, tc.reason)); got != tc.want {
			t.Errorf("RoomLeftData(%q, %q) = %s, want %s", tc.room, tc.reason, got, tc.want)
		}
	}
}
