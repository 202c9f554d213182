package wire

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Each input reads the field names docs/api.md and docs/protocol.md give
// it: a full body decodes strictly into exactly the values sent, so a
// renamed or mistyped tag fails here rather than as a 400 in a client.
func TestInputsReadTheirFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body string
		into any // a pointer to the zero input
		want any
	}{
		{"create room", `{"name":"Deep work","description":"Shh","category":"study","maxCapacity":8,"micPolicy":"open"}`,
			&CreateRoomInput{}, &CreateRoomInput{Name: "Deep work", Description: ptr("Shh"), Category: "study", MaxCapacity: ptr(8), MicPolicy: ptr("open")}},
		{"create room, optional fields null", `{"name":"A","description":null,"category":"study","maxCapacity":null,"micPolicy":null}`,
			&CreateRoomInput{}, &CreateRoomInput{Name: "A", Category: "study"}},
		{"start session", `{"roomId":"r1","goals":["read","write"],"shareGoals":true}`,
			&StartSessionInput{}, &StartSessionInput{RoomID: "r1", Goals: []string{"read", "write"}, ShareGoals: ptr(true)}},
		{"update session", `{"goals":[],"progress":60,"shareGoals":false}`,
			&UpdateSessionInput{}, &UpdateSessionInput{Goals: []string{}, Progress: ptr(60), ShareGoals: ptr(false)}},
		{"update session, goals left out", `{"progress":0}`,
			&UpdateSessionInput{}, &UpdateSessionInput{Progress: ptr(0)}},
		{"complete session", `{"achievements":["read"],"rating":5}`,
			&CompleteSessionInput{}, &CompleteSessionInput{Achievements: []string{"read"}, Rating: ptr(5)}},
		{"start timer", `{"roomId":"r1","duration":1500,"type":"work"}`,
			&StartTimerInput{}, &StartTimerInput{RoomID: "r1", Duration: 1500, Type: "work"}},
		{"media state", `{"roomId":"r1","camera":true,"mic":false,"watching":true}`,
			&MediaStateInput{}, &MediaStateInput{RoomID: "r1", Camera: true, Watching: true}},
		{"rtc offer", `{"roomId":"r1","to":"u2","sdp":"v=0\r\n"}`,
			&RTCInput{}, &RTCInput{RoomID: "r1", To: "u2", SDP: "v=0\r\n"}},
		{"rtc ice keeps the candidate as sent", `{"roomId":"r1","to":"u2","candidate":{"candidate":"candidate:1 1 udp 1 10.0.0.1 9 typ host","sdpMid":"0"}}`,
			&RTCInput{}, &RTCInput{RoomID: "r1", To: "u2", Candidate: json.RawMessage(`{"candidate":"candidate:1 1 udp 1 10.0.0.1 9 typ host","sdpMid":"0"}`)}},
		{"rtc end of candidates", `{"roomId":"r1","to":"u2","candidate":null}`,
			&RTCInput{}, &RTCInput{RoomID: "r1", To: "u2", Candidate: json.RawMessage(`null`)}},
		{"ice candidate", `{"candidate":"candidate:1","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}`,
			&ICECandidate{}, &ICECandidate{Candidate: "candidate:1", SDPMid: ptr("0"), SDPMLineIndex: ptr(0), UsernameFragment: ptr("abcd")}},
		{"room ref", `{"roomId":"r1"}`, &RoomRef{}, &RoomRef{RoomID: "r1"}},
		{"join room, the seed's preferences ignored", `{"roomId":"r1","userPreferences":{"anything":[1,2]}}`,
			&JoinRoomInput{}, &JoinRoomInput{RoomID: "r1", UserPreferences: json.RawMessage(`{"anything":[1,2]}`)}},
		{"presence", `{"roomId":"r1","status":"break"}`, &PresenceInput{}, &PresenceInput{RoomID: "r1", Status: "break"}},
		{"progress", `{"sessionId":"s1","progress":75}`, &ProgressInput{}, &ProgressInput{SessionID: "s1", Progress: ptr(75)}},
		{"complete over the socket: the session id beside the completion's own fields", `{"sessionId":"s1","achievements":["a"],"rating":3}`,
			&CompleteInput{}, &CompleteInput{SessionID: "s1", CompleteSessionInput: CompleteSessionInput{Achievements: []string{"a"}, Rating: ptr(3)}}},
		{"remove participant", `{"roomId":"r1","participantId":"u2"}`, &RemoveInput{}, &RemoveInput{RoomID: "r1", ParticipantID: "u2"}},
	} {
		if err := DecodeStrict([]byte(tc.body), tc.into); err != nil {
			t.Errorf("%s: %s refused: %v", tc.name, tc.body, err)
			continue
		}
		if !reflect.DeepEqual(tc.into, tc.want) {
			t.Errorf("%s: decoded %+v, want %+v", tc.name, tc.into, tc.want)
		}
	}
}

