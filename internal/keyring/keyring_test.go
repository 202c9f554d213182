package keyring

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func mustNew(t *testing.T, f File) *Keyring {
	t.Helper()
	k, err := New(f)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := mustNew(t, Generate(t0))
	plain := []byte(`["write the intro"]`)
	a, b := k.Seal(plain, "sessions.goals:1"), k.Seal(plain, "sessions.goals:1")
	if a == b {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if strings.Contains(a, "intro") || !strings.HasPrefix(a, Prefix+k.Current()+":") {
		t.Fatalf("sealed value %q", a)
	}
	if id, ok := KeyID(a); !ok || id != k.Current() {
		t.Fatalf("KeyID = %q %v", id, ok)
	}
	got, err := k.Open(a, "sessions.goals:1")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Opened for another place (row, column), it fails.
	for _, other := range []string{"sessions.goals:2", "sessions.achievements:1", ""} {
		if got, err := k.Open(a, other); !errors.Is(err, ErrUnreadable) || got != nil {
			t.Fatalf("Open for %q = %q, %v", other, got, err)
		}
	}
}

func TestTamperIsAnError(t *testing.T) {
	k := mustNew(t, Generate(t0))
	v := k.Seal([]byte("a private note"), "ctx")
	for i := len(Prefix + k.Current() + ":"); i < len(v); i++ {
		c := []byte(v)
		if c[i] == 'A' {
			c[i] = 'B'
		} else {
			c[i] = 'A'
		}
		got, err := k.Open(string(c), "ctx")
		if err == nil {
			t.Fatalf("changed byte %d opened as %q", i, got)
		}
		if got != nil {
			t.Fatalf("failed open returned %q", got)
		}
	}
	if _, err := k.Open(v[:len(v)-10], "ctx"); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("truncated value: %v", err)
	}
}

func TestWrongKey(t *testing.T) {
	a := mustNew(t, Generate(t0))
	v := a.Seal([]byte("goal"), "ctx")
	b := mustNew(t, Generate(t0))
	if _, err := b.Open(v, "ctx"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("other keyring: %v", err)
	}
	// Another deployment's key under the same id fails authentication.
	f := b.File()
	f.Keys[0].ID = a.Current()
	c := mustNew(t, f)
	if _, err := c.Open(v, "ctx"); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("same id, other seed: %v", err)
	}
}

func TestLegacyPlainValues(t *testing.T) {
	k := mustNew(t, Generate(t0))
	for _, v := range []string{`["plain goal"]`, "", "a note", "bdenc1:", "bdenc1:XYZ!:abc", "bdenc1:abcd"} {
		if IsSealed(v) {
			t.Errorf("IsSealed(%q)", v)
		}
		if _, err := k.Open(v, "ctx"); err == nil {
			t.Errorf("Open(%q) succeeded", v)
		}
	}
}

func TestRotateRetire(t *testing.T) {
	f := Generate(t0)
	k := mustNew(t, f)
	old := k.Current()
	oldSealed := k.Seal([]byte("old"), "ctx")
	_, oldSig := k.SigningKey()
	f2, id, err := Rotate(f, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Replace(f2); err != nil {
		t.Fatal(err)
	}
	if k.Current() != id || id == old {
		t.Fatalf("current %q after rotating to %q from %q", k.Current(), id, old)
	}
	if sid, sig := k.SigningKey(); sid != id || bytes.Equal(sig, oldSig) {
		t.Fatal("the new key does not sign")
	}
	if got, err := k.Open(oldSealed, "ctx"); err != nil || string(got) != "old" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
	if v, ok := k.VerifyingKey(old); !ok || !bytes.Equal(v, oldSig) {
		t.Fatal("the retiring key no longer verifies")
	}
	if at, ok := f2.Successor(old); !ok || !at.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Successor = %v %v", at, ok)
	}
	if _, ok := f2.Successor(id); ok {
		t.Fatal("the active key has a successor")
	}
	if _, err := Retire(f2, id); err == nil {
		t.Fatal("retired the active key")
	}
	f3, err := Retire(f2, old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Retire(f3, old); err == nil {
		t.Fatal("retired twice")
	}
	if _, err := Retire(f3, "abcdef"); err == nil {
		t.Fatal("retired an unknown key")
	}
	if err := k.Replace(f3); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Open(oldSealed, "ctx"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("retired key still opens: %v", err)
	}
	if k.Has(old) {
		t.Fatal("retired key still held")
	}
	// The file round-trips, the retired key without its seed.
	back, err := Parse(f3.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if rk, _ := back.Key(old); rk.State != Retired || rk.Seed != nil {
		t.Fatalf("retired key read back as %+v", rk)
	}
}

func TestValidate(t *testing.T) {
	good := Generate(t0)
	bad := map[string]func(*File){
		"version":      func(f *File) { f.Version = 2 },
		"no active":    func(f *File) { f.Keys[0].State = Retiring },
		"two active":   func(f *File) { f.Keys = append(f.Keys, NewKey(t0)) },
		"short seed":   func(f *File) { f.Keys[0].Seed = f.Keys[0].Seed[:16] },
		"bad id":       func(f *File) { f.Keys[0].ID = "KEY/1" },
		"bad state":    func(f *File) { f.Keys[0].State = "lost" },
		"repeated id":  func(f *File) { k := f.Keys[0]; k.State = Retiring; f.Keys = append(f.Keys, k) },
		"retired seed": func(f *File) { k := NewKey(t0); k.State = Retired; f.Keys = append(f.Keys, k) },
	}
	for name, change := range bad {
		f := good.clone()
		change(&f)
		if _, err := New(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := Parse(f.Marshal()); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	k := mustNew(t, good)
	if err := k.Replace(File{Version: 1}); err == nil {
		t.Fatal("Replace took an empty file")
	}
	if k.Current() != good.Keys[0].ID {
		t.Fatal("a refused Replace changed the keyring")
	}
	if _, err := Parse([]byte(`{"version":1,"keys":[],"extra":1}`)); err == nil {
		t.Fatal("unknown field accepted")
	}
}
