package report

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

var mdFuncs = func() template.FuncMap {
	m := template.FuncMap{}
	for k, v := range funcs {
		m[k] = v
	}
	m["md"] = mdEscape
	m["oneline"] = func(s string) string { return strings.Join(strings.Fields(s), " ") }
	return m
}()

var mdTmpl = template.Must(template.New("report.md.tmpl").Funcs(mdFuncs).ParseFS(templates, "templates/report.md.tmpl"))

// RenderMarkdown writes the report as Markdown. Charts are referenced as
// relative SVG files (see ChartFiles); WriteMarkdown writes both.
func RenderMarkdown(w io.Writer, d Data) error {
	var buf bytes.Buffer
	if err := mdTmpl.Execute(&buf, newView(d, false)); err != nil {
		return fmt.Errorf("report: markdown: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// MarkdownFiles returns the Markdown document and its chart files, keyed by
// path relative to the document's directory.
func MarkdownFiles(d Data) (doc []byte, charts map[string][]byte, err error) {
	var buf bytes.Buffer
	if err := RenderMarkdown(&buf, d); err != nil {
		return nil, nil, err
	}
	charts = map[string][]byte{}
	for _, t := range d.Topics {
		daily, sent, themes := ChartFiles(t)
		charts[daily] = []byte(DailyChart(t, d.From, d.To).SVG())
		charts[sent] = []byte(SentimentChart(t, d.From, d.To).SVG())
		charts[themes] = []byte(ThemesChart(t).SVG())
	}
	return buf.Bytes(), charts, nil
}

// WriteFile writes data to path atomically (temp file + rename), creating
// directories as needed.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// mdEscape escapes characters that Markdown would interpret in free text.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
		"<", "&lt;", ">", "&gt;", "|", `\|`, "#", `\#`, "\n", " ", "\r", " ")
	return r.Replace(s)
}
