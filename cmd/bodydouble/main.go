// Command bodydouble serves Body Double: the web app, its REST API, the
// real-time room socket and a STUN/TURN server, from one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bodydouble/bodydouble/internal/app"
	"github.com/bodydouble/bodydouble/internal/buildinfo"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/healthcheck"
	"github.com/bodydouble/bodydouble/internal/logx"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "admin" {
		// bodydouble admin role <userId> <role>, with the server's flags.
		err := app.Admin(context.Background(), os.Args[2:], os.Getenv, os.Stdout)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fail(1, err)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "keys" {
		// bodydouble keys list|rotate|retire <id>|init, with the server's flags.
		err := app.Keys(context.Background(), os.Args[2:], os.Getenv, os.Stdout)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fail(1, err)
		}
		return
	}
	if len(os.Args) == 2 && (os.Args[1] == "version" || os.Args[1] == "--version" || os.Args[1] == "-version") {
		// bodydouble version: "bodydouble v0.2.0 (commit …, go1.26.8, linux/amd64)".
		fmt.Println(buildinfo.Read())
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		// bodydouble healthcheck [server flags] [url]: exit 0 when this
		// machine's server answers GET /healthz with 200 (the container's
		// HEALTHCHECK, which has no curl).
		err := healthcheck.Command(context.Background(), os.Args[2:], os.Getenv, os.Stdout)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fail(1, err)
		}
		return
	}
	if len(os.Args) > 1 && (os.Args[1] == "backup" || os.Args[1] == "restore") {
		// bodydouble backup|restore FILE, with the server's flags.
		cmd := app.Backup
		if os.Args[1] == "restore" {
			cmd = app.Restore
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := cmd(ctx, os.Args[2:], os.Getenv, os.Stdout)
		stop()
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			fail(1, err)
		}
		return
	}
	cfg, err := config.Parse(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fail(2, err)
	}
	// The level can change while running (PUT /debug/log-level on
	// --metrics-addr); Validate has checked its name.
	level := new(slog.LevelVar)
	if l, err := logx.ParseLevel(cfg.LogLevel); err == nil {
		level.Set(l)
	}
	log := logx.New(os.Stderr, cfg.LogFormat, level)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, cfg, log); err != nil {
		stop()
		fail(1, err)
	}
}

// fail prints err as one plain line, whatever the log format, so that
// whoever started bodydouble reads why it stopped, and exits with code.
func fail(code int, err error) {
	// errors.Join separates with newlines; one line is easier to find in
	// a journal and cannot be mistaken for two events.
	var parts []string
	for _, p := range strings.Split(err.Error(), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	fmt.Fprintln(os.Stderr, "bodydouble: "+strings.Join(parts, " "))
	os.Exit(code)
}
