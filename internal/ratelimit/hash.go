package ratelimit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/netip"
	"sync"
)

// Hasher turns client addresses into limiter keys: a keyed hash
// (HMAC-SHA256, truncated to 128 bits) of the address or its network, so
// that neither memory nor Redis ever holds an address. Instances that share
// a Redis must share the key: derive it from a secret they all have.
type Hasher struct {
	key  []byte
	pool sync.Pool
}

// hashLabel separates this use of a secret from its others.
const hashLabel = "bodydouble rate limit keys v1"

// NewHasher returns a Hasher keyed from secret; with no secret, from
// random bytes of this process (keys then mean nothing to another one).
func NewHasher(secret []byte) *Hasher {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(hashLabel))
	h := &Hasher{key: m.Sum(nil)}
	h.pool.New = func() any { return &hashState{mac: hmac.New(sha256.New, h.key)} }
	return h
}

// Addr is the key of a client address: AddrKey's (the address, or an
// IPv6 address's /64), hashed.
func (h *Hasher) Addr(a netip.Addr) string { return h.sum('a', AddrKey(a)) }

// Network is the key of a client's network: its IPv4 /24 or IPv6 /56,
// hashed. New identities are limited by it.
func (h *Hasher) Network(a netip.Addr) string { return h.sum('n', NetworkKey(a)) }

// NetworkKey is the first address of a's network: its /24 for IPv4, its
// /56 for IPv6.
func NetworkKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	bits := 24
	if a.Is6() {
		bits = 56
	}
	if p, err := a.Prefix(bits); err == nil {
		return p.Addr()
	}
	return a
}

// hashState is one HMAC with its buffers, reused through the pool so that
// a key costs one allocation (the string).
type hashState struct {
	mac hash.Hash
	in  [17]byte
	out [sha256.Size]byte
}

func (h *Hasher) sum(kind byte, a netip.Addr) string {
	st := h.pool.Get().(*hashState)
	st.in[0] = kind
	b := a.As16()
	copy(st.in[1:], b[:])
	st.mac.Reset()
	st.mac.Write(st.in[:])
	sum := st.mac.Sum(st.out[:0])
	var enc [22]byte // base64 of 16 bytes, unpadded
	base64.RawURLEncoding.Encode(enc[:], sum[:16])
	h.pool.Put(st)
	return string(enc[:])
}
