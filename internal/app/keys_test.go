package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/keyring"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/testlog"
)

// send sends an authenticated JSON request from any goroutine and
// decodes a 2xx answer into out.
func (s session) send(method, path string, body, out any) (int, string, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := (&http.Client{Timeout: wstest.WaitLimit}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, string(raw), err
		}
	}
	return res.StatusCode, string(raw), nil
}

type sessionView struct {
	ID           string   `json:"id"`
	Goals        []string `json:"goals"`
	Achievements []string `json:"achievements"`
}

// tokenKid is the key a token names.
func tokenKid(t *testing.T, token string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, &jwt.RegisteredClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := tok.Header["kid"].(string)
	return kid
}

// TestKeyRotationUnderLoad: people write goals and achievements while the
// key is rotated; retiring the old key is refused while rows still need
// it; the re-encryption moves every row to the new key; every token
// issued before the rotation keeps working; retiring is refused while
// those tokens may live, and allowed after; afterwards every goal and
// every session reads, no goal is in the database as plain text, both
// changes are in the audit log, and a value changed in the database is
// logged and answered as an error, never shown.
func TestKeyRotationUnderLoad(t *testing.T) {
	ctx := t.Context()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.RateLimit, cfg.TURNAddr = "127.0.0.1:0", t.TempDir(), false, config.TURNOff
	logs := &testlog.Buffer{}
	a, err := New(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.keys.poll = time.Hour // the test drives reloads itself
	a.keys.batch = 5        // so that re-encryption takes many batches
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(sctx)
	})
	if fi, err := os.Stat(filepath.Join(cfg.DataDir, keyringFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated keyring: %v %v", fi, err)
	}
	base := "http://" + a.Addr().String()
	oldKid := a.keys.ring.Current()

	const workers, rounds = 6, 8
	people := make([]session, workers)
	var rooms struct {
		Rooms []struct {
			ID string `json:"id"`
		} `json:"rooms"`
	}
	for i := range people {
		people[i] = signUpAt(t, base)
		if kid := tokenKid(t, people[i].token); kid != oldKid {
			t.Fatalf("token kid %q, want %q", kid, oldKid)
		}
	}
	if code := people[0].do(t, "GET", "/api/rooms", nil, &rooms); code != 200 || len(rooms.Rooms) == 0 {
		t.Fatalf("rooms: %d", code)
	}
	for i, p := range people {
		if code := p.do(t, "POST", "/api/rooms/"+rooms.Rooms[i%len(rooms.Rooms)].ID+"/join", nil, nil); code != 200 {
			t.Fatalf("join: %d", code)
		}
	}

	// Each person runs sessions one after another; the first half are
	// written before the rotation, the rest while it happens.
	type written struct {
		person       int
		id           string
		goals, achvs []string
	}
	var (
		mu    sync.Mutex
		all   []written
		half  sync.WaitGroup
		done  sync.WaitGroup
		errMu sync.Mutex
		errs  []error
	)
	fail := func(err error) { errMu.Lock(); errs = append(errs, err); errMu.Unlock() }
	half.Add(workers)
	done.Add(workers)
	for i, p := range people {
		room := rooms.Rooms[i%len(rooms.Rooms)].ID
		go func() {
			defer done.Done()
			for r := range rounds {
				if r == rounds/2 {
					half.Done()
				}
				w := written{person: i, goals: []string{fmt.Sprintf("goal-%d-%d-a", i, r), fmt.Sprintf("goal-%d-%d-b", i, r)}, achvs: []string{fmt.Sprintf("done-%d-%d", i, r)}}
				var x sessionView
				if code, body, err := p.send("POST", "/api/sessions", map[string]any{"roomId": room, "goals": w.goals[:1]}, &x); err != nil || code != 201 {
					fail(fmt.Errorf("start: %d %s %v", code, body, err))
					return
				}
				w.id = x.ID
				if code, body, err := p.send("PUT", "/api/sessions/"+x.ID, map[string]any{"goals": w.goals}, nil); err != nil || code != 200 {
					fail(fmt.Errorf("update: %d %s %v", code, body, err))
					return
				}
				if code, body, err := p.send("POST", "/api/sessions/"+x.ID+"/complete", map[string]any{"achievements": w.achvs}, nil); err != nil || code != 200 {
					fail(fmt.Errorf("complete: %d %s %v", code, body, err))
					return
				}
				mu.Lock()
				all = append(all, w)
				mu.Unlock()
			}
		}()
	}
	half.Wait()

	// Rotate, as an operator would with `bodydouble keys rotate`.
	var out bytes.Buffer
	if err := keysCommand(ctx, cfg, []string{"rotate"}, &out, time.Now()); err != nil {
		t.Fatal(err)
	}
	rotatedAt := time.Now()
	f, err := keyring.Parse([]byte(mustRead(t, filepath.Join(cfg.DataDir, keyringFile))))
	if err != nil {
		t.Fatal(err)
	}
	newKid := activeKey(f)
	if newKid == oldKid || !strings.Contains(out.String(), newKid) {
		t.Fatalf("rotate said %q; active %s", out.String(), newKid)
	}
	// The server has not looked yet: rows sealed with the old key remain.
	future := rotatedAt.Add(auth.TokenTTL + retireMargin + time.Hour)
	if err := keysCommand(ctx, cfg, []string{"retire", oldKid}, &out, future); err == nil || !strings.Contains(err.Error(), "still seals") {
		t.Fatalf("retire with rows left: %v", err)
	}
	res, err := a.ReloadKeys(ctx) // while the people keep writing
	if err != nil {
		t.Fatal(err)
	}
	if res.Rewritten < workers*rounds/2 {
		t.Fatalf("re-encrypted %d rows; %d were written before the rotation", res.Rewritten, workers*rounds/2)
	}
	if a.keys.ring.Current() != newKid {
		t.Fatal("the server did not switch to the new key")
	}
	done.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	// The background work runs to completion: nothing needs the old key.
	if _, err := a.ReloadKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := a.keys.st.SealedWith(ctx, oldKid); err != nil || n != 0 {
		t.Fatalf("rows still sealed with the old key: %d %v", n, err)
	}

	// Nobody is signed out: every token from before the rotation works.
	for _, p := range people {
		if code := p.do(t, "GET", "/api/auth/session", nil, nil); code != 200 {
			t.Fatalf("old token after rotation: %d", code)
		}
	}
	fresh := signUpAt(t, base)
	if kid := tokenKid(t, fresh.token); kid != newKid {
		t.Fatalf("new token kid %q, want %q", kid, newKid)
	}
	// Tokens signed with the old key may live a token lifetime.
	if err := keysCommand(ctx, cfg, []string{"retire", oldKid}, &out, time.Now()); err == nil || !strings.Contains(err.Error(), "tokens") {
		t.Fatalf("retire while tokens may live: %v", err)
	}
	// A token lifetime later (those tokens have expired or were renewed):
	out.Reset()
	if err := keysCommand(ctx, cfg, []string{"retire", oldKid}, &out, future); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ReloadKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if a.keys.ring.Has(oldKid) {
		t.Fatal("the server still holds the retired key")
	}

	// Every goal and every session reads, with tokens of the new key (as
	// renewed tokens are).
	secret, err := loadSecret(ctx, "", cfg.DataDir, false, a.store)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := auth.NewService(a.store, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	issuer.WithKeyring(a.keys.ring)
	renewed := make([]session, workers)
	for i, p := range people {
		id, err := issuer.Issue(p.userID)
		if err != nil {
			t.Fatal(err)
		}
		renewed[i] = session{base: base, token: id.Token, userID: p.userID}
	}
	if len(all) != workers*rounds {
		t.Fatalf("%d sessions written", len(all))
	}
	for _, w := range all {
		var x sessionView
		if code := renewed[w.person].do(t, "GET", "/api/sessions/"+w.id, nil, &x); code != 200 {
			t.Fatalf("session %s: %d", w.id, code)
		}
		if fmt.Sprint(x.Goals) != fmt.Sprint(w.goals) || fmt.Sprint(x.Achievements) != fmt.Sprint(w.achvs) {
			t.Fatalf("session %s reads %v %v, want %v %v", w.id, x.Goals, x.Achievements, w.goals, w.achvs)
		}
	}
	for i, p := range renewed {
		var h struct {
			Sessions []sessionView `json:"sessions"`
		}
		if code := p.do(t, "GET", "/api/sessions/history?limit=100", nil, &h); code != 200 || len(h.Sessions) != rounds {
			t.Fatalf("history of %d: %d, %d sessions", i, code, len(h.Sessions))
		}
	}

	// No goal is in the database as plain text.
	raw, err := sql.Open("sqlite", filepath.Join(cfg.DataDir, sqlstore.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var plain int
	if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM focus_sessions WHERE goals LIKE '%goal-%' OR achievements LIKE '%done-%' OR goals NOT LIKE ?", keyring.Prefix+newKid+":%").Scan(&plain); err != nil {
		t.Fatal(err)
	}
	if plain != 0 {
		t.Fatalf("%d rows not sealed with the new key", plain)
	}

	// Both changes are in the audit log.
	entries, err := a.store.AuditLog(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.TargetID)
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, ActionKeysRotate+" "+newKid) || !strings.Contains(got, ActionKeysRetire+" "+oldKid) {
		t.Fatalf("audit log: %s", got)
	}

	// A sealed value changed in the database: logged, never shown.
	w := all[0]
	var sealed string
	if err := raw.QueryRowContext(ctx, "SELECT goals FROM focus_sessions WHERE id = ?", w.id).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	i := len(sealed) - 3
	c := byte('A')
	if sealed[i] == 'A' {
		c = 'B'
	}
	if _, err := raw.ExecContext(ctx, "UPDATE focus_sessions SET goals = ? WHERE id = ?", sealed[:i]+string(c)+sealed[i+1:], w.id); err != nil {
		t.Fatal(err)
	}
	code, body, err := renewed[w.person].send("GET", "/api/sessions/"+w.id, nil, nil)
	if err != nil || code != http.StatusInternalServerError || strings.Contains(body, "goal-") || strings.Contains(body, keyring.Prefix) {
		t.Fatalf("a tampered session answers %d %q %v", code, body, err)
	}
	if l := logs.String(); !strings.Contains(l, "cannot be read") || !strings.Contains(l, w.id) {
		t.Fatalf("the tampered value is not logged:\n%s", l)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestKeyringInPostgres: with PostgreSQL and no keyring given, the
// keyring lives in the database (with a warning), every instance uses
// the same one, and a rotation reaches them all.
func TestKeyringInPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := t.Context()
	start := func(logs io.Writer) *App {
		cfg := config.Default()
		cfg.Addr, cfg.DataDir, cfg.RateLimit, cfg.TURNAddr, cfg.DatabaseURL = "127.0.0.1:0", t.TempDir(), false, config.TURNOff, url
		a, err := New(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		a.keys.poll = time.Hour
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			a.Shutdown(sctx)
		})
		return a
	}
	logs := &testlog.Buffer{}
	one := start(logs)
	if !strings.Contains(logs.String(), "kept in the database") {
		t.Fatalf("no warning about the keyring in the database:\n%s", logs.String())
	}
	two := start(io.Discard)
	if one.keys.ring.Current() != two.keys.ring.Current() {
		t.Fatal("two instances made two keyrings")
	}
	old := one.keys.ring.Current()
	p := signUpAt(t, "http://"+one.Addr().String())
	room := firstRoom(t, p)
	if code := p.do(t, "POST", "/api/rooms/"+room+"/join", nil, nil); code != 200 {
		t.Fatalf("join: %d", code)
	}
	var x sessionView
	if code := p.do(t, "POST", "/api/sessions", map[string]any{"roomId": room, "goals": []string{"pg-goal"}}, &x); code != 201 {
		t.Fatalf("start: %d", code)
	}
	if err := keysCommand(ctx, one.cfg, []string{"rotate"}, io.Discard, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*App{one, two} {
		if _, err := a.ReloadKeys(ctx); err != nil {
			t.Fatal(err)
		}
		if a.keys.ring.Current() == old {
			t.Fatal("an instance did not switch keys")
		}
	}
	if n, err := two.keys.st.SealedWith(ctx, old); err != nil || n != 0 {
		t.Fatalf("rows sealed with the old key: %d %v", n, err)
	}
	// The old token, on the other instance, reads the re-encrypted goal.
	p.base = "http://" + two.Addr().String()
	var got sessionView
	if code := p.do(t, "GET", "/api/sessions/"+x.ID, nil, &got); code != 200 || fmt.Sprint(got.Goals) != "[pg-goal]" {
		t.Fatalf("after rotation: %d %v", code, got.Goals)
	}
}

// TestKeyringGivenInline: a keyring in BODYDOUBLE_KEYRING is used as it
// is and cannot be rotated in place; a --keyring-file that does not exist
// is made only with SQLite (instances sharing PostgreSQL must share one
// file, made once with keys init).
func TestKeyringGivenInline(t *testing.T) {
	ctx := t.Context()
	f := keyring.Generate(time.Now())
	getenv := func(k string) string {
		if k == "BODYDOUBLE_KEYRING" {
			return string(f.Marshal())
		}
		return ""
	}
	cfg, _, err := config.ParseCommand([]string{"--data-dir", t.TempDir(), "--turn-addr", "off", "--addr", "127.0.0.1:0"}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.closeBackends()
	if a.keys.ring.Current() != f.Keys[0].ID {
		t.Fatal("the inline keyring is not used")
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, keyringFile)); err == nil {
		t.Fatal("a keyring file was made beside an inline keyring")
	}
	if err := keysCommand(ctx, cfg, []string{"rotate"}, io.Discard, time.Now()); err == nil || !strings.Contains(err.Error(), "inline") {
		t.Fatalf("rotating an inline keyring: %v", err)
	}

	url := storetest.PostgresURL(t)
	pg := config.Default()
	pg.DatabaseURL, pg.KeyringFile = url, filepath.Join(t.TempDir(), "keys.json")
	if _, err := New(ctx, pg, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "keys init") {
		t.Fatalf("a missing keyring file with PostgreSQL: %v", err)
	}
	var out bytes.Buffer
	if err := keysCommand(ctx, pg, []string{"init"}, &out, time.Now()); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(pg.KeyringFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keys init: %v %v", fi, err)
	}
	out.Reset()
	if err := keysCommand(ctx, pg, []string{"list"}, &out, time.Now()); err != nil || !strings.Contains(out.String(), "active") {
		t.Fatalf("keys list: %q %v", out.String(), err)
	}
	if err := keysCommand(ctx, pg, []string{"retire"}, &out, time.Now()); err == nil {
		t.Fatal("retire without an id accepted")
	}
}
