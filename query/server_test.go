package query_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/undertone/undertone/internal/auth"
	"github.com/undertone/undertone/query"
)

const (
	readTok    = "ut_test_reader"
	ingestTok  = "ut_test_ingest"
	revokedTok = "ut_test_revoked"
)

// newServer builds a server whose ClickHouse is unreachable: everything up
// to the query runs for real, and queries fail with 503.
func newServer(t *testing.T, rate float64, mounts ...query.Route) *query.Server {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{"127.0.0.1:1"}, DialTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	q, err := query.New(conn, query.Options{Database: "undertone", MinAuthors: 5, MaxRows: 100, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(auth.Options{Tokens: []auth.Token{
		{Name: "reader", SHA256: auth.Hash(readTok), Scopes: []string{"read"}},
		{Name: "collector", SHA256: auth.Hash(ingestTok), Scopes: []string{"ingest"}},
		{Name: "old", SHA256: auth.Hash(revokedTok), Scopes: []string{"read"}, Revoked: true},
	}, Rate: rate, Burst: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := query.NewServer(query.ServerOptions{Querier: q, Auth: a, Mounts: mounts,
		Now: func() time.Time { return time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func do(t *testing.T, h http.Handler, method, target, token string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func errBody(t *testing.T, w *httptest.ResponseRecorder) query.ErrorDetail {
	t.Helper()
	var b query.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body %q: %v", w.Body.String(), err)
	}
	if b.Error.Status != w.Code || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("inconsistent error body %+v for status %d", b.Error, w.Code)
	}
	return b.Error
}

var ingestHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })

// TestEveryRouteIsProtectedOrPublic enumerates the router: only /healthz and
// /readyz answer without a token; every other route answers 401 without one
// and 403 with a token lacking its scope.
func TestEveryRouteIsProtectedOrPublic(t *testing.T) {
	s := newServer(t, 0, query.Route{Method: http.MethodPost, Path: "/v1/posts", Scope: auth.ScopeIngest, Handler: ingestHandler})
	public := []string{"/healthz", "/readyz"}
	for _, rt := range s.Routes() {
		method := rt.Method
		if method == "" {
			method = http.MethodGet
		}
		path := strings.TrimSuffix(rt.Path, "/") + "/"
		if !strings.HasSuffix(rt.Path, "/") {
			path = rt.Path
		}
		if rt.Public {
			if !slices.Contains(public, rt.Path) {
				t.Errorf("route %s is public but not in the explicit public list", rt.Path)
			}
			continue
		}
		if rt.Scope == "" {
			t.Errorf("route %s has no scope", rt.Path)
		}
		for _, tok := range []string{"", "ut_wrong", revokedTok, auth.Hash(readTok)} {
			if w := do(t, s, method, path, tok); w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with token %q: %d, want 401", method, path, tok, w.Code)
			} else {
				errBody(t, w)
			}
		}
		other := ingestTok
		if rt.Scope == auth.ScopeIngest {
			other = readTok
		}
		if w := do(t, s, method, path, other); w.Code != http.StatusForbidden {
			t.Errorf("%s %s with a token lacking %s: %d, want 403", method, path, rt.Scope, w.Code)
		}
	}
	for _, p := range public {
		if w := do(t, s, http.MethodGet, p, ""); w.Code == http.StatusUnauthorized {
			t.Errorf("%s requires a token", p)
		}
	}
	if w := do(t, s, http.MethodPost, "/v1/posts", ingestTok); w.Code != http.StatusAccepted {
		t.Errorf("mounted ingest route: %d", w.Code)
	}
}

type openAPIDoc struct {
	Paths map[string]map[string]struct {
		Parameters []struct {
			Ref string `json:"$ref"`
		} `json:"parameters"`
		Responses map[string]any `json:"responses"`
	} `json:"paths"`
	Components struct {
		Parameters map[string]struct {
			Name     string `json:"name"`
			Required bool   `json:"required"`
		} `json:"parameters"`
	} `json:"components"`
}

// TestOpenAPIMatchesRouter walks the router and the document both ways:
// same paths and methods, and per operation the same parameter names as
// the handler accepts (read from the handler's own unknown-parameter 400).
func TestOpenAPIMatchesRouter(t *testing.T) {
	s := newServer(t, 0)
	var doc openAPIDoc
	if err := json.Unmarshal(query.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	for _, rt := range s.Routes() {
		if rt.API {
			routes[rt.Path] = strings.ToLower(rt.Method)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if routes[p] != m {
				t.Errorf("documented %s %s is not a route", m, p)
			}
		}
	}
	for p, m := range routes {
		op, ok := doc.Paths[p][m]
		if !ok {
			t.Errorf("route %s %s is not documented", m, p)
			continue
		}
		var documented []string
		for _, ref := range op.Parameters {
			documented = append(documented, doc.Components.Parameters[strings.TrimPrefix(ref.Ref, "#/components/parameters/")].Name)
		}
		sort.Strings(documented)
		w := do(t, s, http.MethodGet, p+"?zz_unknown=1", readTok)
		if p == "/api/v1/openapi.json" {
			if w.Code != http.StatusOK || len(documented) != 0 {
				t.Errorf("openapi.json: %d, params %v", w.Code, documented)
			}
			continue
		}
		e := errBody(t, w)
		if w.Code != http.StatusBadRequest || e.Param != "zz_unknown" {
			t.Errorf("%s: unknown parameter not rejected: %d %+v", p, w.Code, e)
			continue
		}
		_, list, _ := strings.Cut(e.Allowed, "accepts: ")
		accepted := strings.Split(list, ", ")
		sort.Strings(accepted)
		if !slices.Equal(accepted, documented) {
			t.Errorf("%s: handler accepts %v, document lists %v", p, accepted, documented)
		}
		for _, code := range []string{"200", "400", "401", "403", "429", "503"} {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s: response %s undocumented", p, code)
			}
		}
	}
}

var manySources = func() string {
	var s []string
	for i := range 21 {
		s = append(s, "s"+string(rune('a'+i)))
	}
	return strings.Join(s, ",")
}()

func TestBadParameters(t *testing.T) {
	s := newServer(t, 0)
	cases := []struct {
		target, param string
	}{
		{"/api/v1/themes", "topic"},
		{"/api/v1/themes?topic=a,b", "topic"},
		{"/api/v1/themes?topic=Acme%20Phone", "topic"},
		{"/api/v1/themes?topic=acme&period=7y", "period"},
		{"/api/v1/themes?topic=acme&period=9999d", "period"},
		{"/api/v1/themes?topic=acme&period=7d&from=2026-01-01", "period"},
		{"/api/v1/themes?topic=acme&from=2026-02-30", "from"},
		{"/api/v1/themes?topic=acme&from=2026-03-10&to=2026-03-01", "from"},
		{"/api/v1/themes?topic=acme&from=1999-01-01", "from"},
		{"/api/v1/themes?topic=acme&to=tomorrow", "to"},
		{"/api/v1/themes?topic=acme&sentiment=angry", "sentiment"},
		{"/api/v1/themes?topic=acme&theme=fear", "theme"},
		{"/api/v1/themes?topic=acme&lang=EN", "lang"},
		{"/api/v1/themes?topic=acme&source=" + manySources, "source"},
		{"/api/v1/themes?topic=" + strings.Repeat("a", 65), "topic"},
		{"/api/v1/themes?topic=acme&topic=beta", "topic"},
		{"/api/v1/trend?topic=acme&interval=month", "interval"},
		{"/api/v1/movers?by=author", "by"},
		{"/api/v1/movers?min_volume=0", "min_volume"},
		{"/api/v1/movers?alpha=NaN", "alpha"},
		{"/api/v1/movers?limit=101", "limit"},
		{"/api/v1/drivers?topic=acme", "theme"},
		{"/api/v1/drivers?topic=acme&theme=fears&kind=people", "kind"},
		{"/api/v1/quotes?topic=acme&theme=fears,joys", "theme"},
		{"/api/v1/quotes?topic=acme&theme=fears&limit=51", "limit"},
		{"/api/v1/quotes?topic=acme&theme=fears&order=random", "order"},
		{"/api/v1/sov?theme=fears,joys", "theme"},
	}
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			w := do(t, s, http.MethodGet, c.target, readTok)
			e := errBody(t, w)
			if w.Code != http.StatusBadRequest || e.Param != c.param || e.Allowed == "" {
				t.Fatalf("%d %+v, want 400 naming %s", w.Code, e, c.param)
			}
		})
	}
}

// injections are classic SQL injection payloads. Every parameter of every
// endpoint must refuse them with a 400 before any SQL runs (the queries
// bind values anyway; see the integration test for the binding itself).
var injections = []string{
	"' OR 1=1 --", "acme'; DROP TABLE posts; --", "acme\\' OR \\'1\\'=\\'1", "acme) UNION SELECT text FROM posts --",
	"1; SELECT 1", "acme/**/OR/**/1=1", "@topic", "{topic:String}", "acme\x00", "$1", "?",
}

func TestSQLInjectionEveryParameter(t *testing.T) {
	s := newServer(t, 0)
	base := map[string]url.Values{
		"/api/v1/themes":    {"topic": {"acme"}},
		"/api/v1/trend":     {"topic": {"acme"}},
		"/api/v1/movers":    {},
		"/api/v1/drivers":   {"topic": {"acme"}, "theme": {"fears"}},
		"/api/v1/quotes":    {"topic": {"acme"}, "theme": {"fears"}},
		"/api/v1/sov":       {},
		"/api/v1/breakdown": {"topic": {"acme"}, "by": {"source"}},
	}
	params := []string{"topic", "period", "from", "to", "source", "lang", "sentiment", "theme", "interval", "by", "min_volume", "alpha", "limit", "kind", "min_count", "order"}
	for path, b := range base {
		for _, p := range params {
			for _, inj := range injections {
				v := url.Values{}
				for k, vs := range b {
					v[k] = vs
				}
				v.Set(p, inj)
				w := do(t, s, http.MethodGet, path+"?"+v.Encode(), readTok)
				if w.Code != http.StatusBadRequest {
					t.Errorf("%s %s=%q: %d %s", path, p, inj, w.Code, w.Body.String())
					continue
				}
				if e := errBody(t, w); e.Param != p {
					t.Errorf("%s %s=%q: error names %q", path, p, inj, e.Param)
				}
			}
		}
	}
}

func TestClickHouseDownIs503(t *testing.T) {
	s := newServer(t, 0)
	for _, target := range []string{"/api/v1/themes?topic=acme", "/api/v1/sov", "/api/v1/movers?by=entity", "/api/v1/quotes?topic=acme&theme=fears", "/readyz"} {
		w := do(t, s, http.MethodGet, target, readTok)
		if e := errBody(t, w); w.Code != http.StatusServiceUnavailable || e.Code != "unavailable" {
			t.Errorf("%s: %d %+v, want 503 unavailable", target, w.Code, e)
		}
	}
	if w := do(t, s, http.MethodGet, "/healthz", ""); w.Code != http.StatusOK {
		t.Errorf("healthz %d", w.Code)
	}
}

func TestRateLimit(t *testing.T) {
	s := newServer(t, 0.001)
	if w := do(t, s, http.MethodGet, "/api/v1/openapi.json", readTok); w.Code != http.StatusOK {
		t.Fatalf("first: %d", w.Code)
	}
	w := do(t, s, http.MethodGet, "/api/v1/openapi.json", readTok)
	if e := errBody(t, w); w.Code != http.StatusTooManyRequests || e.Code != "rate_limited" || w.Header().Get("Retry-After") == "" {
		t.Fatalf("second: %d %+v", w.Code, e)
	}
}

func TestMiscErrors(t *testing.T) {
	s := newServer(t, 0)
	if w := do(t, s, http.MethodGet, "/api/v1/nope", readTok); w.Code != http.StatusNotFound || errBody(t, w).Code != "not_found" {
		t.Errorf("unknown api path: %d", w.Code)
	}
	if w := do(t, s, http.MethodGet, "/api/v1/nope", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("unknown api path without token: %d, want 401", w.Code)
	}
	if w := do(t, s, http.MethodGet, "/elsewhere", readTok); w.Code != http.StatusNotFound {
		t.Errorf("unknown path: %d", w.Code)
	}
	if w := do(t, s, http.MethodPost, "/api/v1/themes?topic=acme", readTok); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET" {
		t.Errorf("POST: %d", w.Code)
	} else {
		errBody(t, w)
	}
	long := "/api/v1/themes?topic=acme&source=" + strings.Repeat("x", query.MaxQueryBytes)
	if w := do(t, s, http.MethodGet, long, readTok); w.Code != http.StatusBadRequest {
		t.Errorf("oversized query: %d", w.Code)
	}
}

