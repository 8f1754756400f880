package emotion_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/undertone/undertone/enrich/emotion"
	"github.com/undertone/undertone/internal/train"
	"github.com/undertone/undertone/post"
)

// dataDir finds the shared data folder (../shared/data next to the
// repository, or $UNDERTONE_DATA), or "".
func dataDir() string {
	if d := os.Getenv("UNDERTONE_DATA"); d != "" {
		return d
	}
	for _, d := range []string{"../../../shared/data", "/work/shared/data"} {
		if _, err := os.Stat(filepath.Join(d, "goemotions")); err == nil {
			return d
		}
	}
	return ""
}

// Floors: the dev metrics the committed model reached, minus a small
// margin. A retrained or changed model must not fall below them.
const (
	floorGoEmotions = 0.48 // reached 0.487
	floorEkman      = 0.59 // reached 0.598
	floorTweetEval  = 0.74 // reached 0.763
)

func enrichTexts(t *testing.T, texts []string) []post.Enriched {
	t.Helper()
	e := newEnricher(t)
	b := make([]post.Enriched, len(texts))
	for i, s := range texts {
		b[i] = post.NewEnriched(post.Clean{Text: s})
	}
	if err := e.Enrich(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestQuality scores the enricher's outputs on the dev splits of the
// shared data. It skips when the data is not there.
func TestQuality(t *testing.T) {
	dir := dataDir()
	if dir == "" {
		t.Skip("shared data not found (../shared/data or $UNDERTONE_DATA)")
	}
	m, err := emotion.Model()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("goemotions", func(t *testing.T) {
		dev, err := train.LoadGoEmotions(dir, "dev")
		if err != nil {
			t.Fatal(err)
		}
		texts := make([]string, len(dev))
		gold := make([][]bool, len(dev))
		for i, it := range dev {
			texts[i] = it.Text
			gold[i] = make([]bool, len(post.Emotions))
			for k, v := range it.Y {
				gold[i][k] = v == 1
			}
		}
		b := enrichTexts(t, texts)
		pred := make([][]bool, len(b))
		for i := range b {
			pred[i] = make([]bool, len(post.Emotions))
			for k, l := range post.Emotions {
				pred[i][k] = slices.Contains(b[i].EmotionLabels, l)
			}
		}
		f1 := train.Mean(train.LabelF1(pred, gold))
		ek := train.Mean(train.LabelF1(train.ToEkman(pred), train.ToEkman(gold)))
		t.Logf("GoEmotions dev macro-F1 %.3f (model card %.3f), Ekman %.3f (%.3f)", f1, m.Metrics["goemotions_macro_f1"], ek, m.Metrics["ekman_macro_f1"])
		if f1 < floorGoEmotions || ek < floorEkman {
			t.Errorf("GoEmotions macro-F1 %.3f (floor %.2f), Ekman %.3f (floor %.2f)", f1, floorGoEmotions, ek, floorEkman)
		}
		if d := f1 - m.Metrics["goemotions_macro_f1"]; d < -0.005 || d > 0.005 {
			t.Errorf("enricher macro-F1 %.3f differs from the training evaluation %.3f", f1, m.Metrics["goemotions_macro_f1"])
		}
	})
	t.Run("tweeteval", func(t *testing.T) {
		val, err := train.LoadTweetEval(dir, "val")
		if err != nil {
			t.Fatal(err)
		}
		texts := make([]string, len(val))
		gold := make([]int, len(val))
		for i, it := range val {
			texts[i] = it.Text
			for c, l := range train.TweetEvalLabels {
				if it.Y[post.EmotionIndex(l)] == 1 {
					gold[i] = c
				}
			}
		}
		b := enrichTexts(t, texts)
		pred := make([]int, len(b))
		for i := range b {
			for c, l := range train.TweetEvalLabels {
				if b[i].Emotions[l] > b[i].Emotions[train.TweetEvalLabels[pred[i]]] {
					pred[i] = c
				}
			}
		}
		f1 := train.Mean(train.ClassF1(pred, gold, 4))
		t.Logf("TweetEval emotion val macro-F1 %.3f (model card %.3f)", f1, m.Metrics["tweeteval_macro_f1"])
		if f1 < floorTweetEval {
			t.Errorf("TweetEval macro-F1 %.3f, floor %.2f", f1, floorTweetEval)
		}
	})
}
