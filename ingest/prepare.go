// Package ingest turns raw posts (schema v1) into clean, anonymized posts:
// the Preparer (decode, validate, normalize, detect language, anonymize,
// hash ids), the Kafka ingest stage (posts.raw -> posts.clean, bad input to
// posts.dlq), the record producer used by `undertone produce`, and the HTTP
// collector (POST /v1/posts).
package ingest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/undertone/undertone/ingest/anonymize"
	"github.com/undertone/undertone/post"
)

// Field limits. Records over them are rejected with ReasonFieldTooLong.
const (
	MaxIDBytes        = 256
	MaxSourceBytes    = 64
	MaxAuthorBytes    = 256
	MaxURLBytes       = 2048
	MaxMetaEntries    = 32
	MaxMetaKeyBytes   = 64
	MaxMetaValueBytes = 1024
)

// DefaultMaxRecordBytes is the raw record size limit when
// PreparerConfig.MaxRecordBytes is zero: Kafka's default message limit plus
// room, so a 1 MB text is reported as text_too_long, not record_too_large.
const DefaultMaxRecordBytes = 2 << 20

// PreparerConfig configures a Preparer. cmd/ builds it from the privacy and
// ingest config sections.
type PreparerConfig struct {
	// PseudonymKey is the secret HMAC key (>= 16 bytes). Separate keys for
	// author pseudonyms and post ids are derived from it.
	PseudonymKey []byte
	// PseudonymKeyID names the key; it is stored with every pseudonym so
	// keys can rotate.
	PseudonymKeyID string
	// PostIDKey, when set, keys post_id instead of a key derived from
	// PseudonymKey, so post ids (the dedupe key) survive a pseudonym key
	// rotation.
	PostIDKey []byte
	// MaxTextBytes is the largest accepted text, in bytes as received.
	MaxTextBytes int
	// MaxRecordBytes limits the raw record; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
	// Languages are the languages (ISO 639-1) the pipeline analyses.
	Languages []string
	// OtherLang is "keep" (posts in other languages flow, tagged with their
	// language) or "dlq" (they are rejected with ReasonUnsupportedLanguage).
	OtherLang string
	// Now returns the ingestion time; nil means time.Now.
	Now func() time.Time
}

// Preparer validates, normalizes and anonymizes posts. It is safe for
// concurrent use by multiple goroutines.
type Preparer struct {
	cfg        PreparerConfig
	authorKey  []byte
	postIDKey  []byte
	authorPool sync.Pool
	postIDPool sync.Pool
	now        func() time.Time
}

// Key derivation labels: each purpose gets its own HMAC key, so a post id
// and an author pseudonym never share a keyed hash.
const (
	authorKeyLabel = "undertone/author-pseudonym/v1"
	postIDKeyLabel = "undertone/post-id/v1"
)

// NewPreparer checks cfg and derives the per-purpose keys.
func NewPreparer(cfg PreparerConfig) (*Preparer, error) {
	if len(cfg.PseudonymKey) < 16 {
		return nil, errors.New("ingest: pseudonym key must be at least 16 bytes")
	}
	if cfg.PseudonymKeyID == "" {
		return nil, errors.New("ingest: pseudonym key id is required")
	}
	if cfg.MaxTextBytes <= 0 {
		return nil, fmt.Errorf("ingest: max text bytes must be > 0, got %d", cfg.MaxTextBytes)
	}
	if cfg.MaxRecordBytes == 0 {
		cfg.MaxRecordBytes = DefaultMaxRecordBytes
	}
	switch cfg.OtherLang {
	case "":
		cfg.OtherLang = "keep"
	case "keep", "dlq":
	default:
		return nil, fmt.Errorf("ingest: other_lang %q: allowed: keep, dlq", cfg.OtherLang)
	}
	langs := make([]string, 0, len(cfg.Languages))
	for _, l := range cfg.Languages {
		langs = append(langs, strings.ToLower(l))
	}
	cfg.Languages = langs
	p := &Preparer{cfg: cfg, now: cfg.Now}
	if p.now == nil {
		p.now = time.Now
	}
	p.authorKey = derive(cfg.PseudonymKey, authorKeyLabel)
	if len(cfg.PostIDKey) > 0 {
		p.postIDKey = derive(cfg.PostIDKey, postIDKeyLabel)
	} else {
		p.postIDKey = derive(cfg.PseudonymKey, postIDKeyLabel)
	}
	p.authorPool.New = func() any { return &keyedMAC{h: hmac.New(sha256.New, p.authorKey)} }
	p.postIDPool.New = func() any { return &keyedMAC{h: hmac.New(sha256.New, p.postIDKey)} }
	return p, nil
}

