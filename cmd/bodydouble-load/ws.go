package main

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// wsConn is a deliberately small WebSocket client (RFC 6455, no
// extensions): one blocking reader goroutine per connection and writes
// under a mutex, with no per-message allocation on either side, so that
// thousands of them cost the load tool little next to the server it
// measures.
type wsConn struct {
	c  net.Conn
	br *bufio.Reader

	wmu  sync.Mutex
	wbuf []byte
	mask [4]byte
	fd   int // > 0 once detached from Go's poller (epoll_linux.go); -1 when closed

	rbuf []byte // payload buffer reused between frames
}

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialWS opens a WebSocket to hostport's /ws with a Bearer token, from
// local address laddr (nil: any).
func dialWS(hostport, token string, laddr net.Addr, timeout time.Duration) (*wsConn, error) {
	d := net.Dialer{Timeout: timeout, LocalAddr: laddr}
	c, err := d.Dial("tcp", hostport)
	if err != nil {
		return nil, err
	}
	var k [16]byte
	_, _ = rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET /ws HTTP/1.1\r\nHost: " + hostport +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key +
		"\r\nAuthorization: Bearer " + token + "\r\n\r\n"
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(c, 1024)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("websocket handshake: status %d", res.StatusCode)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if res.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		c.Close()
		return nil, errors.New("websocket handshake: bad Sec-WebSocket-Accept")
	}
	_ = c.SetDeadline(time.Time{})
	w := &wsConn{c: c, br: br, wbuf: make([]byte, 0, 256)}
	_, _ = rand.Read(w.mask[:])
	return w, nil
}

// WebSocket opcodes.
const (
	opCont  = 0x0
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

// write sends one masked frame. The mask is fixed per connection: it only
// has to keep proxies from misreading frames, and there are none here.
func (w *wsConn) write(op byte, payload []byte) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	b := w.wbuf[:0]
	b = append(b, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, w.mask[:]...)
	start := len(b)
	b = append(b, payload...)
	for i := range payload {
		b[start+i] ^= w.mask[i&3]
	}
	w.wbuf = b
	switch {
	case w.fd > 0:
		return writeFD(w.fd, b)
	case w.fd < 0:
		return net.ErrClosed
	}
	_, err := w.c.Write(b)
	return err
}

func (w *wsConn) writeText(p []byte) error { return w.write(opText, p) }

// readMessage returns the next data message, answering pings on the way.
// The returned slice is valid until the next call. A close frame gives
// errClosed with its status code.
func (w *wsConn) readMessage() ([]byte, error) {
	msg := w.rbuf[:0]
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.br, h[:]); err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var e [2]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(e[:]))
		case 127:
			var e [8]byte
			if _, err := io.ReadFull(w.br, e[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(e[:])
		}
		if h[1]&0x80 != 0 {
			return nil, errors.New("websocket: masked frame from server")
		}
		if n > 1<<20 {
			return nil, fmt.Errorf("websocket: frame of %d bytes", n)
		}
		if op >= opClose { // control frame: never fragmented, at most 125 bytes
			var ctl [125]byte
			p := ctl[:n]
			if _, err := io.ReadFull(w.br, p); err != nil {
				return nil, err
			}
			switch op {
			case opPing:
				if err := w.write(opPong, p); err != nil {
					return nil, err
				}
			case opClose:
				code := 1005
				if len(p) >= 2 {
					code = int(binary.BigEndian.Uint16(p))
				}
				_ = w.write(opClose, p[:min(len(p), 2)])
				return nil, &closeError{code: code, reason: string(p[min(len(p), 2):])}
			}
			continue
		}
		start := len(msg)
		msg = slices.Grow(msg, int(n))[:start+int(n)]
		if _, err := io.ReadFull(w.br, msg[start:]); err != nil {
			return nil, err
		}
		if fin && (op == opText || op == opCont || op == 0x2) {
			w.rbuf = msg
			return msg, nil
		}
	}
}

// close sends a normal close frame and closes the socket.
func (w *wsConn) close() {
	_ = w.c.SetWriteDeadline(time.Now().Add(time.Second))
	_ = w.write(opClose, []byte{0x03, 0xe8})
	_ = w.c.Close()
	w.closeFD()
}

type closeError struct {
	code   int
	reason string
}

func (e *closeError) Error() string { return fmt.Sprintf("websocket closed: %d %s", e.code, e.reason) }
