package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// runBaseline serves one constant answer with nothing but net/http: the
// ceiling that wrk can reach on this machine, against which the real API
// is compared.
func runBaseline(args []string) error {
	fs := newFlags("baseline")
	addr := fs.String("addr", "127.0.0.1:18081", "loopback address to listen on")
	size := fs.Int("size", 0, "answer size in bytes (0: a small JSON object)")
	limit := fs.Duration("for", 10*time.Minute, "stop serving after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if host, _, err := net.SplitHostPort(*addr); err != nil || !strings.HasPrefix(host, "127.") {
		return fmt.Errorf("-addr %q: must be a 127.x.x.x address", *addr)
	}
	body := []byte(`{"ok":true}`)
	if *size > 0 {
		body = bytes.Repeat([]byte("x"), *size)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	go func() {
		<-ctx.Done()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Printf("baseline listening on http://%s (pid %d, %d-byte answer)\n", ln.Addr(), os.Getpid(), len(body))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
