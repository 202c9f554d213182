package wire

import (
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
)

// The envelopes and event data the server sends, byte for byte: these are
// the shapes docs/api.md and docs/protocol.md promise.
func TestResponseShapes(t *testing.T) {
	t.Parallel()
	user := FromUser(model.User{ID: "u1", DisplayName: "Quiet Heron", CreatedAt: at})
	room := FromRoom(model.Room{ID: "r1", Name: "Study", Category: "study", MaxCapacity: 4, CurrentCapacity: 1, MicPolicy: "muted", IsActive: true, CreatedAt: at})
	session := FromSession(model.Session{ID: "s1", RoomID: "r1", UserID: "u1", StartedAt: at, Progress: 10})
	participant := FromParticipant(model.Participant{RoomID: "r1", UserID: "u1", DisplayName: "Quiet Heron", Status: "working", JoinedAt: at})
	const (
		userJSON        = `{"id":"u1","displayName":"Quiet Heron","avatarUrl":null,"createdAt":"2025-03-12T09:00:05.123Z"}`
		roomJSON        = `{"id":"r1","name":"Study","description":null,"category":"study","maxCapacity":4,"currentCapacity":1,"micPolicy":"muted","isActive":true,"createdBy":null,"createdAt":"2025-03-12T09:00:05.123Z","timerControl":"owner","cycle":null,"visibility":"public"}`
		sessionJSON     = `{"id":"s1","roomId":"r1","userId":"u1","startedAt":"2025-03-12T09:00:05.123Z","endedAt":null,"durationMinutes":null,"goals":[],"achievements":[],"progress":10,"rating":null,"shareGoals":false,"isCompleted":false,"plannedMinutes":null}`
		participantJSON = `{"id":"u1","displayName":"Quiet Heron","avatarUrl":null,"status":"working","joinedAt":"2025-03-12T09:00:05.123Z","focus":null,"media":{"camera":false,"mic":false,"watching":false}}`
		idleTimerJSON   = `"state":"idle","type":null,"duration":0,"remaining":0,"endsAt":null,"by":null,"version":0`
	)
	idle := FromTimer(model.Timer{RoomID: "r1"}, at)
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"problem, bare", Problem{Type: "about:blank", Title: "Not Found", Status: 404, Code: apperr.NotFound, Message: "Not found.", RequestID: "req-1"},
			`{"type":"about:blank","title":"Not Found","status":404,"code":"not_found","message":"Not found.","requestId":"req-1"}`},
		{"problem with field errors", Problem{Type: "about:blank", Title: "Bad Request", Status: 400, Code: apperr.Invalid, Message: "Some fields need another look.",
			Errors: apperr.Field("name", "is empty").Fields, RequestID: "req-2"},
			`{"type":"about:blank","title":"Bad Request","status":400,"code":"invalid","message":"Some fields need another look.","errors":[{"field":"name","message":"is empty"}],"requestId":"req-2"}`},
		{"problem naming the open session", Problem{Type: "about:blank", Title: "Conflict", Status: 409, Code: apperr.SessionActive, Message: "m", SessionID: "s1", RequestID: "req-3"},
			`{"type":"about:blank","title":"Conflict","status":409,"code":"session_active","message":"m","sessionId":"s1","requestId":"req-3"}`},
		{"auth session", AuthSession{Token: "a.b.c", ExpiresAt: Time(at), User: user},
			`{"token":"a.b.c","expiresAt":"2025-03-12T09:00:05.123Z","user":` + userJSON + `}`},
		{"room page, last", RoomPage{Rooms: []Room{room}},
			`{"rooms":[` + roomJSON + `],"nextCursor":null}`},
		{"room page, more to come", RoomPage{Rooms: []Room{room}, NextCursor: ptr("r1")},
			`{"rooms":[` + roomJSON + `],"nextCursor":"r1"}`},
		{"session page", SessionPage{Sessions: []Session{session}, NextCursor: ptr("s1")},
			`{"sessions":[` + sessionJSON + `],"nextCursor":"s1"}`},
		{"stats", Stats{WeekMinutes: 95, StreakDays: 2, CompletionRate: 0.75, CompletedCount: 3, TotalCount: 4,
			Days: []DayMinutes{{Date: "2025-03-11", Minutes: 50}, {Date: "2025-03-12", Minutes: 45}}},
			`{"weekMinutes":95,"streakDays":2,"completionRate":0.75,"completedCount":3,"totalCount":4,"days":[{"date":"2025-03-11","minutes":50},{"date":"2025-03-12","minutes":45}]}`},
		{"snapshot", Snapshot{Room: room, Participants: []Participant{participant}, Timer: idle},
			`{"room":` + roomJSON + `,"participants":[` + participantJSON + `],"timer":{` + idleTimerJSON + `}}`},
		{"participant joined", ParticipantJoined{RoomID: "r1", Participant: participant},
			`{"roomId":"r1","participant":` + participantJSON + `}`},
		{"participant updated: the shape of participant joined", ParticipantUpdated{RoomID: "r1", Participant: participant},
			`{"roomId":"r1","participant":` + participantJSON + `}`},
		{"participant left", ParticipantLeft{RoomID: "r1", ParticipantID: "u1"},
			`{"roomId":"r1","participantId":"u1"}`},
		{"participant removed", ParticipantLeft{RoomID: "r1", ParticipantID: "u1", Reason: "removed"},
			`{"roomId":"r1","participantId":"u1","reason":"removed"}`},
		{"session event", SessionEvent{RoomID: "r1", Session: session.Public()},
			`{"roomId":"r1","session":{"id":"s1","roomId":"r1","userId":"u1","startedAt":"2025-03-12T09:00:05.123Z","endedAt":null,"durationMinutes":null,"goals":null,"achievements":null,"progress":10,"rating":null,"shareGoals":false,"isCompleted":false,"plannedMinutes":null}}`},
		{"timer event: the timer's fields beside the room's", TimerEvent{RoomID: "r1", Timer: idle},
			`{"roomId":"r1",` + idleTimerJSON + `}`},
		{"timer completed", TimerCompleted{RoomID: "r1", Type: "work", Version: 7},
			`{"roomId":"r1","type":"work","version":7}`},
		{"media state", MediaState{RoomID: "r1", ParticipantID: "u1", Camera: true, Watching: true},
			`{"roomId":"r1","participantId":"u1","camera":true,"mic":false,"watching":true}`},
		{"rtc description", RTCDescription{RoomID: "r1", From: "u2", SDP: "v=0\r\n"},
			`{"roomId":"r1","from":"u2","sdp":"v=0\r\n"}`},
		{"rtc candidate", RTCCandidate{RoomID: "r1", From: "u2", Candidate: &ICECandidate{Candidate: "candidate:1", SDPMid: ptr("0"), SDPMLineIndex: ptr(0)}},
			`{"roomId":"r1","from":"u2","candidate":{"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":null}}`},
		{"rtc end of candidates", RTCCandidate{RoomID: "r1", From: "u2"},
			`{"roomId":"r1","from":"u2","candidate":null}`},
	} {
		golden(t, tc.name, tc.v, tc.want)
	}
}
