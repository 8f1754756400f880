// Package chserver runs private ClickHouse servers for tests that must stop,
// restart or shard ClickHouse without touching the shared one: a server with
// its own ports and data directory, started from the clickhouse-server
// binary that deploy/local/clickhouse.sh installs.
package chserver

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is one private clickhouse-server process.
type Server struct {
	Dir      string
	TCPPort  int
	HTTPPort int
	cmd      *exec.Cmd
	done     chan struct{}
}

// Options configures a Server. Cluster, when set, defines a cluster of that
// name whose shards are the given native host:port addresses (one replica
// each) in remote_servers.
type Options struct {
	Cluster string
	Shards  []string
	// TCPPort fixes the native port (so a peer's config can name it before
	// it starts); 0 picks a free one.
	TCPPort int
}

// FreePort returns a TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func binary() (string, error) {
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/clickhouse-server"); err == nil {
		return "/usr/sbin/clickhouse-server", nil
	}
	return "", fmt.Errorf("chserver: clickhouse-server not found (deploy/local/clickhouse.sh start installs it)")
}

// Start writes a config under a fresh temp dir, starts the server and waits
// until it answers. The server is stopped and its directory removed at
// cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	dir, err := os.MkdirTemp("", "undertone-chserver-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Dir: dir, TCPPort: opts.TCPPort, HTTPPort: FreePort(t)}
	if s.TCPPort == 0 {
		s.TCPPort = FreePort(t)
	}
	var remote string
	if opts.Cluster != "" {
		var b strings.Builder
		for _, sh := range opts.Shards {
			host, port, _ := net.SplitHostPort(sh)
			fmt.Fprintf(&b, "<shard><replica><host>%s</host><port>%s</port></replica></shard>", host, port)
		}
		remote = fmt.Sprintf("<remote_servers><%s>%s</%s></remote_servers>", opts.Cluster, b.String(), opts.Cluster)
	}
	cfg := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>%[1]s/server.log</log><errorlog>%[1]s/err.log</errorlog><size>50M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>%[2]d</tcp_port>
  <http_port>%[3]d</http_port>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/tmp/</tmp_path>
  <user_files_path>%[1]s/user_files/</user_files_path>
  <format_schema_path>%[1]s/format_schemas/</format_schema_path>
  <users_config>%[1]s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>134217728</mark_cache_size>
  <uncompressed_cache_size>134217728</uncompressed_cache_size>
  %[4]s
</yandex>
`, dir, s.TCPPort, s.HTTPPort, remote)
	users := `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.0/8</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`
	for name, body := range map[string]string{"config.xml": cfg, "users.xml": users} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		s.Stop(t)
		_ = os.RemoveAll(dir)
	})
	s.Restart(t)
	return s
}

// Addr is the native-protocol address.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.TCPPort) }

// Restart starts the server (again, on the same data) and waits until it
// answers /ping, up to 60 s.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(filepath.Join(s.Dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+filepath.Join(s.Dir, "config.xml"))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); _ = out.Close(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/ping", s.HTTPPort))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "err.log"))
			t.Fatalf("chserver: clickhouse-server exited at start: %s", tail(string(log)))
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("chserver: clickhouse-server on %d not ready after 60s", s.TCPPort)
}

// Stop terminates the server (SIGTERM, then SIGKILL after 30 s) and waits
// for it to exit. It is a no-op when the server is not running.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	s.cmd = nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}
