// Package postfeat computes the whole-post text features of the sentiment
// and emotion models once per post and shares them between the two
// enrichers: both use the same tokenizer, hashed features, rule features
// and word vectors, so when both run over a batch, the second one reuses
// what the first computed instead of tokenizing every post again.
//
// The enrichment chain puts a Shared in the context of each batch
// (WithShared). The first model to see the batch computes the features
// post by post (Batch.Post) and leaves its Batch there (Release); the
// second takes it (Acquire) when it was computed for the same batch with
// the same settings, and checks each post's text by identity, so a batch
// that was changed or re-sliced in between just recomputes. Without a
// Shared in the context (an enricher used on its own) each model computes
// its own features. There is no process-wide state but a pool of buffers.
package postfeat

import (
	"context"
	"fmt"
	"sync"
	"unsafe"

	"github.com/undertone/undertone/internal/linear"
	"github.com/undertone/undertone/internal/textfeat"
	"github.com/undertone/undertone/post"
)

// Settings are the feature settings of a model; features are shared only
// between models with equal settings.
type Settings struct {
	Bits             uint
	CharMin, CharMax int
	Embed            bool // word-vector rows (textfeat.Doc.EmbedRows)
	// Neg selects the negation-aware features (FeaturesCharNeg, EmbedRowsNeg).
	Neg bool
}

// Post is the whole-post analysis of one post.
type Post struct {
	// Feats are the hashed feature ids (textfeat.Doc.FeaturesChar).
	Feats []uint32
	// Dense are the rule features (textfeat.Doc.Dense).
	Dense [textfeat.NumDense]float32
	// Rows are the word-vector rows of the post's words (when Embed).
	Rows []int32
	// Desire and Fear are textfeat.Doc.Cues over the whole post.
	Desire, Fear bool
}

// Batch holds the analyses of one batch of posts.
type Batch struct {
	set   Settings
	texts []string // texts[i]: the text posts[i] was computed from
	posts []Post
	spans [][4]int32 // feats [0,1) and rows [2,3) in fbuf / rbuf
	fbuf  []uint32
	rbuf  []int32
}

var pool = sync.Pool{New: func() any { return new(Batch) }}

// Shared carries one batch's features from the first of the two models to
// run over it to the second. Not safe for concurrent use: the chain runs
// its enrichers one after another over a batch.
type Shared struct {
	b     *Batch
	first *post.Enriched // &batch[0] of the batch b was computed for
}

type sharedKey struct{}

// WithShared returns ctx carrying s, emptied for a new batch.
func WithShared(ctx context.Context, s *Shared) context.Context {
	s.Reset()
	return context.WithValue(ctx, sharedKey{}, s)
}

// Reset recycles the Batch s holds, if any.
func (s *Shared) Reset() {
	if s.b != nil {
		pool.Put(s.b)
		s.b, s.first = nil, nil
	}
}

// Acquire returns the Batch to use for batch: the one the other model
// left in ctx for this batch with the same settings (from is true), or an
// empty one.
func Acquire(ctx context.Context, batch []post.Enriched, set Settings) (b *Batch, from bool) {
	if s, _ := ctx.Value(sharedKey{}).(*Shared); s != nil && s.b != nil && len(batch) > 0 && s.first == &batch[0] {
		b := s.b
		s.b, s.first = nil, nil
		if b.set == set && len(b.posts) >= len(batch) {
			return b, true
		}
		pool.Put(b)
	}
	b = pool.Get().(*Batch)
	b.reset(len(batch), set)
	return b, false
}

// Release gives b back: a Batch the caller computed (from false) is left
// in ctx's Shared for the other model; one it took from there, or any
// Batch when ctx carries no Shared, is recycled.
func Release(ctx context.Context, batch []post.Enriched, b *Batch, from bool) {
	s, _ := ctx.Value(sharedKey{}).(*Shared)
	if from || s == nil || len(batch) == 0 {
		pool.Put(b)
		return
	}
	s.Reset()
	s.b, s.first = b, &batch[0]
}

