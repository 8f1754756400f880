// Package emotion is the emotion enricher: calibrated probabilities for the
// 28 GoEmotions labels, the thresholded decision (emotion_labels), the
// Ekman roll-up, the marketer themes and, for each matched topic, the themes
// of the clauses that mention it.
//
// The model is one-vs-rest logistic regression over hashed word, bigram and
// character n-gram features, lexicon rule features and the mean GloVe word
// vector, trained jointly on GoEmotions, SemEval-2018 E-c and TweetEval
// emotion (labels mapped onto GoEmotions, unmapped labels masked), with 28
// label outputs plus a 7-output Ekman head, per-output Platt calibration
// and thresholds tuned on the GoEmotions dev split (see Decide). It is trained by `undertone train`
// (internal/train) and embedded in the binary; see docs/models.md.
package emotion

import (
	"bytes"
	"context"
	_ "embed" // model file
	"fmt"
	"math"
	"sync"

	"github.com/undertone/undertone/enrich"
	"github.com/undertone/undertone/enrich/internal/postfeat"
	"github.com/undertone/undertone/internal/linear"
	"github.com/undertone/undertone/internal/textfeat"
	"github.com/undertone/undertone/post"
)

// Name is the enricher's stable name.
const Name = "emotion"

// codeVersion changes when the enricher's own logic changes; Version adds
// the model's digest.
const codeVersion = "3" // 3: ekman from the model's Ekman head, emotion_labels gated by its groups; 2: topic clauses include the follow-up clauses that name no topic

//go:embed model.bin.gz
var modelFile []byte

const (
	nl = len(post.Emotions)
	ne = len(post.Ekman)
	// nOutHead is the number of outputs of a model with an Ekman head: the
	// 28 labels, then the 7 Ekman groups.
	nOutHead = nl + ne
)

// OutputNames are the outputs of a model with an Ekman head, in order: the
// 28 GoEmotions labels, then "ekman:<group>" for each post.Ekman group.
var OutputNames = func() [nOutHead]string {
	var out [nOutHead]string
	copy(out[:], post.Emotions[:])
	for g, l := range post.Ekman {
		out[nl+g] = "ekman:" + l
	}
	return out
}()

// Config configures the emotion enricher.
type Config struct {
	// Topics computes the themes of each matched topic from the clauses
	// that mention it (topics[].themes). Default true.
	Topics bool `mapstructure:"topics"`
	// ThresholdScale multiplies every tuned per-label threshold: < 1 tags
	// more labels (recall), > 1 fewer (precision). Default 1.
	ThresholdScale float64 `mapstructure:"threshold_scale"`
}

// DefaultConfig returns the default configuration.
func DefaultConfig() *Config { return &Config{Topics: true, ThresholdScale: 1} }

// Validate implements enrich.Config.
func (c *Config) Validate() error {
	if !(c.ThresholdScale > 0 && c.ThresholdScale <= 5) {
		return fmt.Errorf("threshold_scale: %v: want a value in (0, 5]", c.ThresholdScale)
	}
	return nil
}

// NewFactory returns the factory for the emotion enricher.
func NewFactory() enrich.Factory {
	return enrich.Factory{
		Name:          Name,
		DefaultConfig: func() enrich.Config { return DefaultConfig() },
		New: func(cfg enrich.Config, set enrich.Settings) (enrich.Enricher, error) {
			c, ok := cfg.(*Config)
			if !ok {
				return nil, fmt.Errorf("emotion: config is %T, want *emotion.Config", cfg)
			}
			return New(*c, set)
		},
	}
}

// loadModel decodes the embedded model once per process; the model is
// read-only, so every Enricher shares it.
var loadModel = sync.OnceValues(decodeModel)

// Model returns the embedded emotion model (decoded once, shared, read-only).
func Model() (*linear.Model, error) { return loadModel() }

func decodeModel() (*linear.Model, error) {
	m, err := linear.Load(bytes.NewReader(modelFile))
	if err != nil {
		return nil, fmt.Errorf("emotion: load model: %w", err)
	}
	if m.Kind != "sigmoid" || (m.NOut() != nl && m.NOut() != nOutHead) || m.Dense != denseFor(m) || len(m.Thresholds) != m.NOut() {
		return nil, fmt.Errorf("emotion: model %q does not match this build", m.Name)
	}
	for k, l := range m.Outputs {
		if want := OutputNames[k]; l != want {
			return nil, fmt.Errorf("emotion: model output %d is %q, want %q", k, l, want)
		}
	}
	return m, nil
}

// denseFor returns the number of dense features a model must have: the
// rule features, plus the word vector when Params["embed"] is 1.
func denseFor(m *linear.Model) int {
	if m.Params["embed"] == 1 {
		return textfeat.NumDense + textfeat.EmbedDim
	}
	return textfeat.NumDense
}

