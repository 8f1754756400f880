//go:build integration

package e2e_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSecurity runs `undertone run` with token authentication (tokens made
// by `undertone token new`) and checks from outside: API routes refuse
// missing, wrong, and wrong-scope tokens; the HTTP servers (API and admin)
// close slow-header connections, refuse oversized headers and bodies;
// path traversal returns no file; neither the token secrets nor the
// pseudonym key appear in any log (debug level) or in `config print`.
func TestSecurity(t *testing.T) {
	readTok, readHash := newToken(t, "reader", "read")
	ingTok, ingHash := newToken(t, "feeder", "ingest")
	cfgPath := filepath.Join(t.TempDir(), "undertone.yaml")
	cfg := fmt.Sprintf("serve:\n  auth_mode: tokens\n  tokens:\n    - name: reader\n      sha256: %s\n      scopes: [read]\n    - name: feeder\n      sha256: %s\n      scopes: [ingest]\n", readHash, ingHash)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newPipeline(t, 1, "UNDERTONE_LOG_LEVEL=debug")
	p.migrate()
	run := p.startWith([]string{"UNDERTONE_SERVE_AUTH_MODE=tokens"}, "run", "--config", cfgPath)
	base := "http://" + p.serveAddr
	waitHTTP(t, base+"/healthz", run)

	get := func(path, tok string) int {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		st, _ := do(t, req)
		return st
	}
	api := "/api/v1/themes?topic=acme-phone&from=2026-10-20&to=2026-11-10"
	for _, c := range []struct {
		name, path, tok string
		want            int
	}{
		{"no token", api, "", http.StatusUnauthorized},
		{"wrong token", api, "not-a-token", http.StatusUnauthorized},
		{"token hash instead of secret", api, readHash, http.StatusUnauthorized},
		{"ingest token on a read route", api, ingTok, http.StatusForbidden},
		{"read token", api, readTok, http.StatusOK},
		{"healthz is public", "/healthz", "", http.StatusOK},
	} {
		if got := get(c.path, c.tok); got != c.want {
			t.Errorf("%s: GET %s = %d, want %d", c.name, c.path, got, c.want)
		}
	}
	post := func(tok string, body string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/posts", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-ndjson")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		st, _ := do(t, req)
		return st
	}
	valid := `{"id":"s1","source":"forum","text":"hello","created_at":"2026-11-01T10:00:00Z"}` + "\n"
	if st := post("", valid); st != http.StatusUnauthorized {
		t.Errorf("collector without token: %d, want 401", st)
	}
	if st := post(readTok, valid); st != http.StatusForbidden {
		t.Errorf("collector with a read token: %d, want 403", st)
	}
	if st := post(ingTok, valid); st != http.StatusOK {
		t.Errorf("collector with an ingest token: %d, want 200", st)
	}
	if st := post(ingTok, strings.Repeat(valid, (9<<20)/len(valid))); st != http.StatusRequestEntityTooLarge {
		t.Errorf("collector with a 9 MiB body: %d, want 413", st)
	}

	// Oversized headers: 32 KiB MaxHeaderBytes (+ net/http's 4 KiB slack).
	req, _ := http.NewRequest(http.MethodGet, base+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	if st, _ := do(t, req); st != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header: %d, want 431", st)
	}
	// Slow headers (slowloris): the API closes within ReadHeaderTimeout
	// (10 s), the admin server within 5 s.
	slowHeaders(t, "API", p.serveAddr, 10*time.Second)
	slowHeaders(t, "admin", p.adminAddr, 5*time.Second)

	// Path traversal on every static and API prefix returns no file.
	for _, path := range []string{"/static/../go.mod", "/static/..%2f..%2fgo.mod", "/static/%2e%2e/%2e%2e/go.mod",
		"/api/v1/..%2f..%2fgo.mod", "/dashboards/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/static//etc/passwd"} {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+readTok)
		st, body := do(t, req)
		if strings.Contains(body, "module github.com/undertone") || strings.Contains(body, "root:x:0:0") {
			t.Errorf("GET %s (%d) served a file from outside the assets", path, st)
		}
	}
	run.stop(t)

	// Secrets never logged, never printed by config print.
	_, printed := undertone(t, []string{"UNDERTONE_SERVE_AUTH_MODE=tokens"}, "config", "print", "--config", cfgPath)
	logs := p.logs()
	if !strings.Contains(logs, `"level":"DEBUG"`) {
		t.Errorf("expected debug-level logs to scan")
	}
	for what, text := range map[string]string{"logs (debug)": logs, "config print": printed} {
		for name, secret := range map[string]string{"pseudonym key": pseudonymKey, "read token": readTok, "ingest token": ingTok} {
			if strings.Contains(text, secret) {
				t.Errorf("%s found in %s", name, what)
			}
		}
		t.Logf("scanned %s: %d bytes, no secret", what, len(text))
	}
}

// newToken runs `undertone token new` and returns the secret and its hash.
func newToken(t *testing.T, name, scope string) (secret, hash string) {
	t.Helper()
	code, out := undertone(t, nil, "token", "new", "--name", name, "--scopes", scope)
	if code != 0 {
		t.Fatalf("token new: exit %d: %s", code, out)
	}
	s := regexp.MustCompile(`token \(shown once[^)]*\): (\S+)`).FindStringSubmatch(out)
	h := regexp.MustCompile(`sha256: ([0-9a-f]{64})`).FindStringSubmatch(out)
	if s == nil || h == nil {
		t.Fatalf("token new output not understood:\n%s", out)
	}
	return s[1], h[1]
}

// slowHeaders opens a connection, sends a request line and then one header
// byte per second; the server must close the connection within limit
// (plus scheduling slack).
func slowHeaders(t *testing.T, name, addr string, limit time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan time.Duration, 1)
	go func() {
		r := bufio.NewReader(c)
		_, _ = io.Copy(io.Discard, r) // returns when the server closes (a 408 may come first)
		closed <- time.Since(start)
	}()
	deadline := time.After(limit + 15*time.Second)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case d := <-closed:
			t.Logf("%s server closed a slow-header connection after %.1fs (limit %s)", name, d.Seconds(), limit)
			return
		case <-tick.C:
			if _, err := io.WriteString(c, "X"); err != nil && !errors.Is(err, net.ErrClosed) {
				// a write error means the server already closed; the reader reports when
				continue
			}
		case <-deadline:
			t.Errorf("%s server kept a slow-header connection open for %s (ReadHeaderTimeout %s not set?)", name, limit+15*time.Second, limit)
			return
		}
	}
}