func (b *Batch) reset(n int, set Settings) {
	b.set = set
	clear(b.texts)
	if cap(b.texts) < n {
		b.texts = make([]string, n)
		b.posts = make([]Post, n)
		b.spans = make([][4]int32, n)
	}
	b.texts, b.posts, b.spans = b.texts[:n], b.posts[:n], b.spans[:n]
	if cap(b.fbuf) > 1<<20 {
		b.fbuf, b.rbuf = nil, nil // do not keep a huge batch's buffers forever
	}
	b.fbuf, b.rbuf = b.fbuf[:0], b.rbuf[:0]
}

// Post returns the analysis of post i (< len(batch) of Acquire) of the
// batch, whose text is text.
// When it was not computed yet (or for another text), Post tokenizes text
// into doc, computes it and reports tokenized, so the caller can use doc
// for clauses without tokenizing again. The result is valid until the
// next call of Post or Release.
func (b *Batch) Post(i int, text string, doc *textfeat.Doc, emb *textfeat.Embeddings) (p *Post, tokenized bool) {
	if i < len(b.posts) && sameString(b.texts[i], text) {
		return b.fix(i), false
	}
	doc.Tokenize(text)
	n := len(doc.Tokens)
	s := &b.spans[i]
	s[0] = int32(len(b.fbuf))
	b.fbuf = append(b.fbuf, doc.FeaturesCharNeg(0, n, b.set.Bits, b.set.CharMin, b.set.CharMax, b.set.Neg)...)
	s[1] = int32(len(b.fbuf))
	s[2] = int32(len(b.rbuf))
	if b.set.Embed && emb != nil {
		b.rbuf = doc.EmbedRowsNeg(emb, 0, n, b.rbuf, b.set.Neg)
	}
	s[3] = int32(len(b.rbuf))
	p = &b.posts[i]
	doc.Dense(0, n, p.Dense[:])
	p.Desire, p.Fear = doc.Cues(0, n)
	b.texts[i] = text
	return b.fix(i), true
}

// fix points post i's slices into the (possibly grown) buffers.
func (b *Batch) fix(i int) *Post {
	p, s := &b.posts[i], b.spans[i]
	p.Feats = b.fbuf[s[0]:s[1]:s[1]]
	p.Rows = b.rbuf[s[2]:s[3]:s[3]]
	return p
}

// sameString reports whether a and b are the same string value in memory
// (the same post's text), not merely equal.
func sameString(a, b string) bool {
	return len(a) == len(b) && len(a) > 0 && unsafe.StringData(a) == unsafe.StringData(b)
}

// Model is the feature side of a trained linear model, shared by the
// sentiment and emotion enrichers: the feature settings its parameters
// name, the word vectors (when it uses them) and its word-vector weights
// folded into those vectors.
type Model struct {
	Set  Settings
	Emb  *textfeat.Embeddings
	Proj *textfeat.Projection
}

// projections caches Model.Proj per model (models are loaded once per
// process, so the pointer identifies one).
var projections sync.Map // *linear.Model -> func() *textfeat.Projection (sync.OnceValue)

// ForModel reads m's feature parameters (char_ngrams, char_min, neg_aware,
// embed) and loads the word vectors when m uses them; kind (sentiment,
// emotion) names the model in errors.
func ForModel(kind string, m *linear.Model) (Model, error) {
	f := Model{Set: Settings{
		Bits:    m.Bits,
		CharMin: int(m.Params["char_min"]),
		CharMax: int(m.Params["char_ngrams"]),
		Neg:     m.Params["neg_aware"] == 1,
	}}
	if m.Params["embed"] == 1 {
		emb, err := textfeat.WordVectors()
		if err != nil {
			return Model{}, fmt.Errorf("%s: %w", kind, err)
		}
		f.Emb = emb
		f.Set.Embed = true
		v, _ := projections.LoadOrStore(m, sync.OnceValue(func() *textfeat.Projection {
			return emb.Project(m.DenseRows(textfeat.NumDense, textfeat.NumDense+textfeat.EmbedDim), m.NOut())
		}))
		f.Proj = v.(func() *textfeat.Projection)()
	}
	return f, nil
}
