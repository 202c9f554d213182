package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// avatar is a real PNG of 1 × 1 pixel.
const avatar = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

func TestProfile(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		var before, u wire.User
		me.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &before)
		if before.ID != me.userID || before.DisplayName == "" || before.AvatarURL != nil {
			t.Fatalf("profile %+v", before)
		}
		me.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "  Night Owl  "}).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != "Night Owl" || u.AvatarURL != nil || u.ID != me.userID || u.CreatedAt != before.CreatedAt {
			t.Errorf("after name: %+v", u)
		}
		// Omitted fields are kept; null removes the avatar.
		me.do(t, "PUT", "/api/users/profile", map[string]any{"avatarUrl": avatar}).want(t, http.StatusOK).decode(t, &u)
		// The picture is served from its own URL, never sent inline.
		if u.DisplayName != "Night Owl" || u.AvatarURL == nil || *u.AvatarURL != avatarPath(me.userID, avatar) {
			t.Errorf("after avatar: %+v", u)
		}
		me.do(t, "PUT", "/api/users/profile", map[string]any{}).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != "Night Owl" || u.AvatarURL == nil {
			t.Errorf("after empty update: %+v", u)
		}
		me.do(t, "PUT", "/api/users/profile", `{"avatarUrl":null}`).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != "Night Owl" || u.AvatarURL != nil {
			t.Errorf("after clearing avatar: %+v", u)
		}

		runScenarios(t, e.url, me, []scenario{
			{name: "empty name", method: "PUT", path: "/api/users/profile", body: map[string]any{"displayName": " "}, field: "displayName"},
			{name: "null name", method: "PUT", path: "/api/users/profile", body: `{"displayName":null}`, field: "displayName"},
			{name: "name of 51", method: "PUT", path: "/api/users/profile", body: map[string]any{"displayName": strings.Repeat("é", 51)}, field: "displayName"},
			{name: "name with newline", method: "PUT", path: "/api/users/profile", body: map[string]any{"displayName": "a\nb"}, field: "displayName"},
			{name: "name a number", method: "PUT", path: "/api/users/profile", body: map[string]any{"displayName": 7}, field: "displayName"},
			{name: "remote avatar", method: "PUT", path: "/api/users/profile", body: map[string]any{"avatarUrl": "https://tracker.example/pixel.png"}, field: "avatarUrl"},
			{name: "svg avatar", method: "PUT", path: "/api/users/profile", body: map[string]any{"avatarUrl": "data:image/svg+xml;base64,PHN2Zz4="}, field: "avatarUrl"},
			{name: "svg avatar declared png", method: "PUT", path: "/api/users/profile", body: map[string]any{"avatarUrl": "data:image/png;base64,PHN2Zz4="}, field: "avatarUrl"},
			{name: "png signature only", method: "PUT", path: "/api/users/profile", body: map[string]any{"avatarUrl": "data:image/png;base64,iVBORw0KGgo="}, field: "avatarUrl"},
			{name: "unknown field", method: "PUT", path: "/api/users/profile", body: map[string]any{"email": "me@example.org"}, field: "email"},
			{name: "no body", method: "PUT", path: "/api/users/profile", field: "body"},
		})
		// A name of exactly 50 characters (not bytes) is fine.
		fifty := strings.Repeat("é", 50)
		me.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": fifty}).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != fifty {
			t.Errorf("name %q", u.DisplayName)
		}
		// Nobody else was touched.
		var o wire.User
		other.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &o)
		if o.ID != other.userID || o.DisplayName == fifty || o.AvatarURL != nil {
			t.Errorf("other's profile %+v", o)
		}
		(&client{base: e.url}).do(t, "GET", "/api/users/profile", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		(&client{base: e.url}).do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "X"}).problem(t, http.StatusUnauthorized, "unauthorized")
	})
}

type prefsBody = wire.Preferences

