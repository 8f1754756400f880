package train

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/undertone/undertone/enrich/emotion"
	"github.com/undertone/undertone/enrich/sentiment"
	"github.com/undertone/undertone/internal/linear"
	"github.com/undertone/undertone/internal/textfeat"
	"github.com/undertone/undertone/post"
)

// Options configures a training run.
type Options struct {
	// DataDir is the shared data folder (../shared/data).
	DataDir string
	// SentimentOut and EmotionOut are the model files to write; empty skips
	// writing (metrics are still reported).
	SentimentOut, EmotionOut string
	// Only trains just "sentiment" or "emotion" when set.
	Only string
	// Report receives the dev metrics report (markdown).
	Report io.Writer
	// Seed seeds shuffling.
	Seed uint64

	EmoBits, SentBits     uint
	EmoEpochs, SentEpochs int
	EmoLR, SentLR         float64
	EmoL2, SentL2         float64
	// EmoChar and SentChar are the longest character n-gram (0: none).
	EmoChar, SentChar int
	// EmoCharMin and SentCharMin are the shortest character n-gram (< 3: 3).
	EmoCharMin, SentCharMin int
	// EmoPosWeight > 0 weighs positive examples of label k by
	// (neg_k/pos_k)^EmoPosWeight.
	EmoPosWeight float64
	// EmoAvgFrom >= 0 averages the emotion weights over epochs EmoAvgFrom..
	EmoAvgFrom int
	// EmoNB > 0 scales features NB-SVM style with this smoothing.
	EmoNB float64
	// EmoMinDF > 1 leaves out of emotion training the hashed features
	// present in fewer training texts (their weights stay zero).
	EmoMinDF int
	// EmoEkmanHead adds 7 outputs trained on the Ekman-grouped labels; they
	// give the ekman probabilities and gate emotion_labels by group.
	EmoEkmanHead bool
	// EmoRetune is the number of passes re-tuning the label thresholds
	// through the Ekman head's gating (0: none).
	EmoRetune int
	// EmoEmbed and SentEmbed add the mean GloVe word vector of the post
	// (textfeat.Embed) to the dense features.
	EmoEmbed, SentEmbed bool
	// ThresholdSmooth is the half-width (grid steps of 0.01) of the moving
	// average over the F1-vs-threshold curves before thresholds are picked.
	ThresholdSmooth int
	// EmbScale multiplies the word-vector features in training (a larger
	// value lets AdaGrad and L2 weigh them more); the exported weights fold
	// it in.
	EmbScale float64
	// SentGoEmotions and SentSemEval weigh extra sentiment examples derived
	// from the emotion data sets (0: not used): texts whose labels are all
	// positive (or all negative, or neutral) emotions.
	SentGoEmotions, SentSemEval float64
	// Sent2016Weight > 0 weighs the 2016 train/dev tweets (same period
	// and topic style as the dev split).
	Sent2016Weight float64
	// SentTrainDevOnly trains sentiment on the SemEval train/dev files only
	// (the first five of SentimentTrainFiles: the models before 2026-11-28).
	SentTrainDevOnly bool
	// EmoNeg and SentNeg train on negation-aware features: the character
	// n-grams of a negated word get their own ids and negators are left
	// out of the mean word vector (param "neg_aware").
	EmoNeg, SentNeg bool
	// SentTuneFolds > 1 tunes the sentiment class offsets on out-of-fold
	// predictions of the training pool (that many folds) instead of on the
	// dev split; SentTuneFrom restricts that to sources with this prefix.
	SentTuneFolds int
	SentTuneFrom  string
	// SentAvgFrom >= 0 averages the sentiment weights over epochs
	// SentAvgFrom.. (-1: off).
	SentAvgFrom int
	// SentStack feeds the emotion model's probabilities to the sentiment
	// model as dense features (the emotion model is trained first).
	SentStack bool
	// Source weights for emotion training examples.
	WeightSemEval, WeightTweetEval float64
	// EmoFloatEval also scores the emotion model with its float weights
	// (before int8 quantization) and reports one line of figures.
	EmoFloatEval bool
	// EmoIDF scales each hashed feature by its idf on the training texts,
	// log((N+1)/(df+1))+1, folded into the exported weights.
	EmoIDF bool
	// EmoBlockNorm > 0 (experiment) normalizes word features and character
	// n-grams as two blocks (the word block scaled by EmoBlockNorm); the
	// report then scores the float weights, and the written model is not
	// usable (inference has one value for all hashed features).
	EmoBlockNorm float64
	// EmoIDFNorm (experiment) scales hashed features by idf and normalizes
	// each text's tf-idf vector to unit norm (scored with float weights;
	// the written model is not usable).
	EmoIDFNorm bool
	// EmoL2DF > 0 scales the L2 penalty of a hashed feature's weights by
	// (N/df)^EmoL2DF. With 1, over an epoch every weight gets the same
	// total penalty (as in a batch objective) however rare its feature.
	EmoL2DF float64
	// SentTeacher is a JSON-lines file of a teacher model's sentiment
	// probabilities ({"text": ..., "p": [negative, neutral, positive]}),
	// written by scripts/teacher from the texts SentTeacherInput lists.
	// Labelled tweets found in it train on (1-SentTeacherMix)*gold +
	// SentTeacherMix*teacher; texts of the emotion sets' training splits
	// found in it train on the teacher alone with weight SentTeacherExtra
	// (0: not used). Empty: no teacher.
	SentTeacher                      string
	SentTeacherMix, SentTeacherExtra float64
	// SentTeacherInput, when set, writes the texts a teacher should label
	// (the sentiment training pool and the emotion sets' training texts,
	// dev duplicates removed) to this JSON-lines file and trains nothing.
	SentTeacherInput string
}

