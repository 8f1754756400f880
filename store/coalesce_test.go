package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/undertone/undertone/post"
	"github.com/undertone/undertone/store/storetest"
)

// gateWriter records each write and blocks it until released.
type gateWriter struct {
	mu      sync.Mutex
	writes  [][]string // post_ids per write
	started chan int   // rows of each write, when it starts
	release chan error
}

func (g *gateWriter) Write(ctx context.Context, batch []post.Enriched) error {
	ids := make([]string, len(batch))
	for i := range batch {
		ids[i] = batch[i].PostID
	}
	g.mu.Lock()
	g.writes = append(g.writes, ids)
	g.mu.Unlock()
	g.started <- len(batch)
	select {
	case err := <-g.release:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestCoalescerMergesWhileBusy(t *testing.T) {
	g := &gateWriter{started: make(chan int, 10), release: make(chan error, 10)}
	c := NewCoalescer(g, 250)
	posts := storetest.Posts(400, 1, 4, 1)
	errs := make(chan error, 4)
	write := func(lo, hi int) { errs <- c.Write(t.Context(), posts[lo:hi]) }

	go write(0, 100) // leads, blocks in the first write
	if n := <-g.started; n != 100 {
		t.Fatalf("first write has %d rows, want 100", n)
	}
	go write(100, 200)
	go write(200, 300)
	go write(300, 400)
	waitQueued(t, c, 3)
	g.release <- nil // first write lands
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	// The next write takes the queued batches that fit in 250 rows: two.
	if n := <-g.started; n != 200 {
		t.Fatalf("second write has %d rows, want 200 (two queued batches merged)", n)
	}
	boom := errors.New("boom")
	g.release <- boom
	for range 2 {
		if err := <-errs; !errors.Is(err, boom) {
			t.Fatalf("merged callers got %v, want boom", err)
		}
	}
	if n := <-g.started; n != 100 {
		t.Fatalf("third write has %d rows, want 100", n)
	}
	g.release <- nil
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	// Nothing left: the coalescer is idle and a new call leads at once.
	go write(0, 10)
	<-g.started
	g.release <- nil
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if len(g.writes) != 4 {
		t.Errorf("%d writes, want 4", len(g.writes))
	}
}

func TestCoalescerQueuedCallerCancels(t *testing.T) {
	g := &gateWriter{started: make(chan int, 10), release: make(chan error, 10)}
	c := NewCoalescer(g, 1000)
	posts := storetest.Posts(30, 1, 4, 2)
	errs := make(chan error, 3)
	go func() { errs <- c.Write(t.Context(), posts[0:10]) }()
	<-g.started
	ctx, cancel := context.WithCancel(t.Context())
	go func() { errs <- c.Write(ctx, posts[10:20]) }()
	waitQueued(t, c, 1)
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled queued caller got %v", err)
	}
	go func() { errs <- c.Write(t.Context(), posts[20:30]) }()
	waitQueued(t, c, 1)
	g.release <- nil
	g.release <- nil
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := <-g.started; n != 10 {
		t.Fatalf("second write has %d rows, want 10 (the cancelled batch withdrawn)", n)
	}
}

func TestCoalescerInvalidFailsAlone(t *testing.T) {
	g := &gateWriter{started: make(chan int, 10), release: make(chan error, 10)}
	c := NewCoalescer(g, 1000)
	bad := storetest.Posts(2, 1, 1, 3)
	bad[1].PostID = ""
	if err := c.Write(t.Context(), bad); !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrPermanent) {
		t.Fatalf("got %v, want ErrPermanent wrapping ErrInvalid", err)
	}
	if len(g.writes) != 0 {
		t.Error("an invalid batch reached the writer")
	}
}

func waitQueued(t *testing.T, c *Coalescer, n int) {
	t.Helper()
	for range 2000 {
		c.mu.Lock()
		q := len(c.queue)
		c.mu.Unlock()
		if q == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("queue never reached %d", n)
}

// countingWriter records how often each post_id was written.
type countingWriter struct {
	mu     sync.Mutex
	counts map[string]int
	writes int
}

func (w *countingWriter) Write(_ context.Context, batch []post.Enriched) error {
	time.Sleep(time.Duration(len(batch)) * time.Microsecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	for i := range batch {
		w.counts[batch[i].PostID]++
	}
	return nil
}

// TestCoalescerStress: many concurrent callers, some cancelling at random
// moments. Every call that returned nil had its posts written exactly once,
// every call that failed had them written not at all, and nothing hangs.
func TestCoalescerStress(t *testing.T) {
	w := &countingWriter{counts: map[string]int{}}
	c := NewCoalescer(w, 300)
	const callers, rounds, size = 8, 40, 50
	posts := storetest.Posts(callers*rounds*size, 1, 4, 9)
	var wg sync.WaitGroup
	results := make([]error, callers*rounds)
	for g := range callers {
		wg.Go(func() {
			for r := range rounds {
				i := g*rounds + r
				ctx, cancel := context.WithCancel(t.Context())
				if i%3 == 0 {
					time.AfterFunc(time.Duration(i%7)*100*time.Microsecond, cancel)
				}
				results[i] = c.Write(ctx, posts[i*size:(i+1)*size])
				cancel()
			}
		})
	}
	wg.Wait()
	ok, failed := 0, 0
	for i, err := range results {
		want := 1
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("call %d: %v", i, err)
			}
			want = 0
			failed++
		} else {
			ok++
		}
		for _, p := range posts[i*size : (i+1)*size] {
			if got := w.counts[p.PostID]; got != want {
				t.Fatalf("call %d (err %v): post written %d times, want %d", i, err, got, want)
			}
		}
	}
	if c.busy || len(c.queue) != 0 {
		t.Errorf("coalescer not idle at the end: busy=%v queue=%d", c.busy, len(c.queue))
	}
	t.Logf("%d calls stored, %d cancelled, %d writes", ok, failed, w.writes)
}
