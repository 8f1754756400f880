// Package generate writes realistic synthetic posts (schema v1 JSONL) for
// demos, tests and benchmarks: several sources, a believable mix of fears,
// joys, frustrations, disappointments, desires, confusion, questions and
// neutral chatter about the configured topics, typos, emoji, hashtags,
// some personal data for the anonymizer to scrub, a Zipf-distributed author
// pool, weekly and daily seasonality and an injected emerging-fear event
// (a battery that overheats and swells) over the last days of the range.
// Output is a pure function of the Config: the same seed gives the same
// bytes.
package generate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Topic is what the generator needs of a taxonomy entry.
type Topic struct {
	ID       string
	Name     string
	Kind     string // brand, product, competitor
	Aliases  []string
	Features []string
}

// Config configures a run.
type Config struct {
	Posts int
	Days  int
	Seed  uint64
	// Start is the first instant of the range (UTC midnight recommended).
	Start  time.Time
	Topics []Topic
	// InvalidRate is the share of records (0..1) replaced by invalid ones,
	// for exercising the dead-letter path. 0 by default.
	InvalidRate float64
	// EventTopic is the topic ID of the emerging-fear event; empty picks
	// "acme-phone" or else the first product with a battery feature.
	EventTopic string
	// EventDays is how many final days the event grows over (default 5).
	EventDays int
}

// Sources the generator writes, with their share of posts (per mille).
var sources = []struct {
	name   string
	weight int
}{{"microblog", 400}, {"forum", 250}, {"reviews", 200}, {"confessions", 150}}

// Day-of-week weights (Monday first): weekends are busier.
var weekdayWeight = [7]float64{0.92, 0.9, 0.93, 0.97, 1.05, 1.2, 1.18}

// Hour-of-day weights (UTC): quiet nights, evening peak.
var hourWeight = [24]float64{0.4, 0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 0.7, 0.9, 1, 1, 1.05, 1.1, 1.05, 1, 1, 1.05, 1.1, 1.3, 1.5, 1.6, 1.5, 1.1, 0.7}

// Generator produces posts. It is not safe for concurrent use.
type Generator struct {
	cfg    Config
	rng    *rand.Rand
	zipf   *rand.Zipf
	topics []Topic
	event  int // index in topics, -1 if none
	// cumulative weights
	themeCum   []int
	sourceCum  []int
	hourCum    []float64
	buf        []byte
	tmp        []byte
	seq        int
	lastRating int
}

// New checks cfg and returns a Generator.
func New(cfg Config) (*Generator, error) {
	if cfg.Posts < 0 {
		return nil, errors.New("generate: posts must be >= 0")
	}
	if cfg.Days <= 0 {
		return nil, errors.New("generate: days must be > 0")
	}
	if len(cfg.Topics) == 0 {
		return nil, errors.New("generate: no topics")
	}
	if cfg.InvalidRate < 0 || cfg.InvalidRate > 1 {
		return nil, errors.New("generate: invalid rate must be in [0, 1]")
	}
	if cfg.EventDays <= 0 {
		cfg.EventDays = 5
	}
	if cfg.EventDays > cfg.Days {
		cfg.EventDays = cfg.Days
	}
	g := &Generator{cfg: cfg, event: -1}
	g.rng = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	pool := uint64(max(60, cfg.Posts/6))
	g.zipf = rand.NewZipf(g.rng, 1.07, 4, pool-1)
	for _, t := range cfg.Topics {
		if len(t.Features) == 0 {
			t.Features = []string{"service", "price", "app"}
		}
		if t.Name == "" {
			continue
		}
		g.topics = append(g.topics, t)
	}
	if len(g.topics) == 0 {
		return nil, errors.New("generate: no topic has a name")
	}
	for i, t := range g.topics {
		if cfg.EventTopic != "" && t.ID == cfg.EventTopic {
			g.event = i
		}
	}
	if g.event < 0 && cfg.EventTopic == "" {
		for i, t := range g.topics {
			if t.ID == "acme-phone" {
				g.event = i
			}
		}
		if g.event < 0 {
			for i, t := range g.topics {
				if t.Kind == "product" && slices.Contains(t.Features, "battery") {
					g.event = i
					break
				}
			}
		}
	} else if g.event < 0 {
		return nil, fmt.Errorf("generate: event topic %q not in the taxonomy", cfg.EventTopic)
	}
	sum := 0
	for _, tw := range themeWeights {
		sum += tw.weight
		g.themeCum = append(g.themeCum, sum)
	}
	sum = 0
	for _, s := range sources {
		sum += s.weight
		g.sourceCum = append(g.sourceCum, sum)
	}
	f := 0.0
	for _, w := range hourWeight {
		f += w
		g.hourCum = append(g.hourCum, f)
	}
	return g, nil
}

