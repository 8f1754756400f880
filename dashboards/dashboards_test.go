package dashboards_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/undertone/undertone/dashboards"
)

func get(t testing.TB, h http.Handler, target string, hdr ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t testing.TB, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var staticRE = regexp.MustCompile(`<meta name="undertone-static" content="([^"]+)">`)

func staticPrefix(t testing.TB, h http.Handler) string {
	t.Helper()
	m := staticRE.FindStringSubmatch(body(t, get(t, h, "/")))
	if m == nil {
		t.Fatal("index has no undertone-static meta")
	}
	return m[1]
}

func TestPages(t *testing.T) {
	h := dashboards.Handler(dashboards.Options{AuthMode: "none"})
	for _, p := range append(slices.Clone(dashboards.Pages), "/topic/", "/explore/") {
		t.Run(p, func(t *testing.T) {
			res := get(t, h, p+"?topic=acme&period=7d")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			b := body(t, res)
			for k, want := range map[string]string{
				"Content-Type":           "text/html; charset=utf-8",
				"Cache-Control":          "no-cache",
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			csp := res.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
				t.Errorf("CSP %q does not restrict scripts and connections to self", csp)
			}
			for _, want := range []string{
				`<meta name="undertone-auth-mode" content="none">`,
				`<meta name="undertone-api-base" content="/api/v1">`,
				`/vendor/echarts/echarts.min.js"`,
				`type="module"`,
			} {
				if !strings.Contains(b, want) {
					t.Errorf("page lacks %s", want)
				}
			}
		})
	}
}

func TestPageETag(t *testing.T) {
	h := dashboards.Handler(dashboards.Options{})
	res := get(t, h, "/")
	tag := res.Header.Get("ETag")
	if tag == "" {
		t.Fatal("no ETag on page")
	}
	if res := get(t, h, "/compare", "If-None-Match", tag); res.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET: status %d, want 304", res.StatusCode)
	}
	if !strings.Contains(body(t, get(t, h, "/")), `content="tokens"`) {
		t.Error("default auth mode is not tokens")
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := dashboards.Handler(dashboards.Options{})
	for _, p := range []string{
		"/api/v1/nope", "/nope", "/topic/x", "/static/", "/static/nope.js",
		"/static/../dashboards.go", "/static/..%2fdashboards.go", "/static/.hidden",
		"/templates/index.html",
	} {
		if res := get(t, h, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") == "" {
		t.Errorf("POST /: status %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
	r = httptest.NewRequest(http.MethodHead, "/", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("HEAD /: status %d, body %d bytes", w.Code, w.Body.Len())
	}
}

func TestAssets(t *testing.T) {
	h := dashboards.Handler(dashboards.Options{})
	prefix := staticPrefix(t, h)
	names := dashboards.AssetNames()
	for _, want := range []string{"app.js", "style.css", "vendor/echarts/echarts.min.js", "vendor/echarts/LICENSE", "vendor/echarts/NOTICE"} {
		if !slices.Contains(names, want) {
			t.Errorf("asset %s is not embedded", want)
		}
	}
	types := map[string]string{
		".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
		".svg": "image/svg+xml", "": "text/plain; charset=utf-8",
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			want, ok := types[filepath.Ext(n)]
			if !ok {
				t.Fatalf("asset %s has an extension the test does not know", n)
			}
			res := get(t, h, prefix+"/"+n)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("versioned: status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
			if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("versioned Cache-Control %q", got)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			want2, _ := dashboards.ReadAsset(n)
			if b := body(t, res); b != string(want2) {
				t.Error("body differs from embedded file")
			}
			tag := res.Header.Get("ETag")
			if res := get(t, h, prefix+"/"+n, "If-None-Match", tag); res.StatusCode != http.StatusNotModified {
				t.Errorf("conditional GET: status %d, want 304", res.StatusCode)
			}
			res = get(t, h, "/static/"+n)
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-cache" {
				t.Errorf("unversioned: status %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
			}
			res = get(t, h, "/static/v-0123456789ab/"+n)
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-cache" {
				t.Errorf("stale version: status %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
			}
		})
	}
}

// urlRE finds absolute URLs; the allow-list holds XML namespaces and licence
// links, which browsers never fetch.
var (
	urlRE      = regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*`)
	allowedURL = regexp.MustCompile(`^(?i)https?://(www\.w3\.org/|www\.apache\.org/licenses/|(www\.)?apache\.org/?$|www\.apache\.org/?\)?$|github\.com/[^/]+/[^/]+/blob/[^/]+/LICENSE|opensource\.org/licenses/)`)
	cdnHosts   = regexp.MustCompile(`(?i)(jsdelivr|unpkg|cdnjs|googleapis|gstatic|cloudflare|jquery\.com|bootstrapcdn|fontawesome|esm\.sh|skypack)`)
)

func TestNoCDN(t *testing.T) {
	files := map[string]string{}
	for _, n := range dashboards.AssetNames() {
		b, err := dashboards.ReadAsset(n)
		if err != nil {
			t.Fatal(err)
		}
		files[n] = string(b)
	}
	h := dashboards.Handler(dashboards.Options{})
	files["index.html (rendered)"] = body(t, get(t, h, "/"))
	for n, s := range files {
		if strings.HasPrefix(n, "vendor/echarts/LICENSE") || n == "vendor/echarts/NOTICE" {
			continue // licence texts, never loaded by the page
		}
		if m := cdnHosts.FindString(s); m != "" {
			t.Errorf("%s mentions CDN host %q", n, m)
		}
		for _, u := range urlRE.FindAllString(s, -1) {
			if strings.HasPrefix(u, "//") {
				// Protocol-relative: only comments like "// foo.bar" in JS
				// could look like this; a real one would load off-origin.
				if strings.HasSuffix(n, ".js") || strings.HasSuffix(n, ".css") {
					continue
				}
			}
			if !allowedURL.MatchString(u) {
				t.Errorf("%s references external URL %q", n, u)
			}
		}
	}
}

// TestModuleImports checks that every relative import in the embedded
// modules names an embedded file, so a typo fails here and not in a browser.
func TestModuleImports(t *testing.T) {
	importRE := regexp.MustCompile(`(?m)^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]`)
	names := dashboards.AssetNames()
	n := 0
	for _, name := range names {
		if !strings.HasSuffix(name, ".js") || strings.HasPrefix(name, "vendor/") {
			continue
		}
		b, _ := dashboards.ReadAsset(name)
		for _, m := range importRE.FindAllStringSubmatch(string(b), -1) {
			spec := m[1]
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				t.Errorf("%s imports %q: only relative imports of embedded modules are allowed", name, spec)
				continue
			}
			target := filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(name), spec)))
			if !slices.Contains(names, target) {
				t.Errorf("%s imports %q: %s is not embedded", name, spec, target)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("found no imports: the regexp is broken")
	}
}

func TestGrafanaDashboards(t *testing.T) {
	entries, err := dashboards.GrafanaFS.ReadDir("grafana")
	if err != nil {
		t.Fatal(err)
	}
	uids := map[string]bool{}
	var titles []string
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			b, err := dashboards.GrafanaFS.ReadFile("grafana/" + e.Name())
			if err != nil {
				t.Fatal(err)
			}
			var d grafanaDashboard
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatalf("invalid JSON: %v", err)
			}
			if d.UID == "" || uids[d.UID] {
				t.Errorf("uid %q empty or duplicated", d.UID)
			}
			uids[d.UID] = true
			titles = append(titles, d.Title)
			vars := map[string]bool{}
			for _, v := range d.Templating.List {
				vars[v.Name] = true
			}
			for _, want := range []string{"datasource", "topic"} {
				if !vars[want] {
					t.Errorf("no template variable %q", want)
				}
			}
			if len(d.Panels) < 3 {
				t.Fatalf("only %d panels", len(d.Panels))
			}
			for _, p := range d.Panels {
				if p.Type == "row" || p.Type == "text" {
					continue
				}
				if p.Datasource.Type != "grafana-clickhouse-datasource" {
					t.Errorf("panel %q: datasource type %q", p.Title, p.Datasource.Type)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q has no query", p.Title)
				}
				for _, q := range p.Targets {
					if !strings.Contains(q.RawSQL, "$__timeFilter") && !strings.Contains(q.RawSQL, "$__dateFilter") && !strings.Contains(q.RawSQL, "$__toTime") {
						t.Errorf("panel %q: query ignores the dashboard time range: %s", p.Title, q.RawSQL)
					}
					if strings.Contains(q.RawSQL, "undertone.") {
						t.Errorf("panel %q: query hard-codes the database; use ${database}", p.Title)
					}
				}
			}
		})
	}
	if len(titles) < 2 {
		t.Fatalf("want Overview and Topic dashboards, have %v", titles)
	}
}

type grafanaDashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Title      string `json:"title"`
		Type       string `json:"type"`
		Datasource struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			RawSQL string `json:"rawSql"`
		} `json:"targets"`
	} `json:"panels"`
}

func TestGrafanaProvisioning(t *testing.T) {
	for _, f := range []string{"datasource.yaml", "dashboards.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", f))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			APIVersion  int              `yaml:"apiVersion"`
			Datasources []map[string]any `yaml:"datasources"`
			Providers   []map[string]any `yaml:"providers"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if doc.APIVersion != 1 || len(doc.Datasources)+len(doc.Providers) == 0 {
			t.Errorf("%s: apiVersion %d, %d datasources, %d providers", f, doc.APIVersion, len(doc.Datasources), len(doc.Providers))
		}
		for _, ds := range doc.Datasources {
			if ds["type"] != "grafana-clickhouse-datasource" || ds["uid"] == nil {
				t.Errorf("%s: datasource %v", f, ds)
			}
		}
	}
}

func TestTopicsInPage(t *testing.T) {
	topics := []dashboards.Topic{{ID: "acme", Name: `Acme "<script>alert(1)</script>"`, Kind: "brand"}}
	if b := body(t, get(t, dashboards.Handler(dashboards.Options{Topics: topics}), "/")); !strings.Contains(b, `<meta name="undertone-topics" content="[]">`) {
		t.Error("tokens mode: the public page shell lists the topics")
	}
	h := dashboards.Handler(dashboards.Options{AuthMode: "none", Topics: topics})
	b := body(t, get(t, h, "/"))
	if strings.Contains(b, "<script>alert") {
		t.Fatal("topic name not escaped in the page")
	}
	m := regexp.MustCompile(`<meta name="undertone-topics" content="([^"]*)">`).FindStringSubmatch(b)
	if m == nil {
		t.Fatal("no undertone-topics meta")
	}
	var got []dashboards.Topic
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &got); err != nil {
		t.Fatalf("topics meta is not JSON: %v (%s)", err, m[1])
	}
	if len(got) != 1 || got[0].ID != "acme" || got[0].Name != `Acme "<script>alert(1)</script>"` {
		t.Errorf("topics meta decodes to %+v", got)
	}
	if !strings.Contains(body(t, get(t, dashboards.Handler(dashboards.Options{}), "/")), `<meta name="undertone-topics" content="[]">`) {
		t.Error("no topics: want an empty list")
	}
}

func TestTopicsHandler(t *testing.T) {
	h := dashboards.TopicsHandler([]dashboards.Topic{{ID: "acme", Name: "Acme", Kind: "brand"}, {ID: "acme-phone", Name: "Acme Phone", Brand: "acme"}})
	res := get(t, h, "/api/v1/topics")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var doc struct{ Topics []dashboards.Topic }
	if err := json.Unmarshal([]byte(body(t, res)), &doc); err != nil || len(doc.Topics) != 2 || doc.Topics[1].Brand != "acme" {
		t.Fatalf("body %+v, %v", doc, err)
	}
	if res := get(t, dashboards.TopicsHandler(nil), "/api/v1/topics"); !strings.Contains(body(t, res), `{"topics":[]}`) {
		t.Error("nil topics: want an empty list")
	}
}
