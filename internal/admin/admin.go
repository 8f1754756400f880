// Package admin serves the operational HTTP endpoints every long-running
// Undertone process exposes: /metrics (Prometheus), /healthz (liveness) and
// /readyz (readiness from registered checks).
//
// Liveness says the process is up and serving; it never depends on Kafka or
// ClickHouse, so an orchestrator does not restart a healthy process because a
// dependency is down. Readiness runs the registered checks (is the broker
// reachable, is the store writable) and turns false as soon as shutdown
// begins, so traffic drains before the process stops.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check reports whether one dependency is ready. It must return promptly
// once ctx is done and be safe for concurrent use.
type Check func(ctx context.Context) error

// Config configures the admin server.
type Config struct {
	// Addr is the listen address, host:port; ":0" picks a free port.
	Addr string
	// ShutdownTimeout bounds the graceful shutdown of in-flight requests.
	ShutdownTimeout time.Duration
	// CheckTimeout bounds each readiness check; 0 means 2s.
	CheckTimeout time.Duration
}

// Settings carries the dependencies the caller wires in.
type Settings struct {
	Logger *slog.Logger
	// Gatherer is what /metrics exposes, normally the process's
	// *prometheus.Registry; nil serves an empty registry.
	Gatherer prometheus.Gatherer
}

// Server is the admin HTTP server. Create it with New, register checks with
// AddCheck, then call Run. Its methods are safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	gatherer prometheus.Gatherer
	handler  http.Handler

	mu     sync.Mutex
	checks map[string]Check
	ln     net.Listener

	stopping atomic.Bool
}

// New returns a Server that is not listening yet.
func New(cfg Config, set Settings) *Server {
	if cfg.CheckTimeout <= 0 {
		cfg.CheckTimeout = 2 * time.Second
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	s := &Server{cfg: cfg, log: set.Logger, gatherer: set.Gatherer, checks: map[string]Check{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With("component", "admin")
	if s.gatherer == nil {
		s.gatherer = prometheus.NewRegistry()
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{ErrorLog: slogErrorLog{s.log}}))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	s.handler = mux
	return s
}

// AddCheck registers a readiness check under name (replacing one with the
// same name). Checks run concurrently on every /readyz request.
func (s *Server) AddCheck(name string, c Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = c
}

// Handler returns the admin endpoints, for tests or for mounting elsewhere.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen binds the configured address without serving yet and returns the
// bound address (useful with ":0"). Run calls it when it was not called.
func (s *Server) Listen() (net.Addr, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr(), nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("admin: listen %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return ln.Addr(), nil
}

// Run serves until ctx is done, then marks the process not ready and shuts
// down gracefully within Config.ShutdownTimeout. It blocks; it returns nil
// after a clean shutdown and an error when listening or serving fails.
func (s *Server) Run(ctx context.Context) error {
	addr, err := s.Listen()
	if err != nil {
		return err
	}
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.log.Info("admin listening", "addr", addr.String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("admin: serve: %w", err)
	case <-ctx.Done():
	}
	s.MarkShuttingDown()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("admin: shutdown: %w", err)
	}
	return nil
}

// MarkShuttingDown makes /readyz answer 503 "shutting_down" from now on,
// while /metrics and /healthz keep serving. Callers use it when shutdown
// begins, before draining work; Run also calls it when its ctx is done.
func (s *Server) MarkShuttingDown() { s.stopping.Store(true) }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readiness is the /readyz response body.
type readiness struct {
	Status string            `json:"status"` // ok, unavailable, shutting_down
	Checks map[string]string `json:"checks"` // name -> "ok" or the error
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	res := readiness{Status: "ok", Checks: map[string]string{}}
	if s.stopping.Load() {
		res.Status = "shutting_down"
	} else {
		s.mu.Lock()
		names := make([]string, 0, len(s.checks))
		for n := range s.checks {
			names = append(names, n)
		}
		checks := make([]Check, len(names))
		sort.Strings(names)
		for i, n := range names {
			checks[i] = s.checks[n]
		}
		s.mu.Unlock()

		errs := make([]error, len(checks))
		var wg sync.WaitGroup
		for i, c := range checks {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(r.Context(), s.cfg.CheckTimeout)
				defer cancel()
				errs[i] = runCheck(ctx, c)
			})
		}
		wg.Wait()
		for i, n := range names {
			if errs[i] != nil {
				res.Status = "unavailable"
				res.Checks[n] = errs[i].Error()
				continue
			}
			res.Checks[n] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if res.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(res)
}

// runCheck runs c, turning a panic into an error so one broken check cannot
// take the admin server down.
func runCheck(ctx context.Context, c Check) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check panicked: %v", p)
		}
	}()
	return c(ctx)
}

// slogErrorLog adapts slog to promhttp's ErrorLog.
type slogErrorLog struct{ log *slog.Logger }

func (l slogErrorLog) Println(v ...any) {
	l.log.Error("metrics handler error", "err", fmt.Sprint(v...))
}