func TestPreferences(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		def := wire.FromPreferences(model.DefaultPreferences())
		var p prefsBody
		me.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &p)
		if !reflect.DeepEqual(p, def) {
			t.Errorf("defaults %+v, want %+v", p, def)
		}
		me.do(t, "PUT", "/api/users/preferences", map[string]any{
			"workStyle":               "music",
			"preferredRoomCategories": []string{"study", "creative", "study"},
			"notificationSettings":    map[string]any{"sound": true},
			"accessibilitySettings":   map[string]any{"reducedMotion": "reduce", "largerText": true},
		}).want(t, http.StatusOK).decode(t, &p)
		want := def
		want.WorkStyle = "music"
		want.PreferredRoomCategories = []string{"study", "creative"}
		want.NotificationSettings.Sound = true
		want.AccessibilitySettings.ReducedMotion = "reduce"
		want.AccessibilitySettings.LargerText = true
		if !reflect.DeepEqual(p, want) {
			t.Errorf("after update %+v, want %+v", p, want)
		}
		// Partial, also inside the settings objects.
		me.do(t, "PUT", "/api/users/preferences", map[string]any{"notificationSettings": map[string]any{"system": true}}).want(t, http.StatusOK).decode(t, &p)
		want.NotificationSettings.System = true
		if !reflect.DeepEqual(p, want) {
			t.Errorf("after nested update %+v, want %+v", p, want)
		}
		// null resets a field to its default.
		me.do(t, "PUT", "/api/users/preferences", `{"workStyle":null,"accessibilitySettings":null}`).want(t, http.StatusOK).decode(t, &p)
		want.WorkStyle = def.WorkStyle
		want.AccessibilitySettings = def.AccessibilitySettings
		if !reflect.DeepEqual(p, want) {
			t.Errorf("after reset %+v, want %+v", p, want)
		}
		// Stored, not just echoed.
		var again prefsBody
		me.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &again)
		if !reflect.DeepEqual(again, want) {
			t.Errorf("GET %+v, want %+v", again, want)
		}

		runScenarios(t, e.url, me, []scenario{
			{name: "unknown work style", method: "PUT", path: "/api/users/preferences", body: map[string]any{"workStyle": "loud"}, field: "workStyle"},
			{name: "unknown category", method: "PUT", path: "/api/users/preferences", body: map[string]any{"preferredRoomCategories": []string{"study", "naps"}}, field: "preferredRoomCategories.1"},
			{name: "unknown reduced motion", method: "PUT", path: "/api/users/preferences", body: map[string]any{"accessibilitySettings": map[string]any{"reducedMotion": "sometimes"}}, field: "accessibilitySettings.reducedMotion"},
			{name: "sound a string", method: "PUT", path: "/api/users/preferences", body: map[string]any{"notificationSettings": map[string]any{"sound": "yes"}}, field: "notificationSettings.sound"},
			{name: "unknown nested field", method: "PUT", path: "/api/users/preferences", body: map[string]any{"notificationSettings": map[string]any{"email": true}}, field: "notificationSettings.email"},
			{name: "unknown field", method: "PUT", path: "/api/users/preferences", body: map[string]any{"theme": "dark"}, field: "theme"},
			{name: "no body", method: "PUT", path: "/api/users/preferences", field: "body"},
		})
		// Failed updates changed nothing, and the other user still has defaults.
		me.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &again)
		if !reflect.DeepEqual(again, want) {
			t.Errorf("after failed updates %+v, want %+v", again, want)
		}
		other.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &again)
		if !reflect.DeepEqual(again, def) {
			t.Errorf("other's preferences %+v", again)
		}
	})
}

// avatarPath is the avatarUrl the server must send for a stored avatar.
func avatarPath(userID, stored string) string {
	return "/api/users/" + userID + "/avatar?v=" + model.AvatarVersion(stored)
}

// testPicture returns a real PNG or JPEG of noise (so it barely
// compresses), different for every seed.
func testPicture(t *testing.T, format string, w, h int, seed uint64) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	rnd := rand.New(rand.NewPCG(seed, seed))
	for i := range img.Pix {
		img.Pix[i] = byte(rnd.Uint32())
	}
	var buf bytes.Buffer
	var err error
	if format == "jpeg" {
		err = jpeg.Encode(&buf, img, nil)
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// largestAvatar returns a real PNG whose data: URL is as long as an
// avatar may be: a picture of noise padded with a comment chunk.
func largestAvatar(t *testing.T, seed uint64) (string, []byte) {
	t.Helper()
	const prefix = "data:image/png;base64,"
	size := (users.MaxAvatarLen - len(prefix)) / 4 * 3 // the most bytes that fit
	b := testPicture(t, "png", 64, 64, seed)
	pad := size - len(b) - 12 // length, type and CRC of the new chunk
	if pad < 8 {
		t.Fatalf("picture of %d bytes is too large to pad to %d", len(b), size)
	}
	body := append([]byte("tEXtComment\x00"), bytes.Repeat([]byte{'x'}, pad-8)...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)-4))
	chunk = append(chunk, body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(body))
	iend := len(b) - 12
	b = append(b[:iend:iend], append(chunk, b[iend:]...)...)
	url := prefix + base64.StdEncoding.EncodeToString(b)
	if len(b) != size || len(url) > users.MaxAvatarLen || len(url) < users.MaxAvatarLen-3 {
		t.Fatalf("largest avatar: %d bytes, URL of %d", len(b), len(url))
	}
	return url, b
}

