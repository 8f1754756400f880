package ingest_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/undertone/undertone/ingest"
)

func TestProduceJSONL(t *testing.T) {
	p := newPreparer(t)
	w := &fakeWriter{}
	in := goodRecord + "\n\n" +
		`{"id":"2","source":"forum","text":"ok","created_at":"2026-03-01T00:00:00Z"}` + "\r\n" +
		`{"id":"3","source":"forum","created_at":"2026-03-01T00:00:00Z"}` + "\n" +
		`not json` + "\n" +
		`{"id":"4","source":"forum","text":"last line without newline","created_at":"2026-03-01T00:00:00Z"}`
	type rej struct {
		line   int
		reason ingest.Reason
	}
	var rejs []rej
	st, err := ingest.Produce(t.Context(), strings.NewReader(in), w, p, ingest.ProduceOptions{
		BatchSize: 2,
		OnReject:  func(line int, re *ingest.RejectError) { rejs = append(rejs, rej{line, re.Reason}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 5 || st.Sent != 3 || st.Rejected != 2 {
		t.Fatalf("stats %+v", st)
	}
	if len(rejs) != 2 || rejs[0] != (rej{4, ingest.ReasonMissingField}) || rejs[1] != (rej{5, ingest.ReasonMalformedJSON}) {
		t.Fatalf("rejections %+v", rejs)
	}
	if string(w.msgs[0].Value) != goodRecord {
		t.Fatal("the original bytes must be published unchanged")
	}
	if !bytes.Equal(w.msgs[0].Key, ingest.RawKey("forum", "t1")) {
		t.Fatalf("key %q", w.msgs[0].Key)
	}
}

func TestProduceSendInvalidAndTooLong(t *testing.T) {
	p := newPreparer(t, func(c *ingest.PreparerConfig) { c.MaxRecordBytes = 100 })
	w := &fakeWriter{}
	in := strings.Repeat("x", 5000) + "\n" + `{"id":"1","source":"f","text":"ok","created_at":"2026-03-01T00:00:00Z"}` + "\n" + `{"bad"` + "\n"
	var lines []int
	st, err := ingest.Produce(t.Context(), strings.NewReader(in), w, p, ingest.ProduceOptions{
		SendInvalid: true,
		OnReject:    func(line int, re *ingest.RejectError) { lines = append(lines, line) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 3 || st.Rejected != 2 || len(lines) != 2 || lines[0] != 1 || lines[1] != 3 {
		t.Fatalf("stats %+v lines %v", st, lines)
	}
	if st.Sent != 2 { // the over-long line is never sent; the malformed one is
		t.Fatalf("sent %d", st.Sent)
	}
}

func TestProduceCSV(t *testing.T) {
	p := newPreparer(t)
	w := &fakeWriter{}
	in := "id,source,text,created_at,author,meta.thread\n" +
		"1,forum,\"Love it, truly\",2026-03-01T00:00:00Z,bob,general\n" +
		"2,forum,no date,,bob,general\n" +
		"3,forum,bad date,2026-13-01,bob,general\n"
	var reasons []ingest.Reason
	st, err := ingest.Produce(t.Context(), strings.NewReader(in), w, p, ingest.ProduceOptions{
		Format:   "csv",
		OnReject: func(_ int, re *ingest.RejectError) { reasons = append(reasons, re.Reason) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 1 || st.Rejected != 2 || reasons[0] != ingest.ReasonMissingField || reasons[1] != ingest.ReasonInvalidCreatedAt {
		t.Fatalf("stats %+v reasons %v", st, reasons)
	}
	c, err := p.Prepare(w.msgs[0].Value)
	if err != nil || c.Meta["thread"] != "general" || c.Text != "Love it, truly" {
		t.Fatalf("csv record round trip: %+v %v", c, err)
	}
	if _, err := ingest.Produce(t.Context(), strings.NewReader("id,likes\n1,2\n"), w, p, ingest.ProduceOptions{Format: "csv"}); err == nil {
		t.Fatal("unknown CSV column must fail")
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
