package main

// TestDuplicateCaughtAfterPartitionMoves: an email processed by instance A,
// then A stops and its partitions move to instance B, which has an empty
// state directory. B restores the partition's marks from the changelog
// before fetching, so a resent copy of the email is dropped, not emitted
// twice. Also checks that a duplicate within the same instance is dropped,
// and that erasure requests delete marks (a resend after erasure is
// processed again).

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/regions"
	"github.com/triage-dev/triage/schemas"
)

func instance(t *testing.T, addr, stateDir string) (stop func()) {
	return instanceAdmin(t, addr, stateDir, "off")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func instanceAdmin(t *testing.T, addr, stateDir, adminAddr string) (stop func()) {
	t.Helper()
	cfg, err := config.LoadEnv("", map[string]any{
		"dev": true, "kafka.brokers": []string{addr}, "state.dir": stateDir, "admin_addr": adminAddr,
		"kafka.session_timeout": "6s", "kafka.transaction_timeout": "5s", "shutdown_timeout": "5s",
	}, func() []string { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rt, err := buildRuntime(cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.run(ctx, slog.New(slog.DiscardHandler)) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("instance: %v", err)
		}
	}
}

func countOutputs(t *testing.T, addr string) map[string]int {
	t.Helper()
	reg := regions.Default()
	var topics []string
	for _, r := range reg.Names() {
		topics = append(topics, reg.OutputTopic(r))
	}
	recs, err := readAll(context.Background(), addr, topics)
	if err != nil {
		t.Fatal(err)
	}
	codec, _ := schemas.NewCodec()
	out := map[string]int{}
	for _, r := range recs {
		if isJSONRecord(r) {
			continue
		}
		rec, err := codec.Decode(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		out[*rec.MessageID]++
	}
	return out
}

func TestDuplicateCaughtAfterPartitionMoves(t *testing.T) {
	addr, cl := testBroker(t, 2)
	ctx := context.Background()
	adm := kadm.NewClient(cl)
	send := func(ids ...int) {
		for _, i := range ids {
			raw := syntheticEmail(i)
			if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(messageID(raw)), Value: raw}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	wait := func() {
		t.Helper()
		if err := waitCaughtUp(ctx, adm, "triage", "emails.raw", make(chan error), 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	id := func(i int) string { return fmt.Sprintf("kill-%06d@example.com", i) }

	stopA := instance(t, addr, t.TempDir())
	send(1, 2, 3, 1) // the second 1 is a duplicate within A
	wait()
	stopA()
	got := countOutputs(t, addr)
	if got[id(1)] != 1 || got[id(2)] != 1 || got[id(3)] != 1 {
		t.Fatalf("after A: %v", got)
	}

	adminB := freeAddr(t)
	stopB := instanceAdmin(t, addr, t.TempDir(), adminB) // empty state: must restore
	send(2, 3, 4)                                        // 2 and 3 are duplicates of what A emitted
	wait()
	got = countOutputs(t, addr)
	if got[id(2)] != 1 || got[id(3)] != 1 || got[id(4)] != 1 {
		t.Fatalf("duplicates after the partition moved were not caught: %v", got)
	}
	// `triage state stats --admin` reads the live store B holds locked.
	st, err := fetchStateStats(ctx, adminB)
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 4 || st.Hits != 2 {
		t.Fatalf("live stats: %d entries (want 4), %d hits (want 2)", st.Entries, st.Hits)
	}

	// Erasure: forget sender2, then a resend of email 2 is processed again.
	if err := realMain([]string{"erase", "--brokers", addr, "--dev", "--subject", "sender2@example.com"}); err != 0 {
		t.Fatalf("erase exit %d", err)
	}
	time.Sleep(500 * time.Millisecond)
	deadline := time.Now().Add(90 * time.Second)
	for {
		send(2)
		wait()
		if countOutputs(t, addr)[id(2)] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("erasure did not remove the dedup mark of email 2")
		}
		time.Sleep(2 * time.Second)
	}
	stopB()
}
