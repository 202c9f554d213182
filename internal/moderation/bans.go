package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
)

// Channel carries bans and unbans to every instance: each drops its cached
// answer for the person, and the socket hubs close a banned person's
// sockets (4403).
const Channel = "bans"

// BanMessage is what Channel carries.
type BanMessage struct {
	UserID string     `json:"userId"`
	Reason string     `json:"reason,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
	Lifted bool       `json:"lifted,omitempty"`
}

// banTTL bounds how long an instance believes a cached answer. Every ban
// and unban also drops the cached answer on every instance at once
// (Channel); the TTL covers messages lost while Redis was away.
const banTTL = 10 * time.Second

// maxCachedBans bounds the cache; it starts over when full.
const maxCachedBans = 50_000

// banCache remembers, per person, whether a ban holds, so that checking
// every request costs a map lookup rather than a query.
type banCache struct {
	now func() time.Time
	mu  sync.RWMutex
	m   map[string]cachedBan
}

type cachedBan struct {
	ban     *model.UserBan // nil: not banned
	fetched time.Time
}

func newBanCache(now func() time.Time) *banCache {
	return &banCache{now: now, m: map[string]cachedBan{}}
}

func (c *banCache) get(userID string) (*model.UserBan, bool) {
	c.mu.RLock()
	e, ok := c.m[userID]
	c.mu.RUnlock()
	now := c.now()
	if !ok || now.Sub(e.fetched) >= banTTL || now.Before(e.fetched) {
		return nil, false
	}
	if e.ban != nil && !e.ban.Holds(now) {
		return nil, true // it ran out
	}
	return e.ban, true
}

func (c *banCache) put(userID string, b *model.UserBan, fetched time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedBans {
		c.m = map[string]cachedBan{}
	}
	c.m[userID] = cachedBan{ban: b, fetched: fetched}
}

func (c *banCache) forget(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, userID)
}

func (c *banCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = map[string]cachedBan{}
}

// banListeners are told of every ban and unban received on Channel.
type banListeners struct {
	mu sync.Mutex
	fs []func(BanMessage)
}

// OnBan registers f, called for every ban or unban message on any
// instance. f must not block (it runs on the broker's delivery).
func (s *Service) OnBan(f func(BanMessage)) {
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	s.events.fs = append(s.events.fs, f)
}

func (s *Service) onMessage(b []byte) {
	var m BanMessage
	if err := json.Unmarshal(b, &m); err != nil || m.UserID == "" {
		s.log.Warn("moderation: a bad ban message", "err", err)
		return
	}
	s.bans.forget(m.UserID)
	s.events.mu.Lock()
	fs := append([]func(BanMessage){}, s.events.fs...)
	s.events.mu.Unlock()
	for _, f := range fs {
		f(m)
	}
}

// Run listens for bans made on every instance until ctx ends. When the
// broker recovers from an outage (messages may have been lost), the cache
// is dropped.
func (s *Service) Run(ctx context.Context) {
	cancel, err := s.broker.Subscribe(ctx, Channel, s.onMessage)
	if err != nil {
		s.log.Error("moderation: subscribe to bans", "err", err)
	} else {
		defer cancel()
	}
	var recovered <-chan struct{}
	rec, _ := s.broker.(broker.Recoverer)
	if rec != nil {
		recovered = rec.Recovered()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-recovered:
			recovered = rec.Recovered()
			s.bans.clear()
		}
	}
}

// Banned returns the ban in force on userID, or nil. It is asked on every
// request, so answers are cached for a few seconds (see banTTL).
func (s *Service) Banned(ctx context.Context, userID string) (*model.UserBan, error) {
	if b, ok := s.bans.get(userID); ok {
		return b, nil
	}
	now := s.clock()
	b, err := s.store.ActiveUserBan(ctx, userID, now)
	if errors.Is(err, model.ErrNotFound) {
		s.bans.put(userID, nil, now)
		return nil, nil
	}
	if err != nil {
		return nil, apperr.From(err)
	}
	s.bans.put(userID, &b, now)
	return &b, nil
}

// BannedError is the error a banned person gets.
func BannedError(b model.UserBan) *apperr.Error {
	e := apperr.New(apperr.Banned, "You are banned from Body Double.")
	e.Ban = &apperr.BanInfo{Reason: b.Reason, Until: b.Until}
	return e
}

// Ban bans target from the whole site for hours (nil: until lifted).
// Their sockets everywhere close (4403) and every request fails with
// banned until it ends.
func (s *Service) Ban(ctx context.Context, actor, target, why string, hours *int) (model.UserBan, error) {
	if err := s.requireStaff(ctx, actor); err != nil {
		return model.UserBan{}, err
	}
	var fields []apperr.FieldError
	if userID("userId", target) != nil || target == actor {
		fields = append(fields, apperr.FieldError{Field: "userId", Message: "must be another person's id"})
	}
	why, err := reason("reason", why)
	if err != nil {
		fields = append(fields, apperr.FieldError{Field: "reason", Message: "must be 1-500 characters"})
	}
	if hours != nil && (*hours < 1 || *hours > MaxBanHours) {
		fields = append(fields, apperr.FieldError{Field: "durationHours", Message: "must be 1-87600"})
	}
	if len(fields) > 0 {
		return model.UserBan{}, apperr.Fields(fields...)
	}
	role, err := s.role(ctx, target)
	if err != nil {
		return model.UserBan{}, err
	}
	if model.IsStaff(role) {
		return model.UserBan{}, apperr.New(apperr.Forbidden, "Moderators and admins cannot be banned; change their role first.")
	}
	now := s.clock()
	b := model.UserBan{UserID: target, Reason: why, CreatedBy: actor, CreatedAt: now}
	if hours != nil {
		until := now.Add(time.Duration(*hours) * time.Hour)
		b.Until = &until
	}
	b, err = s.store.CreateUserBan(ctx, b, model.AuditEntry{
		At: now, ActorID: actor, Action: ActionBan, TargetType: "user", TargetID: target, Reason: why,
	})
	if err != nil {
		return model.UserBan{}, apperr.From(err)
	}
	s.announce(ctx, BanMessage{UserID: target, Reason: b.Reason, Until: b.Until})
	return b, nil
}

// Bans lists the bans in force.
func (s *Service) Bans(ctx context.Context, actor string) ([]model.UserBan, error) {
	if err := s.requireStaff(ctx, actor); err != nil {
		return nil, err
	}
	bans, err := s.store.UserBans(ctx, s.clock())
	if err != nil {
		return nil, apperr.From(err)
	}
	return bans, nil
}

// Unban lifts a ban.
func (s *Service) Unban(ctx context.Context, actor, banID string) error {
	if err := s.requireStaff(ctx, actor); err != nil {
		return err
	}
	if userID("id", banID) != nil {
		return apperr.From(model.ErrNotFound)
	}
	b, err := s.store.LiftUserBan(ctx, banID, model.AuditEntry{At: s.clock(), ActorID: actor, Action: ActionUnban, TargetType: "user"})
	if err != nil {
		return apperr.From(err)
	}
	s.announce(ctx, BanMessage{UserID: b.UserID, Lifted: true})
	return nil
}

// announce drops this instance's cached answer and tells every instance.
func (s *Service) announce(ctx context.Context, m BanMessage) {
	s.bans.forget(m.UserID)
	b, _ := json.Marshal(m) // always encodes
	if err := s.broker.Publish(ctx, Channel, b); err != nil {
		s.log.Warn("moderation: publish a ban", "err", err)
	}
}
