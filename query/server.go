package query

import (
	"compress/gzip"
	"context"
	_ "embed" // the OpenAPI document
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/undertone/undertone/internal/auth"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the OpenAPI 3 document served at /api/v1/openapi.json.
func OpenAPI() []byte { return openAPIDoc }

// Route is one endpoint of the server. A route is either Public (no token)
// or requires Scope; there is no third kind, and a test enumerates Routes()
// to prove it.
type Route struct {
	// Method is the HTTP method; "" accepts any (the handler checks).
	Method string
	// Path is a net/http ServeMux path pattern ("/api/v1/themes", "/").
	Path    string
	Public  bool
	Scope   auth.Scope
	Handler http.Handler
	// API marks routes described in the OpenAPI document.
	API bool
}

// ServerOptions configures NewServer.
type ServerOptions struct {
	Querier *Querier
	Auth    *auth.Authenticator
	Logger  *slog.Logger
	// Registerer receives the request metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Mounts are routes other parts add: the ingest collector
	// (POST /v1/posts, scope ingest), the dashboards ("/", scope read).
	Mounts []Route
	// MaxBodyBytes caps request bodies (serve.max_body_bytes).
	MaxBodyBytes int64
	// CacheTTL caches API results per URL for this long (query.cache_ttl);
	// 0 disables the cache.
	CacheTTL time.Duration
	// Now is the clock for default periods; nil means time.Now.
	Now func() time.Time
}

// MaxQueryBytes caps the raw query string of a request.
const MaxQueryBytes = 4096

// Server is the HTTP handler for the query API, health endpoints and the
// mounted routes. It is safe for concurrent use.
type Server struct {
	opts    ServerOptions
	log     *slog.Logger
	routes  []Route
	mux     *http.ServeMux
	cache   *cache
	reqs    *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// NewServer builds the router. It does no I/O.
func NewServer(opts ServerOptions) (*Server, error) {
	if opts.Querier == nil || opts.Auth == nil {
		return nil, errors.New("query: server needs a Querier and an Authenticator")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 8 << 20
	}
	reg := opts.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	s := &Server{
		opts: opts,
		log:  opts.Logger.With("component", "api"),
		mux:  http.NewServeMux(),
		reqs: promauto.With(reg).NewCounterVec(prometheus.CounterOpts{
			Name: "undertone_api_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: promauto.With(reg).NewHistogramVec(prometheus.HistogramOpts{
			Name: "undertone_api_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.005, .01, .025, .05, .1, .15, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	if opts.CacheTTL > 0 {
		s.cache = newCache(opts.CacheTTL, 2048)
	}
	q := opts.Querier
	maxRows := q.opts.MaxRows
	s.routes = []Route{
		{Method: http.MethodGet, Path: "/healthz", Public: true, Handler: http.HandlerFunc(s.healthz)},
		{Method: http.MethodGet, Path: "/readyz", Public: true, Handler: http.HandlerFunc(s.readyz)},
		{Method: http.MethodGet, Path: "/api/v1/openapi.json", Scope: auth.ScopeRead, API: true, Handler: http.HandlerFunc(s.openapi)},
		{Method: http.MethodGet, Path: "/api/v1/themes", Scope: auth.ScopeRead, API: true,
			Handler: endpoint(s, func(v url.Values, now time.Time) (ThemesRequest, error) { return ParseThemes(v, now) }, q.Themes)},
		{Method: http.MethodGet, Path: "/api/v1/trend", Scope: auth.ScopeRead, API: true,
			Handler: endpoint(s, func(v url.Values, now time.Time) (TrendRequest, error) { return ParseTrend(v, now) }, q.Trend)},
		{Method: http.MethodGet, Path: "/api/v1/movers", Scope: auth.ScopeRead, API: true,
			Handler: endpoint(s, func(v url.Values, now time.Time) (MoversRequest, error) { return ParseMovers(v, now, maxRows) }, q.Movers)},
		{Method: http.MethodGet, Path: "/api/v1/drivers", Scope: auth.ScopeRead, API: true,
			Handler: endpoint(s, func(v url.Values, now time.Time) (DriversRequest, error) { return ParseDrivers(v, now, maxRows) }, q.Drivers)},
		{Method: http.MethodGet, Path: "/api/v1/quotes", Scope: auth.ScopeRead, API: true,
			Handler: endpoint(s, func(v url.Values, now time.Time) (QuotesRequest, error) { return ParseQuotes(v, now) }, q.Quotes)},
		{Method: http.MethodGet, Path: "/api/v1/sov", Scope: auth.ScopeRead, API: true,
			Handler: endpoint(s, func(v url.Values, now time.Time) (SOVRequest, error) { return ParseSOV(v, now) }, q.SOV)},
		{Method: http.MethodGet, Path: "/api/v1/breakdown", Scope: auth.ScopeRead, API: true,
			Handler: endpoint(s, func(v url.Values, now time.Time) (BreakdownRequest, error) { return ParseBreakdown(v, now) }, q.Breakdown)},
		// Unknown API paths: authenticated, then a JSON 404, so an anonymous
		// caller cannot probe which paths exist.
		{Path: "/api/", Scope: auth.ScopeRead, Handler: http.HandlerFunc(notFound)},
	}
	rootMounted := false
	for _, m := range opts.Mounts {
		if !m.Public && m.Scope == "" {
			return nil, fmt.Errorf("query: mount %s %s: neither public nor scoped", m.Method, m.Path)
		}
		if m.Path == "/" {
			rootMounted = true
		}
		s.routes = append(s.routes, m)
	}
	if !rootMounted {
		s.routes = append(s.routes, Route{Path: "/", Scope: auth.ScopeRead, Handler: http.HandlerFunc(notFound)})
	}
	for _, rt := range s.routes {
		pattern := rt.Path
		if rt.Method != "" && !rt.API && !rt.Public {
			pattern = rt.Method + " " + rt.Path
		}
		s.mux.Handle(pattern, s.wrap(rt))
	}
	return s, nil
}

// Routes lists every route the server answers, for tests and docs.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("handler panic", "err", fmt.Sprint(v), "path", r.URL.Path)
			writeError(w, http.StatusInternalServerError, "internal", "internal error", nil)
		}
	}()
	if len(r.URL.RawQuery) > MaxQueryBytes {
		writeError(w, http.StatusBadRequest, "invalid_parameter", fmt.Sprintf("query string longer than %d bytes", MaxQueryBytes), nil)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// wrap adds method checks, auth, rate limiting, body limits, gzip and
// metrics to a route.
func (s *Server) wrap(rt Route) http.Handler {
	name := rt.Path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			s.reqs.WithLabelValues(name, strconv.Itoa(sw.code)).Inc()
			s.latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
		}()
		if rt.Method != "" && (rt.API || rt.Public) && r.Method != rt.Method && !(rt.Method == http.MethodGet && r.Method == http.MethodHead) {
			sw.Header().Set("Allow", rt.Method)
			writeError(sw, http.StatusMethodNotAllowed, "method_not_allowed", "use "+rt.Method, nil)
			return
		}
		if !rt.Public {
			_, ok, retry, err := s.opts.Auth.Allow(r, rt.Scope)
			switch {
			case errors.Is(err, auth.ErrForbidden):
				writeError(sw, http.StatusForbidden, "forbidden", fmt.Sprintf("this token lacks the %q scope", rt.Scope), nil)
				return
			case err != nil:
				sw.Header().Set("WWW-Authenticate", `Bearer realm="undertone"`)
				msg := "missing or invalid bearer token"
				if errors.Is(err, auth.ErrRevoked) {
					msg = "token revoked"
				}
				writeError(sw, http.StatusUnauthorized, "unauthorized", msg, nil)
				return
			case !ok:
				sw.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
				writeError(sw, http.StatusTooManyRequests, "rate_limited", "rate limit exceeded for this token", nil)
				return
			}
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(sw, r.Body, s.opts.MaxBodyBytes)
		}
		h := rt.Handler
		if rt.API {
			h = gzipHandler(h)
		}
		h.ServeHTTP(sw, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes an error. Param and Allowed are set for 400s on a
// parameter.
type ErrorDetail struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
	Allowed string `json:"allowed,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, msg string, pe *ParamError) {
	d := ErrorDetail{Status: status, Code: code, Message: msg}
	if pe != nil {
		d.Param, d.Allowed = pe.Param, pe.Allowed
	}
	writeJSON(w, status, ErrorBody{Error: d})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"status":500,"code":"internal","message":"encoding failed"}}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.URL.Path+" (see /api/v1/openapi.json)", nil)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.opts.Querier.Ping(r.Context()); err != nil {
		s.log.Warn("not ready", "err", err)
		writeError(w, http.StatusServiceUnavailable, "unavailable", "clickhouse is not reachable or the schema is missing", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request) {
	writeRaw(w, http.StatusOK, openAPIDoc)
}

// endpoint adapts a parse function and a query method into a handler:
// 400 on a bad parameter, 503 when ClickHouse is down or too slow, 500 on
// anything else (logged), 200 with the JSON result.
func endpoint[R, T any](s *Server, parse func(url.Values, time.Time) (R, error), run func(context.Context, R) (T, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		req, err := parse(v, s.opts.Now())
		if err != nil {
			var pe *ParamError
			if errors.As(err, &pe) {
				writeError(w, http.StatusBadRequest, "invalid_parameter", pe.Error(), pe)
				return
			}
			writeError(w, http.StatusBadRequest, "invalid_parameter", err.Error(), nil)
			return
		}
		key := r.URL.Path + "?" + v.Encode()
		if s.cache != nil {
			if b, ok := s.cache.get(key); ok {
				w.Header().Set("X-Cache", "hit")
				writeRaw(w, http.StatusOK, b)
				return
			}
		}
		res, err := run(r.Context(), req)
		if err != nil {
			s.queryError(w, r, err)
			return
		}
		b, err := json.Marshal(res)
		if err != nil {
			s.queryError(w, r, err)
			return
		}
		if s.cache != nil {
			s.cache.put(key, b)
		}
		writeRaw(w, http.StatusOK, b)
	})
}

func (s *Server) queryError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrTimeout):
		s.log.Warn("query timed out", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "timeout", "the query took longer than the configured timeout; narrow the period or filters", nil)
	case errors.Is(err, ErrUnavailable):
		s.log.Warn("clickhouse unavailable", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the store is unavailable; retry later", nil)
	case errors.Is(err, context.Canceled):
		// The client went away; nothing to answer.
	default:
		s.log.Error("query failed", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error", nil)
	}
}

// ---- gzip ----

var gzPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }}

type gzipWriter struct {
	http.ResponseWriter
	gz *gzip.Writer
}

func (g *gzipWriter) Write(b []byte) (int, error) { return g.gz.Write(b) }

func (g *gzipWriter) WriteHeader(code int) {
	g.Header().Del("Content-Length")
	g.ResponseWriter.WriteHeader(code)
}

func gzipHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.ServeHTTP(w, r)
			return
		}
		gz := gzPool.Get().(*gzip.Writer)
		gz.Reset(w)
		defer func() {
			_ = gz.Close()
			gzPool.Put(gz)
		}()
		w.Header().Set("Content-Encoding", "gzip")
		h.ServeHTTP(&gzipWriter{ResponseWriter: w, gz: gz}, r)
	})
}

func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		_, q, ok := strings.Cut(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}

// ---- cache ----

type cacheEntry struct {
	b   []byte
	exp time.Time
}

// cache is a small TTL cache of encoded results. When full it drops
// expired entries, then everything (results are cheap to recompute).
type cache struct {
	mu  sync.Mutex
	ttl time.Duration
	max int
	m   map[string]cacheEntry
}

func newCache(ttl time.Duration, size int) *cache {
	return &cache{ttl: ttl, max: size, m: map[string]cacheEntry{}}
}

func (c *cache) get(k string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Now().After(e.exp) {
		return nil, false
	}
	return e.b, true
}

func (c *cache) put(k string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		now := time.Now()
		for k, e := range c.m {
			if now.After(e.exp) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[k] = cacheEntry{b: b, exp: time.Now().Add(c.ttl)}
}

// HTTPOptions are the http.Server limits (serve.*).
type HTTPOptions struct {
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
}

// NewHTTPServer returns an http.Server for h with header/body timeouts and
// size limits set. The caller runs ListenAndServe and Shutdown.
func NewHTTPServer(addr string, h http.Handler, o HTTPOptions) *http.Server {
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 60 * time.Second
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
}
