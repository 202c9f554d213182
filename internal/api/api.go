// Package api is Body Double's REST API: the handlers under /api/, one
// resource per file, with problem+json errors (problem.go) and the
// middleware every request passes through (middleware.go). Handlers call
// the domain services (auth, rooms, users) and never the store, so a change
// made here is the same change the WebSocket makes.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/errreport"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/moderation"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/safety"
	"github.com/bodydouble/bodydouble/internal/turn"
	"github.com/bodydouble/bodydouble/internal/users"
)

// Options configure the API handler.
type Options struct {
	Auth  *auth.Service
	Rooms *rooms.Service
	Users *users.Service
	// Moderation runs the moderation routes and refuses banned people
	// (403 banned) everywhere but bannedMayUse. It may be nil (tests
	// without moderation).
	Moderation *moderation.Service
	// Logger gets one Debug line per request and every internal error.
	Logger *slog.Logger
	// PublicOrigin is the origin people use (https://focus.example.org),
	// without a trailing slash. It drives the Origin check and Secure
	// cookies; "" means each request's own scheme and host.
	PublicOrigin string
	// Proxies are the proxies whose X-Forwarded-* headers are believed.
	Proxies httpx.Proxies
	// RateLimit turns on per-client rate limits.
	RateLimit bool
	// Limiter keeps every rate limit (per client and per person): shared
	// by all instances when it is Redis's. Nil: this instance's memory.
	Limiter ratelimit.Limiter
	// LimitKeys hashes client addresses into limiter keys. Nil: a key of
	// this process alone.
	LimitKeys *ratelimit.Hasher
	// IdentitiesPerHour caps new anonymous identities per network (IPv4
	// /24, IPv6 /56) an hour, with RateLimit; 0 means no cap.
	IdentitiesPerHour int
	// OnLogout is called after a token is revoked, so that the sockets
	// opened with it close (4401). It may be nil.
	OnLogout func(ctx context.Context, id auth.Identity)
	// OnErase is called after a person erased themselves, so that all
	// their sockets close (4401) on every instance. It may be nil.
	OnErase func(ctx context.Context, userID string)
	// Now is the clock for cookie lifetimes and rate limits; it must be the
	// clock Auth uses. Defaults to time.Now.
	Now func() time.Time
	// ICE returns the STUN/TURN configuration handed out at
	// /api/rtc/ice-servers (rtc.go); nil, or a nil result, hands out none.
	ICE func() *turn.ICE
	// Safety runs blocks and reports.
	Safety *safety.Service
	// ClientErrors gets the web app's error reports (POST
	// /api/client-errors), scrubbed; nil logs them at debug and drops them.
	ClientErrors func(ctx context.Context, e errreport.ClientError)
}

// access says what a route needs from the caller.
type access int

const (
	// public routes need no session.
	public access = iota
	// session routes need a valid session, which is renewed when old.
	session
	// sessionNoRenew routes need a valid session and never renew it
	// (logout: renewing a token about to be revoked is pointless).
	sessionNoRenew
)

// handlerFunc is a route handler: it writes a success itself and returns
// any failure, which becomes a problem response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one endpoint. Path is written as in openapi.json
// (/api/rooms/{id}); the test keeps the two in step.
type route struct {
	method string
	path   string
	access access
	handle handlerFunc
}

// catchAll answers every /api/ path no route matches: 404, 405 or 401.
const catchAll = "/api/"

// server holds the dependencies of the handlers.
type server struct {
	auth         *auth.Service
	rooms        *rooms.Service
	users        *users.Service
	mod          *moderation.Service
	log          *slog.Logger
	publicOrigin string
	proxies      httpx.Proxies
	onLogout     func(ctx context.Context, id auth.Identity)
	onErase      func(ctx context.Context, userID string)
	now          func() time.Time
	limiter      *limiter // nil when rate limiting is off
	mux          *http.ServeMux
	ids          requestIDs
	pages        pageCache // encoded room lists (rooms.go)
	ice          func() *turn.ICE
	clientErrors func(ctx context.Context, e errreport.ClientError)
	safety       *safety.Service
	limits       ratelimit.Limiter // every limit's buckets, e.g. reports per person (reports.go)
}