func derive(key []byte, label string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Decode parses one raw record strictly: valid UTF-8, one JSON object, only
// schema v1 fields with the right types, schema_version 1 or absent. It
// does not check required fields (Validate does). The error is a
// *RejectError. Field names match exactly (case-sensitive); when a key
// repeats, the last value wins.
func (p *Preparer) Decode(raw []byte) (post.Post, error) {
	return decode(raw, p.cfg.MaxRecordBytes)
}

// DecodePost is Decode with the default record size limit, for callers
// without a Preparer (producers, tests).
func DecodePost(raw []byte) (post.Post, error) { return decode(raw, DefaultMaxRecordBytes) }

func decode(raw []byte, maxRecord int) (post.Post, error) {
	var p post.Post
	if len(raw) > maxRecord {
		return p, reject(ReasonRecordTooLarge, "", fmt.Sprintf("%d bytes, limit %d", len(raw), maxRecord))
	}
	if !utf8.Valid(raw) {
		return p, reject(ReasonInvalidUTF8, "", "record is not valid UTF-8")
	}
	trimmed := bytes.Trim(raw, " \t\r\n") // JSON white space only
	if len(trimmed) == 0 {
		return p, reject(ReasonMalformedJSON, "", "empty record")
	}
	if trimmed[0] != '{' {
		if json.Valid(trimmed) {
			return p, reject(ReasonNotObject, "", "want a JSON object")
		}
		return p, reject(ReasonMalformedJSON, "", "not a JSON object")
	}
	p, rerr := decodeObject(trimmed)
	if rerr != nil {
		return post.Post{}, rerr
	}
	if p.SchemaVersion != 0 && p.SchemaVersion != post.SchemaVersion {
		return post.Post{}, reject(ReasonUnsupportedSchemaVersion, "schema_version", fmt.Sprintf("got %d, this build accepts 1", p.SchemaVersion))
	}
	return p, nil
}

// knownFieldList names the schema v1 fields, for rejection details.
const knownFieldList = "schema_version, id, source, text, created_at, lang, author, url, meta"

// Prepare turns one raw record into a clean post: Decode, then
// PreparePost. Errors are *RejectError; raw is not retained.
func (p *Preparer) Prepare(raw []byte) (post.Clean, error) {
	c, _, err := p.PrepareCounted(raw)
	return c, err
}

// Validate checks the required fields and limits of a decoded post. The
// error is a *RejectError.
func (p *Preparer) Validate(in *post.Post) error {
	if in.SchemaVersion != 0 && in.SchemaVersion != post.SchemaVersion {
		return reject(ReasonUnsupportedSchemaVersion, "schema_version", fmt.Sprintf("got %d, this build accepts 1", in.SchemaVersion))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"id", in.ID, MaxIDBytes}, {"source", in.Source, MaxSourceBytes}} {
		if strings.TrimSpace(f.v) == "" {
			return reject(ReasonMissingField, f.name, "required, non-blank")
		}
		if len(f.v) > f.max {
			return reject(ReasonFieldTooLong, f.name, fmt.Sprintf("%d bytes, limit %d", len(f.v), f.max))
		}
		if !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return reject(ReasonInvalidField, f.name, "control characters or invalid UTF-8")
		}
	}
	if !validSource(in.Source) {
		return reject(ReasonInvalidField, "source", "want 1-64 of a-z A-Z 0-9 . _ -")
	}
	if len(in.Text) > p.cfg.MaxTextBytes {
		return reject(ReasonTextTooLong, "text", fmt.Sprintf("%d bytes, limit %d", len(in.Text), p.cfg.MaxTextBytes))
	}
	if !utf8.ValidString(in.Text) {
		return reject(ReasonInvalidUTF8, "text", "text is not valid UTF-8")
	}
	if strings.TrimSpace(in.Text) == "" {
		return reject(ReasonMissingField, "text", "required, non-blank")
	}
	if in.CreatedAt.IsZero() {
		return reject(ReasonMissingField, "created_at", "required RFC 3339 timestamp")
	}
	if y := in.CreatedAt.Year(); y < 1970 || y > 9999 {
		return reject(ReasonInvalidCreatedAt, "created_at", "year out of range 1970-9999")
	}
	if in.Lang != "" && primaryTag(in.Lang) == "" {
		return reject(ReasonInvalidField, "lang", "want a BCP 47 tag such as en or pt-BR")
	}
	if len(in.Author) > MaxAuthorBytes {
		return reject(ReasonFieldTooLong, "author", fmt.Sprintf("%d bytes, limit %d", len(in.Author), MaxAuthorBytes))
	}
	if len(in.URL) > MaxURLBytes {
		return reject(ReasonFieldTooLong, "url", fmt.Sprintf("%d bytes, limit %d", len(in.URL), MaxURLBytes))
	}
	if len(in.Meta) > MaxMetaEntries {
		return reject(ReasonInvalidField, "meta", fmt.Sprintf("%d entries, limit %d", len(in.Meta), MaxMetaEntries))
	}
	for k, v := range in.Meta {
		if len(k) > MaxMetaKeyBytes || len(v) > MaxMetaValueBytes {
			return reject(ReasonFieldTooLong, "meta", fmt.Sprintf("key limit %d bytes, value limit %d bytes", MaxMetaKeyBytes, MaxMetaValueBytes))
		}
	}
	return nil
}

