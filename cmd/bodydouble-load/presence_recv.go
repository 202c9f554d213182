package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"time"
)

// connectAndJoin dials c's socket, starts its reader and sends join-room.
func (r *presenceRun) connectAndJoin(c *presenceClient, hostport string, laddr net.Addr) {
	t := time.Now()
	ws, err := dialWS(hostport, c.user.Token, laddr, 10*time.Second)
	if err != nil {
		r.logLimited("client %d: %v", c.idx, err)
		r.joinFailed.Add(1)
		c.doneOnce.Do(func() { close(c.done) })
		return
	}
	r.connect.add(time.Since(t))
	c.ws = ws
	if err := r.readers.add(ws, func(msg []byte) { r.handle(c, msg, r.since()) }, func(err error) { r.ended(c, err) }); err != nil {
		r.logLimited("client %d: %v", c.idx, err)
		r.joinFailed.Add(1)
		c.doneOnce.Do(func() { close(c.done) })
		return
	}
	c.joinSent.Store(r.since())
	msg := `{"event":"join-room","data":{"roomId":"` + r.roomIDs[c.room] + `"},"ref":"j"}`
	if err := ws.writeText([]byte(msg)); err != nil {
		r.logLimited("client %d: send join-room: %v", c.idx, err)
		r.joinFailed.Add(1)
		c.doneOnce.Do(func() { close(c.done) })
	}
}

var (
	evPrefix    = []byte(`{"event":"`)
	participant = []byte(`"participantId":"`)
	statusKey   = []byte(`"status":"`)
	joinRef     = []byte(`"ref":"j"}`)
)

// ended records that c's socket ended with err.
func (r *presenceRun) ended(c *presenceClient, err error) {
	if c.joined.Load() || !errors.Is(err, io.EOF) {
		r.closedEarly.Add(1)
		r.logLimited("client %d: socket ended: %v", c.idx, err)
	}
	c.doneOnce.Do(func() { close(c.done) })
}

// handle accounts for one message c received at now (ns since t0).
func (r *presenceRun) handle(c *presenceClient, msg []byte, now int64) {
	{
		if !bytes.HasPrefix(msg, evPrefix) {
			r.otherEvents.Add(1)
			return
		}
		rest := msg[len(evPrefix):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			return
		}
		switch string(rest[:end]) {
		case "presence-updated":
			id := valueAfter(rest, participant)
			st := valueAfter(rest, statusKey)
			sender := r.byUser[string(id)]
			si := statusIndex(st)
			if sender == nil || si < 0 {
				r.unmatched.Add(1)
				return
			}
			seq := sender.last[si].Load()
			if seq == 0 {
				r.unmatched.Add(1)
				return
			}
			rec := &r.sends[seq-1]
			rec.recv.Add(1)
			lat := now - rec.at
			r.fanout.add(time.Duration(lat))
			if st, ok := serverTime(rest); ok {
				t0 := r.t0.UnixMicro()
				sent, got := t0+rec.at/1000, t0+now/1000
				r.toServer.add(time.Duration(st*1000-sent) * time.Microsecond)
				r.fromServer.add(time.Duration(got-st*1000) * time.Microsecond)
			}
			r.delivered.Add(1)
			if ps := r.phaseStart.Load(); ps != 0 && now >= ps {
				if sec := (now - ps) / int64(time.Second); sec < int64(len(r.secCount)) {
					r.secCount[sec].Add(1)
					us := lat / 1000
					for m := r.secMax[sec].Load(); us > m && !r.secMax[sec].CompareAndSwap(m, us); m = r.secMax[sec].Load() {
					}
				}
			}
		case "room-joined":
			if bytes.HasSuffix(msg, joinRef) && !c.joined.Load() {
				r.join.add(time.Duration(now - c.joinSent.Load()))
				c.joined.Store(true)
				c.doneOnce.Do(func() { close(c.done) })
			}
		case "error":
			r.errorEvents.Add(1)
			r.logLimited("client %d: error event: %.200s", c.idx, msg)
			if !c.joined.Load() && bytes.HasSuffix(msg, joinRef) {
				r.joinFailed.Add(1)
				c.doneOnce.Do(func() { close(c.done) })
			}
		default:
			r.otherEvents.Add(1)
		}
	}
}

// valueAfter returns the string value following key (which ends with the
// opening quote) in a frame written by the server.
func valueAfter(b, key []byte) []byte {
	i := bytes.Index(b, key)
	if i < 0 {
		return nil
	}
	v := b[i+len(key):]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return nil
	}
	return v[:j]
}

var serverTimeKey = []byte(`"serverTime":`)

// serverTime reads the frame's serverTime (Unix ms).
func serverTime(b []byte) (int64, bool) {
	i := bytes.Index(b, serverTimeKey)
	if i < 0 {
		return 0, false
	}
	var v int64
	n := 0
	for _, c := range b[i+len(serverTimeKey):] {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int64(c-'0')
		n++
	}
	return v, n > 0
}

func statusIndex(s []byte) int {
	for i, st := range statuses {
		if string(s) == st {
			return i
		}
	}
	return -1
}
