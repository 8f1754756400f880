// Package postfeat computes the whole-post text features of the sentiment
// and emotion models once per post and shares them between the two
// enrichers: both use the same tokenizer, hashed features, rule features
// and word vectors, so when both run over a batch, the second one reuses
// what the first computed instead of tokenizing every post again.
//
// The first enricher to see a batch computes the features post by post
// (Batch.Post) and, when it is done, hands the Batch over (Release); the
// second finds it (Acquire) by the batch's identity and checks each post's
// text by identity, so a batch that was changed or re-sliced in between
// just recomputes. Sharing is on only when both enrichers were created in
// the process (Register), and at most maxPending batches wait for their
// second enricher; past that they are dropped (a chain with only one of
// the two enrichers gains nothing but loses nothing either).
package postfeat

import (
	"fmt"
	"sync"
	"sync/atomic"
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

var (
	pool       = sync.Pool{New: func() any { return new(Batch) }}
	pending    sync.Map // *post.Enriched (first post of the batch) -> *Batch
	npending   atomic.Int32
	registered sync.Map // kind -> Settings
	sharing    atomic.Bool
)

// maxPending bounds the batches waiting for their second enricher.
const maxPending = 64

// Register records that an enricher of kind (sentiment, emotion) with
// these settings exists in the process. Sharing starts once two kinds
// with equal settings are registered.
func Register(kind string, set Settings) {
	registered.Store(kind, set)
	n := 0
	same := true
	registered.Range(func(_, v any) bool {
		n++
		same = same && v.(Settings) == set
		return true
	})
	sharing.Store(n >= 2 && same)
}

// Acquire returns the Batch to use for batch: the one the other enricher
// left for it (from is true), or an empty one.
func Acquire(batch []post.Enriched, set Settings) (b *Batch, from bool) {
	if len(batch) > 0 && sharing.Load() {
		if v, ok := pending.LoadAndDelete(&batch[0]); ok {
			npending.Add(-1)
			b := v.(*Batch)
			if b.set == set && len(b.posts) >= len(batch) {
				return b, true
			}
			pool.Put(b)
		}
	}
	b = pool.Get().(*Batch)
	b.reset(len(batch), set)
	return b, false
}

// Release gives b back: a Batch the caller computed (from false) is left
// for the other enricher when sharing is on, else it is recycled.
func Release(batch []post.Enriched, b *Batch, from bool) {
	if from || len(batch) == 0 || !sharing.Load() {
		pool.Put(b)
		return
	}
	key := &batch[0]
	if old, loaded := pending.Swap(key, b); loaded {
		pool.Put(old.(*Batch))
	} else if npending.Add(1) > maxPending {
		// Too many batches wait for a second enricher that is not coming:
		// drop them, but keep the one just left for the other enricher.
		pending.Range(func(k, _ any) bool {
			if k == key {
				return true
			}
			if v, ok := pending.LoadAndDelete(k); ok {
				npending.Add(-1)
				pool.Put(v.(*Batch))
			}
			return true
		})
	}
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
// embed), loads the word vectors when m uses them, and registers kind
// (sentiment, emotion) for sharing features with the other model.
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
	Register(kind, f.Set)
	return f, nil
}
