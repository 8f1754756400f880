// Package train trains Undertone's sentiment and emotion models from the
// labelled public data sets in ../shared/data (see its README), reports dev
// metrics and writes the model files the enrichers embed.
//
// Training is deterministic: data is read in a fixed order and shuffled with
// a seeded generator, and training runs on one goroutine.
package train

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"html"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/undertone/undertone/post"
)

// Label values in Item.Y.
const (
	unknown int8 = -1
	neg     int8 = 0
	pos     int8 = 1
)

// Item is one labelled text. Y holds one value per GoEmotions label for
// emotion data (1, 0 or unknown) or the class (0 negative, 1 neutral, 2
// positive) in Y[0] for sentiment data.
type Item struct {
	Text   string
	Y      []int8
	Source string
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out, sc.Err()
}

func newY() []int8 {
	y := make([]int8, len(post.Emotions))
	for i := range y {
		y[i] = unknown
	}
	return y
}

// LoadGoEmotions reads goemotions/<split>.tsv (split train or dev).
func LoadGoEmotions(dir, split string) ([]Item, error) {
	lines, err := readLines(filepath.Join(dir, "goemotions", split+".tsv"))
	if err != nil {
		return nil, fmt.Errorf("goemotions: %w", err)
	}
	items := make([]Item, 0, len(lines))
	for _, l := range lines {
		parts := strings.Split(l, "\t")
		if len(parts) < 2 {
			continue
		}
		y := make([]int8, len(post.Emotions))
		for _, id := range strings.Split(parts[1], ",") {
			k, err := strconv.Atoi(id)
			if err != nil || k < 0 || k >= len(y) {
				return nil, fmt.Errorf("goemotions: bad label %q", id)
			}
			y[k] = pos
		}
		items = append(items, Item{Text: parts[0], Y: y, Source: "goemotions"})
	}
	return items, nil
}

// semevalMap maps SemEval-2018 E-c columns onto GoEmotions labels; columns
// without a GoEmotions counterpart (anticipation, pessimism, trust) are
// left unknown.
var semevalMap = map[string]string{
	"anger": "anger", "disgust": "disgust", "fear": "fear", "joy": "joy",
	"love": "love", "optimism": "optimism", "sadness": "sadness", "surprise": "surprise",
}

// LoadSemEvalEc reads semeval2018-ec/E-c-En-<split>.txt (train or dev).
func LoadSemEvalEc(dir, split string) ([]Item, error) {
	lines, err := readLines(filepath.Join(dir, "semeval2018-ec", "E-c-En-"+split+".txt"))
	if err != nil || len(lines) == 0 {
		return nil, fmt.Errorf("semeval2018-ec: %w", err)
	}
	head := strings.Split(lines[0], "\t")
	var items []Item
	for _, l := range lines[1:] {
		parts := strings.Split(l, "\t")
		if len(parts) != len(head) {
			continue
		}
		y := newY()
		for c := 2; c < len(head); c++ {
			g, ok := semevalMap[head[c]]
			if !ok {
				continue
			}
			y[post.EmotionIndex(g)] = neg
			if parts[c] == "1" {
				y[post.EmotionIndex(g)] = pos
			}
		}
		items = append(items, Item{Text: parts[1], Y: y, Source: "semeval2018"})
	}
	return items, nil
}

// TweetEvalLabels are the TweetEval emotion classes in id order.
var TweetEvalLabels = []string{"anger", "joy", "optimism", "sadness"}

