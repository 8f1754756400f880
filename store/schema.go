package store

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/undertone/undertone/post"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

var (
	identRe     = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`)
	migrationRe = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)
)

// Schema holds the parameters the migration templates are rendered with.
type Schema struct {
	Database   string
	Cluster    string
	Replicated bool
}

// Table returns the fully qualified name that reads and inserts use:
// db.name (in cluster mode the Distributed table).
func (s Schema) Table(name string) string { return s.Database + "." + name }

// LocalTable returns the fully qualified storage table: db.name on a single
// node, db.name_local in cluster mode. Partition operations such as
// retention act on it.
func (s Schema) LocalTable(name string) string {
	if s.Cluster != "" {
		return s.Database + "." + name + "_local"
	}
	return s.Database + "." + name
}

// OnCluster returns " ON CLUSTER name" in replicated cluster mode, else "".
func (s Schema) OnCluster() string {
	if s.Cluster != "" && s.Replicated {
		return " ON CLUSTER " + s.Cluster
	}
	return ""
}

func (s Schema) engine(kind, table string) string {
	if s.Cluster != "" && s.Replicated {
		return fmt.Sprintf("Replicated%s('/clickhouse/tables/{shard}/%s/%s', '{replica}')", kind, s.Database, table)
	}
	return kind + "()"
}

func (s Schema) distributed(table, key string) string {
	if s.Cluster == "" {
		return ""
	}
	args := fmt.Sprintf("'%s', '%s', '%s_local'", s.Cluster, s.Database, table)
	if key != "" {
		args += ", " + key
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s AS %s.%s_local ENGINE = Distributed(%s);",
		s.Database, table, s.OnCluster(), s.Database, table, args)
}

// Migration is one versioned schema change, rendered for a Schema.
type Migration struct {
	Version    int
	Name       string
	Statements []string
	// Checksum is the hex SHA-256 of the unrendered file.
	Checksum string
}

// Migrations returns the embedded migrations rendered for s, in version
// order.
func Migrations(s Schema) ([]Migration, error) {
	if !identRe.MatchString(s.Database) {
		return nil, fmt.Errorf("store: invalid database name %q", s.Database)
	}
	if s.Cluster != "" && !identRe.MatchString(s.Cluster) {
		return nil, fmt.Errorf("store: invalid cluster name %q", s.Cluster)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	funcs := template.FuncMap{
		"table":       s.LocalTable,
		"onCluster":   s.OnCluster,
		"engine":      s.engine,
		"distributed": s.distributed,
		"emotions":    func() []string { return post.Emotions[:] },
		"ekman":       func() []string { return post.Ekman[:] },
	}
	var out []Migration
	for _, n := range names {
		m := migrationRe.FindStringSubmatch(path.Base(n))
		if m == nil {
			return nil, fmt.Errorf("store: migration file %s: want NNNN_name.sql", n)
		}
		v, _ := strconv.Atoi(m[1])
		if len(out) > 0 && out[len(out)-1].Version >= v {
			return nil, fmt.Errorf("store: migration %s: duplicate version %d", n, v)
		}
		raw, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(n).Funcs(funcs).Option("missingkey=error").Parse(string(raw))
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", n, err)
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, s); err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", n, err)
		}
		sum := sha256.Sum256(raw)
		out = append(out, Migration{
			Version:    v,
			Name:       m[2],
			Statements: splitStatements(buf.String()),
			Checksum:   hex.EncodeToString(sum[:]),
		})
	}
	return out, nil
}

// splitStatements splits SQL on ";" at the end of a line and drops
// comment-only and empty pieces.
func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		st := strings.TrimSpace(cur.String())
		cur.Reset()
		if st == "" {
			return
		}
		hasCode := false
		for l := range strings.SplitSeq(st, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
				hasCode = true
				break
			}
		}
		if hasCode {
			out = append(out, strings.TrimSuffix(stripComments(st), ";"))
		}
	}
	for l := range strings.SplitSeq(sql, "\n") {
		cur.WriteString(l)
		cur.WriteByte('\n')
		if strings.HasSuffix(strings.TrimSpace(l), ";") && !strings.HasPrefix(strings.TrimSpace(l), "--") {
			flush()
		}
	}
	flush()
	return out
}

// stripComments removes whole-line "--" comments so that statements sent to
// the server (and shown by status) are compact.
func stripComments(st string) string {
	var b strings.Builder
	for l := range strings.SplitSeq(st, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}
