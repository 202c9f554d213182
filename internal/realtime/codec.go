package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// MaxFrame is the largest frame a client may send; bigger ones close the
// connection with 1009.
const MaxFrame = 16 << 10

// maxRef bounds the client's correlation id.
const maxRef = 64

// frame is one client message: {"event", "data", "ref"?}. Data may share
// the memory of the frame read from the socket: it is valid while the
// frame is being handled.
type frame struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	Ref   string          `json:"ref"`

	// scanned is set when scanFrame read the frame; plain then holds the
	// members of Data (empty when there was no data).
	scanned bool
	plain   flat
}

// fields returns the values of exactly the data members keys, in order,
// when the fast path read them; otherwise the caller decodes Data.
func (f *frame) fields(keys ...string) ([maxFlat]string, bool) {
	if !f.scanned {
		return [maxFlat]string{}, false
	}
	return f.plain.strings(keys...)
}

// decodeFrame parses a client frame. It fails with an `invalid` error (and
// the ref, when one could be read) on anything but a JSON object with a
// string event, an optional object data and an optional string ref.
func decodeFrame(b []byte) (frame, *apperr.Error) {
	if !utf8.Valid(b) {
		return frame{}, apperr.Field("frame", "is not UTF-8")
	}
	f, ok := scanFrame(b)
	if !ok {
		return decodeFrameStrict(b)
	}
	return checkFrame(f)
}

// decodeFrameStrict is decodeFrame for frames scanFrame does not read.
func decodeFrameStrict(b []byte) (frame, *apperr.Error) {
	var f frame
	if err := wire.DecodeStrict(b, &f); err != nil {
		// Recover the ref if we can, so the error reaches the right request.
		var loose struct {
			Ref string `json:"ref"`
		}
		if json.Unmarshal(b, &loose) == nil && len(loose.Ref) <= maxRef {
			f.Ref = loose.Ref
		} else {
			f.Ref = ""
		}
		return f, wire.DecodeError(err)
	}
	return checkFrame(f)
}

// checkFrame applies the rules JSON syntax does not: a short ref, an
// event, object data ({} when absent or null).
func checkFrame(f frame) (frame, *apperr.Error) {
	if len(f.Ref) > maxRef {
		f.Ref = ""
		return f, apperr.Field("ref", "is longer than 64 characters")
	}
	if f.Event == "" {
		return f, apperr.Field("event", "is required")
	}
	if len(f.Data) == 0 || bytes.Equal(f.Data, []byte("null")) {
		f.Data = json.RawMessage("{}")
	} else if f.Data[0] != '{' {
		return f, apperr.Field("data", "must be an object")
	}
	return f, nil
}

// decodeData parses an event's data into v with the REST rules.
func decodeData(data json.RawMessage, v any) *apperr.Error {
	if err := wire.DecodeStrict(data, v); err != nil {
		e := wire.DecodeError(err)
		return e
	}
	return nil
}

// encodeFrame builds a server frame: data (a JSON object) gets serverTime
// (Unix ms) added as its last member.
func encodeFrame(event string, data json.RawMessage, ref string, serverTime int64) []byte {
	b := make([]byte, 0, len(data)+len(event)+len(ref)+64)
	b = append(b, `{"event":`...)
	b = strconv.AppendQuote(b, event)
	b = append(b, `,"data":`...)
	body := bytes.TrimRight(data, " \t\r\n")
	if len(body) < 2 || body[0] != '{' {
		body = []byte("{}")
	}
	b = append(b, body[:len(body)-1]...)
	if len(bytes.TrimSpace(body[1:len(body)-1])) > 0 {
		b = append(b, ',')
	}
	b = append(b, `"serverTime":`...)
	b = strconv.AppendInt(b, serverTime, 10)
	b = append(b, '}')
	if ref != "" {
		b = append(b, `,"ref":`...)
		refJSON, _ := json.Marshal(ref)
		b = append(b, refJSON...)
	}
	return append(b, '}')
}

// errorData is the data of an `error` event.
func errorData(e *apperr.Error) json.RawMessage {
	type payload struct {
		Code      string              `json:"code"`
		Message   string              `json:"message"`
		Errors    []apperr.FieldError `json:"errors,omitempty"`
		SessionID string              `json:"sessionId,omitempty"`
	}
	b, err := json.Marshal(payload{e.Code, e.Message, e.Fields, e.SessionID})
	if err != nil {
		panic(errors.Join(errors.New("realtime: encode error"), err))
	}
	return b
}

func nowMillis() int64 { return time.Now().UnixMilli() }
