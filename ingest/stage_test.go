package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/stream"
)

// fakeWriter records messages; fail makes the next WriteMessages fail.
type fakeWriter struct {
	mu   sync.Mutex
	msgs []kafka.Message
	fail error
}

func (f *fakeWriter) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		err := f.fail
		f.fail = nil
		return err
	}
	f.msgs = append(f.msgs, msgs...)
	return nil
}

func TestHandlerRoutesCleanAndDLQ(t *testing.T) {
	p := newPreparer(t)
	clean, dlq := &fakeWriter{}, &fakeWriter{}
	reg := prometheus.NewRegistry()
	h := ingest.NewHandler(p, clean, dlq, reg)
	msgs := []kafka.Message{
		{Topic: "raw", Partition: 2, Offset: 10, Value: []byte(goodRecord)},
		{Topic: "raw", Partition: 2, Offset: 11, Value: []byte(`{"id":"x","source":"f","text":"hi","created_at":"nope"}`)},
		{Topic: "raw", Partition: 2, Offset: 12, Value: []byte("\xff\xfe junk")},
		{Topic: "raw", Partition: 2, Offset: 13, Value: []byte(`{"id":"2","source":"microblog","text":"call me +1 (555) 010-2233","created_at":"2026-03-01T00:00:00Z","author":"@someone"}`)},
	}
	if err := h.Handle(t.Context(), 2, msgs); err != nil {
		t.Fatal(err)
	}
	if len(clean.msgs) != 2 || len(dlq.msgs) != 2 {
		t.Fatalf("clean %d dlq %d", len(clean.msgs), len(dlq.msgs))
	}
	for _, m := range clean.msgs {
		var c post.Clean
		if err := json.Unmarshal(m.Value, &c); err != nil {
			t.Fatal(err)
		}
		if string(m.Key) != c.PostID || c.PostID == "" {
			t.Fatalf("key %q, post_id %q", m.Key, c.PostID)
		}
		for _, leak := range []string{"jdoe99", "jo.doe@example.com", "555", "someone", "Jo Doe"} {
			if containsFold(string(m.Value), leak) {
				t.Fatalf("clean message leaks %q: %s", leak, m.Value)
			}
		}
	}
	want := []struct {
		reason ingest.Reason
		offset string
		value  []byte
	}{{ingest.ReasonInvalidCreatedAt, "11", msgs[1].Value}, {ingest.ReasonInvalidUTF8, "12", msgs[2].Value}}
	for i, w := range want {
		m := dlq.msgs[i]
		if stream.Header(m, stream.HeaderReason) != string(w.reason) || stream.Header(m, stream.HeaderStage) != "ingest" ||
			stream.Header(m, stream.HeaderSourceTopic) != "raw" || stream.Header(m, stream.HeaderSourcePartition) != "2" ||
			stream.Header(m, stream.HeaderSourceOffset) != w.offset || string(m.Value) != string(w.value) {
			t.Fatalf("dlq[%d] = %+v", i, m)
		}
		if e := stream.Header(m, stream.HeaderError); !strings.HasPrefix(e, string(w.reason)+": ") {
			t.Fatalf("dlq[%d] error header %q, want the full error starting with %q", i, e, w.reason)
		}
	}
	if got := counterValue(t, reg, "undertone_ingest_produced_records_total"); got != 2 {
		t.Fatalf("produced metric %v", got)
	}
	mfs, _ := reg.Gather()
	pii := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() == "undertone_ingest_pii_replaced_total" {
			for _, m := range mf.GetMetric() {
				pii[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	if pii["email"] != 1 || pii["phone"] != 1 {
		t.Fatalf("pii metric %v", pii)
	}
}

func TestHandlerRetriesWhenProduceFails(t *testing.T) {
	p := newPreparer(t)
	clean, dlq := &fakeWriter{fail: errors.New("broker down")}, &fakeWriter{}
	h := ingest.NewHandler(p, clean, dlq, nil)
	msgs := []kafka.Message{{Value: []byte(goodRecord)}}
	if err := h.Handle(t.Context(), 0, msgs); err == nil {
		t.Fatal("a failed produce must fail the batch so it is retried, not committed")
	}
	if err := h.Handle(t.Context(), 0, msgs); err != nil {
		t.Fatal(err)
	}
	if len(clean.msgs) != 1 {
		t.Fatalf("clean %d", len(clean.msgs))
	}
	dlq.fail = errors.New("dlq down")
	if err := h.Handle(t.Context(), 0, []kafka.Message{{Value: []byte("junk")}}); err == nil {
		t.Fatal("a failed DLQ produce must fail the batch")
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

func TestHandlerTruncatesHugeDLQValues(t *testing.T) {
	p := newPreparer(t)
	clean, dlq := &fakeWriter{}, &fakeWriter{}
	h := ingest.NewHandler(p, clean, dlq, nil)
	huge := make([]byte, ingest.MaxDLQValueBytes+5000)
	for i := range huge {
		huge[i] = 'x'
	}
	if err := h.Handle(t.Context(), 0, []kafka.Message{{Value: huge}}); err != nil {
		t.Fatal(err)
	}
	m := dlq.msgs[0]
	if len(m.Value) != ingest.MaxDLQValueBytes || stream.Header(m, "truncated") != "true" || stream.Header(m, "original_bytes") != "926600" {
		t.Fatalf("len %d headers %+v", len(m.Value), m.Headers)
	}
	if stream.Header(m, stream.HeaderReason) != string(ingest.ReasonMalformedJSON) {
		t.Fatalf("reason %q", stream.Header(m, stream.HeaderReason))
	}
}