func validSource(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// PrepareCounted is Prepare that also returns how many spans of each
// kind of personal data the text and meta values lost.
func (p *Preparer) PrepareCounted(raw []byte) (post.Clean, anonymize.Counts, error) {
	in, err := p.Decode(raw)
	if err != nil {
		return post.Clean{}, anonymize.Counts{}, err
	}
	return p.preparePost(in)
}

// PreparePost validates, normalizes and anonymizes an already decoded post
// (for example a CSV row). The error is a *RejectError.
func (p *Preparer) PreparePost(in post.Post) (post.Clean, error) {
	c, _, err := p.preparePost(in)
	return c, err
}

func (p *Preparer) preparePost(in post.Post) (post.Clean, anonymize.Counts, error) {
	var counts anonymize.Counts
	if err := p.Validate(&in); err != nil {
		return post.Clean{}, counts, err
	}
	text := NormalizeText(in.Text)
	if text == "" {
		return post.Clean{}, counts, reject(ReasonMissingField, "text", "blank after removing control characters")
	}
	lang := primaryTag(in.Lang)
	if lang == "" {
		lang = DetectLang(text)
	}
	if p.cfg.OtherLang == "dlq" && !slices.Contains(p.cfg.Languages, lang) {
		return post.Clean{}, counts, reject(ReasonUnsupportedLanguage, "lang", "language not in ingest.languages")
	}
	names, meta := splitMeta(in.Meta)
	if in.Author != "" {
		names = append(names, authorNames(in.Author)...)
	}
	text, counts = anonymize.Scrub(text, names)
	for k, v := range meta {
		var mc anonymize.Counts
		meta[k], mc = anonymize.Scrub(NormalizeText(v), names)
		for i := range mc {
			counts[i] += mc[i]
		}
	}
	c := post.Clean{
		PostID:     p.PostID(in.Source, in.ID),
		ID:         in.ID,
		Source:     in.Source,
		CreatedAt:  in.CreatedAt.UTC(),
		IngestedAt: p.now().UTC(),
		Lang:       lang,
		Text:       text,
		URLDomain:  urlDomain(in.URL),
		Meta:       meta,
	}
	if in.Author != "" {
		c.AuthorPseudonym = p.Pseudonym(in.Source, in.Author)
		c.AuthorKeyID = p.cfg.PseudonymKeyID
	}
	return c, counts, nil
}

// PostID returns the stable post id: the first 16 bytes, hex, of
// HMAC-SHA256(post-id key, source + "\x00" + id). It is the Kafka key and
// the dedupe key downstream.
func (p *Preparer) PostID(source, id string) string {
	return p.keyed(&p.postIDPool, source, id)
}

// Pseudonym returns the author pseudonym: the first 16 bytes, hex, of
// HMAC-SHA256(author key, source + "\x00" + author). The same author on
// two sources gets two pseudonyms.
func (p *Preparer) Pseudonym(source, author string) string {
	return p.keyed(&p.authorPool, source, author)
}

// keyedMAC is a pooled HMAC with its scratch space, so keyed allocates
// only the returned string.
type keyedMAC struct {
	h   hash.Hash
	in  []byte
	sum []byte
	hex [32]byte
}

func (p *Preparer) keyed(pool *sync.Pool, a, b string) string {
	m := pool.Get().(*keyedMAC)
	m.h.Reset()
	m.in = append(append(append(m.in[:0], a...), 0), b...)
	m.h.Write(m.in)
	m.sum = m.h.Sum(m.sum[:0])
	hex.Encode(m.hex[:], m.sum[:16])
	out := string(m.hex[:])
	if cap(m.in) > 4096 {
		m.in = nil // do not pool a huge id
	}
	pool.Put(m)
	return out
}

// nameKeys are the meta keys whose values are personal names: they are
// scrubbed from the text and dropped from meta. Keys ending in "_name" or
// "_names" count too; "names" values may list several, comma-separated.
var nameKeys = map[string]bool{"name": true, "names": true, "author_name": true, "display_name": true, "full_name": true, "real_name": true, "username": true, "user_name": true, "screen_name": true, "mentions": true}

func isNameKey(k string) bool {
	k = strings.ToLower(k)
	return nameKeys[k] || strings.HasSuffix(k, "_name") || strings.HasSuffix(k, "_names")
}

// splitMeta separates name fields from the rest of meta. The returned meta
// is a fresh map (nil when empty).
func splitMeta(in map[string]string) (names []string, meta map[string]string) {
	for k, v := range in {
		if isNameKey(k) {
			for n := range strings.SplitSeq(v, ",") {
				n = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(n), "@"))
				if n != "" {
					names = append(names, n)
				}
			}
			continue
		}
		if meta == nil {
			meta = make(map[string]string, len(in))
		}
		meta[k] = v
	}
	return names, meta
}

