package ingest_test

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/undertone/undertone/ingest"
)

// TestJSONSchemaMatchesDecoder keeps docs/post.v1.schema.json and the
// decoder in step: the same fields, the same required set, the same limits.
func TestJSONSchemaMatchesDecoder(t *testing.T) {
	b, err := os.ReadFile("../docs/post.v1.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Required             []string `json:"required"`
		AdditionalProperties bool     `json:"additionalProperties"`
		Properties           map[string]struct {
			MaxLength     int `json:"maxLength"`
			MaxProperties int `json:"maxProperties"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.AdditionalProperties {
		t.Fatal("schema must forbid additional properties")
	}
	fields := []string{"schema_version", "id", "source", "text", "created_at", "lang", "author", "url", "meta"}
	for name := range s.Properties {
		if !slices.Contains(fields, name) {
			t.Errorf("schema field %q unknown to the decoder", name)
		}
	}
	p := newPreparer(t)
	for _, f := range fields {
		if _, ok := s.Properties[f]; !ok {
			t.Errorf("decoder field %q missing from the schema", f)
		}
		// Every schema field is known to the decoder (no unknown_field).
		_, err := p.Decode([]byte(`{"` + f + `":null}`))
		var re *ingest.RejectError
		if errors.As(err, &re) && re.Reason == ingest.ReasonUnknownField {
			t.Errorf("decoder rejects schema field %q", f)
		}
	}
	slices.Sort(s.Required)
	if want := []string{"created_at", "id", "source", "text"}; !slices.Equal(s.Required, want) {
		t.Errorf("required = %v, want %v", s.Required, want)
	}
	for f, want := range map[string]int{"id": ingest.MaxIDBytes, "source": ingest.MaxSourceBytes, "author": ingest.MaxAuthorBytes, "url": ingest.MaxURLBytes} {
		if got := s.Properties[f].MaxLength; got != want {
			t.Errorf("%s maxLength %d, decoder limit %d", f, got, want)
		}
	}
	if got := s.Properties["meta"].MaxProperties; got != ingest.MaxMetaEntries {
		t.Errorf("meta maxProperties %d, decoder limit %d", got, ingest.MaxMetaEntries)
	}
}
