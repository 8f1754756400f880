//go:build integration

package dashboards_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdlog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/undertone/undertone/dashboards"
)

// chromiumPath finds Debian's chromium. Under the integration tag a missing
// browser fails the test: install it with `apt-get install -y chromium`
// (make browser-deps).
func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("UNDERTONE_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("chromium not found: the browser tests need Debian's chromium (apt-get install -y chromium, or make browser-deps); set UNDERTONE_CHROMIUM to use another path")
	return ""
}

// browser is one headless Chromium with console and network error capture.
type browser struct {
	t       testing.TB
	ctx     context.Context
	mu      sync.Mutex
	errs    []string
	reqs    map[network.RequestID]string
	timings []apiTiming
	shots   string
	step    time.Duration // timeout of one run/eval step
}

type apiTiming struct {
	URL    string
	Status int64
	Server time.Duration // request sent to response headers received
	Total  time.Duration
}

func newBrowser(t testing.TB, width, height int64) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true),
		// No chart animations: screenshots show the final state.
		chromedp.Flag("force-prefers-reduced-motion", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(width), int(height)),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx, reqs: map[network.RequestID]string{}, step: 60 * time.Second}
	b.shots = filepath.Join("..", "out", "dashboards-screenshots")
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	starts := map[network.RequestID]time.Time{}
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == "error" || e.Type == "assert" {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.errs = append(b.errs, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			b.errs = append(b.errs, "exception: "+msg)
		case *cdlog.EventEntryAdded:
			if e.Entry.Level == cdlog.EntryLevelError {
				b.errs = append(b.errs, fmt.Sprintf("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			if strings.Contains(e.Request.URL, "/api/v1/") {
				b.reqs[e.RequestID] = e.Request.URL
				starts[e.RequestID] = time.Now()
			}
			if u, err := url.Parse(e.Request.URL); err == nil && u.Hostname() != "127.0.0.1" && u.Scheme != "data" && u.Scheme != "blob" {
				b.errs = append(b.errs, "off-origin request: "+e.Request.URL)
			}
		case *network.EventResponseReceived:
			if u, ok := b.reqs[e.RequestID]; ok && e.Response != nil && e.Response.Timing != nil {
				tm := e.Response.Timing
				b.timings = append(b.timings, apiTiming{URL: u, Status: e.Response.Status,
					Server: time.Duration((tm.ReceiveHeadersEnd - tm.SendEnd) * float64(time.Millisecond)),
					Total:  time.Since(starts[e.RequestID])})
			}
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdlog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("log.enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("network.enable: %v", err)
	}
	return b
}

func (b *browser) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.step)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression and decodes its JSON value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("browser: eval %s: %v", expr, err)
	}
	return v
}

// takeErrors returns and clears the console errors seen so far.
func (b *browser) takeErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.errs
	b.errs = nil
	return e
}

