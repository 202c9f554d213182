package realtime

// The most frequent client frames are small and plain:
//
//	{"event":"update-presence","data":{"roomId":"…","status":"break"},"ref":"17"}
//
// scanFrame reads exactly that shape (members in any order, whitespace
// anywhere JSON allows it) without reflection or allocation beyond the
// strings it returns. It gives up on anything else (an escape, a control
// character, a number, a nested value, a duplicate or unknown member, a
// key in another case) and the frame then goes through the strict
// encoding/json decoder, so the fast path never accepts what the strict
// path would refuse or reads a frame differently (FuzzScanFrame checks it).

// maxFlat is the most members a plain data object may have on the fast path.
const maxFlat = 4

// member is one "key":"value" pair of a plain data object, both unquoted.
type member struct{ key, val []byte }

// flat is a data object whose members are all plain strings.
type flat struct {
	n int
	m [maxFlat]member
}

// strings returns the values of exactly the members keys, in that order;
// ok is false when the object has any other member or lacks one of them.
func (f *flat) strings(keys ...string) (vals [maxFlat]string, ok bool) {
	if f.n != len(keys) {
		return vals, false
	}
	for i, k := range keys {
		found := false
		for _, m := range f.m[:f.n] {
			if string(m.key) == k {
				vals[i], found = string(m.val), true
				break
			}
		}
		if !found {
			return vals, false
		}
	}
	return vals, true
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// is consumes c (after whitespace) if it is next.
func (s *scanner) is(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string with no escapes and no control characters.
func (s *scanner) str() ([]byte, bool) {
	if !s.is('"') {
		return nil, false
	}
	for j := s.i; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := s.b[s.i:j]
			s.i = j + 1
			return v, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// object reads {"k":"v",...} with plain string members, at most maxFlat,
// no key twice.
func (s *scanner) object(into *flat) bool {
	if !s.is('{') {
		return false
	}
	if s.is('}') {
		return true
	}
	for {
		k, ok := s.str()
		if !ok || !s.is(':') || into.n == maxFlat {
			return false
		}
		for _, m := range into.m[:into.n] {
			if string(m.key) == string(k) {
				return false
			}
		}
		v, ok := s.str()
		if !ok {
			return false
		}
		into.m[into.n] = member{k, v}
		into.n++
		if s.is('}') {
			return true
		}
		if !s.is(',') {
			return false
		}
	}
}

// scanFrame reads a plain frame: event and ref plain strings, data absent
// or a plain object (then f.plain holds its members). ok is false when the
// frame needs the strict decoder.
func scanFrame(b []byte) (f frame, ok bool) {
	s := scanner{b: b}
	if !s.is('{') {
		return frame{}, false
	}
	var event, ref []byte
	var haveEvent, haveRef, haveData bool
	for {
		k, ok := s.str()
		if !ok || !s.is(':') {
			return frame{}, false
		}
		switch string(k) {
		case "event":
			if haveEvent {
				return frame{}, false
			}
			if event, haveEvent = s.str(); !haveEvent {
				return frame{}, false
			}
		case "ref":
			if haveRef {
				return frame{}, false
			}
			if ref, haveRef = s.str(); !haveRef {
				return frame{}, false
			}
		case "data":
			if haveData {
				return frame{}, false
			}
			s.space()
			start := s.i
			if !s.object(&f.plain) {
				return frame{}, false
			}
			f.Data, f.scanned, haveData = b[start:s.i], true, true
		default:
			return frame{}, false
		}
		if s.is('}') {
			break
		}
		if !s.is(',') {
			return frame{}, false
		}
	}
	s.space()
	if s.i != len(b) {
		return frame{}, false
	}
	f.Event, f.Ref = string(event), string(ref)
	return f, true
}