// Inputs refuse the fields of other inputs: an event's data cannot carry
// something its handler would silently ignore.
func TestInputsRefuseOtherInputsFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, field string
		into              any
	}{
		{"sdp in media state", `{"roomId":"r1","sdp":"v=0"}`, "sdp", &MediaStateInput{}},
		{"status in room ref", `{"roomId":"r1","status":"away"}`, "status", &RoomRef{}},
		{"roomId in update session", `{"roomId":"r1"}`, "roomId", &UpdateSessionInput{}},
		{"an extra key in an ICE candidate", `{"candidate":"candidate:1","foundation":"1"}`, "foundation", &ICECandidate{}},
		{"goals in complete", `{"sessionId":"s1","goals":[]}`, "goals", &CompleteInput{}},
		{"email in a profile", `{"displayName":"A","email":"a@b"}`, "email", &ProfileInput{}},
	} {
		got := decodeErr(tc.body, tc.into)
		if got == nil || got.Field != tc.field || got.Message != "is not a field we know" {
			t.Errorf("%s: %s gave %+v, want %q unknown", tc.name, tc.body, got, tc.field)
		}
	}
}

// Optional tells a field left out from a field sent as null from a field
// sent with a value: a PUT keeps, resets or sets accordingly.
func TestOptional(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want ProfileInput
	}{
		{`{}`, ProfileInput{}},
		{`{"displayName":null}`, ProfileInput{DisplayName: Optional[string]{Set: true, Null: true}}},
		{`{"displayName":"Calm Otter"}`, ProfileInput{DisplayName: Optional[string]{Set: true, Value: "Calm Otter"}}},
		{`{"displayName":""}`, ProfileInput{DisplayName: Optional[string]{Set: true}}},
		{`{"avatarUrl":null,"displayName":"A"}`, ProfileInput{
			DisplayName: Optional[string]{Set: true, Value: "A"},
			AvatarURL:   Optional[string]{Set: true, Null: true},
		}},
	} {
		var got ProfileInput
		if err := DecodeStrict([]byte(tc.body), &got); err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.body, got, err, tc.want)
		}
	}
}

// A preferences update sets, resets or keeps each part, and each part is
// decoded as strictly as the body.
func TestPreferencesInput(t *testing.T) {
	t.Parallel()
	var got PreferencesInput
	body := `{"workStyle":null,"preferredRoomCategories":["study"],"notificationSettings":{"sound":true},"accessibilitySettings":{"reducedMotion":"reduce","largerText":false}}`
	if err := DecodeStrict([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := PreferencesInput{
		WorkStyle:               Optional[string]{Set: true, Null: true},
		PreferredRoomCategories: Optional[[]string]{Set: true, Value: []string{"study"}},
		NotificationSettings:    Optional[NotificationInput]{Set: true, Value: NotificationInput{Sound: ptr(true)}},
		AccessibilitySettings:   Optional[AccessibilityInput]{Set: true, Value: AccessibilityInput{ReducedMotion: ptr("reduce"), LargerText: ptr(false)}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v, want %+v", got, want)
	}
	var empty PreferencesInput
	if err := DecodeStrict([]byte(`{}`), &empty); err != nil || empty.WorkStyle.Set || empty.PreferredRoomCategories.Set ||
		empty.NotificationSettings.Set || empty.AccessibilitySettings.Set {
		t.Errorf("an empty update set %+v, %v", empty, err)
	}
}
