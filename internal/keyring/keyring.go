// Package keyring holds the keys of one Body Double deployment: each key
// seals values at rest (AES-256-GCM) and signs tokens (HMAC-SHA256), both
// derived with HKDF-SHA256 from one 32-byte seed per key. Exactly one key
// is active: it seals and signs. Keys that are retiring still open and
// verify what they made; a retired key keeps only its id (its seed is
// gone), so an id is never used twice.
//
// A sealed value is text: "bdenc1:<key id>:<base64url(nonce|ciphertext)>".
// Anything else is a plain value written before encryption existed, which
// the caller may still read (IsSealed says which). A value is sealed for a
// context (for example the table, column and row it is stored in), which
// is authenticated with it: opened for another context it fails, so a
// value copied to another place does not read. Opening a sealed value
// whose key is unknown or whose authentication fails is an error, never
// garbage.
//
// A Keyring is safe for concurrent use; Replace swaps in a new key file
// (after a rotation) while values are being sealed and opened.
//
// The package uses only the standard library.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Prefix starts every sealed value.
const Prefix = "bdenc1:"

// State is where a key is in its life.
type State string

// The states of a key.
const (
	// Active: the one key that seals and signs.
	Active State = "active"
	// Retiring: replaced by a newer key; still opens and verifies.
	Retiring State = "retiring"
	// Retired: its seed is gone; nothing it made can be read.
	Retired State = "retired"
)

// Key is one key of the file.
type Key struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	State   State     `json:"state"`
	// Seed derives the key's AES and HMAC keys (32 bytes, base64 in
	// JSON). Empty once retired.
	Seed []byte `json:"seed,omitempty"`
}

// File is the keyring as stored: a JSON document.
type File struct {
	Version int   `json:"version"`
	Keys    []Key `json:"keys"`
}

// Errors of Open.
var (
	// ErrUnreadable: a sealed value failed authentication (it was changed,
	// or sealed by another key with the same id) or is malformed.
	ErrUnreadable = errors.New("keyring: sealed value failed authentication")
	// ErrUnknownKey: the value names a key this keyring does not hold
	// (retired, or from another deployment).
	ErrUnknownKey = errors.New("keyring: value sealed with an unknown or retired key")
)

// derived is a key ready to use.
type derived struct {
	id      string
	aead    cipher.AEAD
	signing []byte
}

// set is one loaded File.
type set struct {
	file    File
	current *derived
	byID    map[string]*derived
}

// Keyring is a File ready to seal, open, sign and verify.
type Keyring struct {
	p atomic.Pointer[set]
}

// New returns a Keyring holding f, which must be valid (see Validate).
func New(f File) (*Keyring, error) {
	s, err := load(f)
	if err != nil {
		return nil, err
	}
	k := &Keyring{}
	k.p.Store(s)
	return k, nil
}

// Parse reads a key file's JSON.
func Parse(data []byte) (File, error) {
	var f File
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return File{}, fmt.Errorf("keyring: not a key file: %w", err)
	}
	if err := f.Validate(); err != nil {
		return File{}, err
	}
	return f, nil
}

// Marshal returns f as indented JSON.
func (f File) Marshal() []byte {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		panic("keyring: marshal: " + err.Error())
	}
	return append(b, '\n')
}

