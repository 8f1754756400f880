package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/segmentio/kafka-go"
)

// CollectorPath is where the collector is mounted.
const CollectorPath = "/v1/posts"

// AuthFunc reports whether a request may post records (for example: a
// valid bearer token with the ingest scope). It must be safe for
// concurrent use.
type AuthFunc func(r *http.Request) bool

// CollectorConfig configures the HTTP collector.
type CollectorConfig struct {
	// MaxBodyBytes limits the request body, after gzip decoding too.
	MaxBodyBytes int64
	// MaxRecords limits the records of one request (default 10000).
	MaxRecords int
}

// Collector is the HTTP collector: POST /v1/posts with a JSON array of
// schema v1 records, or NDJSON (one record per line), optionally
// gzip-encoded. Each record is validated like the ingest stage does; valid
// records are published unchanged to the raw topic, and the response lists
// a result per record. It is safe for concurrent use.
type Collector struct {
	prep    *Preparer
	w       Writer
	auth    AuthFunc
	cfg     CollectorConfig
	log     *slog.Logger
	records *prometheus.CounterVec
}

// NewCollector returns the collector handler. w publishes to the raw topic
// (WriteMessages must block until acknowledged); auth nil means no
// authentication (serve.auth_mode none).
func NewCollector(prep *Preparer, w Writer, auth AuthFunc, cfg CollectorConfig, set Settings) *Collector {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 8 << 20
	}
	if cfg.MaxRecords <= 0 {
		cfg.MaxRecords = 10000
	}
	reg := set.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	log := set.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Collector{prep: prep, w: w, auth: auth, cfg: cfg, log: log.With("component", "collector")}
	c.records = promauto.With(reg).NewCounterVec(prometheus.CounterOpts{
		Name: "undertone_collector_records_total", Help: "Records received by the HTTP collector, by result (accepted or a rejection reason).",
	}, []string{"result"})
	return c
}

// CollectorResponse is the JSON body of a 200 response.
type CollectorResponse struct {
	Accepted int               `json:"accepted"`
	Rejected int               `json:"rejected"`
	Results  []CollectorResult `json:"results"`
}

// CollectorResult is the outcome of one record, in request order.
type CollectorResult struct {
	Index   int    `json:"index"`
	ID      string `json:"id,omitempty"`
	Status  string `json:"status"` // accepted, rejected
	Reason  string `json:"reason,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message,omitempty"`
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: code, Message: msg})
}

// ServeHTTP implements http.Handler.
func (c *Collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	if c.auth != nil && !c.auth(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="undertone"`)
		httpError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid bearer token (Authorization: Bearer <token> with the ingest scope)")
		return
	}
	if r.ContentLength > c.cfg.MaxBodyBytes {
		httpError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body exceeds %d bytes; split it into smaller requests", c.cfg.MaxBodyBytes))
		return
	}
	var body io.Reader = http.MaxBytesReader(w, r.Body, c.cfg.MaxBodyBytes)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			httpError(w, http.StatusBadRequest, "bad_gzip", "Content-Encoding is gzip but the body is not gzip data")
			return
		}
		defer zr.Close()
		// Bound the decompressed size too (gzip bombs).
		body = &limitReader{r: zr, n: c.cfg.MaxBodyBytes}
	default:
		httpError(w, http.StatusUnsupportedMediaType, "unsupported_encoding", "Content-Encoding must be gzip or absent")
		return
	}
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, errBodyTooLarge) {
			httpError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("request body exceeds %d bytes; split it into smaller requests", c.cfg.MaxBodyBytes))
			return
		}
		httpError(w, http.StatusBadRequest, "bad_body", "cannot read the request body")
		return
	}
	records, err := splitRecords(data, c.cfg.MaxRecords)
	if err != nil {
		httpError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	resp := CollectorResponse{Results: make([]CollectorResult, len(records))}
	msgs := make([]kafka.Message, 0, len(records))
	for i, rec := range records {
		res := CollectorResult{Index: i}
		p, err := c.prep.Decode(rec)
		if err == nil {
			_, err = c.prep.PreparePost(p)
		}
		res.ID = p.ID
		if err != nil {
			var re *RejectError
			if !errors.As(err, &re) {
				re = reject(ReasonMalformedJSON, "", "")
			}
			res.Status, res.Reason, res.Field, res.Message = "rejected", string(re.Reason), re.Field, re.Error()
			resp.Rejected++
			c.records.WithLabelValues(string(re.Reason)).Inc()
		} else {
			res.Status = "accepted"
			resp.Accepted++
			msgs = append(msgs, kafka.Message{Key: RawKey(p.Source, p.ID), Value: bytes.Clone(rec)})
		}
		resp.Results[i] = res
	}
	if len(msgs) > 0 {
		if err := c.w.WriteMessages(r.Context(), msgs...); err != nil {
			c.log.Warn("collector publish failed", "err", err, "records", len(msgs))
			w.Header().Set("Retry-After", "5")
			httpError(w, http.StatusServiceUnavailable, "unavailable", "could not publish the records; nothing was accepted, retry later")
			return
		}
		c.records.WithLabelValues("accepted").Add(float64(len(msgs)))
	}
	writeJSON(w, http.StatusOK, resp)
}

var errBodyTooLarge = errors.New("body too large")

type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Is there more? Then the body is too large.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, errBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// splitRecords splits a body into records: a JSON array of objects, or
// NDJSON (blank lines ignored). A single JSON object is one record.
func splitRecords(data []byte, maxRecords int) ([][]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty body: send a JSON array of posts or NDJSON, one post per line")
	}
	var out [][]byte
	if trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			return nil, errors.New("body starts with [ but is not a valid JSON array: send a JSON array of posts or NDJSON")
		}
		if len(arr) > maxRecords {
			return nil, fmt.Errorf("%d records in one request, limit %d", len(arr), maxRecords)
		}
		for _, a := range arr {
			out = append(out, []byte(a))
		}
		return out, nil
	}
	for line := range bytes.SplitSeq(trimmed, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if len(out) >= maxRecords {
			return nil, fmt.Errorf("more than %d records in one request", maxRecords)
		}
		out = append(out, line)
	}
	return out, nil
}
