package rooms

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bodydouble/bodydouble/internal/protocol"
)

// timersChannel carries timer changes to every instance's scheduler.
const timersChannel = "timers"

// publish sends ev to the room, in the broker envelope of package
// protocol. Failures are logged, not returned: the change is already
// stored, and a broker outage must not fail the request.
func (s *Service) publish(ctx context.Context, ev protocol.Event) {
	if err := s.broker.Publish(ctx, protocol.RoomChannel(ev.Room), ev.Encode()); err != nil {
		s.log.Warn("rooms: publish", "event", ev.Name, "room", ev.Room, "err", err)
	}
}

// newEvent builds an event whose data is v.
func newEvent(room, name string, v any, o protocol.Origin) protocol.Event {
	return protocol.Event{Room: room, Name: name, Data: mustJSON(v), Origin: o}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("rooms: marshal %T: %v", v, err))
	}
	return b
}
