package realtime

import (
	"encoding/binary"
	"net"
)

// Frame opcodes (RFC 6455, 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// CloseProtocol is the close code of a frame that breaks RFC 6455.
const CloseProtocol = 1002

// maxControlPayload is the largest payload of a ping, pong or close frame.
const maxControlPayload = 125

// frameGuard follows the frame boundaries of one client's byte stream
// before the WebSocket library parses it, holding no more than one frame
// header. It checks what the library gets wrong or never limits: a
// payload length with its top bit set (the library reads it as a negative
// number and then buffers without end), messages over MaxFrame across
// fragments, unmasked or reserved frames, and it tells the connection of
// every frame so that control frames are counted too.
//
// A guard is used by one goroutine at a time: the event loop reads one
// connection on one poller.
type frameGuard struct {
	hdr  [14]byte // the header being read
	have int      // bytes of hdr read so far
	skip uint64   // payload bytes of the current frame still to come
	msg  uint64   // payload bytes of the current (fragmented) message so far
	dead int      // the close code once the stream broke a rule; later bytes are dropped
}

// scan reads data and returns 0 while the stream keeps the rules, else
// the close code to end the connection with (from then on, always that
// code). onFrame is called with the opcode of each frame once its header
// is complete; a non-zero code it returns ends the stream the same way.
func (g *frameGuard) scan(data []byte, onFrame func(opcode byte) int) int {
	for len(data) > 0 && g.dead == 0 {
		if g.skip > 0 {
			n := uint64(len(data))
			if n > g.skip {
				n = g.skip
			}
			g.skip -= n
			data = data[n:]
			continue
		}
		n := copy(g.hdr[g.have:], data)
		avail := g.have + n
		size, ok := headerSize(g.hdr[:avail])
		if !ok {
			g.have = avail // the header goes on in the next read
			return 0
		}
		data = data[size-g.have:]
		g.have = 0
		if code := g.frame(g.hdr[:size], onFrame); code != 0 {
			g.dead = code
		}
	}
	return g.dead
}

// frame checks one complete header.
func (g *frameGuard) frame(h []byte, onFrame func(opcode byte) int) int {
	fin, rsv, op := h[0]&0x80 != 0, h[0]&0x70, h[0]&0x0F
	if rsv != 0 || h[1]&0x80 == 0 {
		return CloseProtocol // no extension is negotiated; client frames must be masked
	}
	n := payloadLen(h)
	switch op {
	case opClose, opPing, opPong:
		if !fin || n > maxControlPayload {
			return CloseProtocol
		}
	case opText, opBinary:
		g.msg = 0
		fallthrough
	case opContinuation:
		if n > MaxFrame || g.msg+n > MaxFrame { // n first: it may be near 2^64
			return CloseTooBig
		}
		g.msg += n
	default:
		return CloseProtocol // reserved opcode
	}
	g.skip = n
	return onFrame(op)
}

// headerSize reports the length of the frame header at the start of b, and
// whether b holds all of it.
func headerSize(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	size := 2
	switch b[1] & 0x7F {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if b[1]&0x80 != 0 {
		size += 4 // the mask
	}
	return size, len(b) >= size
}

// payloadLen is the payload length of a complete header, read unsigned as
// RFC 6455 says (its top bit must be 0; such a length is over MaxFrame
// anyway).
func payloadLen(h []byte) uint64 {
	switch n := h[1] & 0x7F; n {
	case 126:
		return uint64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		return binary.BigEndian.Uint64(h[2:10])
	default:
		return uint64(n)
	}
}

// guardedConn is a socket nbio serves in blocking mode (one under
// crypto/tls, which the event loop cannot poll): what it reads passes the
// connection's frame guard, as the event loop's data hook does for plain
// sockets, and what it writes is counted off the backlog, as the event
// loop's written-size hook does.
type guardedConn struct {
	net.Conn
	c *conn
}

// Read reads decrypted bytes. Once they broke a rule, the connection is
// closing (its close frame queued, the socket closed after a delay that
// lets it out) and what comes meanwhile is dropped unread: a read error
// here would drop the close frame with the socket.
func (g guardedConn) Read(b []byte) (int, error) {
	for {
		n, err := g.Conn.Read(b)
		if n > 0 && !g.c.guardData(b[:n]) {
			if err != nil {
				return 0, err
			}
			continue
		}
		return n, err
	}
}

// Write writes and counts what was written.
func (g guardedConn) Write(b []byte) (int, error) {
	n, err := g.Conn.Write(b)
	if n > 0 {
		g.c.written(n)
	}
	return n, err
}
