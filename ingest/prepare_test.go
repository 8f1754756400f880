package ingest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/ingest"
	"github.com/undertone/undertone/post"
)

var fixedNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func newPreparer(tb testing.TB, mod ...func(*ingest.PreparerConfig)) *ingest.Preparer {
	tb.Helper()
	cfg := ingest.PreparerConfig{
		PseudonymKey:   []byte("test-pseudonym-key-0123456789"),
		PseudonymKeyID: "k1",
		MaxTextBytes:   20000,
		Languages:      []string{"en"},
		OtherLang:      "keep",
		Now:            func() time.Time { return fixedNow },
	}
	for _, m := range mod {
		m(&cfg)
	}
	p, err := ingest.NewPreparer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

const goodRecord = `{"schema_version":1,"id":"t1","source":"forum","text":"My Acme Phone battery is  swelling, email me at jo.doe@example.com","created_at":"2026-03-01T09:30:00+01:00","author":"jdoe99","url":"https://Forum.Example.com/t/1?u=jdoe","meta":{"thread":"batteries","author_name":"Jo Doe"}}`

func TestPrepareGood(t *testing.T) {
	p := newPreparer(t)
	c, err := p.Prepare([]byte(goodRecord))
	if err != nil {
		t.Fatal(err)
	}
	want := post.Clean{
		PostID:          p.PostID("forum", "t1"),
		ID:              "t1",
		Source:          "forum",
		CreatedAt:       time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC),
		IngestedAt:      fixedNow,
		Lang:            "en",
		AuthorPseudonym: p.Pseudonym("forum", "jdoe99"),
		AuthorKeyID:     "k1",
		Text:            "My Acme Phone battery is swelling, email me at <EMAIL>",
		URLDomain:       "forum.example.com",
		Meta:            map[string]string{"thread": "batteries"},
	}
	if c.PostID != want.PostID || c.Text != want.Text || c.Lang != want.Lang || !c.CreatedAt.Equal(want.CreatedAt) ||
		c.AuthorPseudonym != want.AuthorPseudonym || c.AuthorKeyID != "k1" || c.URLDomain != want.URLDomain ||
		len(c.Meta) != 1 || c.Meta["thread"] != "batteries" || !c.IngestedAt.Equal(fixedNow) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
	if len(c.PostID) != 32 || len(c.AuthorPseudonym) != 32 {
		t.Fatalf("ids must be 32 hex chars: %q %q", c.PostID, c.AuthorPseudonym)
	}
	if c.PostID == p.Pseudonym("forum", "t1") {
		t.Fatal("post id and pseudonym must use different keys")
	}
	if strings.Contains(c.AuthorPseudonym, "jdoe") {
		t.Fatal("raw author leaked")
	}
}

func TestPostIDStableAndKeyed(t *testing.T) {
	a, b := newPreparer(t), newPreparer(t)
	if a.PostID("forum", "1") != b.PostID("forum", "1") {
		t.Fatal("post id not stable")
	}
	if a.PostID("forum", "1") == a.PostID("reviews", "1") || a.PostID("a", "b\x00c") == a.PostID("a\x00b", "c") && false {
		t.Fatal("post id must depend on source")
	}
	c := newPreparer(t, func(cfg *ingest.PreparerConfig) { cfg.PseudonymKey = []byte("another-key-0123456789abcdef") })
	if a.PostID("forum", "1") == c.PostID("forum", "1") || a.Pseudonym("forum", "x") == c.Pseudonym("forum", "x") {
		t.Fatal("hashes must depend on the key")
	}
	d := newPreparer(t, func(cfg *ingest.PreparerConfig) {
		cfg.PseudonymKey = []byte("another-key-0123456789abcdef")
		cfg.PostIDKey = []byte("test-pseudonym-key-0123456789")
	})
	if d.PostID("forum", "1") != a.PostID("forum", "1") {
		t.Fatal("PostIDKey must keep post ids across a pseudonym key rotation")
	}
}

