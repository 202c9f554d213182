package rooms_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// What one shares: a microphone only in an open room, a camera only while
// fewer than MaxCameras others have theirs on. What is allowed is stored,
// shown in the room's participants and told to the room.
func TestMediaStateRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		quiet, open := e.room(me, 8, "muted"), e.room(me, 8, "open")
		cases := []struct {
			name string
			room string
			in   wire.MediaStateInput
			code string
		}{
			{"camera in a quiet room", quiet.ID, wire.MediaStateInput{Camera: true}, ""},
			{"watching in a quiet room", quiet.ID, wire.MediaStateInput{Watching: true}, ""},
			{"mic in a quiet room", quiet.ID, wire.MediaStateInput{Mic: true}, apperr.Forbidden},
			{"mic and camera in a quiet room", quiet.ID, wire.MediaStateInput{Mic: true, Camera: true}, apperr.Forbidden},
			{"mic in an open room", open.ID, wire.MediaStateInput{Mic: true}, ""},
			{"everything in an open room", open.ID, wire.MediaStateInput{Mic: true, Camera: true, Watching: true}, ""},
			{"nothing", open.ID, wire.MediaStateInput{}, ""},
			{"a room that never was", uuid.NewString(), wire.MediaStateInput{}, apperr.NotFound},
			{"an id that is no id", "r", wire.MediaStateInput{}, apperr.NotFound},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if tc.code == apperr.NotFound {
					tc.in.RoomID = tc.room
					wantCode(t, tc.name, e.s.MediaState(e.ctx, me, "conn", tc.in, none), tc.code)
					return
				}
				if _, err := e.s.Join(e.ctx, me, tc.room, none); err != nil {
					t.Fatal(err)
				}
				w := e.watch(tc.room)
				tc.in.RoomID = tc.room
				err := e.s.MediaState(e.ctx, me, "conn-1", tc.in, none)
				wantCode(t, tc.name, err, tc.code)
				if tc.code != "" {
					e.quiet(w, tc.room)
					return
				}
				got := decode[wire.MediaState](t, w.next("media-state").Data)
				want := wire.MediaState{RoomID: tc.room, ParticipantID: me, Camera: tc.in.Camera, Mic: tc.in.Mic, Watching: tc.in.Watching}
				if got != want {
					t.Fatalf("media-state %+v, want %+v", got, want)
				}
				ps, err := e.s.Participants(e.ctx, tc.room)
				if err != nil || len(ps) != 1 || ps[0].Media != (wire.Media{Camera: tc.in.Camera, Mic: tc.in.Mic, Watching: tc.in.Watching}) {
					t.Fatalf("participants %+v, %v", ps, err)
				}
			})
		}
	})
}

// At most MaxCameras cameras are on in a room; one whose camera is on may
// say so again; when one goes off, another may come on.
func TestCameraCap(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		owner := e.user()
		r := e.room(owner, rooms.MaxCameras+2, "muted")
		var on []string
		for range rooms.MaxCameras {
			u := e.user()
			e.join(r.ID, u)
			if err := e.s.MediaState(e.ctx, u, "c", wire.MediaStateInput{RoomID: r.ID, Camera: true}, none); err != nil {
				t.Fatalf("camera %d: %v", len(on)+1, err)
			}
			on = append(on, u)
		}
		late := e.user()
		e.join(r.ID, late)
		camera := wire.MediaStateInput{RoomID: r.ID, Camera: true}
		wantCode(t, "one camera too many", e.s.MediaState(e.ctx, late, "c", camera, none), apperr.Forbidden)
		wantCode(t, "watching without a camera", e.s.MediaState(e.ctx, late, "c", wire.MediaStateInput{RoomID: r.ID, Watching: true}, none), "")
		wantCode(t, "a camera already on, again", e.s.MediaState(e.ctx, on[0], "c", camera, none), "")
		if err := e.s.MediaState(e.ctx, on[0], "c", wire.MediaStateInput{RoomID: r.ID}, none); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "a camera after one went off", e.s.MediaState(e.ctx, late, "c", camera, none), "")
		wantCode(t, "and one too many again", e.s.MediaState(e.ctx, on[0], "c", camera, none), apperr.Forbidden)
	})
}

