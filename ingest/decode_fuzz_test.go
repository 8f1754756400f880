package ingest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"testing"
	"unicode/utf8"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/post"
)

// FuzzDecode checks the hand-written decoder against encoding/json: it
// never panics, every record it accepts encoding/json decodes to the same
// post, and it rejects everything encoding/json finds malformed.
func FuzzDecode(f *testing.F) {
	for _, s := range benchRecords {
		f.Add(s)
	}
	for _, s := range []string{
		goodRecord, `{}`, `{"meta":null}`, `{"meta":{"a":null,"b":"c"}}`, `{"id":"\ud83d\ude00\u00e9\"\\\/\b\f\n\r\t"}`,
		`{"id":"\ud800"}`, `{"schema_version":1.0}`, `{"schema_version":-0}`, `{"schema_version":1e0}`,
		`{"created_at":"2026-03-01T00:00:00.123456789+05:30"}`, `{"created_at":"2026-03-01t00:00:00z"}`,
		`{"x":[1,{"y":[true,false,null]}]}`, `{"id":"a","id":"b"}`, `{"ID":"a"}`, `[`, `{"a":tru}`, `{"a":01}`,
		`{"id":"1"} x`, " \t{\"id\":\"1\"}\n", `{"meta":{"a":{"b":1}}}`, `{"text":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := ingest.DecodePost(raw)
		var re *ingest.RejectError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("error is not a *RejectError: %v", err)
		}
		var want post.Post
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		stdErr := dec.Decode(&want)
		if stdErr == nil && dec.More() {
			stdErr = errors.New("trailing data")
		}
		if stdErr == nil {
			if _, terr := dec.Token(); terr == nil {
				stdErr = errors.New("trailing data")
			}
		}
		var syn *json.SyntaxError
		if errors.As(stdErr, &syn) && utf8.Valid(raw) && err == nil {
			t.Fatalf("accepted what encoding/json calls malformed (%v): %q", stdErr, raw)
		}
		if err != nil {
			return
		}
		if stdErr != nil {
			t.Fatalf("accepted %q, encoding/json says %v", raw, stdErr)
		}
		if got.ID != want.ID || got.Source != want.Source || got.Text != want.Text || got.Lang != want.Lang ||
			got.Author != want.Author || got.URL != want.URL || got.SchemaVersion != want.SchemaVersion ||
			!got.CreatedAt.Equal(want.CreatedAt) || !maps.Equal(got.Meta, want.Meta) || (got.Meta == nil) != (want.Meta == nil) {
			t.Fatalf("decoded differently from encoding/json:\n raw  %q\n got  %+v\n want %+v", raw, got, want)
		}
	})
}
