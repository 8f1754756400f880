package report_test

import (
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual Clock: time moves only when the test advances it.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// set moves the clock to t and fires every waiter due by then.
func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
			continue
		}
		keep = append(keep, w)
	}
	c.waiters = keep
}

// waitFor blocks (in real time) until n goroutines wait on the clock.
func (c *fakeClock) waitFor(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		got := len(c.waiters)
		c.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("fake clock: %d waiters never arrived", n)
}

// runTo advances the clock waiter by waiter until to, each time waiting
// until n goroutines are blocked on it (so no work is in flight).
func (c *fakeClock) runTo(t testing.TB, n int, to time.Time) {
	t.Helper()
	for {
		c.waitFor(t, n)
		c.mu.Lock()
		ats := make([]time.Time, len(c.waiters))
		for i, w := range c.waiters {
			ats[i] = w.at
		}
		c.mu.Unlock()
		sort.Slice(ats, func(i, j int) bool { return ats[i].Before(ats[j]) })
		if ats[0].After(to) {
			c.set(to)
			return
		}
		c.set(ats[0])
	}
}
