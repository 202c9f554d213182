// Package app is the composition root: it builds every part of bodydouble
// from one config.Config, starts them, and shuts them down in order under
// one deadline. Nothing here is global, so tests start as many servers as
// they like.
package app

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bodydouble/bodydouble/internal/api"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/backup"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/errreport"
	"github.com/bodydouble/bodydouble/internal/health"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/metrics"
	"github.com/bodydouble/bodydouble/internal/moderation"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/safety"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/textrules"
	"github.com/bodydouble/bodydouble/internal/turn"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/web"
)

// App is a running bodydouble.
type App struct {
	cfg    config.Config
	log    *slog.Logger
	store  store.Store
	broker broker.Broker
	rooms  *rooms.Service
	hub    *realtime.Hub
	server *http.Server
	mod    *moderation.Service // roles, bans, the audit log
	users  *users.Service      // profiles, preferences, avatars
	keys   *keys               // the keyring: seals values at rest, signs tokens
	jobs   *jobQueue           // once-per-cluster jobs (retention.go)
	ln     net.Listener
	// dirLock is the shared lock on the SQLite data directory that tells
	// `bodydouble restore` a server runs there (nil with PostgreSQL).
	dirLock *backup.Lock

	// acme serves HTTPS by itself with --domain (tls.go), nil without.
	acme *domainTLS

	// metrics and its listener (metrics.go), nil without --metrics-addr.
	metrics    *metrics.Metrics
	metricsSrv *metrics.Server

	health *health.Checker     // /healthz, /readyz
	errs   *errreport.Reporter // Sentry with --sentry-dsn, else nil (logging.go)

	// text holds the rules of public text; blocklist, when
	// --blocklist-file is set, keeps its operator's terms current.
	text      *textrules.Rules
	blocklist *blocklist

	// limits keeps every rate limit: memory, or Redis shared by all
	// instances with --redis-url (redisLimits then, to close it);
	// blocked are the networks of --block-cidrs (nil without).
	limits      ratelimit.Limiter
	limitKeys   *ratelimit.Hasher
	redisLimits *ratelimit.Redis
	blocked     *blockedNets
	// blockedTicks, when set before Start (tests), drives the reloads of
	// --block-cidrs instead of a ticker.
	blockedTicks chan time.Time

	// The built-in STUN/TURN server (nil when off or its port was
	// taken) and what /api/rtc/ice-servers hands out.
	turn       *turn.Server
	turnSecret []byte
	ice        atomic.Pointer[turn.ICE]

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New builds everything from cfg: store (SQLite, or PostgreSQL with
// --database-url), secret, starter rooms, broker (in-process, or Redis
// with --redis-url), domain services and the HTTP handlers. It does not
// listen yet.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *App, err error) {
	a := &App{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			a.closeBackends()
		}
	}()
	postgres := cfg.DatabaseURL != ""
	// Assigned only on success: a nil *sqlstore.Store or *broker.Redis in
	// an interface field is not nil, and closeBackends would call it.
	var st *sqlstore.Store
	if postgres {
		st, err = sqlstore.OpenPostgres(ctx, cfg.DatabaseURL)
	} else if a.dirLock, err = backup.LockShared(cfg.DataDir); err == nil {
		st, err = sqlstore.OpenSQLite(ctx, cfg.DataDir)
	}
	if err != nil {
		return nil, err
	}
	a.store = st
	if a.keys, err = openKeys(ctx, cfg, st, log); err != nil {
		return nil, err
	}
	// The secret of deployments older than the keyring: it still verifies
	// the tokens it signed (without kid), and TURN credentials derive from it.
	secret, err := loadSecret(ctx, cfg.Secret, cfg.DataDir, postgres, a.store)
	if err != nil {
		return nil, err
	}
	blobs, err := openBlobs(cfg, postgres, log)
	if err != nil {
		return nil, err
	}
	if err := a.store.SeedRooms(ctx, rooms.StarterRooms()); err != nil {
		return nil, fmt.Errorf("app: starter rooms: %w", err)
	}
	if cfg.RedisURL != "" {
		routeRedisLogs(log)
		rb, err := broker.NewRedis(ctx, broker.RedisOptions{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, Logger: log})
		if err != nil {
			return nil, err
		}
		a.broker = rb
		// Limits shared by every instance; the key of address hashes comes
		// from the secret they share, so they agree on keys.
		a.redisLimits, err = ratelimit.NewRedis(ratelimit.RedisOptions{URL: cfg.RedisURL, Prefix: cmp.Or(cfg.RedisPrefix, broker.DefaultRedisPrefix), Logger: log})
		if err != nil {
			return nil, err
		}
		a.limits = a.redisLimits
	} else {
		a.broker = broker.NewMemory()
		a.limits = ratelimit.NewMemory(nil, 0)
	}
	a.limitKeys = ratelimit.NewHasher([]byte(secret))
	authSvc, err := auth.NewService(a.store, secret, nil)
	if err != nil {
		return nil, err
	}
	authSvc.WithKeyring(a.keys.ring)
	a.text = textrules.New()
	if cfg.BlocklistFile != "" {
		a.blocklist = &blocklist{path: cfg.BlocklistFile, rules: a.text, log: log}
		if err := a.blocklist.load(); err != nil {
			return nil, err
		}
	}
	if cfg.BlockCIDRsFile != "" {
		a.blocked = newBlockedNets(cfg.BlockCIDRsFile, log)
		if err := a.blocked.w.load(); err != nil {
			return nil, err
		}
	}
	ro := rooms.Options{Store: a.store, Broker: a.broker, Logger: log, Text: a.text, CloseEmptyAfter: cfg.CloseEmptyRoomsAfter}
	if cfg.RateLimit {
		// --rate-limit=off (load tests, e2e) switches the room caps off too.
		ro.MaxOpenRooms, ro.MaxRoomsPerHour = cfg.MaxOpenRooms, cfg.MaxRoomsPerHour
	}
	if cfg.RedisURL != "" {
		// Other instances read statuses from the database for their
		// snapshots; one instance alone reads its own, in memory.
		ro.StatusFlush = sharedStatusFlush
	}
	a.rooms = rooms.New(ro)
	a.setupICE(secret)
	proxies := httpx.Proxies(cfg.TrustedProxies)
	a.mod = moderation.New(moderation.Options{Store: a.store, Rooms: a.rooms, Broker: a.broker, Logger: log})
	a.metrics = a.newMetrics(st)
	a.mountLogLevel() // PUT /debug/log-level on --metrics-addr (logging.go)
	a.hub, err = realtime.New(realtime.Options{
		Auth: authSvc, Rooms: a.rooms, Moderation: a.mod, Broker: a.broker, Logger: log,
		PublicOrigin: cfg.PublicOrigin(), Proxies: proxies, RateLimit: cfg.RateLimit,
		Limiter: a.limits, LimitKeys: a.limitKeys, Observer: a.observer(),
	})
	if err != nil {
		return nil, err
	}
	a.rooms.SetLocal(a.hub) // cycle rooms' phase changes go to this instance's sockets
	if err := a.newReporter(); err != nil {
		return nil, err
	}
	a.users = users.New(a.store, nil).WithText(a.text).WithBlobs(blobs, cfg.AvatarUploads)
	mux := http.NewServeMux()
	mux.Handle("/api/", a.instrumentAPI(api.New(api.Options{
		Auth: authSvc, Rooms: a.rooms, Users: a.users, Logger: a.errs.Logger(log), // its 5xx reports name what it logged
		PublicOrigin: cfg.PublicOrigin(), Proxies: proxies, RateLimit: cfg.RateLimit,
		Limiter: a.limits, LimitKeys: a.limitKeys, IdentitiesPerHour: cfg.IdentitiesPerHour,
		OnLogout: a.hub.CloseToken, OnErase: a.hub.CloseUser, ICE: a.ice.Load, Moderation: a.mod,
		Safety: safety.New(safety.Options{Store: a.store, Rooms: a.rooms, Logger: log}), ClientErrors: a.clientErrors(),
	})))
	mux.Handle("/ws", a.hub)
	a.health = health.New(health.Options{Checks: a.healthChecks()})
	mux.Handle("/healthz", a.health.Liveness())
	mux.Handle("/readyz", a.health.Readiness())
	if web.Dist != nil {
		mux.Handle("/", web.Handler(web.Dist))
	}
	// Headers, bodies and idle keep-alives are each bounded (a slow body
	// would otherwise hold its connection for ever); there is no overall
	// ReadTimeout, which would also cancel handlers that outlive it, nor a
	// WriteTimeout, which would cut answers delayed by a slow store.
	// Upgraded sockets leave net/http, which clears their deadlines.
	var handler http.Handler = mux
	if a.blocked != nil {
		handler = refuseBlocked(a.blocked, proxies, mux) // before /ws upgrades too
	}
	a.server = &http.Server{
		Handler:           a.accessLog(httpx.BodyDeadline(handler, cmp.Or(cfg.BodyTimeout, config.DefaultBodyTimeout))),
		ReadHeaderTimeout: cmp.Or(cfg.HeaderTimeout, config.DefaultHeaderTimeout),
		IdleTimeout:       cmp.Or(cfg.IdleTimeout, config.DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if err := a.newACME(st); err != nil { // --domain (tls.go)
		return nil, err
	}
	return a, nil
}

// connsPerAddr is the cap of open connections per client address on the
// public listeners (--max-conns-per-addr; none with --rate-limit=off).
func (a *App) connsPerAddr() int {
	if !a.cfg.RateLimit {
		return 0 // load tests bring thousands of people from one address
	}
	return a.cfg.MaxConnsPerAddr
}

// Start listens on the configured address and serves in the background
// until Shutdown. It returns once the listener is open.
func (a *App) Start(ctx context.Context) error {
	tcp, err := net.Listen("tcp", a.listenAddr())
	if err != nil {
		return fmt.Errorf("app: cannot listen on %q: %w", a.listenAddr(), err)
	}
	limited := httpx.ConnLimits{
		PerAddr: a.connsPerAddr(), Exempt: httpx.Proxies(a.cfg.TrustedProxies),
		Total: httpx.TotalFromRlimit(), Held: a.hub.Conns, Log: a.log,
	}.Listen(tcp)
	a.server.ConnState = limited.ConnState
	var ln net.Listener = limited
	scheme := "http"
	if a.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(a.cfg.TLSCert, a.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("app: tls: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}})
		scheme = "https"
	} else if a.acme != nil {
		ln = tls.NewListener(ln, a.acme.mgr.TLSConfig())
		scheme = "https"
	}
	a.ln = ln
	a.startTURN()
	if err := a.startMetrics(); err != nil {
		ln.Close()
		return err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	if err := a.startACME(bg); err != nil { // --domain's HTTP listener and certificates (tls.go)
		ln.Close()
		return err
	}
	if err := a.startJobs(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return err
	}
	a.goRun(func() { _ = a.rooms.Run(bg) })
	a.goRun(func() { a.hub.Run(bg) })
	a.goRun(func() { a.mod.Run(bg) })
	a.goRun(func() {
		t := time.NewTicker(a.keys.poll)
		defer t.Stop()
		a.keys.run(bg, t.C)
	})
	if a.blocklist != nil {
		a.goRun(func() {
			t := time.NewTicker(blocklistPoll)
			defer t.Stop()
			a.blocklist.run(bg, t.C)
		})
	}
	if a.blocked != nil {
		a.goRun(func() {
			if a.blockedTicks != nil {
				a.blocked.w.run(bg, a.blockedTicks)
				return
			}
			t := time.NewTicker(blocklistPoll)
			defer t.Stop()
			a.blocked.w.run(bg, t.C)
		})
	}
	a.goRun(func() {
		if err := a.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("app: serve", "err", err)
		}
	})
	turnAddr := a.TURNAddr()
	if turnAddr == "" {
		turnAddr = "off"
	}
	a.log.Info("bodydouble listening", "url", scheme+"://"+ln.Addr().String(), "turn", turnAddr, "database", a.databaseKind(), "broker", a.brokerKind())
	return nil
}

func (a *App) goRun(f func()) {
	a.wg.Add(1)
	go func() { defer a.wg.Done(); f() }()
}

// Addr is the address the server listens on (after Start).
func (a *App) Addr() net.Addr { return a.ln.Addr() }

// Handler is the whole HTTP handler, for tests that bring their own server.
func (a *App) Handler() http.Handler { return a.server.Handler }

// Shutdown stops in order within ctx's deadline: sockets are told to
// reconnect elsewhere (1012), the job queue stops (it shares SQLite's one
// writer with the requests still being answered), HTTP stops, background
// work ends, then the broker and the store close.
func (a *App) Shutdown(ctx context.Context) error {
	a.health.ShuttingDown() // /readyz 503 first, so load balancers drain us
	a.drain(ctx)
	a.hub.Shutdown(ctx)
	err := a.stopJobs(ctx)
	err = errors.Join(err, a.server.Shutdown(ctx))
	err = errors.Join(err, a.stopACME(ctx))
	err = errors.Join(err, a.stopMetrics(ctx))
	if a.turn != nil {
		err = errors.Join(err, a.turn.Close())
	}
	if a.cancel != nil {
		a.cancel()
	}
	done := make(chan struct{})
	go func() { a.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	a.errs.Flush(time.Second) // reports under way, within reason
	return errors.Join(err, a.closeBackends())
}

// drain keeps serving for --drain-delay after /readyz has turned 503:
// a load balancer checking it every second or two sees the instance go
// and sends new requests and sockets elsewhere before the port closes.
func (a *App) drain(ctx context.Context) {
	if a.cfg.DrainDelay <= 0 {
		return
	}
	t := time.NewTimer(a.cfg.DrainDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// closeBackends closes the broker and the store, whichever New opened.
func (a *App) closeBackends() error {
	var errs []error
	if a.broker != nil {
		errs = append(errs, a.broker.Close())
	}
	if a.redisLimits != nil {
		errs = append(errs, a.redisLimits.Close())
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	errs = append(errs, a.dirLock.Close()) // after the store: no restore meets it open
	return errors.Join(errs...)
}

func (a *App) databaseKind() string {
	if a.cfg.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite:" + a.cfg.DataDir
}

func (a *App) brokerKind() string {
	if a.cfg.RedisURL != "" {
		return "redis"
	}
	return "memory"
}

// redisLogger is where go-redis's own messages go (it has one logger per
// process): the App that connected to Redis last.
var redisLogger atomic.Pointer[slog.Logger]

// redisLogs sends go-redis's messages to redisLogger at Debug level. They
// would otherwise be extra lines on stderr ("failed to dial after 5
// attempts"), beside the broker's own reports of the same outage and
// beside the one line that names a start-up failure.
type redisLogs struct{}

func (redisLogs) Printf(ctx context.Context, format string, v ...any) {
	if l := redisLogger.Load(); l != nil {
		l.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
	}
}

func routeRedisLogs(log *slog.Logger) {
	redisLogger.Store(log)
	redis.SetLogger(redisLogs{})
}

// sharedStatusFlush is how often presence statuses reach the database when
// several instances share it.
const sharedStatusFlush = 500 * time.Millisecond

// Run starts the app and blocks until ctx ends, then shuts down within the
// configured grace period.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
		defer cancel()
		a.hub.Shutdown(sctx) // its event loop started in New
		a.closeBackends()
		return err
	}
	<-ctx.Done()
	log.Info("bodydouble shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	return a.Shutdown(sctx)
}
