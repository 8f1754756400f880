package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ErrNoChromium is returned by PDF when no headless Chromium is installed.
// Install Debian's package: apt-get install -y chromium.
var ErrNoChromium = errors.New("report: pdf: chromium not found (install it with `apt-get install -y chromium`, or set reports.chromium)")

// chromiumNames are the executables PDF looks for, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// FindChromium returns the path of a Chromium executable: bin when it is
// not empty (a name or a path), else the first of chromium,
// chromium-browser, google-chrome on PATH.
func FindChromium(bin string) (string, error) {
	names := chromiumNames
	if bin != "" {
		names = []string{bin}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Printer prints HTML to PDF with headless Chromium. The zero value finds
// Chromium on PATH and allows 60 s per document.
type Printer struct {
	// Chromium is the executable (name or path); empty means FindChromium.
	Chromium string
	// Timeout bounds one print; zero means 60 s.
	Timeout time.Duration
}

// PDF renders html (a self-contained document) to PDF bytes. It blocks
// until Chromium exits or ctx is done (the process is killed then). It
// returns ErrNoChromium when Chromium is not installed. Safe for concurrent
// use: every call gets its own temporary profile directory.
func (p Printer) PDF(ctx context.Context, html []byte) ([]byte, error) {
	bin, err := FindChromium(p.Chromium)
	if err != nil {
		return nil, err
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "undertone-pdf-")
	if err != nil {
		return nil, fmt.Errorf("report: pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "report.html")
	out := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, html, 0o600); err != nil {
		return nil, fmt.Errorf("report: pdf: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
		"--no-pdf-header-footer", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--print-to-pdf="+out, "file://"+in)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("report: pdf: chromium: %w", ctx.Err())
		}
		return nil, fmt.Errorf("report: pdf: chromium: %w: %s", err, tail(stderr.Bytes(), 400))
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("report: pdf: chromium wrote no file: %w: %s", err, tail(stderr.Bytes(), 400))
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, fmt.Errorf("report: pdf: chromium output is not a PDF")
	}
	return pdf, nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.TrimSpace(b))
}