// DefaultOptions returns the settings the committed models were trained with.
func DefaultOptions() Options {
	return Options{
		DataDir: "../shared/data", Seed: 20260428,
		EmoBits: 18, SentBits: 18,
		EmoChar: 4, SentChar: 4,
		EmoEpochs: 45, SentEpochs: 6,
		EmoLR: 0.1, SentLR: 0.1,
		EmoL2: 1e-6, SentL2: 1e-4, EmoL2DF: 1,
		WeightSemEval: 1, WeightTweetEval: 1, EmoAvgFrom: -1, SentAvgFrom: -1,
		EmoEkmanHead: true, EmoRetune: 2, EmbScale: 1, EmoEmbed: true, SentEmbed: true,
		EmoNeg: true, SentNeg: true, SentTeacherMix: 0.7, SentTeacherExtra: 0.5,
	}
}

// Run trains the models, writes the report and the model files.
func Run(o Options) error {
	if o.Report == nil {
		o.Report = io.Discard
	}
	if o.SentTeacherInput != "" {
		_, err := trainSentiment(o, nil)
		return err
	}
	var emo *linear.Model
	if o.Only == "" || o.Only == "emotion" || o.SentStack {
		m, err := trainEmotion(o)
		if err != nil {
			return err
		}
		if o.Only != "sentiment" {
			if err := save(m, o.EmotionOut); err != nil {
				return err
			}
		}
		emo = m
	}
	if o.Only == "" || o.Only == "sentiment" {
		if !o.SentStack {
			emo = nil
		}
		m, err := trainSentiment(o, emo)
		if err != nil {
			return err
		}
		if err := save(m, o.SentimentOut); err != nil {
			return err
		}
	}
	return nil
}

