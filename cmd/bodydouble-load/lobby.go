package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bodydouble/bodydouble/internal/loadguard"
)

// runLobby prepares the GET /api/rooms measurement: the server gets rooms
// (20 by default, starter rooms included) with people in them, kept there
// by live sockets, and a signed-in viewer whose token is written for wrk.
// It holds the sockets until -hold ends or it is interrupted.
func runLobby(args []string) error {
	fs, server := newServerFlags("lobby")
	rooms := fs.Int("rooms", 20, "rooms the server should have in total")
	perRoom := fs.Int("per-room", 4, "occupants per room, each on a live socket")
	hold := fs.Duration("hold", 3*time.Minute, "keep the occupants connected this long")
	tokenFile := fs.String("token-file", "", "write the viewer's token here (default: print it)")
	u, err := parseServer(fs, args, server)
	if err != nil {
		return err
	}
	if *rooms < 1 || *rooms > 100 || *perRoom < 0 || *perRoom > 8 {
		return errors.New("-rooms must be 1..100 and -per-room 0..8")
	}
	loadguard.Watchdog("bodydouble-load", *hold+2*time.Minute)
	ctx := context.Background()
	a := newAPI(*server, 8)
	viewer, err := a.signup(ctx)
	if err != nil {
		return err
	}
	ids, err := a.listRoomIDs(ctx, viewer.Token)
	if err != nil {
		return err
	}
	if missing := *rooms - len(ids); missing > 0 {
		if _, err := a.createRooms(ctx, viewer.Token, "Lobby", missing, 8, 4); err != nil {
			return err
		}
		if ids, err = a.listRoomIDs(ctx, viewer.Token); err != nil {
			return err
		}
	}
	ids = ids[:min(len(ids), *rooms)]
	people, err := a.signupMany(ctx, len(ids)**perRoom, 8)
	if err != nil {
		return err
	}
	var conns []*wsConn
	for i, p := range people {
		room := ids[i%len(ids)]
		ws, err := dialWS(u.Host, p.Token, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, 10*time.Second)
		if err != nil {
			return err
		}
		if err := ws.writeText([]byte(`{"event":"join-room","data":{"roomId":"` + room + `"},"ref":"j"}`)); err != nil {
			return err
		}
		for { // wait for our room-joined
			msg, err := ws.readMessage()
			if err != nil {
				return fmt.Errorf("join: %w", err)
			}
			if hasEvent(msg, "error") {
				return fmt.Errorf("join: %s", msg)
			}
			if hasEvent(msg, "room-joined") {
				break
			}
		}
		go func() { // read (and answer pings) until the end
			for {
				if _, err := ws.readMessage(); err != nil {
					return
				}
			}
		}()
		conns = append(conns, ws)
	}
	logf("%d rooms, %d occupants on live sockets", len(ids), len(conns))
	if *tokenFile != "" {
		if err := os.WriteFile(*tokenFile, []byte(viewer.Token), 0o600); err != nil {
			return err
		}
		logf("viewer token written to %s; holding for %s", *tokenFile, *hold)
	} else {
		fmt.Println(viewer.Token)
	}
	ctxSig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctxSig.Done():
	case <-time.After(*hold):
	}
	for _, ws := range conns {
		ws.close()
	}
	return nil
}

func hasEvent(msg []byte, event string) bool {
	p := `{"event":"` + event + `"`
	return len(msg) >= len(p) && string(msg[:len(p)]) == p
}
