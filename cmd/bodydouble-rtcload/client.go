package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
	"golang.org/x/time/rate"

	"github.com/bodydouble/bodydouble/internal/loadguard"
)

var httpClient = &http.Client{Timeout: 10 * time.Second}

// call does one REST request and decodes a JSON answer of status want.
func call(ctx context.Context, base *url.URL, method, path, token string, body, out any, want int) error {
	return loadguard.Call(ctx, httpClient, base.String(), method, path, token, body, out, want)
}

// outFrame is one frame to write.
type outFrame struct {
	b   []byte
	rtc bool
}

// msg is one server frame.
type msg struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	Ref   string          `json:"ref"`
}

// user is one anonymous participant with one room socket.
type user struct {
	idx   int
	id    string
	token string
	ice   []webrtc.ICEServer
	room  string

	ws    *websocket.Conn
	out   chan outFrame
	lim   *rate.Limiter // nil: unpaced
	links map[string]*link

	mu      sync.Mutex // guards links, waiters and errs
	waiters map[string]chan msg
	errs    map[string]int // code → count of error frames received
	refSeq  atomic.Int64

	dropped    atomic.Int64 // frames not queued: the write queue was full
	eventsSent atomic.Int64 // frames written to the socket
	rtcSent    atomic.Int64 // rtc-offer, rtc-answer, rtc-ice among them
	firstRTC   atomic.Int64 // unix ns of the first and last rtc-* write
	lastRTC    atomic.Int64
}

func signUp(ctx context.Context, base *url.URL, idx int) (*user, error) {
	var id struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := call(ctx, base, "POST", "/api/auth/anonymous", "", nil, &id, http.StatusCreated); err != nil {
		return nil, err
	}
	return &user{idx: idx, id: id.User.ID, token: id.Token, links: map[string]*link{},
		waiters: map[string]chan msg{}, errs: map[string]int{}}, nil
}

// iceServers fetches the user's ICE servers, keeping only UDP transports
// unless tcp is set.
func (u *user) iceServers(ctx context.Context, base *url.URL, tcp bool) error {
	var r struct {
		ICEServers []webrtc.ICEServer `json:"iceServers"`
	}
	if err := call(ctx, base, "GET", "/api/rtc/ice-servers", u.token, nil, &r, http.StatusOK); err != nil {
		return err
	}
	for _, s := range r.ICEServers {
		var urls []string
		for _, l := range s.URLs {
			if !tcp && strings.Contains(l, "transport=tcp") {
				continue
			}
			urls = append(urls, l)
		}
		if len(urls) > 0 {
			s.URLs = urls
			u.ice = append(u.ice, s)
		}
	}
	return nil
}

// dial opens the room socket and starts its reader and paced writer.
func (u *user) dial(ctx context.Context, base *url.URL, pace float64, burst int) error {
	wsURL := "ws://" + base.Host + "/ws"
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(dctx, wsURL, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + u.token}},
		HTTPClient: httpClient,
	})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("dial %s: %d %w", wsURL, resp.StatusCode, err)
		}
		return fmt.Errorf("dial %s: %w", wsURL, err)
	}
	c.SetReadLimit(1 << 20)
	u.ws = c
	u.out = make(chan outFrame, 1024)
	if pace > 0 {
		u.lim = rate.NewLimiter(rate.Limit(pace), burst)
	}
	go u.read(ctx)
	go u.write(ctx)
	return nil
}

func (u *user) write(ctx context.Context) {
	for f := range u.out {
		if u.lim != nil {
			if u.lim.Wait(ctx) != nil {
				return
			}
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := u.ws.Write(wctx, websocket.MessageText, f.b)
		cancel()
		if err != nil {
			return
		}
		u.eventsSent.Add(1)
		if f.rtc {
			now := time.Now().UnixNano()
			u.firstRTC.CompareAndSwap(0, now)
			u.lastRTC.Store(now)
			u.rtcSent.Add(1)
		}
	}
}

func (u *user) read(ctx context.Context) {
	for {
		_, b, err := u.ws.Read(ctx)
		if err != nil {
			u.mu.Lock()
			for ref, w := range u.waiters {
				close(w)
				delete(u.waiters, ref)
			}
			u.mu.Unlock()
			return
		}
		var m msg
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if m.Event == "error" {
			var e struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			_ = json.Unmarshal(m.Data, &e)
			u.mu.Lock()
			u.errs[e.Code]++
			u.mu.Unlock()
		}
		if m.Ref != "" {
			u.mu.Lock()
			w := u.waiters[m.Ref]
			delete(u.waiters, m.Ref)
			u.mu.Unlock()
			if w != nil {
				w <- m
				continue
			}
		}
		switch m.Event {
		case "rtc-offer", "rtc-answer", "rtc-ice":
			var d struct {
				From string `json:"from"`
			}
			_ = json.Unmarshal(m.Data, &d)
			u.mu.Lock()
			l := u.links[d.From]
			u.mu.Unlock()
			if l != nil {
				select {
				case l.in <- m:
				default: // a link that stopped reading; drop
				}
			}
		}
	}
}

// send queues one event; it is written in order, at the pace.
func (u *user) send(event string, data any, ref string) {
	f := map[string]any{"event": event, "data": data}
	if ref != "" {
		f["ref"] = ref
	}
	b, _ := json.Marshal(f)
	select {
	case u.out <- outFrame{b: b, rtc: strings.HasPrefix(event, "rtc-")}:
	default:
		u.dropped.Add(1)
	}
}

// request sends an event with a fresh ref and waits for its reply.
func (u *user) request(ctx context.Context, event string, data any) (msg, error) {
	ref := strconv.FormatInt(u.refSeq.Add(1), 10)
	w := make(chan msg, 1)
	u.mu.Lock()
	u.waiters[ref] = w
	u.mu.Unlock()
	u.send(event, data, ref)
	select {
	case m, ok := <-w:
		if !ok {
			return msg{}, fmt.Errorf("%s: socket closed", event)
		}
		if m.Event == "error" {
			return m, fmt.Errorf("%s: %s", event, m.Data)
		}
		return m, nil
	case <-time.After(10 * time.Second):
		return msg{}, fmt.Errorf("%s: no reply in 10s", event)
	case <-ctx.Done():
		return msg{}, ctx.Err()
	}
}

func (u *user) errors() map[string]int {
	u.mu.Lock()
	defer u.mu.Unlock()
	m := make(map[string]int, len(u.errs))
	for k, v := range u.errs {
		m[k] = v
	}
	return m
}

func (u *user) close() {
	if u.ws != nil {
		_ = u.ws.Close(websocket.StatusNormalClosure, "")
	}
}