// dayCounts spreads cfg.Posts over the days by weekday weight, exactly.
func (g *Generator) dayCounts() []int {
	days := g.cfg.Days
	w := make([]float64, days)
	total := 0.0
	for d := range days {
		wd := (int(g.cfg.Start.AddDate(0, 0, d).Weekday()) + 6) % 7
		w[d] = weekdayWeight[wd]
		total += w[d]
	}
	counts := make([]int, days)
	assigned := 0
	acc := 0.0
	for d := range days {
		acc += w[d]
		upto := int(float64(g.cfg.Posts)*acc/total + 0.5)
		counts[d] = upto - assigned
		assigned = upto
	}
	return counts
}

// WriteTo writes every post as one JSON line to w, day by day in time
// order. It returns the bytes written.
func (g *Generator) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	counts := g.dayCounts()
	times := make([]int64, 0, 1024)
	for d, c := range counts {
		dayStart := g.cfg.Start.AddDate(0, 0, d)
		times = times[:0]
		for range c {
			times = append(times, g.instant())
		}
		slices.Sort(times)
		eventShare := g.eventShare(d)
		for _, sec := range times {
			ts := dayStart.Add(time.Duration(sec) * time.Millisecond)
			line := g.post(ts, eventShare)
			m, err := bw.Write(line)
			n += int64(m)
			if err != nil {
				return n, fmt.Errorf("generate: write: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("generate: write: %w", err)
	}
	return n, nil
}

// instant draws a time of day in milliseconds following hourWeight.
func (g *Generator) instant() int64 {
	x := g.rng.Float64() * g.hourCum[len(g.hourCum)-1]
	h, _ := slices.BinarySearch(g.hourCum, x)
	if h > 23 {
		h = 23
	}
	return int64(h)*3600_000 + g.rng.Int64N(3600_000)
}

// eventShare is the share of day d's posts that belong to the emerging
// fear: zero before the last EventDays days, then growing.
func (g *Generator) eventShare(d int) float64 {
	if g.event < 0 {
		return 0
	}
	k := d - (g.cfg.Days - g.cfg.EventDays) // 0..EventDays-1
	if k < 0 {
		return 0
	}
	return 0.015 * float64((k+1)*(k+2)) / 2 // 1.5%, 4.5%, 9%, 15%, 22.5%
}

func (g *Generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

func pickCum(r *rand.Rand, cum []int) int {
	x := r.IntN(cum[len(cum)-1])
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	return len(cum) - 1
}

// surface returns how a topic is written in a post: mostly its name,
// sometimes an alias.
func (g *Generator) surface(t *Topic) string {
	if len(t.Aliases) > 0 && g.chance(0.25) {
		return g.pick(t.Aliases)
	}
	return t.Name
}

func (g *Generator) topic() int {
	// The event product is talked about a bit more than the others.
	if g.event >= 0 && g.chance(0.12) {
		return g.event
	}
	return g.rng.IntN(len(g.topics))
}

// post renders one JSON line for an instant.
func (g *Generator) post(ts time.Time, eventShare float64) []byte {
	g.seq++
	g.lastRating = 0
	src := sources[pickCum(g.rng, g.sourceCum)].name
	ti := g.topic()
	t := &g.topics[ti]
	theme := themeWeights[pickCum(g.rng, g.themeCum)].theme
	lang := ""
	text := g.tmp[:0]
	switch {
	case eventShare > 0 && g.chance(eventShare):
		t = &g.topics[g.event]
		theme = themeFears
		text = g.fill(text, g.pick(eventTemplates), t, nil)
	case g.chance(0.05):
		langs := [...]string{"es", "de", "fr", "pt", "it"}
		lang = langs[g.rng.IntN(len(langs))]
		text = g.fill(text, g.pick(nonEnglish[lang]), t, nil)
	case g.chance(0.08) && len(g.topics) > 1:
		other := g.rival(ti)
		text = g.fill(text, g.pick(mixed), t, other)
	default:
		text = g.fill(text, g.pick(openers[src]), t, nil)
		bodyStart := len(text)
		text = g.fill(text, g.pick(templates[theme]), t, nil)
		if bodyStart > 0 && bodyStart < len(text) && isUpper(text[bodyStart]) && !isPronounI(text[bodyStart:]) && !startsWithTopic(text[bodyStart:], t) {
			text[bodyStart] += 'a' - 'A'
		}
		if src == "forum" && g.chance(0.5) {
			text = endSentence(text)
			text = append(text, ' ')
			text = g.fill(text, g.pick(templates[theme]), t, nil)
		}
		closer := g.pick(closers[src])
		if len(closer) > 1 && isUpper(closer[1]) {
			text = endSentence(text)
		}
		text = g.fillRating(text, closer, t, theme)
	}
	if lang == "" {
		if e := g.pick(themeEmoji[theme]); e != "" && g.chance(0.35) {
			text = append(text, ' ')
			text = append(text, e...)
		}
		if src == "microblog" && g.chance(0.5) {
			text = append(text, ' ', '#')
			text = appendTag(text, t.Name)
			if g.chance(0.4) {
				text = append(text, ' ')
				text = append(text, g.pick(themeTags[theme])...)
			}
		}
		if g.chance(0.06) {
			text = g.typo(text)
		}
		if src == "microblog" && g.chance(0.12) {
			lowerASCII(text)
		}
	}
	if g.chance(0.05) {
		text = g.pii(text)
	}
	g.tmp = text
	author := g.author()
	return g.encode(src, ts, text, author, lang, theme)
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isPronounI(b []byte) bool {
	return len(b) >= 2 && b[0] == 'I' && (b[1] == ' ' || b[1] == '\'')
}

func startsWithTopic(b []byte, t *Topic) bool {
	if bytes.HasPrefix(b, []byte(t.Name)) {
		return true
	}
	for _, a := range t.Aliases {
		if bytes.HasPrefix(b, []byte(a)) {
			return true
		}
	}
	return false
}

// endSentence adds a full stop unless text already ends a sentence.
func endSentence(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	switch b[len(b)-1] {
	case '.', '!', '?':
		return b
	}
	return append(b, '.')
}

// rating is the star rating a reviewer with this theme gives.
func (g *Generator) rating(theme string) int {
	switch theme {
	case themeJoys:
		return 4 + g.rng.IntN(2)
	case themeFrustrations, themeDisappointments, themeFears:
		return 1 + g.rng.IntN(2)
	}
	return 2 + g.rng.IntN(3)
}

// fillRating fills a closer, whose {n} is a star rating.
func (g *Generator) fillRating(dst []byte, closer string, t *Topic, theme string) []byte {
	if i := strings.Index(closer, "{n}"); i >= 0 {
		g.lastRating = g.rating(theme)
		dst = append(dst, closer[:i]...)
		dst = strconv.AppendInt(dst, int64(g.lastRating), 10)
		return append(dst, closer[i+3:]...)
	}
	return g.fill(dst, closer, t, nil)
}

// rival picks a second topic for a multi-brand post, preferring one that
// shares a feature with topic ti (phones with phones, not with coffee).
func (g *Generator) rival(ti int) *Topic {
	start := g.rng.IntN(len(g.topics))
	for k := range len(g.topics) {
		j := (start + k) % len(g.topics)
		if j == ti {
			continue
		}
		for _, f := range g.topics[j].Features {
			if slices.Contains(g.topics[ti].Features, f) && f != "price" && f != "customer support" {
				return &g.topics[j]
			}
		}
	}
	return &g.topics[(ti+1+g.rng.IntN(len(g.topics)-1))%len(g.topics)]
}

// feature picks a feature of t, one shared with other when there is one.
func (g *Generator) feature(t, other *Topic) string {
	if other != nil {
		start := g.rng.IntN(len(t.Features))
		for k := range len(t.Features) {
			f := t.Features[(start+k)%len(t.Features)]
			if slices.Contains(other.Features, f) {
				return f
			}
		}
	}
	return g.pick(t.Features)
}

// fill appends tmpl with its slots filled.
func (g *Generator) fill(dst []byte, tmpl string, t, other *Topic) []byte {
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			return append(dst, tmpl...)
		}
		dst = append(dst, tmpl[:i]...)
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return append(dst, tmpl[i:]...)
		}
		slot := tmpl[i+1 : i+j]
		tmpl = tmpl[i+j+1:]
		switch slot {
		case "p":
			dst = appendArticleFix(dst, g.surface(t))
		case "c":
			if other != nil {
				dst = appendArticleFix(dst, g.surface(other))
			}
		case "f":
			dst = append(dst, g.feature(t, other)...)
		case "n":
			dst = strconv.AppendInt(dst, int64(2+g.rng.IntN(9)), 10)
		case "d":
			dst = append(dst, g.pick(weekdays)...)
		}
	}
}

// appendArticleFix appends name, turning a preceding "a " into "an " when
// name starts with a vowel ("an Acme Phone").
func appendArticleFix(dst []byte, name string) []byte {
	if n := len(dst); n >= 2 && dst[n-1] == ' ' && (dst[n-2] == 'a' || dst[n-2] == 'A') && (n == 2 || dst[n-3] == ' ') && name != "" && strings.ContainsRune("AEIOUaeiou", rune(name[0])) {
		dst = append(dst[:n-1], 'n', ' ')
	}
	return append(dst, name...)
}

func appendTag(dst []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c != ' ' && c != '-' {
			dst = append(dst, c)
		}
	}
	return dst
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// typo swaps two adjacent letters in one word of four or more ASCII letters.
func (g *Generator) typo(b []byte) []byte {
	if len(b) < 8 {
		return b
	}
	for range 4 {
		i := g.rng.IntN(len(b) - 1)
		if isLower(b[i]) && isLower(b[i+1]) && b[i] != b[i+1] && i > 0 && isLower(b[i-1]) {
			b[i], b[i+1] = b[i+1], b[i]
			return b
		}
	}
	return b
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// pii appends a sentence with an e-mail, phone or handle.
func (g *Generator) pii(b []byte) []byte {
	tmpl := g.pick(piiTemplates)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			return append(b, tmpl...)
		}
		b = append(b, tmpl[:i]...)
		j := strings.IndexByte(tmpl[i:], '}')
		slot := tmpl[i+1 : i+j]
		tmpl = tmpl[i+j+1:]
		switch slot {
		case "e":
			b = append(b, strings.ToLower(g.pick(firstNames))...)
			b = append(b, '.')
			b = append(b, strings.ToLower(g.pick(lastNames))...)
			b = strconv.AppendInt(b, int64(g.rng.IntN(100)), 10)
			b = append(b, '@')
			b = append(b, g.pick(mailHosts)...)
		case "ph":
			b = g.phone(b)
		case "h":
			b = append(b, '@')
			b = g.handle(b, uint64(g.rng.IntN(5000)))
		}
	}
}

