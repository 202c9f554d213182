package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bodydouble/bodydouble/internal/loadguard"
)

// api calls the REST API of one server.
type api struct {
	base string
	hc   *http.Client
}

func newAPI(base string, conns int) *api {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     30 * time.Second,
	}
	return &api{base: base, hc: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// user is one anonymous identity.
type user struct {
	ID    string
	Token string
}

// call sends a JSON request and decodes a JSON answer into out (if not nil).
func (a *api) call(ctx context.Context, method, path, token string, in, out any, want int) error {
	return loadguard.Call(ctx, a.hc, a.base, method, path, token, in, out, want)
}

func (a *api) signup(ctx context.Context) (user, error) {
	var r struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := a.call(ctx, "POST", "/api/auth/anonymous", "", nil, &r, http.StatusCreated); err != nil {
		return user{}, err
	}
	return user{ID: r.User.ID, Token: r.Token}, nil
}

var categories = []string{"deep-work", "study", "creative", "admin", "chores"}

func (a *api) createRoom(ctx context.Context, token, name, category string, capacity int) (string, error) {
	var r struct {
		ID string `json:"id"`
	}
	in := map[string]any{"name": name, "category": category, "maxCapacity": capacity}
	if err := a.call(ctx, "POST", "/api/rooms", token, in, &r, http.StatusCreated); err != nil {
		return "", err
	}
	return r.ID, nil
}

func (a *api) listRoomIDs(ctx context.Context, token string) ([]string, error) {
	var ids []string
	cursor := ""
	for range 1000 {
		var page struct {
			Rooms []struct {
				ID string `json:"id"`
			} `json:"rooms"`
			NextCursor *string `json:"nextCursor"`
		}
		path := "/api/rooms?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if err := a.call(ctx, "GET", path, token, nil, &page, http.StatusOK); err != nil {
			return nil, err
		}
		for _, r := range page.Rooms {
			ids = append(ids, r.ID)
		}
		if page.NextCursor == nil {
			return ids, nil
		}
		cursor = *page.NextCursor
	}
	return ids, nil
}

// parallel runs f(i) for i in [0, n) on at most workers goroutines and
// returns the first error.
func parallel(n, workers int, f func(i int) error) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// signupMany creates n users, workers at a time, and reports the rate.
func (a *api) signupMany(ctx context.Context, n, workers int) ([]user, error) {
	users := make([]user, n)
	start := time.Now()
	err := parallel(n, workers, func(i int) error {
		u, err := a.signup(ctx)
		users[i] = u
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("signup: %w", err)
	}
	d := time.Since(start)
	logf("created %d users in %s (%.0f/s)", n, d.Round(time.Millisecond), float64(n)/d.Seconds())
	return users, nil
}

// createRooms creates n rooms of capacity, named prefix-i, workers at a time.
func (a *api) createRooms(ctx context.Context, token, prefix string, n, capacity, workers int) ([]string, error) {
	ids := make([]string, n)
	start := time.Now()
	err := parallel(n, workers, func(i int) error {
		id, err := a.createRoom(ctx, token, fmt.Sprintf("%s %d", prefix, i+1), categories[i%len(categories)], capacity)
		ids[i] = id
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create rooms: %w", err)
	}
	d := time.Since(start)
	logf("created %d rooms of %d in %s", n, capacity, d.Round(time.Millisecond))
	return ids, nil
}

func logf(format string, args ...any) {
	fmt.Printf("%s  "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
}
