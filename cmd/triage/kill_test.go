package main

// TestExactlyOnceUnderSIGKILL pins the central promise of `triage run`:
// with the processor killed by SIGKILL at random points (mid-batch,
// mid-transaction, mid-commit) and restarted each time on the same state
// directory, every input email appears exactly once in the read_committed
// output. A killed process leaves an open transaction behind; the restarted
// one (same transactional id, derived from the state directory) fences and
// aborts it, and redelivers from the last committed offsets.

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/regions"
	"github.com/triage-dev/triage/schemas"
)

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "triage")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v", err)
	}
	return bin
}

func syntheticEmail(i int) []byte {
	return []byte(fmt.Sprintf("From: Sender %d <sender%d@example.com>\r\nTo: team@example.org\r\n"+
		"Subject: Status report %d\r\nDate: Mon, 2 Mar 2026 10:%02d:00 +0000\r\nMessage-ID: <kill-%06d@example.com>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nHello team,\r\n\r\nthe nightly job %d finished. Numbers are attached to the ticket.\r\n\r\nRegards\r\n",
		i, i, i, i%60, i, i))
}

func startRun(t *testing.T, bin, brokers, stateDir string, logf *os.File) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "run", "--dev", "--brokers", brokers, "--state-dir", stateDir,
		"--admin-addr", "off", "--log-format", "json")
	cmd.Env = append(os.Environ(),
		"TRIAGE_KAFKA_SESSION_TIMEOUT=6s", "TRIAGE_KAFKA_TRANSACTION_TIMEOUT=5s",
		"TRIAGE_KAFKA_BATCH_MAX_RECORDS=200", "TRIAGE_SHUTDOWN_TIMEOUT=5s")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func TestExactlyOnceUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it repeatedly")
	}
	bin := buildBinary(t)
	broker, err := startBroker("127.0.0.1:0", 4, "emails.raw")
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	addr := broker.ListenAddrs()[0]
	const n = 5000
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("emails.raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		cl.Produce(ctx, &kgo.Record{Key: []byte(fmt.Sprintf("kill-%06d@example.com", i)), Value: syntheticEmail(i)}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	stateDir := t.TempDir()
	logf, err := os.Create(filepath.Join(t.TempDir(), "run.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	rng := rand.New(rand.NewSource(1))
	kills := 0
	for kills < 5 {
		cmd := startRun(t, bin, addr, stateDir, logf)
		time.Sleep(time.Duration(400+rng.Intn(800)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		kills++
	}
	cmd := startRun(t, bin, addr, stateDir, logf)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	adm := kadm.NewClient(cl)
	if err := waitCaughtUp(ctx, adm, "triage", "emails.raw", done, 3*time.Minute); err != nil {
		_ = cmd.Process.Kill()
		b, _ := os.ReadFile(logf.Name())
		t.Fatalf("%v\nlog tail:\n%s", err, tail(string(b), 3000))
	}
	// The group may have caught up before the final process even started
	// (its predecessors did the work); SIGTERM it only once it runs its
	// loop, so the graceful path is what gets tested.
	for deadline := time.Now().Add(30 * time.Second); ; {
		b, _ := os.ReadFile(logf.Name())
		if strings.Count(string(b), `"msg":"processor started"`) > kills {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("final processor did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			b, _ := os.ReadFile(logf.Name())
			t.Errorf("graceful shutdown exit: %v\nlog tail:\n%s", err, tail(string(b), 4000))
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Error("SIGTERM did not stop the processor within 20s")
	}

	reg := regions.Default()
	var topics []string
	for _, r := range reg.Names() {
		topics = append(topics, reg.OutputTopic(r))
	}
	recs, err := readAll(ctx, addr, topics)
	if err != nil {
		t.Fatal(err)
	}
	codec, _ := schemas.NewCodec()
	seen := map[string]int{}
	for _, r := range recs {
		rec, err := codec.Decode(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		if rec.MessageID != nil {
			seen[*rec.MessageID]++
		}
	}
	var missing, dup int
	for i := 0; i < n; i++ {
		switch seen[fmt.Sprintf("kill-%06d@example.com", i)] {
		case 0:
			missing++
		case 1:
		default:
			dup++
		}
	}
	t.Logf("%d kills, %d output records, %d distinct", kills, len(recs), len(seen))
	if missing > 0 || dup > 0 || len(recs) != n {
		t.Fatalf("exactly-once violated: %d missing, %d duplicated, %d records for %d emails", missing, dup, len(recs), n)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