// New returns the handler of everything under /api/. Mount it at "/api/".
func New(o Options) http.Handler {
	s := &server{
		auth: o.Auth, rooms: o.Rooms, users: o.Users, mod: o.Moderation, log: o.Logger,
		publicOrigin: o.PublicOrigin, proxies: o.Proxies, onLogout: o.OnLogout, now: o.Now, ice: o.ICE,
		mux: http.NewServeMux(), ids: newRequestIDs(),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.safety, s.limits = o.Safety, o.Limiter
	if s.limits == nil {
		s.limits = ratelimit.NewMemory(s.now, 0)
	}
	s.onErase = o.OnErase
	s.clientErrors = o.ClientErrors
	if o.RateLimit {
		keys := o.LimitKeys
		if keys == nil {
			keys = ratelimit.NewHasher(nil)
		}
		s.limiter = &limiter{l: s.limits, keys: keys, identity: identityLimit(o.IdentitiesPerHour)}
	}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	s.mux.HandleFunc(catchAll, s.unmatched)
	return s
}

// routes lists every endpoint. ServeMux picks the most specific pattern, so
// /api/rooms/quick-join and /api/sessions/history win over the {id} routes.
func (s *server) routes() []route {
	return []route{
		{http.MethodPost, "/api/auth/anonymous", public, s.anonymous},
		{http.MethodGet, "/api/auth/session", session, s.session},
		{http.MethodPost, "/api/auth/logout", sessionNoRenew, s.logout},

		{http.MethodGet, "/api/rooms", session, s.listRooms},
		{http.MethodPost, "/api/rooms", session, s.createRoom},
		{http.MethodPost, "/api/rooms/quick-join", session, s.quickJoin},
		{http.MethodGet, "/api/rooms/{id}", session, s.getRoom},
		{http.MethodPost, "/api/rooms/{id}/join", session, s.joinRoom},
		{http.MethodPost, "/api/rooms/{id}/leave", session, s.leaveRoom},

		{http.MethodGet, "/api/users/profile", session, s.getProfile},
		{http.MethodPut, "/api/users/profile", session, s.putProfile},
		{http.MethodGet, "/api/users/{id}/avatar", session, s.getAvatar},
		{http.MethodGet, "/api/users/preferences", session, s.getPreferences},
		{http.MethodPut, "/api/users/preferences", session, s.putPreferences},
		{http.MethodGet, "/api/users/me/export", session, s.exportMe},
		{http.MethodPut, avatarUploadPath, session, s.uploadAvatar},
		{http.MethodDelete, "/api/users/me", sessionNoRenew, s.eraseMe},

		{http.MethodPost, "/api/sessions", session, s.startSession},
		{http.MethodGet, "/api/sessions/history", session, s.history},
		{http.MethodGet, "/api/sessions/stats", session, s.stats},
		{http.MethodGet, "/api/sessions/{id}", session, s.getSession},
		{http.MethodPut, "/api/sessions/{id}", session, s.updateSession},
		{http.MethodPost, "/api/sessions/{id}/complete", session, s.completeSession},

		{http.MethodGet, "/api/rtc/ice-servers", session, s.iceServers},

		{http.MethodPost, "/api/mod/bans", session, s.createBan},
		{http.MethodGet, "/api/mod/bans", session, s.listBans},
		{http.MethodDelete, "/api/mod/bans/{id}", session, s.deleteBan},
		{http.MethodPost, "/api/mod/rooms/{id}/close", session, s.closeRoom},
		{http.MethodPost, "/api/mod/users/{id}/reset-name", session, s.resetName},
		{http.MethodDelete, "/api/mod/users/{id}/avatar", session, s.modRemoveAvatar},
		{http.MethodGet, "/api/mod/audit", session, s.audit},
		{http.MethodGet, "/api/mod/reports", session, s.modReports},
		{http.MethodPost, "/api/mod/reports/{id}/resolve", session, s.resolveReport},
		{http.MethodPut, "/api/admin/users/{id}/role", session, s.setRole},

		{http.MethodGet, "/api/blocks", session, s.listBlocks},
		{http.MethodPost, "/api/blocks", session, s.block},
		{http.MethodDelete, "/api/blocks/{userId}", session, s.unblock},
		{http.MethodPost, "/api/reports", session, s.report},

		{http.MethodGet, "/api/openapi.json", public, s.openAPI},
		{http.MethodPost, "/api/client-errors", public, s.clientError},
		{http.MethodGet, "/api/config", public, s.clientConfig},
	}
}
