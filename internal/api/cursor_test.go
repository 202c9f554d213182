package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Every paginated route answers a cursor it did not give out with 400
// invalid naming `cursor`, never 404 or 500: a well-formed cursor whose
// item does not exist (or is someone else's), another spelling of a real
// one, and garbage alike. The real cursors still page.
func TestForgedCursorsAreInvalid(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		room := starterRoom(t, e, "study")
		me.join(t, room)
		other.join(t, room)
		mine := me.startSession(t, map[string]any{"roomId": room})
		theirs := other.startSession(t, map[string]any{"roomId": room})
		me.do(t, "POST", "/api/sessions/"+mine.ID+"/complete", map[string]any{}).want(t, http.StatusOK)
		me.startSession(t, map[string]any{"roomId": room})

		roomCursor := *pageCursor(t, me, "/api/rooms?limit=1")
		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		var scenarios []scenario
		for name, c := range map[string]string{
			"not base64":               "%%",
			"base64 of words":          b64("not-a-cursor"),
			"unknown room":             b64(unknownID),
			"upper-case id":            b64(strings.ToUpper(room)),
			"braced id":                b64("{" + room + "}"),
			"urn id":                   b64("urn:uuid:" + room),
			"id without hyphens":       b64(strings.ReplaceAll(room, "-", "")),
			"padded":                   roomCursor + "=",
			"line break inside":        roomCursor[:4] + "\n" + roomCursor[4:],
			"standard base64 alphabet": base64.RawStdEncoding.EncodeToString([]byte(room)) + "+/",
			"non-zero trailing bits":   roomCursor[:len(roomCursor)-1] + "B",
			"session cursor for rooms": mine.ID,
			"huge":                     strings.Repeat("A", 4096),
			"NUL":                      "\x00",
		} {
			scenarios = append(scenarios, scenario{name: "rooms " + name, method: "GET", path: "/api/rooms?cursor=" + url.QueryEscape(c), field: "cursor"})
		}
		for name, c := range map[string]string{
			"garbage":                "abc",
			"unknown session":        unknownID,
			"someone else's":         theirs.ID,
			"upper-case own id":      strings.ToUpper(mine.ID),
			"braced own id":          "{" + mine.ID + "}",
			"urn own id":             "urn:uuid:" + mine.ID,
			"own id without hyphens": strings.ReplaceAll(mine.ID, "-", ""),
			"room cursor":            roomCursor,
		} {
			scenarios = append(scenarios, scenario{name: "history " + name, method: "GET", path: "/api/sessions/history?cursor=" + url.QueryEscape(c), field: "cursor"})
		}
		runScenarios(t, e.url, me, scenarios)

		// The cursors we give out still work.
		me.do(t, "GET", "/api/rooms?limit=1&cursor="+url.QueryEscape(roomCursor), nil).want(t, http.StatusOK)
		next := *pageCursor(t, me, "/api/sessions/history?limit=1")
		me.do(t, "GET", "/api/sessions/history?limit=1&cursor="+url.QueryEscape(next), nil).want(t, http.StatusOK)
	})
}