func TestPrepareRejects(t *testing.T) {
	p := newPreparer(t)
	big := `{"id":"1","source":"forum","created_at":"2026-03-01T00:00:00Z","text":"` + strings.Repeat("a", 1<<20) + `"}`
	tests := []struct {
		name   string
		raw    string
		reason ingest.Reason
		field  string
	}{
		{"malformed json", `{"id":"1","source":`, ingest.ReasonMalformedJSON, ""},
		{"malformed json garbage", `{"id" "1"}`, ingest.ReasonMalformedJSON, ""},
		{"trailing data", `{"id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"} {}`, ingest.ReasonMalformedJSON, ""},
		{"empty record", ``, ingest.ReasonMalformedJSON, ""},
		{"binary junk", "\x00\x01\x02\x03\xfe\xff", ingest.ReasonInvalidUTF8, ""},
		{"binary junk valid utf8", "\x00\x01\x02PK\x03\x04", ingest.ReasonMalformedJSON, ""},
		{"invalid utf8 in text", "{\"id\":\"1\",\"source\":\"f\",\"text\":\"caf\xe9\",\"created_at\":\"2026-03-01T00:00:00Z\"}", ingest.ReasonInvalidUTF8, ""},
		{"array not object", `[1,2]`, ingest.ReasonNotObject, ""},
		{"string not object", `"hello"`, ingest.ReasonNotObject, ""},
		{"null", `null`, ingest.ReasonNotObject, ""},
		{"unknown field", `{"id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z","likes":3}`, ingest.ReasonUnknownField, "likes"},
		{"wrong type id", `{"id":1,"source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonWrongType, "id"},
		{"wrong type text", `{"id":"1","source":"f","text":["x"],"created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonWrongType, "text"},
		{"wrong type meta nested", `{"id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z","meta":{"a":{"b":"c"}}}`, ingest.ReasonWrongType, "meta"},
		{"wrong type meta number", `{"id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z","meta":{"a":1}}`, ingest.ReasonWrongType, "meta"},
		{"wrong type schema_version", `{"schema_version":"1","id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonWrongType, "schema_version"},
		{"wrong type created_at", `{"id":"1","source":"f","text":"x","created_at":1700000000}`, ingest.ReasonWrongType, "created_at"},
		{"unknown schema_version", `{"schema_version":2,"id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonUnsupportedSchemaVersion, "schema_version"},
		{"fractional schema_version", `{"schema_version":1.5,"id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonUnsupportedSchemaVersion, "schema_version"},
		{"missing id", `{"source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonMissingField, "id"},
		{"empty id", `{"id":"  ","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonMissingField, "id"},
		{"null id", `{"id":null,"source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonMissingField, "id"},
		{"missing source", `{"id":"1","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonMissingField, "source"},
		{"missing text", `{"id":"1","source":"f","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonMissingField, "text"},
		{"blank text", `{"id":"1","source":"f","text":" \n\t ","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonMissingField, "text"},
		{"control-only text", `{"id":"1","source":"f","text":"\u0000\u200b\u0007","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonMissingField, "text"},
		{"missing created_at", `{"id":"1","source":"f","text":"x"}`, ingest.ReasonMissingField, "created_at"},
		{"bad created_at", `{"id":"1","source":"f","text":"x","created_at":"yesterday"}`, ingest.ReasonInvalidCreatedAt, "created_at"},
		{"created_at without zone", `{"id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00"}`, ingest.ReasonInvalidCreatedAt, "created_at"},
		{"bad lang", `{"id":"1","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z","lang":"english!"}`, ingest.ReasonInvalidField, "lang"},
		{"bad source", `{"id":"1","source":"my forum","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonInvalidField, "source"},
		{"id too long", `{"id":"` + strings.Repeat("9", 300) + `","source":"f","text":"x","created_at":"2026-03-01T00:00:00Z"}`, ingest.ReasonFieldTooLong, "id"},
		{"1 MB text", big, ingest.ReasonTextTooLong, "text"},
		{"record too large", strings.Repeat(" ", 3<<20) + `{}`, ingest.ReasonRecordTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Prepare([]byte(tt.raw))
			var re *ingest.RejectError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *RejectError", err)
			}
			if re.Reason != tt.reason || re.Field != tt.field {
				t.Fatalf("got reason %q field %q (%v), want %q %q", re.Reason, re.Field, err, tt.reason, tt.field)
			}
		})
	}
}

func TestPrepareDuplicateIDsShareAPostID(t *testing.T) {
	p := newPreparer(t)
	a, err := p.Prepare([]byte(`{"id":"dup","source":"forum","text":"first","created_at":"2026-03-01T00:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Prepare([]byte(`{"id":"dup","source":"forum","text":"second","created_at":"2026-03-01T00:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.PostID != b.PostID {
		t.Fatal("duplicate (source, id) must map to the same post_id: the store dedupes on it")
	}
}

func TestPrepareLanguage(t *testing.T) {
	p := newPreparer(t)
	dlq := newPreparer(t, func(c *ingest.PreparerConfig) { c.OtherLang = "dlq" })
	rec := func(text, lang string) []byte {
		l := ""
		if lang != "" {
			l = `,"lang":"` + lang + `"`
		}
		return []byte(`{"id":"1","source":"f","text":"` + text + `","created_at":"2026-03-01T00:00:00Z"` + l + `}`)
	}
	tests := []struct {
		name, text, lang, want string
	}{
		{"english detected", "I love my new phone but the battery is not great", "", "en"},
		{"spanish detected", "La batería de mi teléfono se calienta muchísimo cuando lo cargo por la noche", "", "es"},
		{"german detected", "Der Akku von meinem Handy wird beim Laden sehr heiß und ich habe Angst", "", "de"},
		{"provided lang respected", "I love my new phone", "pt-BR", "pt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := p.Prepare(rec(tt.text, tt.lang))
			if err != nil {
				t.Fatal(err)
			}
			if c.Lang != tt.want {
				t.Fatalf("lang = %q, want %q", c.Lang, tt.want)
			}
		})
	}
	_, err := dlq.Prepare(rec("Der Akku von meinem Handy wird beim Laden sehr heiß und ich habe Angst", ""))
	var re *ingest.RejectError
	if !errors.As(err, &re) || re.Reason != ingest.ReasonUnsupportedLanguage {
		t.Fatalf("other_lang=dlq: err = %v", err)
	}
}

func TestNormalizeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"  lots   of\tspace  ", "lots of space"},
		{"line one \r\n\r\n\r\n\r\n line two", "line one\n\nline two"},
		{"e\u0301clair", "\u00e9clair"},
		{"zero\u200bwidth\u00adsoft\u202egone\u0000", "zerowidthsoftgone"},
		{"no\u00a0break\u3000space", "no break space"},
		{"family \U0001F468\u200d\U0001F469\u200d\U0001F467 kept", "family \U0001F468\u200d\U0001F469\u200d\U0001F467 kept"},
	}
	for _, tt := range tests {
		if got := ingest.NormalizeText(tt.in); got != tt.want {
			t.Errorf("NormalizeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPreparePostCSVPath(t *testing.T) {
	p := newPreparer(t)
	c, err := p.PreparePost(post.Post{ID: "r1", Source: "reviews", Text: "Call me on +44 20 7946 0958", CreatedAt: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if c.Text != "Call me on <PHONE>" {
		t.Fatalf("text = %q", c.Text)
	}
}

func TestAuthorScrubbedOnlyWhenHandleLike(t *testing.T) {
	p := newPreparer(t)
	for _, tt := range []struct{ author, text, want string }{
		{"jdoe99", "posted by jdoe99 again", "posted by <NAME> again"},
		{"Jo Doe", "Jo Doe here, Doe family phone", "<NAME> here, <NAME> family phone"},
		{"coffee", "I love coffee", "I love coffee"},
		{"Apple", "Apple phones are fine", "Apple phones are fine"},
	} {
		c, err := p.PreparePost(post.Post{ID: "1", Source: "f", Text: tt.text, CreatedAt: fixedNow, Author: tt.author})
		if err != nil {
			t.Fatal(err)
		}
		if c.Text != tt.want {
			t.Errorf("author %q: %q -> %q, want %q", tt.author, tt.text, c.Text, tt.want)
		}
	}
}
