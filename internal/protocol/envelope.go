package protocol

import (
	"encoding/binary"
	"encoding/json"
	"errors"
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
// is set, only that user's media connection gets it (see Route).
type Event struct {
	Room      string
	Name      string
	Data      json.RawMessage
	Owner     string
	OwnerData json.RawMessage
	To        string
	// ToConn narrows To to one connection: the user's media connection.
	ToConn string
	From   string
	Origin Origin
	// Subject is the user an event is about (participant-joined/left), so
	// hubs can update which of their connections are in which room.
	Subject string
	// Reason says why Subject left ("removed"), for their own room-left.
	Reason string
	// Blockers lists, one id a line, the users who blocked the person the
	// event is about (its sender or participant): they get BlockedData
	// instead of Data (their view marks that person blocked), or nothing
	// when BlockedData is nil (a reaction from them).
	Blockers    string
	BlockedData json.RawMessage
}

// RoomChannel is the broker channel of a room's events.
func RoomChannel(roomID string) string { return "room:" + roomID }

// eventVersion tags the binary envelope, so a mixed deployment during an
// upgrade drops what it cannot read instead of misreading it.
const eventVersion = 2

// Encode writes ev in the broker's envelope: a version byte, then every
// field as a uvarint length and its bytes, in a fixed order. Data travels
// as it is (already JSON). This is several times cheaper than a JSON
// envelope, and every broadcast is encoded once and decoded per instance.
// The layout must not change without a new eventVersion: instances of
// two versions share the broker during an upgrade.
func (ev Event) Encode() []byte {
	strs := [...]string{ev.Room, ev.Name, ev.Owner, ev.To, ev.ToConn, ev.From, ev.Subject, ev.Reason, ev.Origin.Conn, ev.Origin.Ref, ev.Blockers}
	n := 1 + len(ev.Data) + len(ev.OwnerData) + len(ev.BlockedData) + 3*binary.MaxVarintLen32
	for _, v := range strs {
		n += binary.MaxVarintLen32 + len(v)
	}
	b := make([]byte, 1, n)
	b[0] = eventVersion
	for _, v := range strs {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	for _, v := range [...][]byte{ev.Data, ev.OwnerData, ev.BlockedData} {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

// DecodeEvent reads an envelope written by Encode. Data, OwnerData and
// BlockedData share b's memory.
func DecodeEvent(b []byte) (Event, error) {
	if len(b) == 0 || b[0] != eventVersion {
		return Event{}, errors.New("protocol: unknown event envelope")
	}
	b = b[1:]
	next := func() ([]byte, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < n {
			return nil, false
		}
		v := b[w : w+int(n)]
		b = b[w+int(n):]
		return v, true
	}
	var ev Event
	for _, dst := range [...]*string{&ev.Room, &ev.Name, &ev.Owner, &ev.To, &ev.ToConn, &ev.From, &ev.Subject, &ev.Reason, &ev.Origin.Conn, &ev.Origin.Ref, &ev.Blockers} {
		v, ok := next()
		if !ok {
			return Event{}, errors.New("protocol: truncated event envelope")
		}
		*dst = string(v)
	}
	for _, dst := range [...]*json.RawMessage{&ev.Data, &ev.OwnerData, &ev.BlockedData} {
		v, ok := next()
		if !ok {
			return Event{}, errors.New("protocol: truncated event envelope")
		}
		if len(v) > 0 {
			*dst = v
		}
	}
	if len(b) != 0 {
		return Event{}, errors.New("protocol: trailing bytes in event envelope")
	}
	return ev, nil
}