func (g *Generator) phone(b []byte) []byte {
	f := g.pick(phoneFormats)
	for i := 0; i < len(f); i++ {
		if f[i] == '{' {
			j := strings.IndexByte(f[i:], '}')
			for range j - 1 {
				b = append(b, byte('0'+g.rng.IntN(10)))
			}
			i += j
			continue
		}
		b = append(b, f[i])
	}
	return b
}

// handle writes a deterministic handle for an author rank.
func (g *Generator) handle(b []byte, rank uint64) []byte {
	b = append(b, handleAdj[rank%uint64(len(handleAdj))]...)
	b = append(b, '_')
	b = append(b, handleNoun[(rank/uint64(len(handleAdj)))%uint64(len(handleNoun))]...)
	return strconv.AppendUint(b, rank, 10)
}

func (g *Generator) author() uint64 { return g.zipf.Uint64() }

// encode writes the JSON line. Some records are made invalid when
// InvalidRate > 0.
func (g *Generator) encode(src string, ts time.Time, text []byte, author uint64, lang, theme string) []byte {
	b := g.buf[:0]
	if g.cfg.InvalidRate > 0 && g.chance(g.cfg.InvalidRate) {
		b = g.invalid(b, src, ts, text)
		g.buf = b
		return b
	}
	b = append(b, `{"schema_version":1,"id":"`...)
	b = g.appendID(b, src)
	b = append(b, `","source":"`...)
	b = append(b, src...)
	b = append(b, `","created_at":"`...)
	b = ts.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, `","text":`...)
	b = appendJSONString(b, text)
	if lang != "" || g.chance(0.3) {
		if lang == "" {
			lang = "en"
		}
		b = append(b, `,"lang":"`...)
		b = append(b, lang...)
		b = append(b, '"')
	}
	b = append(b, `,"author":"`...)
	b = g.handle(b, author)
	b = append(b, '"')
	switch src {
	case "forum":
		b = append(b, `,"url":"https://forum.example.com/t/`...)
		b = strconv.AppendInt(b, int64(g.seq), 10)
		b = append(b, `","meta":{"thread":"`...)
		b = append(b, g.pick(threads)...)
		b = append(b, `"}`...)
	case "reviews":
		b = append(b, `,"url":"https://reviews.example.com/r/`...)
		b = strconv.AppendInt(b, int64(g.seq), 10)
		b = append(b, `","meta":{"rating":"`...)
		r := g.lastRating
		if r == 0 {
			r = g.rating(theme)
		}
		b = strconv.AppendInt(b, int64(r), 10)
		if g.chance(0.3) {
			b = append(b, `","author_name":"`...)
			b = append(b, g.pick(firstNames)...)
			b = append(b, ' ')
			b = append(b, g.pick(lastNames)...)
		}
		b = append(b, `"}`...)
	}
	b = append(b, "}\n"...)
	g.buf = b
	return b
}

