//go:build !linux

package main

// readers is a goroutine per socket where there is no epoll.
type readers struct{}

func newReaders() (*readers, error) { return &readers{}, nil }

func (rs *readers) add(ws *wsConn, onMsg func([]byte), onEnd func(error)) error {
	go func() {
		for {
			msg, err := ws.readMessage()
			if err != nil {
				onEnd(err)
				return
			}
			onMsg(msg)
		}
	}()
	return nil
}

func writeFD(int, []byte) error { panic("no detached sockets here") }

func (w *wsConn) closeFD() {}