// authorNames returns the raw author as a name to scrub from the text when
// it cannot be an ordinary word: a handle with a digit, "_" or "." (so
// "posted by jdoe99" loses jdoe99) or a display name of two or more words.
// Plain words ("coffee", "Apple") are not used: they would erase ordinary
// words and brand names; @mentions of them are scrubbed as handles anyway.
func authorNames(author string) []string {
	a := strings.TrimPrefix(strings.TrimSpace(author), "@")
	if len(a) < 3 {
		return nil
	}
	if strings.ContainsAny(a, "0123456789_.") || strings.Contains(a, " ") {
		return []string{a}
	}
	return nil
}

// urlDomain returns the lowercased host of a URL without port, or "".
func urlDomain(u string) string {
	if u == "" {
		return ""
	}
	if k := strings.Index(u, "://"); k >= 0 {
		u = u[k+3:]
	}
	if k := strings.IndexAny(u, "/?#"); k >= 0 {
		u = u[:k]
	}
	if k := strings.LastIndexByte(u, '@'); k >= 0 {
		u = u[k+1:]
	}
	if strings.HasPrefix(u, "[") {
		return ""
	}
	if k := strings.LastIndexByte(u, ':'); k >= 0 {
		u = u[:k]
	}
	u = strings.ToLower(strings.TrimSuffix(u, "."))
	if u == "" || len(u) > 253 || !strings.Contains(u, ".") {
		return ""
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return ""
		}
	}
	allDigits := true
	for i := 0; i < len(u); i++ {
		if c := u[i]; c != '.' && (c < '0' || c > '9') {
			allDigits = false
			break
		}
	}
	if allDigits { // an IP address is not a domain
		return ""
	}
	return u
}
