package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestHealth(t *testing.T) {
	brokerDown := func(context.Context) error { return errors.New("dial refused") }
	brokerUp := func(context.Context) error { return nil }
	tests := []struct {
		name      string
		broker    func(context.Context) error
		maxLag    time.Duration
		lag       time.Duration
		setup     func(h *Health, c *clock)
		live      bool
		ready     bool
		failCheck string // a check expected to fail
	}{
		{name: "fresh process is alive, not ready", broker: brokerUp,
			setup: func(h *Health, c *clock) {}, live: true, ready: false, failCheck: "group"},
		{name: "joined and beating", broker: brokerUp,
			setup: func(h *Health, c *clock) { h.SetJoined(true); h.Beat() }, live: true, ready: true},
		{name: "stale heartbeat", broker: brokerUp,
			setup: func(h *Health, c *clock) { h.SetJoined(true); h.Beat(); c.t = c.t.Add(2 * time.Minute) },
			live:  false, ready: false, failCheck: "loop"},
		{name: "long restore stays alive but not ready", broker: brokerUp,
			setup: func(h *Health, c *clock) {
				h.SetJoined(true)
				h.Beat()
				h.SetRestoring(3)
				c.t = c.t.Add(time.Hour)
			}, live: true, ready: false, failCheck: "state"},
		{name: "restore finished", broker: brokerUp,
			setup: func(h *Health, c *clock) { h.SetJoined(true); h.SetRestoring(3); h.SetRestoring(0); h.Beat() },
			live:  true, ready: true},
		{name: "broker down", broker: brokerDown,
			setup: func(h *Health, c *clock) { h.SetJoined(true); h.Beat() }, live: true, ready: false, failCheck: "broker"},
		{name: "lag over threshold", broker: brokerUp, maxLag: time.Minute, lag: 5 * time.Minute,
			setup: func(h *Health, c *clock) { h.SetJoined(true); h.Beat() }, live: true, ready: false, failCheck: "lag"},
		{name: "lag under threshold", broker: brokerUp, maxLag: time.Minute, lag: time.Second,
			setup: func(h *Health, c *clock) { h.SetJoined(true); h.Beat() }, live: true, ready: true},
		{name: "left group", broker: brokerUp,
			setup: func(h *Health, c *clock) { h.SetJoined(true); h.Beat(); h.SetJoined(false) }, live: true, ready: false, failCheck: "group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Unix(1_700_000_000, 0)}
			h := NewHealth(HealthOptions{LivenessTimeout: time.Minute, Broker: tt.broker, MaxLag: tt.maxLag,
				Lag: func() time.Duration { return tt.lag }, Now: c.now})
			tt.setup(h, c)
			live, _ := h.Live()
			ready, checks := h.Ready(context.Background())
			if live != tt.live || ready != tt.ready {
				t.Fatalf("live=%v ready=%v, want %v %v (%+v)", live, ready, tt.live, tt.ready, checks)
			}
			if tt.failCheck != "" {
				found := false
				for _, c := range checks {
					if c.Name == tt.failCheck && !c.OK {
						found = true
					}
				}
				if !found {
					t.Errorf("check %q did not fail: %+v", tt.failCheck, checks)
				}
			}
		})
	}
}

func TestServer(t *testing.T) {
	h := NewHealth(HealthOptions{})
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "triage_up 1\n") })
	s, err := Listen("127.0.0.1:0", Options{Metrics: metrics, Health: h})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	base := "http://" + s.Addr()
	tests := []struct {
		path   string
		code   int
		status string // JSON status, or a body substring for /metrics
	}{
		{"/metrics", 200, "triage_up 1"},
		{"/healthz", 200, `"status":"ok"`},
		{"/readyz", 503, `"status":"fail"`},
		{"/nope", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code || !strings.Contains(string(b), tt.status) {
				t.Errorf("%s: %d %s", tt.path, resp.StatusCode, b)
			}
		})
	}
	h.SetJoined(true)
	h.Beat()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || rep.Status != "ok" {
		t.Errorf("ready after join: %d %+v", resp.StatusCode, rep)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still answering after shutdown")
	}
}

func TestListenConflict(t *testing.T) {
	s, err := Listen("127.0.0.1:0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.ln.Close()
	if _, err := Listen(s.Addr(), Options{}); err == nil || !strings.Contains(err.Error(), "admin: listen") {
		t.Errorf("second Listen: %v", err)
	}
}
