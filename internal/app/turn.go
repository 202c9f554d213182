package app

import (
	"net/url"

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

// startTURN starts the built-in STUN/TURN server unless --turn-addr=off.
// A port that cannot be bound is not fatal: bodydouble runs without it
// and leaves it out of the ICE servers (direct connections and any
// --ice-servers still work).
func (a *App) startTURN() {
	if a.cfg.TURNAddr == config.TURNOff {
		return
	}
	srv, err := turn.New(turn.Options{
		Addr: a.cfg.TURNAddr, PublicIP: a.cfg.TURNPublicIP, Secret: a.turnSecret,
		AllowLocal: a.cfg.TURNAllowLocal, Logger: a.log,
		RelayPortMin: a.cfg.TURNRelayPortMin, RelayPortMax: a.cfg.TURNRelayPortMax,
	})
	if err != nil {
		a.log.Warn("turn: running without the built-in STUN/TURN server; browsers that need a relay get none unless --ice-servers names one", "addr", a.cfg.TURNAddr, "err", err)
		return
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
// userID, time.Now()) gives a user's list without HTTP.
func (a *App) ICE() *turn.ICE { return a.ice.Load() }
