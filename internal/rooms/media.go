package rooms

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/pion/sdp/v3"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Media limits (docs/protocol.md "Camera, microphone and signalling").
const (
	// MaxCameras is how many cameras a room may have on at once.
	MaxCameras = 8
	// MaxSDP bounds a relayed session description.
	MaxSDP = 12000
	// MaxCandidate bounds a relayed ICE candidate line.
	MaxCandidate = 1000
	// BanFor is how long a removed person stays out of the room.
	BanFor = 24 * time.Hour
)

// MediaState records what userID shares in roomID, and that conn carries
// their media from now on, and tells the room. A microphone in a muted room
// and a camera beyond MaxCameras are forbidden.
func (s *Service) MediaState(ctx context.Context, userID, conn string, in wire.MediaStateInput, o protocol.Origin) error {
	if err := checkID(in.RoomID); err != nil {
		return err
	}
	room, err := s.store.GetRoom(ctx, in.RoomID)
	if err != nil {
		return apperr.From(err)
	}
	if in.Mic && room.MicPolicy == "muted" {
		return apperr.New(apperr.Forbidden, "This is a quiet room: microphones stay off.")
	}
	if in.Camera {
		ps, err := s.store.Participants(ctx, in.RoomID)
		if err != nil {
			return apperr.From(err)
		}
		on := 0
		for _, p := range ps {
			if p.Media.Camera && p.UserID != userID {
				on++
			}
		}
		if on >= MaxCameras {
			return apperr.New(apperr.Forbidden, "This room already has %d cameras on.", MaxCameras)
		}
	}
	m := model.Media{Camera: in.Camera, Mic: in.Mic, Watching: in.Watching}
	if err := s.store.SetMedia(ctx, in.RoomID, userID, conn, &m); err != nil {
		return apperr.From(err)
	}
	s.publishMedia(ctx, in.RoomID, userID, m, o)
	return nil
}

// ClaimMedia makes conn userID's media connection in roomID: a connection
// that joins becomes it until one sends media-state.
func (s *Service) ClaimMedia(ctx context.Context, userID, roomID, conn string) error {
	if err := s.store.SetMedia(ctx, roomID, userID, conn, nil); err != nil {
		return apperr.From(err)
	}
	return nil
}

// DropMedia turns off what userID shares in roomID when conn, their media
// connection, goes away, and tells the room; a person's camera never
// outlives the connection that carried it.
func (s *Service) DropMedia(ctx context.Context, userID, roomID, conn string) error {
	cleared, err := s.store.ClearMedia(ctx, roomID, userID, conn)
	if err != nil || !cleared {
		return err
	}
	s.publishMedia(ctx, roomID, userID, model.Media{}, protocol.Origin{})
	return nil
}

// publishMedia tells a room what a participant shares.
func (s *Service) publishMedia(ctx context.Context, roomID, userID string, m model.Media, o protocol.Origin) {
	s.publish(ctx, newEvent(roomID, protocol.EvMediaState, wire.MediaState{RoomID: roomID, ParticipantID: userID, Camera: m.Camera, Mic: m.Mic, Watching: m.Watching}, o))
}

