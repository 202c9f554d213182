package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// readers reads the sockets of the presence workload from a few epoll
// loops instead of a goroutine per socket: with 15,000 sockets, a reader
// goroutine each cost the tool two read calls and a park and wake-up per
// message, and the tool shares the machine with the server it measures. A
// loop reads whatever each ready socket has in one call and hands complete
// frames to the same handler. The sockets leave Go's own poller (detach),
// or every message would wake both.
type readers struct {
	loops []*readLoop
	next  atomic.Uint32
}

type readLoop struct {
	epfd int
	mu   sync.Mutex
	byFD map[int32]*polled
}

// polled is one socket's read state.
type polled struct {
	fd     int
	ws     *wsConn
	buf    []byte // unparsed bytes at the front
	onMsg  func(msg []byte)
	onEnd  func(err error)
	frag   []byte // a fragmented message so far
	closed bool
}

func newReaders() (*readers, error) {
	rs := &readers{}
	for range runtime.GOMAXPROCS(0) {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			return nil, fmt.Errorf("epoll: %w", err)
		}
		l := &readLoop{epfd: epfd, byFD: map[int32]*polled{}}
		rs.loops = append(rs.loops, l)
		go l.run()
	}
	return rs, nil
}

// add starts reading ws: onMsg gets each data message (valid during the
// call), onEnd the error that ended the socket, once.
func (rs *readers) add(ws *wsConn, onMsg func([]byte), onEnd func(error)) error {
	fd, err := ws.detach()
	if err != nil {
		return err
	}
	p := &polled{fd: fd, ws: ws, onMsg: onMsg, onEnd: onEnd, buf: make([]byte, 0, 4096)}
	// Bytes the handshake's reader took past the response are the start
	// of the stream.
	if n := ws.br.Buffered(); n > 0 {
		b, _ := ws.br.Peek(n)
		p.buf = append(p.buf, b...)
	}
	l := rs.loops[rs.next.Add(1)%uint32(len(rs.loops))]
	l.mu.Lock()
	l.byFD[int32(fd)] = p
	l.mu.Unlock()
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}); err != nil {
		return fmt.Errorf("epoll add: %w", err)
	}
	if len(p.buf) > 0 {
		l.parse(p)
	}
	return nil
}

// batchWait is how long a loop lets messages gather between polls while
// they keep coming. Waking for every message (60,000 a second) would cost
// the tool, and the server too: on loopback the sender's write pays for
// waking the reader, which a server writing to remote clients never does.
// Measured latencies include this much of the tool's own delay, and more:
// the sleep ends up to a millisecond late when the process is idle.
const batchWait = 200 * time.Microsecond

func (l *readLoop) run() {
	events := make([]syscall.EpollEvent, 512)
	timeout := -1 // block until something comes, then poll while it keeps coming
	for {
		n, err := syscall.EpollWait(l.epfd, events, timeout)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range events[:n] {
			l.mu.Lock()
			p := l.byFD[ev.Fd]
			l.mu.Unlock()
			if p == nil || p.closed {
				continue
			}
			l.read(p)
		}
		if n == 0 {
			timeout = -1
			continue
		}
		timeout = 0
		time.Sleep(batchWait) // in practice up to a millisecond: Go's timers are that coarse when idle
	}
}

// read takes what p's socket has and handles the complete frames in it.
func (l *readLoop) read(p *polled) {
	if cap(p.buf)-len(p.buf) < 1024 {
		p.buf = append(p.buf, make([]byte, 4096)...)[:len(p.buf)]
	}
	n, err := syscall.Read(p.fd, p.buf[len(p.buf):cap(p.buf)])
	switch {
	case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR):
		return
	case err != nil:
		l.end(p, err)
		return
	case n == 0:
		l.end(p, io.EOF)
		return
	}
	p.buf = p.buf[:len(p.buf)+n]
	l.parse(p)
}

// parse handles every complete frame at the front of p.buf.
func (l *readLoop) parse(p *polled) {
	b := p.buf
	for !p.closed && len(b) >= 2 {
		fin, op := b[0]&0x80 != 0, b[0]&0x0f
		if b[1]&0x80 != 0 {
			l.end(p, errors.New("websocket: masked frame from server"))
			return
		}
		n, h := int(b[1]&0x7f), 2
		switch n {
		case 126:
			if len(b) < 4 {
				break
			}
			n, h = int(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			if len(b) < 10 {
				break
			}
			n, h = int(binary.BigEndian.Uint64(b[2:])), 10
		}
		if n >= 126 && h == 2 || n > 1<<20 || len(b) < h+n {
			if n > 1<<20 {
				l.end(p, fmt.Errorf("websocket: frame of %d bytes", n))
				return
			}
			break // incomplete
		}
		payload := b[h : h+n]
		b = b[h+n:]
		switch {
		case op == opPing:
			if err := p.ws.write(opPong, payload); err != nil {
				l.end(p, err)
				return
			}
		case op == opClose:
			code := 1005
			if len(payload) >= 2 {
				code = int(binary.BigEndian.Uint16(payload))
			}
			_ = p.ws.write(opClose, payload[:min(len(payload), 2)])
			l.end(p, &closeError{code: code, reason: string(payload[min(len(payload), 2):])})
			return
		case op == opPong:
		case fin && len(p.frag) == 0:
			p.onMsg(payload)
		default: // part of a fragmented message
			p.frag = append(p.frag, payload...)
			if fin {
				p.onMsg(p.frag)
				p.frag = p.frag[:0]
			}
		}
	}
	p.buf = p.buf[:copy(p.buf, b)]
}

func (l *readLoop) end(p *polled, err error) {
	if p.closed {
		return
	}
	p.closed = true
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, p.fd, nil)
	p.ws.closeFD()
	l.mu.Lock()
	delete(l.byFD, int32(p.fd))
	l.mu.Unlock()
	p.onEnd(err)
}

// detach takes w's socket out of Go's poller: it keeps a duplicate of the
// descriptor (non-blocking, like the original) and closes the net.Conn.
// Writes then go straight to the descriptor.
func (w *wsConn) detach() (int, error) {
	sc, ok := w.c.(syscall.Conn)
	if !ok {
		return 0, errors.New("not a socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(f uintptr) { fd, dupErr = syscall.Dup(int(f)) }); err != nil {
		return 0, err
	}
	if dupErr != nil {
		return 0, dupErr
	}
	syscall.CloseOnExec(fd)
	w.wmu.Lock()
	w.fd = fd
	w.wmu.Unlock()
	_ = w.c.Close()
	return fd, nil
}

// writeFD writes b to the detached descriptor, waiting out a full send
// buffer (which the server's reads empty quickly).
func writeFD(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// closeFD closes the detached descriptor, once.
func (w *wsConn) closeFD() {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if w.fd > 0 {
		_ = syscall.Close(w.fd)
		w.fd = -1
	}
}