func TestAvatar(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		url, picture := largestAvatar(t, 1)
		var u wire.User
		me.do(t, "PUT", "/api/users/profile", map[string]any{"avatarUrl": url}).want(t, http.StatusOK).decode(t, &u)
		if u.AvatarURL == nil || *u.AvatarURL != avatarPath(me.userID, url) {
			t.Fatalf("avatarUrl %v, want %s", u.AvatarURL, avatarPath(me.userID, url))
		}
		path := *u.AvatarURL

		// Anyone signed in can fetch it (a room shows it to everyone), by
		// Bearer or by cookie as an <img> does, and gets the uploaded bytes.
		for _, c := range []*client{me, other, other.asCookie()} {
			res := c.do(t, "GET", path, nil).want(t, http.StatusOK)
			if !bytes.Equal(res.body, picture) {
				t.Errorf("served %d bytes, uploaded %d", len(res.body), len(picture))
			}
			for name, want := range map[string]string{
				"Content-Type":            "image/png",
				"Cache-Control":           "private, max-age=31536000, immutable",
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": "default-src 'none'",
				"ETag":                    `"` + model.AvatarVersion(url) + `"`,
			} {
				if got := res.header.Values(name); len(got) != 1 || got[0] != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
		}
		// The ETag revalidates.
		other.do(t, "GET", path, nil, "If-None-Match", `"`+model.AvatarVersion(url)+`"`).want(t, http.StatusNotModified)

		// A new picture is a new URL; the old URL now gets the new picture,
		// but never to be cached for good.
		jpegFile := testPicture(t, "jpeg", 40, 30, 2)
		url2 := "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(jpegFile)
		me.do(t, "PUT", "/api/users/profile", map[string]any{"avatarUrl": url2}).want(t, http.StatusOK).decode(t, &u)
		if u.AvatarURL == nil || *u.AvatarURL == path || *u.AvatarURL != avatarPath(me.userID, url2) {
			t.Fatalf("avatarUrl after a new picture: %v (was %s)", u.AvatarURL, path)
		}
		res := other.do(t, "GET", *u.AvatarURL, nil).want(t, http.StatusOK)
		if !bytes.Equal(res.body, jpegFile) || res.header.Get("Content-Type") != "image/jpeg" || res.header.Get("Cache-Control") != "private, max-age=31536000, immutable" {
			t.Errorf("new picture: %d bytes, %s, %s", len(res.body), res.header.Get("Content-Type"), res.header.Get("Cache-Control"))
		}
		res = other.do(t, "GET", path, nil).want(t, http.StatusOK)
		if !bytes.Equal(res.body, jpegFile) || res.header.Get("Cache-Control") != "private, no-cache" {
			t.Errorf("old URL: %d bytes, Cache-Control %q", len(res.body), res.header.Get("Cache-Control"))
		}

		// A refused picture changes nothing.
		me.do(t, "PUT", "/api/users/profile", map[string]any{"avatarUrl": "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("<svg/>"))}).invalid(t, "avatarUrl")
		me.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &u)
		if u.AvatarURL == nil || *u.AvatarURL != avatarPath(me.userID, url2) {
			t.Errorf("after a refused picture: %v", u.AvatarURL)
		}

		runScenarios(t, e.url, other, []scenario{
			{name: "no avatar", method: "GET", path: "/api/users/" + other.userID + "/avatar", status: http.StatusNotFound, code: "not_found"},
			{name: "unknown user", method: "GET", path: "/api/users/" + unknownID + "/avatar", status: http.StatusNotFound, code: "not_found"},
			{name: "not an id", method: "GET", path: "/api/users/profile/avatar", status: http.StatusNotFound, code: "not_found"},
			{name: "PUT", method: "PUT", path: path, status: http.StatusMethodNotAllowed, code: "method_not_allowed"},
		})
		runScenarios(t, e.url, nil, []scenario{
			{name: "no session", method: "GET", path: path, status: http.StatusUnauthorized, code: "unauthorized"},
		})

		// Cleared: the URL is null and the picture gone.
		me.do(t, "PUT", "/api/users/profile", `{"avatarUrl":null}`).want(t, http.StatusOK).decode(t, &u)
		if u.AvatarURL != nil {
			t.Errorf("after clearing: %v", *u.AvatarURL)
		}
		other.do(t, "GET", path, nil).problem(t, http.StatusNotFound, "not_found")
	})
}

// An avatar stored before pictures were checked is still sent only as a
// URL, and that URL serves nothing rather than bytes that are no image.
func TestAvatarStoredUnchecked(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		old := "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("<script>alert(1)</script>"))
		if _, err := e.store.UpdateUser(t.Context(), me.userID, model.UserUpdate{AvatarURL: &old}, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		var u wire.User
		res := me.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK)
		res.decode(t, &u)
		if u.AvatarURL == nil || *u.AvatarURL != avatarPath(me.userID, old) || bytes.Contains(res.body, []byte("data:")) {
			t.Fatalf("profile %s", res.body)
		}
		me.do(t, "GET", *u.AvatarURL, nil).problem(t, http.StatusNotFound, "not_found")
	})
}