// Relay passes a signalling message from fromUser to the media connection
// of in.To, both participants of in.RoomID (the caller has checked that the
// sender's connection is in that room). event is rtc-offer, rtc-answer or
// rtc-ice. Nothing in the payload is interpreted beyond validation; in a
// muted room an SDP with a live audio section is forbidden.
func (s *Service) Relay(ctx context.Context, fromUser, event string, in wire.RTCInput) error {
	if err := checkID(in.RoomID); err != nil {
		return err
	}
	if checkID(in.To) != nil || in.To == fromUser {
		return apperr.Field("to", "must be another participant's id")
	}
	var data any
	switch event {
	case protocol.EvRTCOffer, protocol.EvRTCAnswer:
		if in.Candidate != nil {
			return apperr.Field("candidate", "is not a field of "+event)
		}
		if len(in.SDP) > MaxSDP || !strings.HasPrefix(in.SDP, "v=0") || !validText(in.SDP) {
			return apperr.Field("sdp", "must be a session description of at most 12000 bytes")
		}
		room, err := s.store.GetRoom(ctx, in.RoomID)
		if err != nil {
			return apperr.From(err)
		}
		if room.MicPolicy == "muted" && liveAudio(in.SDP) {
			return apperr.New(apperr.Forbidden, "This is a quiet room: audio must stay off.")
		}
		data = wire.RTCDescription{RoomID: in.RoomID, From: fromUser, SDP: in.SDP}
	case protocol.EvRTCIce:
		if in.SDP != "" {
			return apperr.Field("sdp", "is not a field of rtc-ice")
		}
		var cand *wire.ICECandidate
		if len(in.Candidate) > 0 && string(in.Candidate) != "null" {
			cand = &wire.ICECandidate{}
			if err := wire.DecodeStrict(in.Candidate, cand); err != nil || len(cand.Candidate) > MaxCandidate ||
				!validText(cand.Candidate) || (cand.Candidate != "" && !strings.HasPrefix(cand.Candidate, "candidate:")) ||
				(cand.SDPMid != nil && len(*cand.SDPMid) > 64) || (cand.UsernameFragment != nil && len(*cand.UsernameFragment) > 256) ||
				(cand.SDPMLineIndex != nil && (*cand.SDPMLineIndex < 0 || *cand.SDPMLineIndex > 64)) {
				return apperr.Field("candidate", "must be an RTCIceCandidateInit or null")
			}
		}
		data = wire.RTCCandidate{RoomID: in.RoomID, From: fromUser, Candidate: cand}
	default:
		return apperr.New(apperr.UnknownEvent, "Unknown event.")
	}
	conn, err := s.store.MediaConn(ctx, in.RoomID, in.To)
	if err != nil {
		return apperr.From(err)
	}
	if apart, err := s.apart(ctx, fromUser, in.To); apart || err != nil {
		return err // blocked: dropped in silence (see apart)
	}
	ev := newEvent(in.RoomID, event, data, protocol.Origin{})
	ev.To, ev.ToConn, ev.From = in.To, conn, fromUser
	s.publish(ctx, ev)
	return nil
}

// liveAudio reports whether an SDP could carry sound from its sender: an
// audio section whose effective direction (its own, else the session's,
// else sendrecv) is sendrecv or sendonly, unless the section is rejected
// (port 0, and neither bundle-only nor in a BUNDLE group: a bundled section
// has port 0 and still flows over its group's transport). It reads the SDP
// with a real parser; what the parser refuses counts as live, since a
// browser might read it differently. Every doubt errs on the side of
// silence: a sending direction counts in any case and with surrounding
// space, a quiet one (recvonly, inactive) only exactly as written (a
// browser ignores "a=INACTIVE" as an unknown attribute, leaving the
// section sendrecv); several direction attributes in one section count as
// sending if any of them sends.
func liveAudio(raw string) bool {
	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\r") {
		// A CR alone ends a line for pion but not for browsers (they split
		// on LF), so the two would read different sections and attributes.
		return true
	}
	var desc sdp.SessionDescription
	if err := desc.UnmarshalString(raw); err != nil {
		return true
	}
	session := direction(desc.Attributes)
	bundled := bundledMids(desc.Attributes)
	for _, m := range desc.MediaDescriptions {
		if !strings.EqualFold(m.MediaName.Media, "audio") {
			continue
		}
		rejected := m.MediaName.Port.Value == 0 && !hasAttr(m.Attributes, "bundle-only") &&
			!hasAttr(desc.Attributes, "bundle-only") && !inGroup(m.Attributes, bundled)
		if rejected {
			continue
		}
		dir := direction(m.Attributes)
		if dir == dirNone {
			dir = session
		}
		if dir != dirQuiet {
			return true // sendrecv, sendonly, or no direction at all (sendrecv)
		}
	}
	return false
}

// Directions as liveAudio sees them.
const (
	dirNone  = iota // no direction attribute
	dirQuiet        // recvonly or inactive: the sender sends nothing
	dirSends        // sendrecv or sendonly
)

