package train

// Exported metric helpers, shared by the enrichers' quality regression
// tests so they score the enrichers' outputs exactly as training does.

// LabelF1 returns the F1 of each label for predicted vs gold label sets
// (pred[i][k]: item i has label k).
func LabelF1(pred, gold [][]bool) []float64 {
	if len(gold) == 0 {
		return nil
	}
	return multiF1(pred, gold, len(gold[0]), seq(len(gold)))
}

// ToEkman maps GoEmotions label sets onto Ekman groups (post.Ekman order).
func ToEkman(labels [][]bool) [][]bool { return toEkman(labels) }

// ClassF1 returns per-class F1 for single-label predictions.
func ClassF1(pred, gold []int, nc int) []float64 { return classF1(pred, gold, nc) }

// MacroRecall returns the macro-averaged recall and the per-class recalls.
func MacroRecall(pred, gold []int, nc int) (float64, []float64) { return macroRecall(pred, gold, nc) }

// Mean returns the arithmetic mean of xs.
func Mean(xs []float64) float64 { return mean(xs) }

// Pearson returns Pearson's correlation of x and y.
func Pearson(x, y []float64) float64 { return pearson(x, y) }

// Spearman returns Spearman's rank correlation of x and y.
func Spearman(x, y []float64) float64 { return spearman(x, y) }