func (g *Generator) appendID(b []byte, src string) []byte {
	switch src {
	case "forum":
		b = append(b, "t"...)
		b = strconv.AppendInt(b, int64(g.seq/7), 10)
		b = append(b, "-p"...)
		return strconv.AppendInt(b, int64(g.seq), 10)
	case "reviews":
		b = append(b, "rv-"...)
		return strconv.AppendInt(b, int64(g.seq), 36)
	case "confessions":
		b = append(b, "c"...)
		return strconv.AppendUint(b, uint64(g.seq)*2654435761%(1<<40), 16)
	}
	return strconv.AppendInt(b, 1_700_000_000_000+int64(g.seq), 10)
}

// invalid writes one of several kinds of bad record.
func (g *Generator) invalid(b []byte, src string, ts time.Time, text []byte) []byte {
	id := strconv.Itoa(g.seq)
	switch g.rng.IntN(8) {
	case 0: // missing text
		b = fmt.Appendf(b, `{"id":"bad-%s","source":"%s","created_at":"%s"}`, id, src, ts.UTC().Format(time.RFC3339))
	case 1: // bad timestamp
		b = fmt.Appendf(b, `{"id":"bad-%s","source":"%s","created_at":"last tuesday","text":"hello"}`, id, src)
	case 2: // unknown field
		b = fmt.Appendf(b, `{"id":"bad-%s","source":"%s","created_at":"%s","text":"hi","likes":4}`, id, src, ts.UTC().Format(time.RFC3339))
	case 3: // malformed JSON
		b = fmt.Appendf(b, `{"id":"bad-%s","source":"%s","text":`, id, src)
	case 4: // wrong type
		b = fmt.Appendf(b, `{"id":%s,"source":"%s","created_at":"%s","text":"hi"}`, id, src, ts.UTC().Format(time.RFC3339))
	case 5: // unsupported schema version
		b = fmt.Appendf(b, `{"schema_version":2,"id":"bad-%s","source":"%s","created_at":"%s","text":"hi"}`, id, src, ts.UTC().Format(time.RFC3339))
	case 6: // not an object
		b = append(b, `["not","an","object"]`...)
	default: // empty id
		b = fmt.Appendf(b, `{"id":"","source":"%s","created_at":"%s","text":"hi"}`, src, ts.UTC().Format(time.RFC3339))
	}
	_ = text
	return append(b, '\n')
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		_, n := utf8.DecodeRune(s[i:])
		b = append(b, s[i:i+n]...)
		i += n
	}
	return append(b, '"')
}