// LoadTweetEval reads tweeteval-emotion/<split>_text.txt and labels (train
// or val). Y marks the gold class 1 and the other three 0.
func LoadTweetEval(dir, split string) ([]Item, error) {
	texts, err := readLines(filepath.Join(dir, "tweeteval-emotion", split+"_text.txt"))
	if err != nil {
		return nil, fmt.Errorf("tweeteval: %w", err)
	}
	labels, err := readLines(filepath.Join(dir, "tweeteval-emotion", split+"_labels.txt"))
	if err != nil {
		return nil, fmt.Errorf("tweeteval: %w", err)
	}
	if len(texts) != len(labels) {
		return nil, fmt.Errorf("tweeteval: %d texts, %d labels", len(texts), len(labels))
	}
	items := make([]Item, 0, len(texts))
	for i, t := range texts {
		c, err := strconv.Atoi(strings.TrimSpace(labels[i]))
		if err != nil || c < 0 || c >= len(TweetEvalLabels) {
			return nil, fmt.Errorf("tweeteval: bad label %q", labels[i])
		}
		y := newY()
		for k, l := range TweetEvalLabels {
			y[post.EmotionIndex(l)] = neg
			if k == c {
				y[post.EmotionIndex(l)] = pos
			}
		}
		items = append(items, Item{Text: t, Y: y, Source: "tweeteval"})
	}
	return items, nil
}

// Sentiment classes in Item.Y[0].
var SentimentLabels = []string{post.LabelNegative, post.LabelNeutral, post.LabelPositive}

// LoadSentiment reads one sentiment-tweets file (e.g. twitter-2016train-A).
func LoadSentiment(dir, name string) ([]Item, error) {
	lines, err := readLines(filepath.Join(dir, "sentiment-tweets", name+".tsv"))
	if err != nil {
		return nil, fmt.Errorf("sentiment-tweets: %w", err)
	}
	var items []Item
	for _, l := range lines {
		parts := strings.SplitN(l, "\t", 3)
		if len(parts) < 3 {
			continue
		}
		c := -1
		for k, s := range SentimentLabels {
			if parts[1] == s {
				c = k
			}
		}
		if c < 0 {
			continue
		}
		// twitter-2016test-A ends each line with a tab.
		text := unescapeU(strings.TrimRight(parts[2], "\t\r"))
		if text == "Not Available" {
			continue
		}
		items = append(items, Item{Text: text, Y: []int8{int8(c)}, Source: name})
	}
	return items, nil
}

// unescapeU decodes literal \uXXXX escapes found in some SemEval files.
func unescapeU(s string) string {
	if !strings.Contains(s, `\u`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+5 < len(s)+0 && i+6 <= len(s) && s[i+1] == 'u' {
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
				b.WriteRune(rune(v))
				i += 5
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// normKey is the key used to drop training texts that also occur in an
// evaluation split.
func normKey(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// dedup drops items whose text occurs in held.
func dedup(items []Item, held map[string]bool) []Item {
	out := items[:0:0]
	for _, it := range items {
		if !held[normKey(it.Text)] {
			out = append(out, it)
		}
	}
	return out
}

// Rated is one text with a mean human sentiment rating (VADER's ground
// truth files: the mean of 20 raters on a -4..4 scale).
type Rated struct {
	ID     string
	Rating float64
	Text   string
}

// LoadRatings reads a VADER ground-truth file (tweets_GroundTruth.txt from
// the hutto_ICWSM_2014 archive in the vaderSentiment sdist):
// id<TAB>mean rating<TAB>text. HTML entities in the text (&amp;) are
// unescaped, as ingest would.
func LoadRatings(path string) ([]Rated, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, fmt.Errorf("ratings: %w", err)
	}
	var out []Rated
	for n, l := range lines {
		l = strings.TrimRight(l, "\r")
		if l == "" {
			continue
		}
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("ratings: %s:%d: want id<TAB>rating<TAB>text", path, n+1)
		}
		r, err := strconv.ParseFloat(strings.TrimSpace(f[1]), 64)
		if err != nil {
			return nil, fmt.Errorf("ratings: %s:%d: %w", path, n+1, err)
		}
		out = append(out, Rated{ID: strings.TrimSpace(f[0]), Rating: r, Text: html.UnescapeString(f[2])})
	}
	return out, nil
}

// RatedHalf splits rated texts into two fixed halves by a hash of the id:
// anything fitted on human ratings is fitted on half 0 and reported on
// half 1.
func RatedHalf(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() & 1)
}
