package app

import (
	"context"
	"math"
	"net/url"
	"time"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/turn"
)

// setupICE decides the TURN secret (--turn-secret, else derived from the
// token secret, so every instance agrees) and the ICE servers handed out
// before the built-in server has started: the external ones.
func (a *App) setupICE(tokenSecret string) {
	a.turnSecret = []byte(a.cfg.TURNSecret)
	if len(a.turnSecret) == 0 {
		a.turnSecret = turn.DeriveSecret(tokenSecret)
	}
	host := a.cfg.TURNPublicIP
	if host == "" && a.cfg.PublicURL != "" {
		if u, err := url.Parse(a.cfg.PublicURL); err == nil {
			host = u.Hostname()
		}
	}
	ice := &turn.ICE{Host: host, Secret: a.turnSecret}
	for _, s := range a.cfg.ICEServers {
		ice.External = append(ice.External, turn.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	a.ice.Store(ice)
}

// logoutChannel is the broker channel on which every instance announces
// a logout, the token id as payload (realtime's tokensChannel, which
// closes the token's sockets). The TURN server listens too, to close the
// token's relays.
const logoutChannel = "tokens"

// subscribeTimeout bounds the subscription to logouts at start-up.
const subscribeTimeout = 5 * time.Second

// startTURN starts the built-in STUN/TURN server unless --turn-addr=off.
// A port that cannot be bound is not fatal: bodydouble runs without it
// and leaves it out of the ICE servers (direct connections and any
// --ice-servers still work).
//
// Its credentials die with the session they were minted for: it asks the
// store whether a token was revoked (as auth does for every request), and
// hears logouts from every instance through the broker, closing the
// token's relays at once.
func (a *App) startTURN() {
	if a.cfg.TURNAddr == config.TURNOff {
		return
	}
	o := turn.Options{
		Addr: a.cfg.TURNAddr, PublicIP: a.cfg.TURNPublicIP, Secret: a.turnSecret,
		Revoked: func(ctx context.Context, tokenID string) (bool, error) {
			return a.store.TokenRevoked(ctx, tokenID, "")
		},
		AllowLocal: a.cfg.TURNAllowLocal, Logger: a.log,
		RelayPortMin: a.cfg.TURNRelayPortMin, RelayPortMax: a.cfg.TURNRelayPortMax,
	}
	if a.blocked != nil {
		o.Blocked = a.blocked.Blocked
	}
	if !a.cfg.RateLimit {
		// --rate-limit=off is for load tests whose many people all come
		// from one address; each person's own cap stays.
		o.MaxPerAddress = math.MaxInt32
	}
	srv, err := turn.New(o)
	if err != nil {
		a.log.Warn("turn: running without the built-in STUN/TURN server; browsers that need a relay get none unless --ice-servers names one", "addr", a.cfg.TURNAddr, "err", err)
		return
	}
	// The subscription ends when the broker closes, after the TURN server
	// (see Shutdown); a logout heard in between closes nothing.
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	if _, err := a.broker.Subscribe(ctx, logoutChannel, func(tokenID []byte) { srv.CloseToken(string(tokenID)) }); err != nil {
		a.log.Warn("turn: cannot hear logouts; relays of logged-out sessions close when the store is next asked instead (within a minute)", "err", err)
	}
	a.turn = srv
	ice := *a.ice.Load()
	ice.Port = int(srv.Addr().Port())
	a.ice.Store(&ice)
}

// TURNAddr is the address the built-in STUN/TURN server listens on (UDP
// and TCP), or "" when it is not running.
func (a *App) TURNAddr() string {
	if a.turn == nil {
		return ""
	}
	return a.turn.Addr().String()
}

// ICE is what GET /api/rtc/ice-servers hands out; ICE().Servers(host,
// userID, tokenID, time.Now()) gives a session's list without HTTP.
func (a *App) ICE() *turn.ICE { return a.ice.Load() }
