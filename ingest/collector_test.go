package ingest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/undertone/undertone/ingest"
)

func newCollector(t *testing.T, w ingest.Writer, maxBody int64) http.Handler {
	t.Helper()
	auth := func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer secret" }
	return ingest.NewCollector(newPreparer(t), w, auth, ingest.CollectorConfig{MaxBodyBytes: maxBody}, ingest.Settings{})
}

func doPost(t *testing.T, h http.Handler, body []byte, hdr map[string]string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, ingest.CollectorPath, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer secret")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not JSON: %q", rec.Body.String())
	}
	return rec, out
}

const validA = `{"id":"a","source":"forum","text":"first post","created_at":"2026-03-01T00:00:00Z"}`
const validB = `{"id":"b","source":"forum","text":"second post","created_at":"2026-03-01T00:00:00Z"}`
const invalidC = `{"id":"c","source":"forum","created_at":"2026-03-01T00:00:00Z"}`

func TestCollectorArrayAndNDJSON(t *testing.T) {
	w := &fakeWriter{}
	h := newCollector(t, w, 1<<20)
	for name, body := range map[string]string{
		"array":  "[" + validA + "," + invalidC + "," + validB + "]",
		"ndjson": validA + "\n" + invalidC + "\n\n" + validB + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			w.msgs = nil
			rec, out := doPost(t, h, []byte(body), nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %v", rec.Code, out)
			}
			if out["accepted"].(float64) != 2 || out["rejected"].(float64) != 1 {
				t.Fatalf("body %v", out)
			}
			res := out["results"].([]any)
			r1 := res[1].(map[string]any)
			if r1["status"] != "rejected" || r1["reason"] != "missing_field" || r1["field"] != "text" || r1["id"] != "c" {
				t.Fatalf("result[1] = %v", r1)
			}
			if len(w.msgs) != 2 || string(w.msgs[0].Value) != validA {
				t.Fatalf("published %d", len(w.msgs))
			}
		})
	}
}

func TestCollectorGzip(t *testing.T) {
	w := &fakeWriter{}
	h := newCollector(t, w, 1<<20)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(validA + "\n" + validB))
	zw.Close()
	rec, out := doPost(t, h, buf.Bytes(), map[string]string{"Content-Encoding": "gzip"})
	if rec.Code != http.StatusOK || out["accepted"].(float64) != 2 {
		t.Fatalf("status %d body %v", rec.Code, out)
	}
	rec, out = doPost(t, h, []byte("not gzip"), map[string]string{"Content-Encoding": "gzip"})
	if rec.Code != http.StatusBadRequest || out["error"] != "bad_gzip" {
		t.Fatalf("status %d body %v", rec.Code, out)
	}
}

func TestCollectorErrors(t *testing.T) {
	w := &fakeWriter{}
	h := newCollector(t, w, 2048)
	// A gzip bomb: small compressed, large decompressed.
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte("[" + strings.Repeat(validA+",", 200) + validA + "]"))
	zw.Close()
	tests := []struct {
		name   string
		body   []byte
		hdr    map[string]string
		status int
		code   string
	}{
		{"no token", []byte(validA), map[string]string{"Authorization": ""}, http.StatusUnauthorized, "unauthorized"},
		{"wrong token", []byte(validA), map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized, "unauthorized"},
		{"too large", bytes.Repeat([]byte(validA+"\n"), 100), nil, http.StatusRequestEntityTooLarge, "body_too_large"},
		{"gzip bomb", bomb.Bytes(), map[string]string{"Content-Encoding": "gzip"}, http.StatusRequestEntityTooLarge, "body_too_large"},
		{"empty", nil, nil, http.StatusBadRequest, "bad_request"},
		{"broken array", []byte("[" + validA), nil, http.StatusBadRequest, "bad_request"},
		{"brotli", []byte(validA), map[string]string{"Content-Encoding": "br"}, http.StatusUnsupportedMediaType, "unsupported_encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, out := doPost(t, h, tt.body, tt.hdr)
			if rec.Code != tt.status || out["error"] != tt.code || out["message"] == "" {
				t.Fatalf("status %d body %v, want %d %s", rec.Code, out, tt.status, tt.code)
			}
		})
	}
	if len(w.msgs) != 0 {
		t.Fatal("nothing may be published for a refused request")
	}
	w.fail = errors.New("kafka down")
	rec, out := doPost(t, h, []byte(validA), nil)
	if rec.Code != http.StatusServiceUnavailable || out["error"] != "unavailable" {
		t.Fatalf("status %d body %v", rec.Code, out)
	}
	req := httptest.NewRequest(http.MethodGet, ingest.CollectorPath, nil)
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if rr.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", rr.Code)
	}
}