func (b *browser) takeTimings() []apiTiming {
	b.mu.Lock()
	defer b.mu.Unlock()
	tm := b.timings
	b.timings = nil
	return tm
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// waitReady waits until the page finished rendering (main[data-ready]).
func (b *browser) waitReady() {
	b.t.Helper()
	b.run(chromedp.WaitVisible(chromedp.CSS(`main[data-ready="true"]`)))
}

func (b *browser) navigate(u string) {
	b.t.Helper()
	b.run(chromedp.Navigate(u))
	b.waitReady()
}

// chartInfo describes one rendered ECharts instance.
type chartInfo struct {
	ID       string `json:"id"`
	Canvases int    `json:"canvases"`
	Series   []int  `json:"series"` // non-empty data points per series
}

const chartsJS = `(() => [...document.querySelectorAll('.has-chart')].map((el) => {
  const c = window.echarts && echarts.getInstanceByDom(el);
  const o = c ? c.getOption() : null;
  const nonEmpty = (d) => (d || []).filter((v) => {
    const x = v !== null && typeof v === 'object' && !Array.isArray(v) ? v.value : v;
    return x !== null && x !== undefined && x !== 0 && x !== '-';
  }).length;
  return { id: el.id, canvases: el.querySelectorAll('canvas').length, series: o ? o.series.map((s) => nonEmpty(s.data)) : [] };
}))()`

func (b *browser) charts() map[string]chartInfo {
	b.t.Helper()
	list := eval[[]chartInfo](b, chartsJS)
	m := map[string]chartInfo{}
	for _, c := range list {
		m[c.ID] = c
	}
	return m
}

// expectCharts checks that each id rendered a canvas with data in at least
// one series.
func (b *browser) expectCharts(page string, ids ...string) {
	b.t.Helper()
	got := b.charts()
	for _, id := range ids {
		c, ok := got[id]
		if !ok {
			b.t.Errorf("%s: chart #%s not rendered (charts: %v)", page, id, got)
			continue
		}
		sum := 0
		for _, n := range c.Series {
			sum += n
		}
		if c.Canvases == 0 || len(c.Series) == 0 || sum == 0 {
			b.t.Errorf("%s: chart #%s is empty: %+v", page, id, c)
		}
	}
}

func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

func (b *browser) noErrorStates(page string) {
	b.t.Helper()
	msgs := eval[[]string](b, `[...document.querySelectorAll('.state.error')].map((e) => (e.closest('[id]') || e).id + ': ' + e.textContent)`)
	for _, m := range msgs {
		b.t.Errorf("%s: error state: %s", page, m)
	}
	for _, e := range b.takeErrors() {
		b.t.Errorf("%s: %s", page, e)
	}
}

func (b *browser) location() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search + location.hash`)
}

// walkUI drives every page of the UI at base, logging in with token when
// non-empty, and checks charts, tables, quotes, drill-down and console
// errors. It returns the API timings per page.
func walkUI(t *testing.T, base, token string, topic string) map[string][]apiTiming {
	b := newBrowser(t, 1366, 900)
	perPage := map[string][]apiTiming{}

	// Login (tokens mode): an unauthenticated visit lands on /login.
	if token != "" {
		b.run(chromedp.Navigate(base + "/"))
		b.run(chromedp.WaitVisible(chromedp.ID("token")))
		if loc := b.location(); !strings.HasPrefix(loc, "/login") {
			t.Fatalf("unauthenticated visit: at %s, want /login", loc)
		}
		b.screenshot("login")
		b.run(chromedp.SendKeys(chromedp.ID("token"), "wrong-token"), chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`)))
		b.run(chromedp.WaitVisible(chromedp.CSS(`.form-error:not(:empty)`)))
		b.takeErrors() // the rejected token's 401 is expected
		eval[string](b, `document.getElementById('token').value = ''`)
		b.run(chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.CSS(`form.login button[type="submit"]`)))
		b.run(chromedp.WaitVisible(chromedp.CSS(`body[data-page="overview"] main[data-ready="true"]`)))
		if loc := b.location(); loc != "/" {
			t.Fatalf("after login: at %s, want /", loc)
		}
		b.takeTimings()
	}

	// Overview.
	b.navigate(base + "/")
	b.expectCharts("overview", "chart-volume", "chart-sentiment", "chart-mix")
	if n := b.count(`#movers tbody tr`); n == 0 {
		t.Error("overview: no movers")
	}
	b.noErrorStates("overview")
	b.screenshot("overview")
	perPage["overview"] = b.takeTimings()

	// Drill-down: the first mover's theme link opens the Topic page on that
	// theme, scrolled to its quotes.
	const moverLink = `#movers a.drill[data-theme]:not([data-theme=""])`
	wantTopic := eval[string](b, fmt.Sprintf(`document.querySelector(%q).dataset.topic`, moverLink))
	wantTheme := eval[string](b, fmt.Sprintf(`document.querySelector(%q).dataset.theme`, moverLink))
	b.run(chromedp.Click(chromedp.CSS(moverLink)))
	b.run(chromedp.WaitVisible(chromedp.CSS(`body[data-page="topic"] main[data-ready="true"]`)))
	loc := b.location()
	if !strings.HasPrefix(loc, "/topic?") || !strings.Contains(loc, "topic="+wantTopic) || !strings.Contains(loc, "theme="+wantTheme) || !strings.HasSuffix(loc, "#quotes") {
		t.Errorf("drill-down: at %s, want /topic?...topic=%s...theme=%s#quotes", loc, wantTopic, wantTheme)
	}
	nq := b.count(`#quotes li.quote`)
	if nq == 0 {
		t.Errorf("drill-down %s/%s: no quotes", wantTopic, wantTheme)
	}
	if n := b.count(fmt.Sprintf(`#quotes li.quote[data-theme=%q]`, wantTheme)); n != nq {
		t.Errorf("drill-down: %d of %d quotes carry theme %s", n, nq, wantTheme)
	}
	b.expectCharts("drill-down", "chart-themes-time", "chart-breakdown")
	b.noErrorStates("drill-down")
	b.screenshot("drilldown-topic-" + wantTheme)
	perPage["topic (one theme)"] = b.takeTimings()

	// Topic, all themes.
	b.navigate(base + "/topic?topic=" + url.QueryEscape(topic))
	b.expectCharts("topic", "chart-themes-time", "chart-breakdown", "chart-sources", "chart-langs")
	if n := b.count(`#drivers .driver-box tbody tr`); n == 0 {
		t.Error("topic: no drivers")
	}
	// The other themes' drivers load on demand.
	if b.count(`#drivers .driver-box button`) == 0 {
		t.Error("topic: no on-demand drivers buttons")
	} else {
		th := eval[string](b, `document.querySelector('#drivers .driver-box button').closest('.driver-box').dataset.theme`)
		b.run(chromedp.Click(chromedp.CSS(`#drivers .driver-box button`)))
		b.run(chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#drivers .driver-box[data-theme=%q] table, #drivers .driver-box[data-theme=%q] .state`, th, th))))
		if n := b.count(fmt.Sprintf(`#drivers .driver-box[data-theme=%q] .state.error`, th)); n > 0 {
			t.Errorf("topic: on-demand drivers of %s failed", th)
		}
	}
	if n := b.count(`#quotes li.quote`); n == 0 {
		t.Error("topic: no quotes")
	}
	b.noErrorStates("topic")
	b.screenshot("topic")
	perPage["topic"] = b.takeTimings()

	// Compare (defaults to two topics).
	b.navigate(base + "/compare")
	b.expectCharts("compare", "chart-sov", "chart-sent", "chart-profiles", "chart-sent-time")
	if n := b.count(`#compare-table tbody tr`); n < 2 {
		t.Errorf("compare: %d rows, want >= 2", n)
	}
	b.noErrorStates("compare")
	b.screenshot("compare")
	perPage["compare"] = b.takeTimings()

	// Explore: apply a filter through the builder; state lands in the URL.
	b.navigate(base + "/explore")
	b.run(chromedp.Click(chromedp.CSS(`input[name="themes"][value="fears"]`)),
		chromedp.Click(chromedp.CSS(`.builder button[type="submit"]`)))
	b.run(chromedp.WaitVisible(chromedp.CSS(`main[data-ready="true"] #aggregates`)))
	b.waitReady()
	if loc := b.location(); !strings.Contains(loc, "themes=fears") {
		t.Errorf("explore: state not in URL: %s", loc)
	}
	if n := b.count(`#aggregates tbody tr`); n == 0 {
		t.Error("explore: no aggregate rows")
	}
	if n := b.count(`#quotes tbody tr`); n == 0 {
		t.Error("explore: no quote rows")
	}
	if eval[bool](b, `document.querySelector('#aggregates').closest('.card').querySelector('button').disabled`) {
		t.Error("explore: CSV export disabled with rows present")
	}
	b.noErrorStates("explore")
	b.screenshot("explore")
	perPage["explore"] = b.takeTimings()

	// Phone viewport: the overview still renders its charts.
	b.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.navigate(base + "/?period=7d")
	b.expectCharts("overview (phone)", "chart-volume", "chart-mix")
	b.noErrorStates("overview (phone)")
	b.screenshot("overview-phone")
	b.takeTimings()

	// Leaving a page while it loads aborts its calls without errors.
	b.run(chromedp.Navigate(base + "/topic?topic=" + url.QueryEscape(topic)))
	b.run(chromedp.Click(chromedp.CSS(`nav a[data-page="compare"]`)))
	b.run(chromedp.WaitVisible(chromedp.CSS(`body[data-page="compare"] main[data-ready="true"]`)))
	b.expectCharts("compare (after leaving topic)", "chart-sov")
	b.noErrorStates("compare (after leaving topic)")
	b.takeTimings()

	// Dark mode: the toggle re-renders the charts with the dark theme.
	b.run(chromedp.EmulateViewport(1366, 900))
	b.navigate(base + "/compare")
	b.run(chromedp.Click(chromedp.ID("theme-toggle")))
	b.waitReady()
	if theme := eval[string](b, `document.documentElement.dataset.theme`); theme != "dark" {
		t.Errorf("dark mode toggle: theme %q", theme)
	}
	b.expectCharts("compare (dark)", "chart-sov", "chart-profiles")
	b.noErrorStates("compare (dark)")
	b.screenshot("compare-dark")
	b.run(chromedp.Click(chromedp.ID("theme-toggle")))
	b.waitReady()
	b.takeTimings()

	// The pure modules: URL state round trip and CSV escaping.
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	static := eval[string](b, `document.querySelector('meta[name="undertone-static"]').content`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`Promise.all([import(%q), import(%q)]).then(([st, ui]) => {
	  const s = st.parse('?period=custom&from=2026-01-01&to=2026-01-31&topics=a,b&themes=fears,bogus&sentiment=nope');
	  return [
	    st.query(s),
	    st.query(st.parse('?period=30d&interval=day')),
	    st.href('/topic', st.parse('?period=7d'), { topic: 'x', theme: 'joys' }),
	    ui.toCSV([{ label: 'a', key: 'a' }, { label: 'b,c', key: 'b' }], [{ a: 'say "hi"', b: 'x\ny' }, { a: 1, b: null }]),
	  ];
	})`, static+"/state.js", static+"/ui.js"), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("module checks: %v", err)
	}
	want := []string{
		"?period=custom&from=2026-01-01&to=2026-01-31&topics=a%2Cb&themes=fears",
		"",
		"/topic?period=7d&topic=x&theme=joys",
		"a,\"b,c\"\r\n\"say \"\"hi\"\"\",\"x\ny\"\r\n1,\r\n",
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("module check %d: got %q, want %q", i, got, want[i])
		}
	}

	// Keyboard: the skip link is the first tab stop.
	b.navigate(base + "/")
	b.run(chromedp.KeyEvent("\t"))
	if focused := eval[string](b, `document.activeElement.className`); focused != "skip" {
		t.Errorf("first tab stop is %q, want the skip link", focused)
	}
	b.takeTimings()
	return perPage
}