func save(m *linear.Model, path string) error {
	if path == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// digest names a trained model by its quantized bytes.
func digest(m *linear.Model) string {
	var buf bytes.Buffer
	meta := m.Meta
	m.Meta.Metrics, m.Meta.Version = nil, ""
	_ = m.Write(&buf)
	m.Meta = meta
	h := fnv.New32a()
	h.Write(buf.Bytes())
	return fmt.Sprintf("%08x", h.Sum32())
}

func featurizeAll(items []Item, bits uint, char [2]int, emb *textfeat.Embeddings) []vec {
	var doc textfeat.Doc
	out := make([]vec, len(items))
	for i, it := range items {
		out[i] = featurize(&doc, it.Text, bits, char, emb)
	}
	return out
}

// embeddings returns the word vectors when on is set, else nil.
func embeddings(on bool) (*textfeat.Embeddings, error) {
	if !on {
		return nil, nil
	}
	return textfeat.WordVectors()
}

// logitsOf runs the quantized model over vectors.
func logitsOf(m *linear.Model, xs []vec) [][]float32 {
	out := make([][]float32, len(xs))
	for i := range xs {
		out[i] = make([]float32, m.NOut())
		m.Logits(xs[i].f, xs[i].d, out[i])
	}
	return out
}

func trainEmotion(o Options) (*linear.Model, error) {
	if (o.EmoBlockNorm > 0 || o.EmoIDFNorm) && o.EmotionOut != "" {
		return nil, fmt.Errorf("train: --emotion-block-norm is an experiment whose model inference cannot use; set --emotion-out ''")
	}
	dir := o.DataDir
	goTrain, err := LoadGoEmotions(dir, "train")
	if err != nil {
		return nil, err
	}
	goDev, err := LoadGoEmotions(dir, "dev")
	if err != nil {
		return nil, err
	}
	ecTrain, err := LoadSemEvalEc(dir, "train")
	if err != nil {
		return nil, err
	}
	ecDev, err := LoadSemEvalEc(dir, "dev")
	if err != nil {
		return nil, err
	}
	teTrain, err := LoadTweetEval(dir, "train")
	if err != nil {
		return nil, err
	}
	teVal, err := LoadTweetEval(dir, "val")
	if err != nil {
		return nil, err
	}
	held := map[string]bool{}
	for _, s := range [][]Item{goDev, teVal} {
		for _, it := range s {
			held[normKey(it.Text)] = true
		}
	}
	var items []Item
	var sw []float32
	for _, s := range []struct {
		items []Item
		w     float64
	}{{goTrain, 1}, {ecTrain, o.WeightSemEval}, {ecDev, o.WeightSemEval}, {teTrain, o.WeightTweetEval}} {
		d := dedup(s.items, held)
		items = append(items, d...)
		for range d {
			sw = append(sw, float32(s.w))
		}
	}
	fmt.Fprintf(o.Report, "emotion training: %d texts (GoEmotions train %d, SemEval-2018 E-c train+dev %d, TweetEval train %d, after removing %d dev duplicates)\n",
		len(items), len(goTrain), len(ecTrain)+len(ecDev), len(teTrain),
		len(goTrain)+len(ecTrain)+len(ecDev)+len(teTrain)-len(items))
	thresholdSmooth = o.ThresholdSmooth
	emoEmb, err := embeddings(o.EmoEmbed)
	if err != nil {
		return nil, err
	}
	nDense := textfeat.NumDense
	if emoEmb != nil {
		nDense += textfeat.EmbedDim
	}
	featNeg = o.EmoNeg
	blockNorm = float32(o.EmoBlockNorm)
	defer func() { blockNorm = 0 }()
	xs := featurizeAll(items, o.EmoBits, [2]int{o.EmoCharMin, o.EmoChar}, emoEmb)
	embScale = float32(o.EmbScale)
	scaleEmb(xs)
	ys := make([][]int8, len(items))
	for i := range items {
		ys[i] = items[i].Y
		if o.EmoEkmanHead {
			ys[i] = withEkman(items[i].Y)
		}
	}
	nl := len(post.Emotions)
	ne := len(post.Ekman)
	nOut := nl
	outputs := post.Emotions[:]
	if o.EmoEkmanHead {
		nOut = nl + ne
		outputs = emotion.OutputNames[:]
	}
	if n := pruneRare(xs, o.EmoBits, o.EmoMinDF); n > 0 {
		fmt.Fprintf(o.Report, "emotion training: %d hashed features in fewer than %d texts left out\n", n, o.EmoMinDF)
	}
	w := newWeights(o.EmoBits, nOut, nDense, o.EmoLR, o.EmoL2)
	w.avgFrom = o.EmoAvgFrom
	if o.EmoNB > 0 {
		w.nbScale(xs, ys, o.EmoNB)
	}
	if o.EmoIDF || o.EmoIDFNorm {
		w.idfScale(xs)
	}
	var trainDF []uint32
	if o.EmoIDFNorm {
		trainDF = docFreq(xs, 1<<o.EmoBits)
		idfNorm(xs, w, trainDF)
	}
	if o.EmoL2DF > 0 {
		w.l2ByDF(xs, o.EmoL2DF)
	}
	var pw []float32
	if o.EmoPosWeight > 0 {
		pw = make([]float32, nOut)
		for k := range nOut {
			p, n := 0, 0
			for i := range ys {
				switch ys[i][k] {
				case pos:
					p++
				case neg:
					n++
				}
			}
			pw[k] = float32(math.Pow(float64(n)/float64(max(p, 1)), o.EmoPosWeight))
		}
	}
	trainSigmoid(w, xs, ys, sw, pw, o.EmoEpochs, o.Seed)
	meta := linear.Meta{
		Params: map[string]float64{"char_ngrams": float64(o.EmoChar), "char_min": float64(o.EmoCharMin), "embed": b2f(o.EmoEmbed), "neg_aware": b2f(o.EmoNeg)},
		Name:   "emotion", Bits: o.EmoBits, Outputs: outputs, Dense: nDense, Kind: "sigmoid",
		Train: map[string]any{"epochs": o.EmoEpochs, "lr": o.EmoLR, "l2": o.EmoL2, "seed": o.Seed,
			"weight_semeval": o.WeightSemEval, "weight_tweeteval": o.WeightTweetEval, "texts": len(items),
			"lexicon": textfeat.LexiconVersion, "char_ngrams": o.EmoChar, "ekman_head": o.EmoEkmanHead, "embeddings": embedName(o.EmoEmbed)},
	}
	if o.ThresholdSmooth > 0 {
		meta.Train["threshold_smooth"] = o.ThresholdSmooth
	}
	if o.EmoL2DF > 0 {
		meta.Train["l2_df"] = o.EmoL2DF
	}
	m, err := linear.New(meta, w.exportW(), foldEmbScale(w.d, nOut), w.b)
	if err != nil {
		return nil, err
	}

	devX := featurizeAll(goDev, o.EmoBits, [2]int{o.EmoCharMin, o.EmoChar}, emoEmb)
	teX := featurizeAll(teVal, o.EmoBits, [2]int{o.EmoCharMin, o.EmoChar}, emoEmb)
	if o.EmoFloatEval {
		// The same trained weights without int8 quantization: calibrated,
		// tuned and scored the same way, to see what quantization costs.
		mf := *m
		evalEmotion(o, &mf, goDev, teVal, w.floatLogits(devX), w.floatLogits(teX), io.Discard)
		x := mf.Metrics
		fmt.Fprintf(o.Report, "float weights (not quantized): GoEmotions %.3f / %.3f (2-fold), Ekman %.3f / %.3f, TweetEval %.3f\n",
			x["goemotions_macro_f1"], x["goemotions_macro_f1_2fold"], x["ekman_macro_f1"], x["ekman_macro_f1_2fold"], x["tweeteval_macro_f1"])
	}
	devZ, teZ := logitsOf(m, devX), logitsOf(m, teX)
	if o.EmoIDFNorm {
		idfNorm(devX, w, trainDF)
		idfNorm(teX, w, trainDF)
	}
	if blockNorm > 0 || o.EmoIDFNorm {
		fmt.Fprintf(o.Report, "experimental feature values (block norm or idf norm): figures below are for the float weights\n")
		devZ, teZ = w.floatLogits(devX), w.floatLogits(teX)
	}
	evalEmotion(o, m, goDev, teVal, devZ, teZ, o.Report)
	m.Version = digest(m)
	fmt.Fprintf(o.Report, "emotion model version %s\n", m.Version)
	return m, nil
}

// evalEmotion fits the calibration and thresholds of m on the GoEmotions
// dev logits devZ, scores GoEmotions dev and TweetEval val (logits teZ),
// writes the dev report to r and sets m.Metrics.
func evalEmotion(o Options, m *linear.Model, goDev, teVal []Item, devZ, teZ [][]float32, r io.Writer) {
	nl := len(post.Emotions)
	ne := len(post.Ekman)
	nOut := m.NOut()
	// Calibration (Platt per output) on GoEmotions dev.
	gold := make([][]bool, len(goDev))
	for i, it := range goDev {
		gold[i] = make([]bool, nOut)
		y := it.Y
		if o.EmoEkmanHead {
			y = withEkman(it.Y)
		}
		for k := range nOut {
			gold[i][k] = y[k] == pos
		}
	}
	m.CalA, m.CalB = make([]float64, nOut), make([]float64, nOut)
	var rawP, calP []float64
	var pooledY []bool
	for k := range nOut {
		z := make([]float64, len(devZ))
		y := make([]bool, len(devZ))
		for i := range devZ {
			z[i] = float64(devZ[i][k])
			y[i] = gold[i][k]
			if k < nl {
				rawP = append(rawP, linear.Sigmoid(z[i]))
				pooledY = append(pooledY, y[i])
			}
		}
		m.CalA[k], m.CalB[k] = fitPlatt(z, y)
		if k < nl {
			for i := range z {
				calP = append(calP, linear.Sigmoid(m.CalA[k]*z[i]+m.CalB[k]))
			}
		}
	}
	probs := make([][]float64, len(devZ))
	for i := range devZ {
		probs[i] = make([]float64, nOut)
		for k := range nOut {
			probs[i][k] = m.Prob(k, devZ[i][k])
		}
	}
	// Thresholds tuned on all of dev (shipped) and, for an honest estimate,
	// tuned on one half and scored on the other.
	all := seq(len(goDev))
	m.Thresholds = make([]float64, nOut)
	for k := range nOut {
		m.Thresholds[k] = tuneThreshold(probs, gold, k, all)
	}
	ha, hb := halves(len(goDev))
	thA, thB := make([]float64, nOut), make([]float64, nOut)
	for k := range nOut {
		thA[k] = tuneThreshold(probs, gold, k, ha)
		thB[k] = tuneThreshold(probs, gold, k, hb)
	}
	labelGold := make([][]bool, len(goDev))
	for i := range gold {
		labelGold[i] = gold[i][:nl]
	}
	if o.EmoEkmanHead {
		// The head's gating drops labels of groups it does not decide, so
		// the label thresholds that maximize F1 under it are lower: tune
		// them again through the full decision.
		for _, x := range []struct {
			thr []float64
			idx []int
		}{{m.Thresholds, all}, {thA, ha}, {thB, hb}} {
			retuneGated(probs, labelGold, x.thr, x.idx, o.EmoRetune)
		}
	}
	dec := func(p, thr []float64) []bool {
		var set uint32
		if o.EmoEkmanHead {
			set = emotion.Decide(p[:nl], thr[:nl], p[nl:], thr[nl:])
		} else {
			set = emotion.Decide(p[:nl], thr[:nl], nil, nil)
		}
		out := make([]bool, nl)
		for k := range out {
			out[k] = set&(1<<k) != 0
		}
		return out
	}
	pred := make([][]bool, len(goDev))
	predX := make([][]bool, len(goDev))  // cross-fold thresholds
	predNH := make([][]bool, len(goDev)) // labels alone, no head gating
	for i := range probs {
		pred[i] = dec(probs[i], m.Thresholds)
		predNH[i] = decide(probs[i][:nl], m.Thresholds[:nl])
		if i%2 == 0 {
			predX[i] = dec(probs[i], thB)
		} else {
			predX[i] = dec(probs[i], thA)
		}
	}
	perLabel := multiF1(pred, labelGold, nl, all)
	perLabelX := multiF1(predX, labelGold, nl, all)
	perLabelNH := multiF1(predNH, labelGold, nl, all)
	if o.EmoEkmanHead {
		// Variant: keep every label passing its own (ungated) threshold and
		// add the best label of head groups with none.
		base := make([]float64, nl)
		for k := range nl {
			base[k] = tuneThreshold(probs, gold, k, all)
		}
		predAdd := make([][]bool, len(probs))
		for i := range probs {
			predAdd[i] = decide(probs[i][:nl], base)
			g2 := emotion.Decide(probs[i][:nl], base, probs[i][nl:], m.Thresholds[nl:])
			for k := range nl {
				predAdd[i][k] = predAdd[i][k] || g2&(1<<k) != 0
			}
		}
		fmt.Fprintf(r, "add-only variant: macro-F1 %.3f, Ekman %.3f\n", mean(multiF1(predAdd, labelGold, nl, all)), mean(multiF1(toEkman(predAdd), toEkman(labelGold), ne, all)))
	}
	ekPred, ekGold := toEkman(pred), toEkman(labelGold)
	ekPredX := toEkman(predX)
	ekF1 := multiF1(ekPred, ekGold, ne, all)
	ekF1X := multiF1(ekPredX, ekGold, ne, all)
	ekF1NH := multiF1(toEkman(predNH), ekGold, ne, all)
	// Ekman from the Ekman probabilities (head, or noisy-or) at 0.5.
	ekProb := make([][]bool, len(probs))
	for i := range probs {
		var ek [7]float64
		if o.EmoEkmanHead {
			ek = [7]float64(probs[i][nl:])
		} else {
			ek = emotion.Ekman(probs[i])
		}
		ekProb[i] = make([]bool, ne)
		for g := range ek {
			ekProb[i][g] = ek[g] >= 0.5
		}
	}
	ekF1P := multiF1(ekProb, ekGold, ne, all)

	// TweetEval: argmax over anger/joy/optimism/sadness.
	var tePred, teGold []int
	for i, it := range teVal {
		best, bp := 0, -1.0
		for c, l := range TweetEvalLabels {
			k := post.EmotionIndex(l)
			p := m.Prob(k, teZ[i][k])
			if p > bp {
				best, bp = c, p
			}
			if it.Y[k] == pos {
				teGold = append(teGold, c)
			}
		}
		tePred = append(tePred, best)
	}
	teF1 := classF1(tePred, teGold, 4)

	fmt.Fprintf(r, "\n## Emotion model (dev)\n\n")
	fmt.Fprintf(r, "GoEmotions dev (%d texts), emotion_labels (calibrated probabilities, per-label thresholds):\n\n", len(goDev))
	fmt.Fprintf(r, "| label | threshold | F1 (thresholds tuned on all dev) | F1 (2-fold: tuned on other half) |\n|---|---|---|---|\n")
	for k := range nl {
		fmt.Fprintf(r, "| %s | %.2f | %.3f | %.3f |\n", post.Emotions[k], m.Thresholds[k], perLabel[k], perLabelX[k])
	}
	fmt.Fprintf(r, "| **macro** | | **%.3f** | **%.3f** |\n\n", mean(perLabel), mean(perLabelX))
	if o.EmoEkmanHead {
		fmt.Fprintf(r, "Without the Ekman head's gating (labels passing their own thresholds only): macro-F1 %.3f, Ekman %.3f.\n\n", mean(perLabelNH), mean(ekF1NH))
	}
	thE := func(g int) string {
		if !o.EmoEkmanHead {
			return ""
		}
		return fmt.Sprintf("%.2f", m.Thresholds[nl+g])
	}
	fmt.Fprintf(r, "Ekman-grouped (emotion_labels mapped to groups), dev:\n\n| group | head threshold | F1 | F1 (2-fold) | F1 (ekman prob >= 0.5) |\n|---|---|---|---|---|\n")
	for g := range post.Ekman {
		fmt.Fprintf(r, "| %s | %s | %.3f | %.3f | %.3f |\n", post.Ekman[g], thE(g), ekF1[g], ekF1X[g], ekF1P[g])
	}
	fmt.Fprintf(r, "| **macro** | | **%.3f** | **%.3f** | %.3f |\n\n", mean(ekF1), mean(ekF1X), mean(ekF1P))
	fmt.Fprintf(r, "Calibration on GoEmotions dev (expected calibration error, all 28 labels pooled, 10 bins): raw %.4f, Platt %.4f (fitted on the same dev split).\n\n", ece(rawP, pooledY), ece(calP, pooledY))
	fmt.Fprintf(r, "Reliability of the calibrated probabilities (GoEmotions dev, all labels pooled):\n\n| predicted | n | mean predicted | observed |\n|---|---|---|---|\n")
	for _, row := range reliability(calP, pooledY, []float64{0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001}) {
		fmt.Fprintf(r, "| %s | %d | %.3f | %.3f |\n", row.bin, row.n, row.mean, row.obs)
	}
	fmt.Fprintln(r)
	fmt.Fprintf(r, "TweetEval emotion val (%d tweets), argmax over anger/joy/optimism/sadness:\n\n| class | F1 |\n|---|---|\n", len(teVal))
	for c, l := range TweetEvalLabels {
		fmt.Fprintf(r, "| %s | %.3f |\n", l, teF1[c])
	}
	fmt.Fprintf(r, "| **macro** | **%.3f** |\n\n", mean(teF1))

	m.Metrics = map[string]float64{
		"goemotions_macro_f1": mean(perLabel), "goemotions_macro_f1_2fold": mean(perLabelX),
		"ekman_macro_f1": mean(ekF1), "ekman_macro_f1_2fold": mean(ekF1X),
		"tweeteval_macro_f1": mean(teF1),
	}
}

// ekmanIndex maps each GoEmotions label index to its Ekman group index.
var ekmanIndex = func() [len(post.Emotions)]int {
	var out [len(post.Emotions)]int
	for k, l := range post.Emotions {
		g := post.EkmanOf[l]
		for j, e := range post.Ekman {
			if e == g {
				out[k] = j
			}
		}
	}
	return out
}()

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func embedName(on bool) string {
	if on {
		return textfeat.EmbedVersion
	}
	return ""
}

// retuneGated re-tunes each label threshold in thr (the 28 labels, then
// the 7 group thresholds, which stay) for F1 on items idx under
// emotion.Decide with the Ekman head, one label at a time, passes times.
func retuneGated(probs [][]float64, gold [][]bool, thr []float64, idx []int, passes int) {
	nl := len(post.Emotions)
	grid := thresholdGrid()
	fs := make([]float64, len(grid))
	for range passes {
		for k := range nl {
			for gi, t := range grid {
				thr[k] = t
				var c confusion
				for _, i := range idx {
					set := emotion.Decide(probs[i][:nl], thr[:nl], probs[i][nl:], thr[nl:])
					c.add(set&(1<<k) != 0, gold[i][k])
				}
				fs[gi] = c.f1()
			}
			thr[k] = pickThreshold(grid, fs)
		}
	}
}

// withEkman appends the 7 Ekman-group targets to a 28-label target: a group
// is positive when one of its labels is, negative when none is and at
// least one of its labels is known, else unknown.
func withEkman(y []int8) []int8 {
	out := make([]int8, len(post.Emotions)+len(post.Ekman))
	copy(out, y)
	ek := out[len(post.Emotions):]
	for g := range ek {
		ek[g] = unknown
	}
	for k, v := range y {
		g := ekmanIndex[k]
		switch {
		case v == pos:
			ek[g] = pos
		case v == neg && ek[g] == unknown:
			ek[g] = neg
		}
	}
	return out
}

func toEkman(labels [][]bool) [][]bool {
	out := make([][]bool, len(labels))
	for i, l := range labels {
		out[i] = make([]bool, len(post.Ekman))
		for k, v := range l {
			if v {
				out[i][ekmanIndex[k]] = true
			}
		}
	}
	return out
}

// stack appends the emotion model's calibrated probabilities to each
// vector's dense features.
func stack(emo *linear.Model, items []Item, xs []vec, char [2]int) {
	var doc textfeat.Doc
	z := make([]float32, emo.NOut())
	defer func(prev bool) { featNeg = prev }(featNeg)
	featNeg = emo.Params["neg_aware"] == 1
	for i, it := range items {
		emb, _ := embeddings(emo.Params["embed"] == 1)
		v := featurize(&doc, it.Text, emo.Bits, char, emb)
		emo.Logits(v.f, v.d, z)
		for k := range z {
			xs[i].d = append(xs[i].d, float32(emo.Prob(k, z[k])))
		}
	}
}

// SentimentTrainFiles are the sentiment-tweets files the sentiment model is
// trained on: the whole SemEval-2013..2016 pool that TweetEval sentiment was
// drawn from, except twitter-2016devtest-A (the dev metric). The *test* files
// are the SemEval shared tasks' test sets, not TweetEval's held-out test split
// (which is not in the data folder).
var SentimentTrainFiles = []string{
	"twitter-2013train-A", "twitter-2013dev-A", "twitter-2015train-A", "twitter-2016train-A", "twitter-2016dev-A",
	"twitter-2013test-A", "twitter-2014test-A", "twitter-2014sarcasm-A", "twitter-2015test-A", "twitter-2016test-A",
}

func trainSentiment(o Options, emo *linear.Model) (*linear.Model, error) {
	var items []Item
	files := SentimentTrainFiles
	if o.SentTrainDevOnly {
		files = files[:5]
	}
	for _, name := range files {
		s, err := LoadSentiment(o.DataDir, name)
		if err != nil {
			return nil, err
		}
		items = append(items, s...)
	}
	dev, err := LoadSentiment(o.DataDir, "twitter-2016devtest-A")
	if err != nil {
		return nil, err
	}
	held := map[string]bool{}
	for _, it := range dev {
		held[normKey(it.Text)] = true
	}
	n0 := len(items)
	items = dedup(items, held)
	nDup := n0 - len(items)
	srcW := make([]float32, len(items))
	for i := range srcW {
		srcW[i] = 1
		if o.Sent2016Weight > 0 && strings.HasPrefix(items[i].Source, "twitter-2016") {
			srcW[i] = float32(o.Sent2016Weight)
		}
	}
	for _, x := range []struct {
		w    float64
		load func() ([]Item, error)
	}{
		{o.SentGoEmotions, func() ([]Item, error) { return LoadGoEmotions(o.DataDir, "train") }},
		{o.SentSemEval, func() ([]Item, error) {
			a, err := LoadSemEvalEc(o.DataDir, "train")
			if err != nil {
				return nil, err
			}
			b, err := LoadSemEvalEc(o.DataDir, "dev")
			return append(a, b...), err
		}},
	} {
		if x.w <= 0 {
			continue
		}
		em, err := x.load()
		if err != nil {
			return nil, err
		}
		for _, it := range dedup(em, held) {
			if c := polarityOf(it.Y); c >= 0 {
				items = append(items, Item{Text: it.Text, Y: []int8{int8(c)}, Source: it.Source})
				srcW = append(srcW, float32(x.w))
			}
		}
	}
	if o.SentTeacherInput != "" {
		return nil, writeTeacherInput(o, items, held)
	}
	var soft [][]float32
	if o.SentTeacher != "" {
		var nExtra int
		items, srcW, soft, nExtra, err = withTeacher(o, items, srcW, held)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Report, "sentiment teacher %s: mix %.2f on labelled tweets, %d unlabelled texts at weight %.2f\n",
			filepath.Base(o.SentTeacher), o.SentTeacherMix, nExtra, o.SentTeacherExtra)
	}
	var cnt [3]int
	for _, it := range items {
		cnt[it.Y[0]]++
	}
	fmt.Fprintf(o.Report, "sentiment training: %d texts (%d dev duplicates removed), negative %d, neutral %d, positive %d\n",
		len(items), nDup, cnt[0], cnt[1], cnt[2])
	sentEmb, err := embeddings(o.SentEmbed)
	if err != nil {
		return nil, err
	}
	featNeg = o.SentNeg
	xs := featurizeAll(items, o.SentBits, [2]int{o.SentCharMin, o.SentChar}, sentEmb)
	embScale = float32(o.EmbScale)
	scaleEmb(xs)
	cls := make([]int, len(items))
	sw := make([]float32, len(items))
	for i, it := range items {
		cls[i] = int(it.Y[0])
		sw[i] = srcW[i] * float32(len(items)) / float32(3*cnt[cls[i]])
	}
	nd := textfeat.NumDense
	if sentEmb != nil {
		nd += textfeat.EmbedDim
	}
	if emo != nil {
		nd += emo.NOut()
		stack(emo, items, xs, [2]int{o.EmoCharMin, o.EmoChar})
	}
	w := newWeights(o.SentBits, 3, nd, o.SentLR, o.SentL2)
	w.avgFrom = o.SentAvgFrom
	trainSoftmax(w, xs, cls, soft, sw, o.SentEpochs, o.Seed)
	meta := linear.Meta{
		Params: map[string]float64{"char_ngrams": float64(o.SentChar), "char_min": float64(o.SentCharMin), "embed": b2f(o.SentEmbed), "neg_aware": b2f(o.SentNeg)},
		Name:   "sentiment", Bits: o.SentBits, Outputs: SentimentLabels, Dense: nd, Kind: "softmax",
		Train: map[string]any{"epochs": o.SentEpochs, "lr": o.SentLR, "l2": o.SentL2, "seed": o.Seed,
			"texts": len(items), "class_weights": "inverse frequency", "lexicon": textfeat.LexiconVersion, "embeddings": embedName(o.SentEmbed)},
	}
	if o.SentTeacher != "" {
		meta.Train["teacher"] = "all-MiniLM-L6-v2 fine-tuned on the pool (scripts/teacher)"
		meta.Train["teacher_mix"], meta.Train["teacher_extra"] = o.SentTeacherMix, o.SentTeacherExtra
	}
	m, err := linear.New(meta, w.w, foldEmbScale(w.d, 3), w.b)
	if err != nil {
		return nil, err
	}
	devX := featurizeAll(dev, o.SentBits, [2]int{o.SentCharMin, o.SentChar}, sentEmb)
	if emo != nil {
		stack(emo, dev, devX, [2]int{o.EmoCharMin, o.EmoChar})
		m.Params["stack_emotion"] = 1
	}
	devP := logitsOf(m, devX)
	gold := make([]int, len(dev))
	for i := range devP {
		linear.Softmax(devP[i])
		gold[i] = int(dev[i].Y[0])
	}
	// Tune log-prior offsets for negative and positive (macro recall).
	tune := func(idx []int) (bn, bp float64) { return tuneOffsets(devP, gold, idx) }
	bn, bp := tune(seq(len(dev)))
	ha, hb := halves(len(dev))
	an, ap := tune(ha)
	cn, cp := tune(hb)
	devBN, devBP := bn, bp
	if o.SentTuneFolds > 1 {
		// Offsets from out-of-fold predictions on the training pool: the
		// dev split plays no part in them.
		oof := outOfFold(o, xs, cls, sw, nd)
		var idx []int
		for i, it := range items {
			if o.SentTuneFrom == "" || strings.HasPrefix(it.Source, o.SentTuneFrom) {
				idx = append(idx, i)
			}
		}
		bn, bp = tuneOffsets(oof, cls, idx)
		an, ap, cn, cp = bn, bp, bn, bp
		fmt.Fprintf(o.Report, "offsets tuned on %d-fold out-of-fold predictions of %d training texts (source prefix %q): negative %.2f positive %.2f (tuned on dev they would be %.2f %.2f)\n",
			o.SentTuneFolds, len(idx), o.SentTuneFrom, bn, bp, devBN, devBP)
	}
	pred := make([]int, len(dev))
	predX := make([]int, len(dev))
	pred0 := make([]int, len(dev))
	scores0 := make([]float64, len(dev)) // P(pos) - P(neg)
	scoresQ := make([][]float32, len(dev))
	goldS := make([]float64, len(dev))
	for i := range dev {
		pred[i] = sentiment.Class(devP[i], bn, bp)
		pred0[i] = sentiment.Class(devP[i], 0, 0)
		if i%2 == 0 {
			predX[i] = sentiment.Class(devP[i], cn, cp)
		} else {
			predX[i] = sentiment.Class(devP[i], an, ap)
		}
		q := []float32{devP[i][0] * float32(math.Exp(bn)), devP[i][1], devP[i][2] * float32(math.Exp(bp))}
		qs := q[0] + q[1] + q[2]
		for k := range q {
			q[k] /= qs
		}
		scores0[i] = float64(q[2] - q[0])
		scoresQ[i] = q
		goldS[i] = float64(gold[i] - 1)
	}
	mr, rec := macroRecall(pred, gold, 3)
	mrX, recX := macroRecall(predX, gold, 3)
	mr0, _ := macroRecall(pred0, gold, 3)
	f1s := classF1(pred, gold, 3)
	m.Params["bias_negative"], m.Params["bias_positive"] = bn, bp
	// Rule-only baseline for comparison.
	var doc textfeat.Doc
	ruleS := make([]float64, len(dev))
	rulePred := make([]int, len(dev))
	for i, it := range dev {
		doc.Tokenize(it.Text)
		c := doc.Rule(0, len(doc.Tokens)).Compound
		ruleS[i] = float64(c)
		switch {
		case c >= 0.05:
			rulePred[i] = 2
		case c <= -0.05:
			rulePred[i] = 0
		default:
			rulePred[i] = 1
		}
	}
	ruleMR, _ := macroRecall(rulePred, gold, 3)
	scores := make([]float64, len(dev)) // the enricher's score
	for i, q := range scoresQ {
		scores[i] = sentiment.Score(q, pred[i], float32(ruleS[i]), sentiment.ScoreMix)
	}

	r := o.Report
	fmt.Fprintf(r, "\n## Sentiment model (dev: twitter-2016devtest-A, %d tweets)\n\n", len(dev))
	fmt.Fprintf(r, "| class | recall | recall (2-fold offsets) | F1 |\n|---|---|---|---|\n")
	for c, l := range SentimentLabels {
		fmt.Fprintf(r, "| %s | %.3f | %.3f | %.3f |\n", l, rec[c], recX[c], f1s[c])
	}
	fmt.Fprintf(r, "| **macro recall** | **%.3f** | **%.3f** | |\n\n", mr, mrX)
	fmt.Fprintf(r, "macro recall without offsets %.3f; F1(PN) %.3f; rule scorer alone (lexicon, +-0.05 cut-offs) %.3f; offsets negative %.2f positive %.2f\n",
		mr0, (f1s[0]+f1s[2])/2, ruleMR, bn, bp)
	fmt.Fprintf(r, "score proxy (human intensity ratings: make eval-vader): Pearson r(score, gold class -1/0/+1) %.3f, Spearman %.3f; P(pos)-P(neg) alone r %.3f; rule scorer alone r %.3f\n\n",
		pearson(scores, goldS), spearman(scores, goldS), pearson(scores0, goldS), pearson(ruleS, goldS))
	m.Metrics = map[string]float64{
		"macro_recall": mr, "macro_recall_2fold": mrX, "pearson_class_proxy": pearson(scores, goldS),
	}
	m.Version = digest(m)
	fmt.Fprintf(r, "sentiment model version %s\n", m.Version)
	return m, nil
}

