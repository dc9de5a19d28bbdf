package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Options configures Listen.
type Options struct {
	// Metrics serves /metrics; nil serves 404 there.
	Metrics http.Handler
	// Health answers /healthz and /readyz; nil answers both with 200 (a
	// tool such as `triage lag --serve` that has no loop).
	Health *Health
	// Logger receives server errors. Default slog.Default().
	Logger *slog.Logger
	// State serves GET /state (the dedup store's statistics as JSON) so
	// `triage state stats --admin` can read a store a running processor
	// holds locked. Nil: 404.
	State http.Handler
	// ShutdownTimeout bounds graceful shutdown. Default 5s.
	ShutdownTimeout time.Duration
}

// Server is the admin HTTP server.
type Server struct {
	ln  net.Listener
	srv *http.Server
	o   Options
}

// Listen binds addr (":9090", "127.0.0.1:0") so that a port conflict fails
// at startup, before the loop joins the group. Call Run to serve.
func Listen(addr string, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 5 * time.Second
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin: listen %s: %w", addr, err)
	}
	s := &Server{ln: ln, o: o}
	s.srv = &http.Server{
		Handler: s.Handler(),
		// Timeouts keep a slow or stuck client from holding a
		// connection (and a goroutine) forever. A scrape of a large
		// registry takes milliseconds; 30s is generous.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Addr returns the bound address (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Handler returns the mux: /metrics, /healthz, /readyz, and / listing them.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	if s.o.Metrics != nil {
		mux.Handle("GET /metrics", s.o.Metrics)
	}
	if s.o.State != nil {
		mux.Handle("GET /state", s.o.State)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.o.Health == nil {
			writeReport(w, true, nil)
			return
		}
		ok, checks := s.o.Health.Live()
		writeReport(w, ok, checks)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if s.o.Health == nil {
			writeReport(w, true, nil)
			return
		}
		ok, checks := s.o.Health.Ready(r.Context())
		writeReport(w, ok, checks)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "triage admin: /metrics /healthz /readyz /state")
	})
	return mux
}

type report struct {
	Status string  `json:"status"`
	Checks []Check `json:"checks,omitempty"`
}

func writeReport(w http.ResponseWriter, ok bool, checks []Check) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	rep := report{Status: "ok", Checks: checks}
	if !ok {
		rep.Status = "fail"
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}

// Run serves until ctx is cancelled, then shuts down gracefully: in-flight
// requests (a scrape) get ShutdownTimeout to finish. It returns nil after a
// clean shutdown. Run must be called once; its caller owns the serving
// goroutines and waits for them by waiting for Run.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("admin: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.o.ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("admin: shutdown: %w", err)
	}
	return nil
}
