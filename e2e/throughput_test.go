//go:build integration

package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRunThroughput measures `undertone run --no-serve` end to end:
// N generated posts (UNDERTONE_BENCH_POSTS, default 100,000) wait in
// posts.raw (4 partitions), one run process ingests, enriches and stores
// them, and the clock stops when posts and the aggregates (sink_offsets'
// row count) hold every valid post. It reports posts/s (process start and
// group join included), the run process's CPU per post and peak RSS, the
// ClickHouse CPU per post of the pipeline's queries (system.query_log) and,
// when the ClickHouse server runs on this machine, the whole server's CPU
// per post over the run (background merges and other users included). Run
// it with `make bench-e2e`.
func BenchmarkRunThroughput(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("UNDERTONE_BENCH_POSTS")); err == nil && v > 0 {
		n = v
	}
	lines := generate(b, "--posts", strconv.Itoa(n), "--days", "7", "--seed", "77", "--start", "2026-11-01")
	b.ReportAllocs()
	var secs, cpuRun, cpuCH, serverUs float64
	var rss int64
	runs := 0
	for b.Loop() {
		b.StopTimer()
		p := newPipeline(b, 4)
		p.migrate()
		p.produceRaw(lines)
		chPid := clickhousePid()
		ch0 := procCPU(chPid)
		b.StartTimer()
		start := time.Now()
		pr := p.start("run", "--no-serve", "--no-retention")
		got := p.waitStored(uint64(n), 15*time.Minute)
		// Every view has run when the INSERT returned; sink_offsets counts
		// rows too, so waiting for it waits for the last INSERT's views.
		for time.Since(start) < 15*time.Minute && p.count("SELECT toUInt64(countMerge(row_count)) FROM "+p.db+".sink_offsets") < uint64(n) {
			time.Sleep(100 * time.Millisecond)
		}
		d := time.Since(start)
		b.StopTimer()
		if got < uint64(n) {
			b.Fatalf("stored %d of %d posts in %s\n%s", got, n, d, tail(p.logs(), 30))
		}
		serverUs += p.queryCPU()
		cpuRun += procCPU(pr.cmd.Process.Pid)
		cpuCH += procCPU(chPid) - ch0
		rss = max(rss, peakRSS(pr.cmd.Process.Pid))
		secs += d.Seconds()
		runs++
		pr.stop(b)
		b.Logf("run: %d posts in %s = %.0f posts/s", n, d.Round(time.Millisecond), float64(n)/d.Seconds())
		b.StartTimer()
	}
	total := float64(n * runs)
	b.ReportMetric(total/secs, "posts/s")
	b.ReportMetric(cpuRun/total*1e6, "run-cpu-us/post")
	b.ReportMetric(serverUs/total, "ch-query-cpu-us/post")
	if cpuCH > 0 {
		b.ReportMetric(cpuCH/total*1e6, "clickhouse-cpu-us/post")
	}
	b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
}

// queryCPU returns the user+system CPU microseconds ClickHouse's
// query_log records for the queries on the pipeline's database (inserts
// with their views, lookups; not background merges).
func (p *pipeline) queryCPU() float64 {
	p.t.Helper()
	_ = p.conn.Exec(p.t.Context(), "SYSTEM FLUSH LOGS")
	var us uint64
	q := "SELECT sum(ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')] + " +
		"ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')]) " +
		"FROM system.query_log WHERE type = 2 AND event_date >= yesterday() AND position(query, ?) > 0"
	if err := p.conn.QueryRow(p.t.Context(), q, p.db+".").Scan(&us); err != nil {
		p.t.Logf("query_log: %v", err)
		return 0
	}
	return float64(us)
}

// procCPU returns user+system CPU seconds of pid so far (0 when unknown).
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(raw)
	// Fields after the command name (which may hold spaces) start after ')'.
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// peakRSS returns VmHWM of pid in bytes (0 when unknown).
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for l := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// clickhousePid returns the pid of the local clickhouse-server that serves
// the test address, or 0: the one whose command line names
// clickhouse-<port> (deploy/local's layout), else the only one running.
func clickhousePid() int {
	addr := os.Getenv("UNDERTONE_TEST_CLICKHOUSE")
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	out, err := exec.Command("pgrep", "-a", "-f", "clickhouse-server").Output()
	if err != nil {
		return 0
	}
	var pids []int
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		pidStr, cmd, _ := strings.Cut(l, " ")
		pid, _ := strconv.Atoi(pidStr)
		if !strings.HasPrefix(cmd, "/usr/") && !strings.Contains(cmd, "clickhouse-server ") {
			continue
		}
		if port != "" && strings.Contains(cmd, "clickhouse-"+port+"/") {
			return pid
		}
		pids = append(pids, pid)
	}
	if len(pids) == 1 {
		return pids[0]
	}
	return 0
}
