package rooms

import (
	"context"
	"encoding/json"
	"fmt"
)

// Server event names (DESIGN.md "WebSocket contract").
const (
	EvRoomJoined        = "room-joined"
	EvRoomLeft          = "room-left"
	EvParticipantJoined = "participant-joined"
	EvParticipantLeft   = "participant-left"
	EvPresenceUpdated   = "presence-updated"
	EvSessionStarted    = "focus-session-started"
	EvSessionUpdated    = "focus-session-updated"
	EvSessionCompleted  = "focus-session-completed"
	EvTimerStarted      = "timer-started"
	EvTimerUpdated      = "timer-updated"
	EvTimerCompleted    = "timer-completed"
	EvMediaState        = "media-state"
	EvRTCOffer          = "rtc-offer"
	EvRTCAnswer         = "rtc-answer"
	EvRTCIce            = "rtc-ice"
)

// Origin says which connection and request caused a change, so that the
// sender's copy of the broadcast can carry its ref. The zero Origin (REST,
// timers, sweeps) means nobody gets a ref.
type Origin struct {
	Conn string
	Ref  string
}

// Event is one room broadcast as it travels through the broker. Hubs deliver
// Data to every local connection in Room; connections of Owner get
// OwnerData instead when it is set (the owner sees their own goals); when To
// is set, only that user's media connection gets it.
type Event struct {
	Room      string          `json:"room"`
	Name      string          `json:"name"`
	Data      json.RawMessage `json:"data"`
	Owner     string          `json:"owner,omitempty"`
	OwnerData json.RawMessage `json:"ownerData,omitempty"`
	To        string          `json:"to,omitempty"`
	From      string          `json:"from,omitempty"`
	Origin    Origin          `json:"origin"`
	// Subject is the user an event is about (participant-joined/left), so
	// hubs can update which of their connections are in which room.
	Subject string `json:"subject,omitempty"`
}

// RoomChannel is the broker channel of a room's events.
func RoomChannel(roomID string) string { return "room:" + roomID }

// timersChannel carries timer changes to every instance's scheduler.
const timersChannel = "timers"

// publish sends ev to the room. Failures are logged, not returned: the
// change is already stored, and a broker outage must not fail the request.
func (s *Service) publish(ctx context.Context, ev Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		s.log.Error("rooms: encode event", "event", ev.Name, "err", err)
		return
	}
	if err := s.broker.Publish(ctx, RoomChannel(ev.Room), b); err != nil {
		s.log.Warn("rooms: publish", "event", ev.Name, "room", ev.Room, "err", err)
	}
}

// newEvent builds an event whose data is v.
func newEvent(room, name string, v any, o Origin) Event {
	return Event{Room: room, Name: name, Data: mustJSON(v), Origin: o}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("rooms: marshal %T: %v", v, err))
	}
	return b
}