func TestGzip(t *testing.T) {
	s := newServer(t, 0)
	r := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
	r.Header.Set("Authorization", "Bearer "+readTok)
	r.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(bytes.TrimSpace(b), bytes.TrimSpace(query.OpenAPI())) {
		t.Fatalf("gunzipped body differs (err %v)", err)
	}
	if w := do(t, s, http.MethodGet, "/api/v1/openapi.json", readTok); w.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzip without Accept-Encoding")
	}
}

func TestMountNeedsAccessDecision(t *testing.T) {
	conn, _ := clickhouse.Open(&clickhouse.Options{Addr: []string{"127.0.0.1:1"}})
	defer conn.Close()
	q, _ := query.New(conn, query.Options{Database: "undertone"})
	a, _ := auth.New(auth.Options{})
	if _, err := query.NewServer(query.ServerOptions{Querier: q, Auth: a, Mounts: []query.Route{{Path: "/x", Handler: ingestHandler}}}); err == nil {
		t.Fatal("a mount that is neither public nor scoped was accepted")
	}
}

// TestServeWiringRoutes mirrors `undertone serve`: the collector needs the
// ingest scope and the dashboards shell at / is the one explicitly public
// mount (static pages without data; they call the API with a token). The
// API stays protected behind it.
func TestServeWiringRoutes(t *testing.T) {
	ui := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>")) })
	s := newServer(t, 0,
		query.Route{Method: http.MethodPost, Path: "/v1/posts", Scope: auth.ScopeIngest, Handler: ingestHandler},
		query.Route{Path: "/", Public: true, Handler: ui})
	explicitlyPublic := map[string]bool{"/healthz": true, "/readyz": true, "/": true}
	for _, rt := range s.Routes() {
		if rt.Public && !explicitlyPublic[rt.Path] {
			t.Errorf("unexpected public route %s", rt.Path)
		}
	}
	if w := do(t, s, http.MethodGet, "/topic", ""); w.Code != http.StatusOK {
		t.Errorf("dashboards page: %d", w.Code)
	}
	for _, p := range []string{"/api/v1/themes?topic=a", "/api/v1/openapi.json", "/api/v1/nope", "/api/"} {
		if w := do(t, s, http.MethodGet, p, ""); w.Code != http.StatusUnauthorized {
			t.Errorf("%s without token behind a public /: %d", p, w.Code)
		}
	}
	if w := do(t, s, http.MethodPost, "/v1/posts", readTok); w.Code != http.StatusForbidden {
		t.Errorf("collector with a read token: %d", w.Code)
	}
}
