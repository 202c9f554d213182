package api

import (
	"net/http"

	"github.com/bodydouble/bodydouble/internal/turn"
)

// iceServersBody is the answer of GET /api/rtc/ice-servers.
type iceServersBody struct {
	ICEServers []turn.ICEServer `json:"iceServers"`
}

// iceServers is GET /api/rtc/ice-servers: the STUN/TURN servers for the
// caller's RTCPeerConnection, with TURN credentials minted for them alone
// and this session (valid for turn.DefaultTTL, and refused once the
// session logs out; see internal/turn). The built-in server is named by
// --turn-public-ip, else the host of --public-url, else the host this
// request came to. Never cached (the middleware sets no-store).
func (s *server) iceServers(w http.ResponseWriter, r *http.Request) error {
	var ice *turn.ICE
	if s.ice != nil {
		ice = s.ice()
	}
	id := identity(r)
	list := ice.Servers(s.proxies.Host(r), id.UserID, id.TokenID, s.now())
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, iceServersBody{ICEServers: list})
}