// direction is the direction attrs give; any sending one wins, and a
// quiet one counts only when spelt exactly as browsers read it.
func direction(attrs []sdp.Attribute) int {
	dir := dirNone
	for _, a := range attrs {
		switch {
		case attrKey(a) == "sendrecv" || attrKey(a) == "sendonly":
			return dirSends
		case a.Key == "recvonly" || a.Key == "inactive":
			dir = dirQuiet
		}
	}
	return dir
}

// bundledMids lists the mids named by the session's a=group:BUNDLE lines.
func bundledMids(attrs []sdp.Attribute) map[string]bool {
	mids := map[string]bool{}
	for _, a := range attrs {
		if attrKey(a) != "group" {
			continue
		}
		f := strings.Fields(a.Value)
		if len(f) > 0 && strings.EqualFold(f[0], "BUNDLE") {
			for _, mid := range f[1:] {
				mids[mid] = true
			}
		}
	}
	return mids
}

func hasAttr(attrs []sdp.Attribute, key string) bool {
	for _, a := range attrs {
		if attrKey(a) == key {
			return true
		}
	}
	return false
}

// inGroup reports whether any mid of a section is in mids (a section with
// two mids is odd enough to be read the way that keeps it live).
func inGroup(attrs []sdp.Attribute, mids map[string]bool) bool {
	for _, a := range attrs {
		if attrKey(a) == "mid" && mids[strings.TrimSpace(a.Value)] {
			return true
		}
	}
	return false
}

func attrKey(a sdp.Attribute) string { return strings.ToLower(strings.TrimSpace(a.Key)) }

// RemoveParticipant is the room creator's (or a moderator's) removal of participantID: they
// leave at once (their open session ends) and may not rejoin for BanFor.
// When it fails nothing changes: removing someone who is not in the room
// is not_in_room, and bans nobody.
func (s *Service) RemoveParticipant(ctx context.Context, byUser, roomID, participantID string, o protocol.Origin) error {
	if err := checkID(roomID); err != nil {
		return err
	}
	if checkID(participantID) != nil || participantID == byUser {
		return apperr.Field("participantId", "must be another participant's id")
	}
	room, err := s.store.GetRoom(ctx, roomID)
	if err != nil {
		return apperr.From(err)
	}
	// Moderators and admins may remove someone from any room, starter
	// and quick-join rooms included; the audit log records it.
	byStaff := false
	if room.CreatedBy == nil || *room.CreatedBy != byUser {
		if byStaff, err = s.isStaff(ctx, byUser); err != nil {
			return err
		}
		if !byStaff {
			return apperr.New(apperr.Forbidden, "Only the person who created this room can remove someone.")
		}
	}
	// Only a participant can be removed (an unknown id is simply not one).
	current, err := s.store.CurrentRoom(ctx, participantID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && current != roomID) {
		return apperr.New(apperr.NotInRoom, "That person is not in this room.")
	}
	if err != nil {
		return apperr.From(err)
	}
	// Ban first, then leave, so they cannot rejoin in between.
	now := s.clock()
	if err := s.store.Ban(ctx, roomID, participantID, now.Add(BanFor)); err != nil {
		return apperr.From(err)
	}
	s.forgetStatus(participantID)
	res, err := s.store.LeaveRoom(ctx, roomID, participantID, now)
	if err == nil && !res.WasIn {
		// They left on their own since we looked: lift the ban again.
		err = model.ErrNotInRoom
	}
	if err != nil {
		if lerr := s.store.Ban(ctx, roomID, participantID, now.Add(-BanFor)); lerr != nil {
			s.log.Error("rooms: lift the ban of a failed removal", "room", roomID, "err", lerr)
		}
		if errors.Is(err, model.ErrNotInRoom) {
			return apperr.New(apperr.NotInRoom, "That person is not in this room.")
		}
		return apperr.From(err)
	}
	s.announceLeave(ctx, participantID, res, protocol.ReasonRemoved, o)
	if byStaff {
		s.auditRemoval(ctx, byUser, roomID, participantID)
	}
	return nil
}