// What one shares goes with the connection that carries it: dropping
// another connection changes nothing, dropping it turns everything off
// and tells the room.
func TestDropMediaOnlyForItsConnection(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.room(me, 8, "open")
		e.join(r.ID, me)
		w := e.watch(r.ID)
		if err := e.s.MediaState(e.ctx, me, "tab-1", wire.MediaStateInput{RoomID: r.ID, Camera: true, Mic: true}, none); err != nil {
			t.Fatal(err)
		}
		w.next("media-state")
		if err := e.s.DropMedia(e.ctx, me, r.ID, "tab-2"); err != nil {
			t.Fatal(err)
		}
		e.quiet(w, r.ID)
		if ps, _ := e.s.Participants(e.ctx, r.ID); !ps[0].Media.Camera || !ps[0].Media.Mic {
			t.Fatalf("another tab's drop turned media off: %+v", ps[0].Media)
		}
		if err := e.s.DropMedia(e.ctx, me, r.ID, "tab-1"); err != nil {
			t.Fatal(err)
		}
		if got := decode[wire.MediaState](t, w.next("media-state").Data); got.Camera || got.Mic || got.Watching || got.ParticipantID != me {
			t.Fatalf("media-state after the drop: %+v", got)
		}
		if ps, _ := e.s.Participants(e.ctx, r.ID); ps[0].Media != (wire.Media{}) {
			t.Fatalf("media after the drop: %+v", ps[0].Media)
		}
		// A new connection that claims the media is the one that counts.
		if err := e.s.MediaState(e.ctx, me, "tab-1", wire.MediaStateInput{RoomID: r.ID, Camera: true}, none); err != nil {
			t.Fatal(err)
		}
		w.next("media-state")
		if err := e.s.ClaimMedia(e.ctx, me, r.ID, "tab-3"); err != nil {
			t.Fatal(err)
		}
		if err := e.s.DropMedia(e.ctx, me, r.ID, "tab-1"); err != nil {
			t.Fatal(err)
		}
		e.quiet(w, r.ID)
		if err := e.s.DropMedia(e.ctx, me, r.ID, "tab-3"); err != nil {
			t.Fatal(err)
		}
		w.next("media-state")
	})
}

const offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\n"

const audioOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\n"

