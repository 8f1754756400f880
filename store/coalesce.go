package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/undertone/undertone/post"
)

// Coalescer merges concurrent Write calls into one Writer write (group
// commit): while one INSERT is in flight, the batches that arrive queue up,
// and the next INSERT takes all of them (up to MaxRows). Each call returns
// when the INSERT holding its posts has landed (or failed), exactly like
// Writer.Write, so a caller may commit its Kafka offsets on nil.
//
// ClickHouse pays a large fixed cost per INSERT (a new part per table, the
// materialized views run once per block, ~2 MB of write buffers per column
// file), so `undertone run`, whose enrich stage writes one batch per
// partition, stores several partitions' batches in one INSERT instead of
// one each. Exactly-once is unchanged (docs/delivery.md): every INSERT is
// still preceded by the post_id lookup over all its posts, a partition's
// batches still reach the store one at a time and in offset order, and one
// Coalescer runs one INSERT at a time.
type Coalescer struct {
	w       BatchWriter
	maxRows int

	mu    sync.Mutex
	queue []*pendingWrite
	busy  bool // a leader is writing; queue non-empty implies busy
}

type pendingWrite struct {
	ctx   context.Context
	batch []post.Enriched
	done  chan error    // result, for a batch another caller wrote
	lead  chan struct{} // this caller must write the queue's next INSERT
}

// BatchWriter stores one batch exactly once; *Writer implements it.
type BatchWriter interface {
	Write(ctx context.Context, batch []post.Enriched) error
}

// NewCoalescer returns a Coalescer over w (normally a *Writer) whose
// writes hold at most maxRows posts (a single larger batch is written
// alone, whole).
func NewCoalescer(w BatchWriter, maxRows int) *Coalescer {
	return &Coalescer{w: w, maxRows: max(maxRows, 1)}
}

// Write stores batch like Writer.Write, possibly in one INSERT with
// batches of concurrent callers. Invalid posts fail this call alone
// (ErrPermanent wrapping ErrInvalid), before anything is queued. When ctx
// ends while the batch is still queued, Write returns ctx.Err() and the
// batch is not written; once its INSERT has started, Write waits for it.
func (c *Coalescer) Write(ctx context.Context, batch []post.Enriched) error {
	if len(batch) == 0 {
		return nil
	}
	for i := range batch {
		if err := Validate(&batch[i]); err != nil {
			return fmt.Errorf("store: post %d: %w: %w", i, ErrPermanent, err)
		}
	}
	p := &pendingWrite{ctx: ctx, batch: batch, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, p)
	if !c.busy {
		c.busy = true
		c.mu.Unlock()
		return c.leadWrite(p)
	}
	c.mu.Unlock()
	select {
	case err := <-p.done:
		return err
	case <-p.lead:
		return c.leadWrite(p)
	case <-ctx.Done():
	}
	c.mu.Lock()
	if i := slices.Index(c.queue, p); i >= 0 {
		// Still queued: withdraw. If the previous leader already handed
		// this caller the lead, pass it on.
		c.queue = slices.Delete(c.queue, i, i+1)
		select {
		case <-p.lead:
			c.handOffLocked()
		default:
		}
		c.mu.Unlock()
		return ctx.Err()
	}
	c.mu.Unlock()
	// Taken into an INSERT in flight: its outcome is this call's.
	return <-p.done
}

// leadWrite writes the head of the queue (me first, then as many queued
// batches as fit in maxRows), delivers the result to the other callers in
// it, and hands the lead to the next queued caller.
func (c *Coalescer) leadWrite(me *pendingWrite) error {
	c.mu.Lock()
	n, rows := 0, 0
	for n < len(c.queue) && (n == 0 || rows+len(c.queue[n].batch) <= c.maxRows) {
		rows += len(c.queue[n].batch)
		n++
	}
	group := slices.Clone(c.queue[:n])
	c.queue = slices.Delete(c.queue, 0, n)
	c.mu.Unlock()

	err := c.writeGroup(group, rows)
	var mine error
	for _, g := range group {
		if g == me {
			mine = err
		} else {
			g.done <- err
		}
	}
	c.mu.Lock()
	c.handOffLocked()
	c.mu.Unlock()
	return mine
}

// handOffLocked gives the lead to the next queued caller, or ends the busy
// period. c.mu must be held.
func (c *Coalescer) handOffLocked() {
	if len(c.queue) == 0 {
		c.busy = false
		return
	}
	select {
	case c.queue[0].lead <- struct{}{}:
	default: // already signalled
	}
}

// writeGroup writes the batches of group in one Writer write. The write's
// context ends only when every caller's context has ended, so one caller
// shutting down does not fail the others' posts.
func (c *Coalescer) writeGroup(group []*pendingWrite, rows int) error {
	if len(group) == 1 {
		return c.w.Write(group[0].ctx, group[0].batch)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(group[0].ctx))
	defer cancel()
	live := int32(len(group))
	merged := make([]post.Enriched, 0, rows)
	for _, g := range group {
		stop := context.AfterFunc(g.ctx, func() {
			if atomic.AddInt32(&live, -1) == 0 {
				cancel()
			}
		})
		defer stop()
		merged = append(merged, g.batch...)
	}
	return c.w.Write(ctx, merged)
}