// Enricher tags emotions. It is safe for concurrent use.
type Enricher struct {
	cfg  Config
	m    *linear.Model
	thr  [nOutHead]float64
	head bool           // the model has an Ekman head
	f    postfeat.Model // feature settings, word vectors, projection
	pool sync.Pool
}

type scratch struct {
	doc     textfeat.Doc
	clauses []textfeat.Clause
	idx     []int
	rows    []int32
	dense   [textfeat.NumDense]float32
	z       [nOutHead]float32
	p       [nOutHead]float64
}

// New loads the embedded model (tens of milliseconds) and returns an
// Enricher.
func New(cfg Config, _ enrich.Settings) (*Enricher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("emotion: %w", err)
	}
	m, err := Model()
	if err != nil {
		return nil, err
	}
	e := &Enricher{cfg: cfg, m: m}
	for k := range m.NOut() {
		e.thr[k] = min(m.Thresholds[k]*cfg.ThresholdScale, 0.99)
	}
	e.head = m.NOut() == nOutHead
	if e.f, err = postfeat.ForModel(Name, m); err != nil {
		return nil, err
	}
	e.pool.New = func() any { return new(scratch) }
	return e, nil
}

// Name implements enrich.Enricher.
func (e *Enricher) Name() string { return Name }

// Version implements enrich.Enricher: the code version plus the model's
// digest.
func (e *Enricher) Version() string { return codeVersion + "." + e.m.Version }

// Enrich implements enrich.Enricher. It sets Emotions, EmotionLabels, Ekman
// and Themes on every post and Themes on every entry of Topics (when
// enabled).
func (e *Enricher) Enrich(ctx context.Context, batch []post.Enriched) error {
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	fb, shared := postfeat.Acquire(ctx, batch, e.f.Set)
	defer postfeat.Release(ctx, batch, fb, shared)
	for i := range batch {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p := &batch[i]
		pf, tokenized := fb.Post(i, p.Text, &s.doc, e.f.Emb)
		e.probsOf(s, pf.Feats, pf.Dense[:], pf.Rows)
		if len(p.Emotions) == 0 {
			p.Emotions = make(map[string]float64, nl) // sized once, no growth
		}
		for k, l := range post.Emotions {
			p.Emotions[l] = round4(s.p[k])
		}
		labels := e.decide(&s.p)
		p.EmotionLabels = p.EmotionLabels[:0]
		for k := range nl {
			if labels&(1<<k) != 0 {
				p.EmotionLabels = append(p.EmotionLabels, post.Emotions[k])
			}
		}
		if len(p.Ekman) == 0 {
			p.Ekman = make(map[string]float64, len(post.Ekman))
		}
		ek := e.ekman(&s.p)
		for g, l := range post.Ekman {
			p.Ekman[l] = round4(ek[g])
		}
		desire, fear := pf.Desire, pf.Fear
		p.Themes = appendThemes(p.Themes[:0], themeSet(labels, desire, fear))
		if !e.cfg.Topics || len(p.Topics) == 0 {
			continue
		}
		if !tokenized {
			s.doc.Tokenize(p.Text)
		}
		s.clauses = s.doc.Clauses(s.clauses)
		for t := range p.Topics {
			th := &p.Topics[t]
			s.idx = s.doc.TopicClauses(s.clauses, p.Topics, t, s.idx)
			var set uint8
			if len(s.idx) == 0 {
				set = themeSet(labels, desire, fear)
			}
			for _, k := range s.idx {
				c := s.clauses[k]
				e.probs(s, c.Start, c.End)
				d, f := s.doc.Cues(c.Start, c.End)
				set |= themeSet(e.decide(&s.p), d, f)
			}
			th.Themes = appendThemes(th.Themes[:0], set)
		}
	}
	return nil
}

// probs fills s.p with calibrated probabilities for tokens [a, b) of
// s.doc.
func (e *Enricher) probs(s *scratch, a, b int) {
	f := s.doc.FeaturesCharNeg(a, b, e.m.Bits, e.f.Set.CharMin, e.f.Set.CharMax, e.f.Set.Neg)
	s.doc.Dense(a, b, s.dense[:])
	s.rows = s.rows[:0]
	if e.f.Emb != nil {
		s.rows = s.doc.EmbedRowsNeg(e.f.Emb, a, b, s.rows, e.f.Set.Neg)
	}
	e.probsOf(s, f, s.dense[:], s.rows)
}

// probsOf fills s.p with calibrated probabilities for hashed features f,
// rule features dense and word-vector rows.
func (e *Enricher) probsOf(s *scratch, f []uint32, dense []float32, rows []int32) {
	n := e.m.NOut()
	e.m.Logits(f, dense, s.z[:n])
	if e.f.Proj != nil {
		e.f.Proj.AddLogits(rows, s.z[:n])
	}
	for k := range n {
		s.p[k] = e.m.Prob(k, s.z[k])
	}
}

