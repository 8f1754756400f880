// Package dashboards serves the analyst web UI: a handful of pages (Overview,
// Topic, Compare, Explore, Login) built from plain HTML, CSS and JavaScript
// modules, with Apache ECharts vendored under static/vendor. Everything is
// embedded in the binary; the browser talks to the query API under /api/v1 on
// the same origin with the same token auth.
//
// The Grafana dashboards for the ClickHouse datasource live in
// dashboards/grafana and are not served by the handler.
package dashboards

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed static templates
var content embed.FS

// GrafanaFS holds the Grafana dashboard JSON files (grafana/*.json).
//
//go:embed grafana/*.json
var GrafanaFS embed.FS

// Pages are the URL paths that render the single-page shell; the browser
// router picks the page from the path and its state from the query string.
var Pages = []string{"/", "/topic", "/compare", "/explore", "/login"}

// Options configures Handler.
type Options struct {
	// AuthMode is "tokens" (the UI asks for an API token on a login page and
	// sends it as a bearer header) or "none" (local mode, no login).
	// Empty means "tokens".
	AuthMode string
	// APIBase is the path prefix of the query API. Empty means "/api/v1".
	APIBase string
	// Title is shown in the header and the page title. Empty means "Undertone".
	Title string
	// Topics is the configured taxonomy (config/topics.yaml): ids with
	// display names, so the UI can name topics and offer them in pickers.
	// With AuthMode "none" it is rendered into the page; with tokens the UI
	// reads it from GET /api/v1/topics (mount TopicsHandler there, scope
	// read). Without either, the UI lists the topics the API has data for,
	// by id.
	Topics []Topic
	Logger *slog.Logger
}

// Topic is one tracked topic as the UI shows it.
type Topic struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"`  // brand, product, competitor
	Brand string `json:"brand,omitempty"` // products: the brand's id
}

// Handler returns the dashboards handler, to be mounted at "/" next to the
// API. It serves the page shell for the paths in Pages, the embedded static
// assets under /static/ and /static/v-<hash>/ (content-versioned, cached for
// a year), and 404 for anything else. It is safe for concurrent use.
func Handler(opts Options) http.Handler {
	if opts.AuthMode == "" {
		opts.AuthMode = "tokens"
	}
	if opts.APIBase == "" {
		opts.APIBase = "/api/v1"
	}
	opts.APIBase = strings.TrimRight(opts.APIBase, "/")
	if opts.Title == "" {
		opts.Title = "Undertone"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	static, err := fs.Sub(content, "static")
	if err != nil {
		panic(err) // embedded layout is fixed at compile time
	}
	h := &handler{
		opts:    opts,
		static:  static,
		version: assetVersion(static),
		index:   template.Must(template.ParseFS(content, "templates/index.html")),
	}
	var buf bytes.Buffer
	if err := h.index.Execute(&buf, h.data()); err != nil {
		panic(err) // the template and its data are fixed at compile time
	}
	h.page = buf.Bytes()
	pageTag := sha256.Sum256(h.page)
	h.pageETag = `"` + hex.EncodeToString(pageTag[:8]) + `"`
	return h
}

type handler struct {
	opts     Options
	static   fs.FS
	version  string
	index    *template.Template
	page     []byte
	pageETag string
}

type indexData struct {
	Title    string
	AuthMode string
	APIBase  string
	Static   string
	Topics   string // JSON, escaped into an attribute by html/template
}

func (h *handler) data() indexData {
	// The shell is public: in tokens mode the taxonomy (which brands and
	// competitors are tracked) stays behind the API's auth (TopicsHandler).
	topics := h.opts.Topics
	if topics == nil || h.opts.AuthMode != "none" {
		topics = []Topic{}
	}
	b, _ := json.Marshal(topics) // strings only: cannot fail
	return indexData{
		Title:    h.opts.Title,
		AuthMode: h.opts.AuthMode,
		APIBase:  h.opts.APIBase,
		Static:   "/static/v-" + h.version,
		Topics:   string(b),
	}
}

// csp allows only same-origin scripts, styles, images and API calls.
// style-src needs 'unsafe-inline' because ECharts positions its tooltips
// with inline style attributes.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	switch {
	case isPage(p):
		hdr.Set("Content-Security-Policy", csp)
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("ETag", h.pageETag)
		if match := r.Header.Get("If-None-Match"); match != "" && match == h.pageETag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(h.page)
	case strings.HasPrefix(p, "/static/"):
		h.serveStatic(w, r, strings.TrimPrefix(p, "/static/"))
	case p == "/favicon.ico":
		h.serveStatic(w, r, "favicon.svg")
	default:
		http.NotFound(w, r)
	}
}

func isPage(p string) bool {
	if p != "/" {
		p = strings.TrimRight(p, "/")
	}
	for _, pg := range Pages {
		if p == pg {
			return true
		}
	}
	return false
}

// serveStatic serves name from the embedded static tree. A "v-<hash>/"
// prefix marks a content-versioned URL: it is cached as immutable for a
// year, and a stale hash (an old page asking a new binary) still serves the
// current file but without the long cache lifetime.
func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	cache := "no-cache"
	if v, rest, ok := strings.Cut(name, "/"); ok && strings.HasPrefix(v, "v-") {
		name = rest
		if v == "v-"+h.version {
			cache = "public, max-age=31536000, immutable"
		}
	}
	name = path.Clean("/" + name)[1:]
	if name == "" || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(h.static, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := contentType(name)
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", cache)
	sum := sha256.Sum256(b)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// contentType maps the few extensions the UI ships; the platform MIME table
// varies between machines, so the important ones are pinned here.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	case ".png":
		return "image/png"
	case "":
		return "text/plain; charset=utf-8" // LICENSE, NOTICE, VERSION
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		return ct
	}
	return "text/plain; charset=utf-8"
}

// assetVersion hashes every embedded static file (names and bytes), so the
// versioned URL changes whenever any asset does.
func assetVersion(static fs.FS) string {
	var names []string
	_ = fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	hash := sha256.New()
	for _, n := range names {
		b, _ := fs.ReadFile(static, n)
		hash.Write([]byte(n))
		hash.Write([]byte{0})
		hash.Write(b)
	}
	return hex.EncodeToString(hash.Sum(nil)[:6])
}

// TopicsHandler serves the taxonomy as JSON ({"topics": [...]}) for
// GET /api/v1/topics. Mount it behind the API's token check (scope read).
// It is safe for concurrent use.
func TopicsHandler(topics []Topic) http.Handler {
	if topics == nil {
		topics = []Topic{}
	}
	b, _ := json.Marshal(map[string][]Topic{"topics": topics}) // strings only: cannot fail
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(b)
	})
}

// AssetNames lists the embedded static files (slash paths relative to
// static/), for tests and diagnostics.
func AssetNames() []string {
	var names []string
	_ = fs.WalkDir(content, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, strings.TrimPrefix(p, "static/"))
		}
		return nil
	})
	sort.Strings(names)
	return names
}

// ReadAsset returns an embedded static file by its AssetNames name.
func ReadAsset(name string) ([]byte, error) {
	return fs.ReadFile(content, "static/"+name)
}