// Validate reports what is wrong with f: an unknown version, a key id
// that is empty, repeated or not lowercase hex, a seed of the wrong
// length, a retired key with a seed, or not exactly one active key.
func (f File) Validate() error {
	if f.Version != 1 {
		return fmt.Errorf("keyring: version %d is not 1", f.Version)
	}
	seen := map[string]bool{}
	active := 0
	for _, k := range f.Keys {
		if !validID(k.ID) {
			return fmt.Errorf("keyring: key id %q must be 4 to 32 lowercase hex digits", k.ID)
		}
		if seen[k.ID] {
			return fmt.Errorf("keyring: key id %q appears twice", k.ID)
		}
		seen[k.ID] = true
		switch k.State {
		case Active, Retiring:
			if len(k.Seed) != 32 {
				return fmt.Errorf("keyring: key %q: seed must be 32 bytes, not %d", k.ID, len(k.Seed))
			}
			if k.State == Active {
				active++
			}
		case Retired:
			if len(k.Seed) != 0 {
				return fmt.Errorf("keyring: key %q is retired but still has a seed", k.ID)
			}
		default:
			return fmt.Errorf("keyring: key %q: state %q is not active, retiring or retired", k.ID, k.State)
		}
	}
	if active != 1 {
		return fmt.Errorf("keyring: %d active keys; exactly one must be active", active)
	}
	return nil
}

func validID(id string) bool {
	if len(id) < 4 || len(id) > 32 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func load(f File) (*set, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	s := &set{file: f.clone(), byID: map[string]*derived{}}
	for _, k := range f.Keys {
		if k.State == Retired {
			continue
		}
		d, err := derive(k)
		if err != nil {
			return nil, err
		}
		s.byID[k.ID] = d
		if k.State == Active {
			s.current = d
		}
	}
	return s, nil
}

// derive makes a key's AES-256-GCM cipher and HMAC key from its seed.
func derive(k Key) (*derived, error) {
	enc, err := hkdf.Key(sha256.New, k.Seed, nil, "bodydouble encryption at rest v1", 32)
	if err != nil {
		return nil, fmt.Errorf("keyring: derive: %w", err)
	}
	sig, err := hkdf.Key(sha256.New, k.Seed, nil, "bodydouble token signing v1", 32)
	if err != nil {
		return nil, fmt.Errorf("keyring: derive: %w", err)
	}
	block, err := aes.NewCipher(enc)
	if err != nil {
		return nil, fmt.Errorf("keyring: derive: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keyring: derive: %w", err)
	}
	return &derived{id: k.ID, aead: aead, signing: sig}, nil
}

func (f File) clone() File {
	c := File{Version: f.Version, Keys: make([]Key, len(f.Keys))}
	for i, k := range f.Keys {
		k.Seed = append([]byte(nil), k.Seed...)
		if len(k.Seed) == 0 {
			k.Seed = nil
		}
		c.Keys[i] = k
	}
	return c
}

// Replace swaps in f (after a rotation or a retirement) for every later
// call. An invalid f changes nothing.
func (k *Keyring) Replace(f File) error {
	s, err := load(f)
	if err != nil {
		return err
	}
	k.p.Store(s)
	return nil
}

// File returns a copy of the keys held.
func (k *Keyring) File() File { return k.p.Load().file.clone() }

// Current is the id of the active key.
func (k *Keyring) Current() string { return k.p.Load().current.id }

// Has reports whether k can open values sealed, and verify tokens signed,
// with key id.
func (k *Keyring) Has(id string) bool {
	_, ok := k.p.Load().byID[id]
	return ok
}

// SigningKey returns the active key's id and HMAC key.
func (k *Keyring) SigningKey() (id string, key []byte) {
	c := k.p.Load().current
	return c.id, c.signing
}

// VerifyingKey returns the HMAC key of key id, if it is not retired.
func (k *Keyring) VerifyingKey(id string) ([]byte, bool) {
	d, ok := k.p.Load().byID[id]
	if !ok {
		return nil, false
	}
	return d.signing, true
}

// Seal encrypts plaintext for context with the active key under a fresh
// random nonce.
func (k *Keyring) Seal(plaintext []byte, context string) string {
	c := k.p.Load().current
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plaintext)+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("keyring: crypto/rand failed: " + err.Error())
	}
	head := Prefix + c.id + ":"
	out := c.aead.Seal(nonce, nonce, plaintext, []byte(head+context))
	return head + base64.RawURLEncoding.EncodeToString(out)
}