func TestBrowserFakeAPI(t *testing.T) {
	api := newFakeAPI("ut_test")
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api)
	mux.Handle("/", dashboards.Handler(dashboards.Options{AuthMode: "tokens", Topics: fakeTopics}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	timings := walkUI(t, srv.URL, "ut_test", "acme-phone")
	for page, ts := range timings {
		if len(ts) == 0 && page != "topic (one theme)" {
			t.Errorf("%s: no API calls recorded", page)
		}
		for _, tm := range ts {
			if tm.Status != http.StatusOK {
				t.Errorf("%s: %s answered %d", page, tm.URL, tm.Status)
			}
		}
	}
}

// TestBrowserNoAuth checks the local mode: no login page, API without token.
func TestBrowserNoAuth(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", newFakeAPI(""))
	mux.Handle("/", dashboards.Handler(dashboards.Options{AuthMode: "none"}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b := newBrowser(t, 1200, 800)
	b.navigate(srv.URL + "/login?next=/compare")
	if loc := b.location(); !strings.HasPrefix(loc, "/compare") {
		t.Errorf("none mode: /login went to %s, want /compare", loc)
	}
	b.expectCharts("compare", "chart-sov")
	b.noErrorStates("none mode")
	if !eval[bool](b, `document.getElementById('logout').hidden`) {
		t.Error("none mode shows a sign-out button")
	}
}
