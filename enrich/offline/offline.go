// Package offline is `undertone enrich`: JSONL posts in, enriched JSONL out,
// through the same anonymization and enrichment chain as the pipeline.
//
// The pipeline is reader → pool of workers (one batch of lines each:
// decode, anonymize, enrich, encode) → ordered writer, with bounded queues,
// so every core is busy, memory stays bounded and output lines come in input
// order.
package offline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/undertone/undertone/post"
)

// Preparer validates and anonymizes posts (ingest.Preparer implements it).
type Preparer interface {
	Decode(raw []byte) (post.Post, error)
	PreparePost(p post.Post) (post.Clean, error)
}

// Enricher runs the chain over a batch (enrich.Chain implements it).
type Enricher interface {
	Enrich(ctx context.Context, batch []post.Enriched) error
}

// Config configures a run.
type Config struct {
	// Workers is the number of goroutines enriching batches; 0 means
	// GOMAXPROCS.
	Workers int
	// BatchSize is the number of lines per batch; 0 means 256.
	BatchSize int
	// MaxLineBytes bounds one input line; 0 means 4 MiB.
	MaxLineBytes int
	// DefaultSource is used when a post has no source ("offline").
	DefaultSource string
	// DefaultCreatedAt is used when a post has no created_at; zero means the
	// time the run started (UTC, whole seconds).
	DefaultCreatedAt time.Time
	// ReasonOf returns the machine-readable reason of a Preparer error for
	// the error record; nil means "invalid" for every error.
	ReasonOf func(error) string
}

// Stats summarizes a run.
type Stats struct {
	Lines  int // non-blank input lines
	Posts  int // enriched posts written
	Failed int // lines skipped with an error record
}

// LineError is the JSON error record written for a line that was skipped.
type LineError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

type batch struct {
	seq   int
	lines [][]byte
	data  []byte // backing store of lines
	nums  []int
	out   bytes.Buffer
	errs  []LineError
	err   error
}

