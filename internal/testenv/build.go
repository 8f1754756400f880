package testenv

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// BuildUndertone builds ./cmd/undertone into dir and returns the binary's
// path, for tests that run the real binary as child processes (to SIGKILL
// them). It blocks for the length of a `go build`; the build output is part
// of the error.
func BuildUndertone(dir string) (string, error) {
	bin := filepath.Join(dir, "undertone")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/undertone/undertone/cmd/undertone").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build undertone: %w\n%s", err, out)
	}
	return bin, nil
}