// IsSealed reports whether v has the form of a sealed value (whether or
// not it opens).
func IsSealed(v string) bool {
	_, _, ok := split(v)
	return ok
}

// KeyID returns the id of the key that sealed v, if v is sealed.
func KeyID(v string) (string, bool) {
	id, _, ok := split(v)
	return id, ok
}

func split(v string) (id, body string, ok bool) {
	rest, ok := strings.CutPrefix(v, Prefix)
	if !ok {
		return "", "", false
	}
	id, body, ok = strings.Cut(rest, ":")
	if !ok || !validID(id) {
		return "", "", false
	}
	return id, body, true
}

// Open decrypts a value sealed for context. A value that is not sealed is
// an error too (callers that accept legacy plain values ask IsSealed
// first).
func (k *Keyring) Open(v, context string) ([]byte, error) {
	id, body, ok := split(v)
	if !ok {
		return nil, fmt.Errorf("%w: not a sealed value", ErrUnreadable)
	}
	d, ok := k.p.Load().byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: key %q", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < d.aead.NonceSize()+d.aead.Overhead() {
		return nil, fmt.Errorf("%w: key %q: malformed", ErrUnreadable, id)
	}
	n := d.aead.NonceSize()
	pt, err := d.aead.Open(nil, raw[:n], raw[n:], []byte(Prefix+id+":"+context))
	if err != nil {
		return nil, fmt.Errorf("%w: key %q", ErrUnreadable, id)
	}
	return pt, nil
}

// NewKey returns a fresh active key created at now with a random id.
func NewKey(now time.Time) Key {
	seed := make([]byte, 32)
	idb := make([]byte, 4)
	if _, err := rand.Read(seed); err != nil {
		panic("keyring: crypto/rand failed: " + err.Error())
	}
	if _, err := rand.Read(idb); err != nil {
		panic("keyring: crypto/rand failed: " + err.Error())
	}
	return Key{ID: hex.EncodeToString(idb), Created: now.UTC().Truncate(time.Second), State: Active, Seed: seed}
}

// Generate returns a new key file with one active key.
func Generate(now time.Time) File {
	return File{Version: 1, Keys: []Key{NewKey(now)}}
}

// Rotate returns f with a new active key, the previous active key now
// retiring, and the new key's id.
func Rotate(f File, now time.Time) (File, string, error) {
	if err := f.Validate(); err != nil {
		return File{}, "", err
	}
	out := f.clone()
	var nk Key
	for {
		nk = NewKey(now)
		if !out.has(nk.ID) {
			break
		}
	}
	for i := range out.Keys {
		if out.Keys[i].State == Active {
			out.Keys[i].State = Retiring
		}
	}
	out.Keys = append(out.Keys, nk)
	return out, nk.ID, nil
}

func (f File) has(id string) bool {
	for _, k := range f.Keys {
		if k.ID == id {
			return true
		}
	}
	return false
}

// Key returns the key with id.
func (f File) Key(id string) (Key, bool) {
	for _, k := range f.Keys {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}

// Successor returns when the key after id was created: when id stopped
// signing and sealing. ok is false for the active key.
func (f File) Successor(id string) (time.Time, bool) {
	found := false
	for _, k := range f.Keys {
		if found {
			return k.Created, true
		}
		found = k.ID == id
	}
	return time.Time{}, false
}

// Retire returns f with key id retired: its seed dropped. Only a retiring
// key can retire; whether anything still needs it is the caller's check.
func Retire(f File, id string) (File, error) {
	out := f.clone()
	for i, k := range out.Keys {
		if k.ID != id {
			continue
		}
		switch k.State {
		case Active:
			return File{}, fmt.Errorf("keyring: key %q is the active key; rotate first", id)
		case Retired:
			return File{}, fmt.Errorf("keyring: key %q is already retired", id)
		}
		out.Keys[i].State, out.Keys[i].Seed = Retired, nil
		return out, nil
	}
	return File{}, fmt.Errorf("keyring: no key %q", id)
}