// tuneOffsets picks the log-prior offsets for the negative and positive
// classes (grid of 0.05 in [-1, 1]) that maximise the macro-averaged recall
// of probabilities probs[i] against gold[i] over items idx.
func tuneOffsets(probs [][]float32, gold []int, idx []int) (bn, bp float64) {
	best := -1.0
	pr := make([]int, len(idx))
	gl := make([]int, len(idx))
	for ai := -20; ai <= 20; ai++ {
		for bi := -20; bi <= 20; bi++ {
			a, b := float64(ai)*0.05, float64(bi)*0.05
			for j, i := range idx {
				pr[j] = sentiment.Class(probs[i], a, b)
				gl[j] = gold[i]
			}
			if mr, _ := macroRecall(pr, gl, 3); mr > best+1e-9 {
				best, bn, bp = mr, a, b
			}
		}
	}
	return bn, bp
}

// outOfFold trains o.SentTuneFolds sentiment models, each on all but one
// fold (item i is in fold i mod folds), and returns every training item's
// softmax probabilities from the model that did not see it.
func outOfFold(o Options, xs []vec, cls []int, sw []float32, nd int) [][]float32 {
	k := o.SentTuneFolds
	out := make([][]float32, len(xs))
	for f := range k {
		var tx []vec
		var tc []int
		var tw []float32
		for i := range xs {
			if i%k != f {
				tx, tc, tw = append(tx, xs[i]), append(tc, cls[i]), append(tw, sw[i])
			}
		}
		w := newWeights(o.SentBits, 3, nd, o.SentLR, o.SentL2)
		w.avgFrom = o.SentAvgFrom
		trainSoftmax(w, tx, tc, nil, tw, o.SentEpochs, o.Seed+uint64(f)+1)
		for i := f; i < len(xs); i += k {
			z := make([]float32, 3)
			w.logits(&xs[i], z)
			softmax32(z)
			out[i] = z
		}
	}
	return out
}

var polarity = map[string]int{
	"amusement": 2, "excitement": 2, "joy": 2, "love": 2, "desire": 2, "optimism": 2, "caring": 2,
	"pride": 2, "admiration": 2, "gratitude": 2, "relief": 2, "approval": 2,
	"fear": 0, "nervousness": 0, "remorse": 0, "embarrassment": 0, "disappointment": 0, "sadness": 0,
	"grief": 0, "disgust": 0, "anger": 0, "annoyance": 0, "disapproval": 0,
	"neutral": 1,
}

// polarityOf maps an emotion label vector to a sentiment class (GoEmotions'
// sentiment grouping), or -1 when mixed, ambiguous or unlabelled.
func polarityOf(y []int8) int {
	c := -1
	for k, v := range y {
		if v != pos {
			continue
		}
		p, ok := polarity[post.Emotions[k]]
		if !ok || (c >= 0 && c != p) {
			return -1
		}
		c = p
	}
	return c
}
