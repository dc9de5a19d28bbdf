package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testSecret is the HMAC secret every triage process of a test shares, so
// ids agree across restarts and with `triage classify`.
const testSecret = "integration-test-secret-0123456789abcdef"

// runOpts describes one `triage run` process.
type runOpts struct {
	Name       string // for logs and the client id
	Group      string
	Input      string
	Suffix     string // --output-suffix: keeps a test's outputs apart
	StateDir   string
	InstanceID string // static membership; "" for dynamic
	Mode       string // default exactly-once
}

// triageProc is one running `triage run` child process. The test that
// starts it owns it: a cleanup kills it if the test did not stop it.
type triageProc struct {
	opts    runOpts
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	mu      sync.Mutex
	waitErr error
	stopped bool // stopped on purpose: exiting is not a failure
}

// triageEnv is the child environment: the parent's without any TRIAGE_*
// variable (triage's config rejects ones it does not know, and the test's
// own TRIAGE_KAFKA_BROKERS must not leak in unnoticed), plus settings that
// keep failure recovery quick. The session and transaction timeouts bound
// how long a SIGKILLed member and its open transaction block the others;
// the defaults (45 s, 40 s) would only make the suite slower.
func triageEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRIAGE_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"TRIAGE_SECRET="+testSecret,
		"TRIAGE_KAFKA_SESSION_TIMEOUT=10s",
		"TRIAGE_KAFKA_TRANSACTION_TIMEOUT=8s",
		"TRIAGE_LOG_FORMAT=json",
	)
}

func startTriage(t testing.TB, seeds []string, o runOpts) *triageProc {
	t.Helper()
	bin := triageBin(t)
	if o.Mode == "" {
		o.Mode = "exactly-once"
	}
	args := []string{"run",
		"--brokers", strings.Join(seeds, ","),
		"--group", o.Group,
		"--input-topic", o.Input,
		"--state-dir", o.StateDir,
		"--admin-addr", "127.0.0.1:0",
		"--mode", o.Mode,
		"--output-suffix", o.Suffix,
	}
	if o.InstanceID != "" {
		args = append(args, "--instance-id", o.InstanceID)
	}
	logDir := filepath.Join(os.TempDir(), "triage-integration-logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &triageProc{opts: o, done: make(chan struct{}),
		logPath: filepath.Join(logDir, fmt.Sprintf("%s-%s-%d.log", o.Group, o.Name, time.Now().UnixNano()))}
	logf, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(triageEnv(), "TRIAGE_KAFKA_CLIENT_ID=triage-"+o.Name)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start triage run (%s): %v", o.Name, err)
	}
	go func() {
		err := p.cmd.Wait()
		logf.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL and waits for the process to be gone: no shutdown
// code runs, an open transaction stays open on the broker.
func (p *triageProc) kill() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM (graceful shutdown: finish or abort the transaction,
// leave the group) and waits up to timeout before killing. It returns the
// exit error of a process that did not exit cleanly.
func (p *triageProc) stop(timeout time.Duration) error {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("%s did not stop within %v after SIGTERM", p.opts.Name, timeout)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

// exitedUnexpectedly reports whether the process ended without being told.
func (p *triageProc) exitedUnexpectedly() bool {
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return !p.stopped
	default:
		return false
	}
}

func (p *triageProc) tail(n int) string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// checkAlive fails the test when a process that should be running exited.
func checkAlive(t testing.TB, procs ...*triageProc) {
	t.Helper()
	for _, p := range procs {
		if p != nil && p.exitedUnexpectedly() {
			p.mu.Lock()
			err := p.waitErr
			p.mu.Unlock()
			t.Fatalf("triage run %s exited on its own (%v); last log lines:\n%s", p.opts.Name, err, p.tail(20))
		}
	}
}

func logTails(procs []*triageProc) string {
	var b bytes.Buffer
	for _, p := range procs {
		if p != nil {
			fmt.Fprintf(&b, "\n--- %s (%s) ---\n%s", p.opts.Name, p.logPath, p.tail(10))
		}
	}
	return b.String()
}