// Run reads JSONL posts from in and writes one enriched post per good line
// to out, in input order. Bad lines are skipped and reported as one JSON
// LineError per line on errw. Blank lines are ignored. Run blocks until in
// is exhausted, ctx is done or writing fails; an error means the run did not
// complete (Stats.Failed > 0 alone is not an error). When ctx is done Run
// returns at once; its reading goroutine exits when in's Read returns.
func Run(ctx context.Context, cfg Config, prep Preparer, chain Enricher, in io.Reader, out, errw io.Writer) (Stats, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 256
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = 4 << 20
	}
	if cfg.DefaultSource == "" {
		cfg.DefaultSource = "offline"
	}
	if cfg.ReasonOf == nil {
		cfg.ReasonOf = func(error) string { return "invalid" }
	}
	if cfg.DefaultCreatedAt.IsZero() {
		cfg.DefaultCreatedAt = time.Now().UTC().Truncate(time.Second)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	work := make(chan *batch, cfg.Workers)
	done := make(chan *batch, cfg.Workers)
	var readErr error
	var wg sync.WaitGroup

	// Reader.
	go func() {
		defer close(work)
		readErr = read(ctx, in, cfg, work)
	}()
	// Workers.
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var posts []post.Enriched
			for b := range work {
				posts = process(ctx, cfg, prep, chain, b, posts[:0])
				select {
				case done <- b:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	// Ordered writer (this goroutine).
	var st Stats
	var werr error
	pending := map[int]*batch{}
	next := 0
	bw := bufio.NewWriterSize(out, 256<<10)
	enc := json.NewEncoder(errw)
loop:
	for {
		var b *batch
		select {
		case nb, ok := <-done:
			if !ok {
				break loop
			}
			b = nb
		case <-ctx.Done():
			// Do not wait for a reader blocked in Read: it exits when in
			// returns.
			if werr == nil {
				werr = ctx.Err()
			}
			break loop
		}
		if werr != nil {
			continue // drain
		}
		pending[b.seq] = b
		for {
			nb, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if nb.err != nil {
				werr = nb.err
				cancel()
				break
			}
			st.Lines += len(nb.nums)
			st.Failed += len(nb.errs)
			st.Posts += len(nb.nums) - len(nb.errs)
			for _, le := range nb.errs {
				if err := enc.Encode(le); err != nil {
					werr = fmt.Errorf("offline: write errors: %w", err)
				}
			}
			if _, err := bw.Write(nb.out.Bytes()); err != nil && werr == nil {
				werr = fmt.Errorf("offline: write: %w", err)
				cancel()
			}
		}
	}
	if err := bw.Flush(); err != nil && werr == nil {
		werr = fmt.Errorf("offline: write: %w", err)
	}
	if werr != nil {
		return st, werr
	}
	if readErr != nil {
		return st, readErr
	}
	return st, ctx.Err()
}

func read(ctx context.Context, in io.Reader, cfg Config, work chan<- *batch) error {
	br := bufio.NewReaderSize(in, 64<<10)
	seq, line := 0, 0
	b := &batch{seq: seq}
	send := func() bool {
		select {
		case work <- b:
		case <-ctx.Done():
			return false
		}
		seq++
		b = &batch{seq: seq}
		return true
	}
	var buf []byte
	for {
		buf = buf[:0]
		tooLong := false
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			if !tooLong {
				if len(buf)+len(chunk) > cfg.MaxLineBytes+1 { // +1: the newline
					tooLong = true
					buf = buf[:0]
				} else {
					buf = append(buf, chunk...)
				}
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("offline: read: %w", err)
		}
		if len(buf) > 0 || tooLong {
			line++
			raw := bytes.TrimSpace(buf)
			switch {
			case tooLong:
				b.lines = append(b.lines, nil) // nil: reported as too long
				b.nums = append(b.nums, line)
			case len(raw) > 0:
				// One buffer per batch holds its lines (earlier lines keep
				// pointing at the old array when it grows).
				if b.data == nil {
					b.data = make([]byte, 0, cfg.BatchSize*512)
				}
				n := len(b.data)
				b.data = append(b.data, raw...)
				b.lines = append(b.lines, b.data[n:len(b.data):len(b.data)])
				b.nums = append(b.nums, line)
			}
			if len(b.lines) == cfg.BatchSize && !send() {
				return ctx.Err()
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if len(b.lines) > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

// process decodes, anonymizes, enriches and encodes one batch in place.
func process(ctx context.Context, cfg Config, prep Preparer, chain Enricher, b *batch, posts []post.Enriched) []post.Enriched {
	for i, raw := range b.lines {
		if raw == nil {
			b.errs = append(b.errs, LineError{Line: b.nums[i], Reason: "record_too_large",
				Error: fmt.Sprintf("record_too_large: line longer than %d bytes", cfg.MaxLineBytes)})
			continue
		}
		c, err := prepare(cfg, prep, raw)
		if err != nil {
			b.errs = append(b.errs, LineError{Line: b.nums[i], Reason: cfg.ReasonOf(err), Error: err.Error()})
			continue
		}
		posts = append(posts, post.NewEnriched(c))
	}
	b.lines, b.data = nil, nil
	if err := chain.Enrich(ctx, posts); err != nil {
		b.err = fmt.Errorf("offline: enrich: %w", err)
		return posts
	}
	size := 0
	for i := range posts {
		size += len(posts[i].Text) + len(posts[i].Text)/8 + 1536 // text (+escapes) + ~1.2 KB of scores
	}
	buf := make([]byte, 0, size)
	for i := range posts {
		buf = posts[i].AppendJSON(buf)
		buf = append(buf, '\n')
	}
	b.out = *bytes.NewBuffer(buf)
	clear(posts) // drop references to texts before the slice is reused
	return posts
}

func prepare(cfg Config, prep Preparer, raw []byte) (post.Clean, error) {
	p, err := prep.Decode(raw)
	if err != nil {
		return post.Clean{}, err
	}
	if p.Source == "" {
		p.Source = cfg.DefaultSource
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = cfg.DefaultCreatedAt
	}
	return prep.PreparePost(p)
}
