package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Environment read by these tests. Only TRIAGE_KAFKA_BROKERS and
// TRIAGE_REQUIRE_KAFKA carry the TRIAGE_ prefix: triage's config rejects
// unknown TRIAGE_* variables, so the others deliberately do not.
const (
	envBrokers = "TRIAGE_KAFKA_BROKERS"
	envRequire = "TRIAGE_REQUIRE_KAFKA"
	// envBin points at a built triage binary (make test-kafka passes
	// bin/triage); unset, the tests build one.
	envBin = "INTEGRATION_TRIAGE_BIN"
	// envRestart is a shell command that restarts the broker keeping its
	// data (make test-kafka passes scripts/kafka/kafka-restart.sh). Unset,
	// the broker-restart test is skipped: an arbitrary cluster cannot be
	// restarted from here.
	envRestart = "INTEGRATION_KAFKA_RESTART_CMD"
)

// unavailable skips the test, or fails it in CI when the real-Kafka suite is
// required: a CI run that skipped everything would prove nothing.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" && os.Getenv(envRequire) == "1" {
		t.Fatalf("%s (CI=true and %s=1: not skipping)", msg, envRequire)
	}
	t.Skip(msg)
}

// brokers returns the seed brokers or skips (fails in CI).
func brokers(t testing.TB) []string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv(envBrokers))
	if v == "" {
		unavailable(t, "%s is not set: run `make test-kafka`, or set it to a cluster's bootstrap address (see docs/testing.md)", envBrokers)
	}
	return strings.Split(v, ",")
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// triageBin returns a triage binary that has the run command: the one named
// by INTEGRATION_TRIAGE_BIN, or one built from this checkout.
func triageBin(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if p := os.Getenv(envBin); p != "" {
			binPath = p
		} else {
			dir, err := os.MkdirTemp("", "triage-integration-bin")
			if err != nil {
				binErr = err
				return
			}
			binPath = filepath.Join(dir, "triage")
			_, file, _, _ := runtime.Caller(0)
			root := filepath.Dir(filepath.Dir(file))
			cmd := exec.Command("go", "build", "-o", binPath, "./cmd/triage")
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				binErr = fmt.Errorf("go build ./cmd/triage: %v: %s", err, out)
				return
			}
		}
		out, err := exec.Command(binPath, "run", "--help").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("%s run --help failed (%v): %s", binPath, err, strings.TrimSpace(string(out)))
		}
	})
	if binErr != nil {
		unavailable(t, "no usable triage binary: %v", binErr)
	}
	return binPath
}

// repoFile returns the path of a file in this checkout.
func repoFile(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(filepath.Dir(file))}, parts...)...)
}

// requireTool returns the path of an external program or skips (fails in CI).
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, "%s not found on PATH (Debian/Ubuntu: apt-get install -y %s)", name, name)
	}
	return p
}

// testCtx is cancelled when the test ends.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}
