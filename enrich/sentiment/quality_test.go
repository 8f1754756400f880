package sentiment_test

import (
	"testing"

	"github.com/undertone/undertone/enrich/sentiment"
	"github.com/undertone/undertone/internal/train"
	"github.com/undertone/undertone/post"
)

// floorMacroRecall is the dev macro-averaged recall the committed model
// reached (0.601: the whole sentiment-tweets pool, negation-aware features)
// minus a small margin.
const floorMacroRecall = 0.59

// TestQuality scores sentiment labels on the SemEval-2016 devtest split of
// the shared data. It skips when the data is not there.
func TestQuality(t *testing.T) {
	dir := dataDir()
	if dir == "" {
		t.Skip("shared data not found (../shared/data or $UNDERTONE_DATA)")
	}
	m, err := sentiment.Model()
	if err != nil {
		t.Fatal(err)
	}
	dev, err := train.LoadSentiment(dir, "twitter-2016devtest-A")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]post.Enriched, len(dev))
	gold := make([]int, len(dev))
	for i, it := range dev {
		b[i] = post.NewEnriched(post.Clean{Text: it.Text})
		gold[i] = int(it.Y[0])
	}
	if err := newEnricher(t).Enrich(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	pred := make([]int, len(b))
	score := make([]float64, len(b))
	goldS := make([]float64, len(b))
	for i := range b {
		for c, l := range sentiment.Labels {
			if b[i].Sentiment.Label == l {
				pred[i] = c
			}
		}
		score[i] = b[i].Sentiment.Score
		goldS[i] = float64(gold[i] - 1)
	}
	mr, rec := train.MacroRecall(pred, gold, 3)
	t.Logf("devtest macro recall %.3f (neg %.3f neu %.3f pos %.3f; model card %.3f), Pearson(score, class) %.3f",
		mr, rec[0], rec[1], rec[2], m.Metrics["macro_recall"], train.Pearson(score, goldS))
	if mr < floorMacroRecall {
		t.Errorf("macro recall %.3f, floor %.2f", mr, floorMacroRecall)
	}
	if d := mr - m.Metrics["macro_recall"]; d < -0.005 || d > 0.005 {
		t.Errorf("enricher macro recall %.3f differs from the training evaluation %.3f", mr, m.Metrics["macro_recall"])
	}
}