// ekman returns the Ekman probabilities: the Ekman head's when the model
// has one, else the noisy-or roll-up of the label probabilities.
func (e *Enricher) ekman(p *[nOutHead]float64) [ne]float64 {
	if e.head {
		return [ne]float64(p[nl:])
	}
	return Ekman(p[:nl])
}

// decide returns emotion_labels as a bit set (see Decide).
func (e *Enricher) decide(p *[nOutHead]float64) uint32 {
	if e.head {
		return Decide(p[:nl], e.thr[:nl], p[nl:], e.thr[nl:])
	}
	return Decide(p[:nl], e.thr[:nl], nil, nil)
}

// Decide returns the labels (bit k: post.Emotions[k]) for calibrated label
// probabilities p and thresholds thr (28 each), and, when pe is not nil,
// the Ekman head's group probabilities pe and thresholds thrE (7 each).
//
// Without a head: the labels whose probability reaches their threshold;
// when none does, the label with the highest p/threshold.
//
// With a head, the Ekman groups the head decides (pe >= thrE, or the group
// with the highest pe/thrE when none passes) decide which groups the labels
// come from: a label passing its threshold is kept only if its group is
// decided, and a decided group with no passing label gets its label with
// the highest p/threshold. So the labels, mapped to Ekman groups, are
// exactly the head's groups.
func Decide(p, thr, pe, thrE []float64) uint32 {
	var set uint32
	if pe == nil {
		best := 0
		for k := range nl {
			if p[k] >= thr[k] {
				set |= 1 << k
			}
			if p[k]/thr[k] > p[best]/thr[best] {
				best = k
			}
		}
		if set == 0 {
			set = 1 << best
		}
		return set
	}
	var groups uint8
	bestG := 0
	for g := range ne {
		if pe[g] >= thrE[g] {
			groups |= 1 << g
		}
		if pe[g]/thrE[g] > pe[bestG]/thrE[bestG] {
			bestG = g
		}
	}
	if groups == 0 {
		groups = 1 << bestG
	}
	var best [ne]int
	for g := range best {
		best[g] = -1
	}
	var covered uint8
	for k := range nl {
		g := ekmanIndex[k]
		if groups&(1<<g) == 0 {
			continue
		}
		if p[k] >= thr[k] {
			set |= 1 << k
			covered |= 1 << g
		}
		if b := best[g]; b < 0 || p[k]/thr[k] > p[b]/thr[b] {
			best[g] = k
		}
	}
	for g := range ne {
		if groups&(1<<g) != 0 && covered&(1<<g) == 0 {
			set |= 1 << best[g]
		}
	}
	return set
}

// themeOf maps label index to theme index in post.Themes (-1: none).
var themeOf = func() [nl]int {
	var out [nl]int
	for k, l := range post.Emotions {
		out[k] = -1
		for j, t := range post.Themes {
			if post.ThemeOf[l] == t {
				out[k] = j
			}
		}
	}
	return out
}()

var (
	themeDesires = themeIndex(post.ThemeDesires)
	themeFears   = themeIndex(post.ThemeFears)
)

func themeIndex(t string) int {
	for j, x := range post.Themes {
		if x == t {
			return j
		}
	}
	panic("emotion: unknown theme " + t) // programming error, caught by tests
}

// themeSet turns a label bit set plus construction cues into a theme bit
// set (bit j = post.Themes[j]).
func themeSet(labels uint32, desire, fear bool) uint8 {
	var set uint8
	for k := range nl {
		if labels&(1<<k) != 0 && themeOf[k] >= 0 {
			set |= 1 << themeOf[k]
		}
	}
	if desire {
		set |= 1 << themeDesires
	}
	if fear {
		set |= 1 << themeFears
	}
	return set
}

func appendThemes(dst []string, set uint8) []string {
	if dst == nil {
		dst = []string{}
	}
	for j, t := range post.Themes {
		if set&(1<<j) != 0 {
			dst = append(dst, t)
		}
	}
	return dst
}

// ekmanIndex maps each GoEmotions label index to its post.Ekman index.
var ekmanIndex = func() [nl]int {
	var out [nl]int
	for k, l := range post.Emotions {
		for j, g := range post.Ekman {
			if post.EkmanOf[l] == g {
				out[k] = j
			}
		}
	}
	return out
}()

// Ekman rolls the 28 label probabilities up into Ekman's six emotions plus
// neutral with a noisy-or: P(group) = 1 - prod(1 - p) over the group's
// labels (the probability that at least one of them applies, treating them
// as independent). p must have 28 entries in post.Emotions order.
func Ekman(p []float64) [len(post.Ekman)]float64 {
	var none [len(post.Ekman)]float64
	for g := range none {
		none[g] = 1
	}
	for k, v := range p[:nl] {
		none[ekmanIndex[k]] *= 1 - v
	}
	var out [len(post.Ekman)]float64
	for g := range out {
		out[g] = 1 - none[g]
	}
	return out
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }
