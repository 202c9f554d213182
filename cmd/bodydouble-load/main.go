// Command bodydouble-load measures a running bodydouble server from a
// separate process. It only talks to loopback addresses and every run is
// bounded in count and time.
//
//	bodydouble-load baseline  -addr 127.0.0.1:18081     a bare net/http handler with a constant answer, for wrk
//	bodydouble-load lobby     -server URL -rooms 20     rooms with live occupancy and a token for wrk GET /api/rooms
//	bodydouble-load joins     -server URL -rate 200     REST join latency at a fixed (open-loop) rate
//	bodydouble-load presence  -server URL -n 1000       the WebSocket workload of docs/performance.md
//
// The server must run with --rate-limit=off: the tool creates thousands of
// anonymous identities from one address. docs/performance.md has the exact
// commands and the numbers measured with them.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"

	"github.com/bodydouble/bodydouble/internal/loadguard"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"baseline": runBaseline,
		"lobby":    runLobby,
		"joins":    runJoins,
		"presence": runPresence,
	}
	run, ok := cmds[os.Args[1]]
	if !ok {
		usage()
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bodydouble-load:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: bodydouble-load <command> [flags]

commands:
  baseline   serve a constant answer with bare net/http (the wrk reference point)
  lobby      create rooms with live occupancy and write a token for wrk
  joins      measure POST /api/rooms/{id}/join latency at a fixed rate
  presence   the WebSocket presence fan-out workload

Run "bodydouble-load <command> -h" for a command's flags.`)
}

func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet("bodydouble-load "+name, flag.ContinueOnError)
}

// newServerFlags is newFlags with the -server flag of every command that
// talks to a running server (see parseServer).
func newServerFlags(name string) (*flag.FlagSet, *string) {
	fs := newFlags(name)
	return fs, fs.String("server", "http://127.0.0.1:8080", "server base URL (loopback only; run it with --rate-limit=off)")
}

// parseServer parses a command's flags, then checks its -server flag
// (server, read after parsing) names a loopback http:// address.
func parseServer(fs *flag.FlagSet, args []string, server *string) (*url.URL, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return loadguard.Loopback(*server)
}
