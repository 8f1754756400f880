package textfeat_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/ingest/generate"
	"github.com/undertone/undertone/internal/textfeat"
)

// The trained sentiment and emotion models are only valid for the exact
// tokens and feature ids this package produced when they were trained, so
// any speed-up must keep the output byte-identical. TestIdentity hashes
// everything the models consume (tokens with their flags, valences and
// offsets, hashed features for the configurations the models use, dense
// features, rule scores, cues and clauses) over 20,000 generated posts plus
// 5,000 random strings built to hit every tokenizer branch (emoji,
// emoticons, entities, hashtags, mentions, URLs, apostrophes, elongation,
// non-ASCII letters and case), and compares the digest with the one
// recorded before the tokenizer was optimized (testdata/identity.sha256).
//
// Under -race it uses 1,000 posts and 500 strings with their own digest
// (testdata/identity-race.sha256, also recorded with the original code).
// UNDERTONE_TEXTFEAT_DUMP=path writes the full dump for diffing.
func TestIdentity(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20,000 posts")
	}
	// Under -race (make test) the 25,000 texts take minutes: a smaller
	// corpus with its own digest, also recorded with the original tokenizer.
	golden, posts, random := "testdata/identity.sha256", 20000, 5000
	if raceEnabled {
		golden, posts, random = "testdata/identity-race.sha256", 1000, 500
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	var w io.Writer = h
	if path := os.Getenv("UNDERTONE_TEXTFEAT_DUMP"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		defer bw.Flush()
		w = io.MultiWriter(h, bw)
	}
	texts := identityCorpus(t, posts, random)
	var d textfeat.Doc
	var dense [textfeat.NumDense]float32
	var cl []textfeat.Clause
	for _, text := range texts {
		d.Tokenize(text)
		n := len(d.Tokens)
		fmt.Fprintf(w, "%q caps=%v n=%d\n", text, d.AllCaps, n)
		for i, tk := range d.Tokens {
			fmt.Fprintf(w, " %q h=%x %d-%d v=%v f=%x r=%d\n", d.Norm(i), tk.Hash, tk.Start, tk.End,
				math.Float32bits(tk.Val), uint16(tk.Flags), tk.Rep)
		}
		writeFeats := func(a, b int) {
			for _, cfg := range [][3]int{{18, 0, 0}, {18, 3, 4}, {18, 0, 4}, {20, 3, 5}, {16, 4, 6}} {
				fmt.Fprintf(w, " F%v[%d:%d] %x\n", cfg, a, b, d.FeaturesChar(a, b, uint(cfg[0]), cfg[1], cfg[2]))
			}
			fmt.Fprintf(w, " f[%d:%d] %x\n", a, b, d.Features(a, b, 18))
			d.Dense(a, b, dense[:])
			r := d.Rule(a, b)
			de, fe := d.Cues(a, b)
			fmt.Fprintf(w, " D %v R %v %v %v C %v %v\n", dense, r.Compound, r.Pos, r.Neg, de, fe)
		}
		writeFeats(0, n)
		cl = d.Clauses(cl)
		fmt.Fprintf(w, " cl %v\n", cl)
		if len(cl) > 1 {
			for _, c := range cl {
				writeFeats(c.Start, c.End)
			}
		}
	}
	got := hex.EncodeToString(h.Sum(nil))
	if got != strings.TrimSpace(string(want)) {
		t.Fatalf("textfeat output changed over %d texts: digest %s, want %s (the trained models depend on it; set UNDERTONE_TEXTFEAT_DUMP to diff)", len(texts), got, want)
	}
}

// identityCorpus returns the texts of n generated posts (repository
// taxonomy, seed 1) followed by m seeded random strings.
func identityCorpus(t *testing.T, n, m int) []string {
	t.Helper()
	tax, err := config.LoadTopics("../../config/topics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var topics []generate.Topic
	for _, tp := range tax.Topics {
		topics = append(topics, generate.Topic{ID: tp.ID, Name: tp.Name, Kind: tp.Kind, Aliases: tp.Aliases, Features: tp.Features})
	}
	g, err := generate.New(generate.Config{Posts: n, Days: 30, Seed: 1, Topics: topics,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var p struct{ Text string }
		if err := json.Unmarshal(line, &p); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, p.Text)
	}
	pieces := []string{
		"a", "b", "Z", "É", "é", "ß", "İ", "ǅ", "Σ", "ς", "ﬁ", "Ⅻ", "٣", "7", "42", "x9", "_", "'", "’", "`",
		"sooo", "NOOOO", "Cool", "cOOl", "HAPPY", "not", "n't", "don't", "never", "but", "however", "very", "kinda",
		"wish", "hope", "if", "only", "would", "love", "can't", "wait", "worried", "about", "what", "fear", "terrified",
		" ", "  ", "\n", "\t", "\r", ".", "..", "...", ",", ";", ":", "!", "!!", "?", "?!", "!1", "!!!111",
		":)", ":-)", ":(", ":D", ";)", ":P", ":'(", ":/", ":\\", "<3", "</3", "^_^", "-_-", ">:(", "D:", ":o", ":*", "=)",
		"&amp;", "&lt;", "&lt;3", "&gt;", "&quot;", "&#39;", "&apos;", "&nbsp;", "&", "&x;",
		"#", "#NotHappy", "#fail", "#ABCDefGhi", "#a_b", "@", "@bob", "@Bob_1", "@_", "http", "https://x.co/a?b=1",
		"www.example.com/x", "www", "http:/", "😡", "😀", "👍🏽", "🏻", "☀", "⭐", "‼", "⁉", "🀄", "\u200d", "\u0301", "e\u0301",
		"\xff", "\xe2\x82", "日本語", "Привет", "ΑΒΓ", "straße", "ÀÉÎ", "—", "–", "-", "/", "(", ")", "\"", "*",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range m {
		var sb strings.Builder
		for k := rng.IntN(24); k >= 0; k-- {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(3) == 0 {
				sb.WriteByte(' ')
			}
		}
		texts = append(texts, sb.String())
	}
	return texts
}

// BenchmarkModelFeatures is what the sentiment and emotion enrichers do per
// post: tokenize, hashed features with character 3..4-grams (the trained
// models' parameters), dense features, over generated posts.
func BenchmarkModelFeatures(b *testing.B) {
	t := &testing.T{}
	texts := identityCorpus(t, 20000, 0)
	var d textfeat.Doc
	var dense [textfeat.NumDense]float32
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Tokenize(texts[i%len(texts)])
		i++
		n := len(d.Tokens)
		d.FeaturesChar(0, n, 18, 0, 4)
		d.Dense(0, n, dense[:])
	}
}
