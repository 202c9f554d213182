package protocol

import (
	"encoding/json"
	"strings"
)

// Copy is what one connection gets of a room event.
type Copy uint8

const (
	// NoCopy: the connection gets nothing of the event.
	NoCopy Copy = iota
	// DataCopy: the event as it is, Name with Data.
	DataCopy
	// OwnerCopy: Name with OwnerData, the owner's own view.
	OwnerCopy
	// RoomLeftCopy: room-left (RoomLeftData of the room and Reason) in
	// place of a participant-left about the connection's own user, who
	// is no longer in the room: the connection leaves it.
	RoomLeftCopy
	// BlockedCopy: Name with BlockedData, the view of someone who blocked
	// the person the event is about.
	BlockedCopy
)

// Route decides what the connection connID of userID, a member of the
// event's room, gets of ev; sender says whether it is the connection of
// ev.Origin. withRef reports whether its copy carries ev.Origin.Ref (the
// reply to the request that caused the change). Route is the hub's rule
// for every member of a room on every event: it allocates nothing.
func (ev *Event) Route(userID, connID string, sender bool) (c Copy, withRef bool) {
	self := ev.Subject != "" && ev.Subject == userID
	switch {
	case ev.Name == EvParticipantJoined && self:
		return NoCopy, false // a joiner gets room-joined, never participant-joined about itself
	case ev.Name == EvParticipantLeft && self:
		c = RoomLeftCopy
	case ev.To != "" && (ev.To != userID || ev.ToConn != "" && ev.ToConn != connID):
		return NoCopy, false // signalling goes to one person's media connection only
	case ev.Blockers != "" && listed(ev.Blockers, userID):
		if ev.BlockedData == nil {
			return NoCopy, false // nothing of a blocked person reaches the blocker
		}
		c = BlockedCopy
	case ev.Owner != "" && ev.Owner == userID && ev.OwnerData != nil:
		c = OwnerCopy
	default:
		c = DataCopy
	}
	return c, sender && ev.Origin.Ref != ""
}

// listed reports whether id is one of the lines of list, without
// allocating.
func listed(list, id string) bool {
	for list != "" {
		line := list
		if i := strings.IndexByte(list, '\n'); i >= 0 {
			line, list = list[:i], list[i+1:]
		} else {
			list = ""
		}
		if line == id {
			return true
		}
	}
	return false
}

// BlockerList joins user ids into an Event's Blockers.
func BlockerList(ids []string) string { return strings.Join(ids, "\n") }

// RoomLeftData is the data of room-left, with why when there is a reason.
func RoomLeftData(roomID, reason string) json.RawMessage {
	if reason == "" {
		return json.RawMessage(`{"roomId":` + quote(roomID) + `}`)
	}
	return json.RawMessage(`{"roomId":` + quote(roomID) + `,"reason":` + quote(reason) + `}`)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