// Signalling is relayed only between two participants, to the other's
// media connection, and only in the shape its event has.
func TestRelayRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me, peer, stranger := e.user(), e.user(), e.user()
		quiet, open := e.room(me, 8, "muted"), e.room(me, 8, "open")
		e.join(quiet.ID, me, peer)
		if err := e.s.ClaimMedia(e.ctx, peer, quiet.ID, "peer-tab"); err != nil {
			t.Fatal(err)
		}
		cand := func(s string) json.RawMessage { return json.RawMessage(s) }
		tests := []struct {
			name, event string
			in          wire.RTCInput
			code, field string
		}{
			{"an offer", "rtc-offer", wire.RTCInput{SDP: offer}, "", ""},
			{"an answer", "rtc-answer", wire.RTCInput{SDP: offer}, "", ""},
			{"an audio offer in a quiet room", "rtc-offer", wire.RTCInput{SDP: audioOffer}, apperr.Forbidden, ""},
			{"a receive-only audio offer", "rtc-offer", wire.RTCInput{SDP: strings.Replace(audioOffer, "sendrecv", "recvonly", 1)}, "", ""},
			{"an offer that is no SDP", "rtc-offer", wire.RTCInput{SDP: "hello"}, apperr.Invalid, "sdp"},
			{"an empty offer", "rtc-offer", wire.RTCInput{}, apperr.Invalid, "sdp"},
			{"an offer too long", "rtc-offer", wire.RTCInput{SDP: offer + strings.Repeat("a=x\r\n", rooms.MaxSDP/5)}, apperr.Invalid, "sdp"},
			{"an offer with a NUL", "rtc-offer", wire.RTCInput{SDP: offer + "a=\x00\r\n"}, apperr.Invalid, "sdp"},
			{"an offer with a candidate", "rtc-offer", wire.RTCInput{SDP: offer, Candidate: cand(`{"candidate":""}`)}, apperr.Invalid, "candidate"},
			{"a candidate", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":"candidate:1 1 udp 1 10.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}`)}, "", ""},
			{"the end of candidates (null)", "rtc-ice", wire.RTCInput{Candidate: cand(`null`)}, "", ""},
			{"the end of candidates (empty)", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":""}`)}, "", ""},
			{"no candidate at all", "rtc-ice", wire.RTCInput{}, "", ""},
			{"a candidate with an SDP", "rtc-ice", wire.RTCInput{SDP: offer}, apperr.Invalid, "sdp"},
			{"a candidate line of another kind", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":"a=candidate:1"}`)}, apperr.Invalid, "candidate"},
			{"a candidate with an unknown field", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":"","x":1}`)}, apperr.Invalid, "candidate"},
			{"a candidate that is a string", "rtc-ice", wire.RTCInput{Candidate: cand(`"candidate:1"`)}, apperr.Invalid, "candidate"},
			{"a candidate too long", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":"candidate:` + strings.Repeat("1", rooms.MaxCandidate) + `"}`)}, apperr.Invalid, "candidate"},
			{"an mid too long", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":"","sdpMid":"` + strings.Repeat("m", 65) + `"}`)}, apperr.Invalid, "candidate"},
			{"a line index too large", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":"","sdpMLineIndex":65}`)}, apperr.Invalid, "candidate"},
			{"a negative line index", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":"","sdpMLineIndex":-1}`)}, apperr.Invalid, "candidate"},
			{"a fragment too long", "rtc-ice", wire.RTCInput{Candidate: cand(`{"candidate":"","usernameFragment":"` + strings.Repeat("u", 257) + `"}`)}, apperr.Invalid, "candidate"},
			{"an unknown event", "rtc-hello", wire.RTCInput{SDP: offer}, apperr.UnknownEvent, ""},
			{"to oneself", "rtc-offer", wire.RTCInput{To: me, SDP: offer}, apperr.Invalid, "to"},
			{"to an id that is no id", "rtc-offer", wire.RTCInput{To: "peer", SDP: offer}, apperr.Invalid, "to"},
			{"to someone in no room", "rtc-offer", wire.RTCInput{To: stranger, SDP: offer}, apperr.NotInRoom, ""},
			{"in an id that is no room", "rtc-offer", wire.RTCInput{RoomID: "r", SDP: offer}, apperr.NotFound, ""},
			{"to someone not in that room", "rtc-offer", wire.RTCInput{RoomID: open.ID, SDP: audioOffer}, apperr.NotInRoom, ""},
		}
		w := e.watch(quiet.ID)
		for _, tc := range tests {
			in := tc.in
			if in.RoomID == "" {
				in.RoomID = quiet.ID
			}
			if in.To == "" {
				in.To = peer
			}
			err := e.s.Relay(e.ctx, me, tc.event, in)
			wantCode(t, tc.name, err, tc.code)
			if tc.field != "" {
				wantFields(t, tc.name, err, tc.field)
			}
			if tc.code != "" {
				e.quiet(w, quiet.ID)
				continue
			}
			ev := w.next(tc.event)
			if ev.To != peer {
				t.Fatalf("%s: relayed to %q, want the peer", tc.name, ev.To)
			}
			from := decode[map[string]json.RawMessage](t, ev.Data)
			if string(from["from"]) != `"`+me+`"` || string(from["roomId"]) != `"`+quiet.ID+`"` {
				t.Fatalf("%s: relayed %s", tc.name, ev.Data)
			}
		}
	})
}

// Only the room's creator removes someone, never themselves; the removed
// person leaves with reason "removed", their open session ends, and they
// cannot come back that day.
func TestRemoveParticipantRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		owner, guest, other := e.user(), e.user(), e.user()
		r := e.room(owner, 8, "muted")
		e.join(r.ID, owner, guest, other)
		starter := rooms.StarterRooms()[0]
		if err := e.st.SeedRooms(e.ctx, rooms.StarterRooms()); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, by, room, who, code string
		}{
			{"by a participant who did not create the room", guest, r.ID, other, apperr.Forbidden},
			{"by someone outside the room", uuid.NewString(), r.ID, guest, apperr.Forbidden},
			{"oneself", owner, r.ID, owner, apperr.Invalid},
			{"an id that is no id", owner, r.ID, "guest", apperr.Invalid},
			{"from an id that is no room", owner, "r", guest, apperr.NotFound},
			{"from a room nobody created", owner, starter.ID, guest, apperr.Forbidden},
		}
		for _, tc := range tests {
			err := e.s.RemoveParticipant(e.ctx, tc.by, tc.room, tc.who, none)
			wantCode(t, "remove "+tc.name, err, tc.code)
			if tc.code == apperr.Invalid {
				wantFields(t, tc.name, err, "participantId")
			}
		}
		if ps, _ := e.s.Participants(e.ctx, r.ID); len(ps) != 3 {
			t.Fatalf("refused removals took %d people out", 3-len(ps))
		}

		s := e.session(guest, r.ID, false)
		w := e.watch(r.ID)
		if err := e.s.RemoveParticipant(e.ctx, owner, r.ID, guest, none); err != nil {
			t.Fatal(err)
		}
		if ended := decode[wire.SessionEvent](t, w.next("focus-session-updated").Data); ended.Session.ID != s.ID || ended.Session.EndedAt == nil {
			t.Fatalf("the removed person's session: %+v", ended.Session)
		}
		ev := w.next("participant-left")
		left := decode[wire.ParticipantLeft](t, ev.Data)
		if left.ParticipantID != guest || left.Reason != "removed" || ev.Reason != "removed" || ev.Subject != guest {
			t.Fatalf("participant-left %s (reason %q)", ev.Data, ev.Reason)
		}
		_, err := e.s.Join(e.ctx, guest, r.ID, none)
		wantCode(t, "rejoin the same day", err, apperr.Forbidden)
	})
}