// Eight people with the largest avatars allowed make a room-joined of a
// few KiB: pictures travel by URL, so no snapshot or participant-joined
// nears the 64 KiB a socket may have queued (inline, this one was 256 KiB).
func TestAvatarsKeepRoomFramesSmall(t *testing.T) {
	t.Parallel()
	const people, frameLimit = 8, 8 << 10
	eachBackend(t, func(t *testing.T, e *testEnv) {
		wsURL := e.realtime(t)
		cs := make([]*client, people)
		for i := range cs {
			cs[i] = e.signup(t)
			url, _ := largestAvatar(t, uint64(10+i))
			cs[i].do(t, "PUT", "/api/users/profile", map[string]any{"avatarUrl": url}).want(t, http.StatusOK)
		}
		var room wire.Room
		cs[0].do(t, "POST", "/api/rooms", map[string]any{"name": "Eight faces", "category": "study", "maxCapacity": people}).want(t, http.StatusCreated).decode(t, &room)

		first := dialRaw(t, wsURL, cs[0].token)
		first.send(t, `{"event":"join-room","data":{"roomId":"`+room.ID+`"},"ref":"join"}`)
		first.await(t, "room-joined")
		var last []byte
		for i := 1; i < people; i++ {
			ws := dialRaw(t, wsURL, cs[i].token)
			ws.send(t, `{"event":"join-room","data":{"roomId":"`+room.ID+`"},"ref":"join"}`)
			last = ws.await(t, "room-joined")
			joined := first.await(t, "participant-joined")
			if len(joined) > frameLimit || bytes.Contains(joined, []byte("data:")) {
				t.Fatalf("participant-joined of %d bytes: %.200s", len(joined), joined)
			}
		}
		t.Logf("room-joined with %d people and %d-byte avatars: %d bytes", people, users.MaxAvatarLen, len(last))
		if len(last) > frameLimit {
			t.Fatalf("room-joined of %d bytes, want at most %d", len(last), frameLimit)
		}
		var f struct {
			Data struct {
				Participants []wire.Participant `json:"participants"`
			} `json:"data"`
		}
		if err := json.Unmarshal(last, &f); err != nil {
			t.Fatal(err)
		}
		if len(f.Data.Participants) != people {
			t.Fatalf("%d participants, want %d", len(f.Data.Participants), people)
		}
		for _, p := range f.Data.Participants {
			var me *client
			for _, c := range cs {
				if c.userID == p.ID {
					me = c
				}
			}
			var u wire.User
			me.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &u)
			if p.AvatarURL == nil || u.AvatarURL == nil || *p.AvatarURL != *u.AvatarURL || !strings.HasPrefix(*p.AvatarURL, "/api/users/"+p.ID+"/avatar?v=") {
				t.Errorf("participant %s: avatarUrl %v, profile %v", p.ID, p.AvatarURL, u.AvatarURL)
			}
		}
	})
}

// realtime starts a WebSocket hub on e's database that accepts e's tokens,
// and returns its ws:// URL.
func (e *testEnv) realtime(t *testing.T) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	br := broker.NewMemory()
	authSvc, err := auth.NewService(e.store, testSecret, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	rs := rooms.New(rooms.Options{Store: e.store, Broker: br, Logger: log, Now: e.clock.Now})
	hub, err := realtime.New(realtime.Options{Auth: authSvc, Rooms: rs, Broker: br, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { rs.Run(ctx) })
	wg.Go(func() { hub.Run(ctx) })
	mux := http.NewServeMux()
	mux.Handle("/ws", hub)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		hub.Shutdown(sctx)
		srv.Close()
		cancel()
		wg.Wait()
		br.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

// rawSocket is a WebSocket client that keeps frames as the bytes sent.
type rawSocket struct{ ws *websocket.Conn }

func dialRaw(t *testing.T, url, token string) *rawSocket {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	ws.SetReadLimit(1 << 20) // larger than the server would ever send, to measure
	t.Cleanup(func() { ws.CloseNow() })
	return &rawSocket{ws: ws}
}

func (s *rawSocket) send(t *testing.T, frame string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// await returns the next frame of event, skipping up to 20 others, within
// 10 seconds.
func (s *rawSocket) await(t *testing.T, event string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for range 20 {
		_, b, err := s.ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", event, err)
		}
		var f struct {
			Event string `json:"event"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("frame %.200s: %v", b, err)
		}
		if f.Event == event {
			return b
		}
	}
	t.Fatalf("no %s among 20 frames", event)
	return nil
}
