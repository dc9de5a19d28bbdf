package stream_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/state"
	"github.com/triage-dev/triage/stream"
)

// TestErasureReader: a request on the erasure topic erases the subject's
// marks (tombstones in the next transaction), yields one audit record
// without the address, survives an aborted transaction, and is not applied
// again by a reader started from the committed position.
func TestErasureReader(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _ := newCluster(t)
	in := newInstance(t, c, "e")
	opts := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
	st := in.st
	if err := st.FinishRestore(0, 0, ""); err != nil {
		t.Fatal(err)
	}
	subject := state.ParticipantHash([]byte("secret-secret-16"), "jane@example.com")
	in.mark("k1", 0, subject)
	in.mark("k2", 0, "other")
	st.TakePending()
	if err := st.Commit(nil); err != nil {
		t.Fatal(err)
	}

	er, err := stream.NewErasureReader(ctx, opts, stream.ErasureTopic, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer er.Close()
	v, _ := json.Marshal(state.ErasureRequest{SubjectHash: subject, RequestedAt: in.now.Add(time.Minute)})
	pr, _ := kgo.NewClient(opts...)
	defer pr.Close()
	if err := pr.ProduceSync(ctx, &kgo.Record{Topic: stream.ErasureTopic, Value: v},
		&kgo.Record{Topic: stream.ErasureTopic, Value: []byte("not json")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	var audits [][]byte
	for len(audits) == 0 && ctx.Err() == nil {
		audits = er.Apply(st)
		time.Sleep(20 * time.Millisecond)
	}
	if len(audits) != 1 {
		t.Fatalf("audits = %d", len(audits))
	}
	var a state.ErasureAudit
	if err := json.Unmarshal(audits[0], &a); err != nil || a.SubjectHash != subject || a.Tombstones != 1 {
		t.Fatalf("audit = %s %v", audits[0], err)
	}
	// The transaction aborts: the tombstone and the audit come again.
	if es := st.TakePending(); len(es) != 1 || es[0].Value != nil {
		t.Fatalf("pending = %+v", es)
	}
	st.Abort()
	er.Abort()
	time.Sleep(50 * time.Millisecond) // let the malformed record arrive
	if again := er.Apply(st); len(again) != 1 {
		t.Fatalf("audits after abort = %d", len(again))
	}
	es := st.TakePending()
	if len(es) != 1 || es[0].Value != nil {
		t.Fatalf("pending after abort = %+v", es)
	}
	if err := st.Commit(nil); err != nil {
		t.Fatal(err)
	}
	er.Commit()
	if next, _ := st.ErasureNext(0); next != 2 {
		t.Fatalf("ErasureNext = %d, want 2 (past the malformed record)", next)
	}
	if in.mark("k1", 0) || !in.mark("k2", 0) {
		t.Fatal("erasure removed the wrong marks")
	}
	st.TakePending()
	st.Abort()

	er2, err := stream.NewErasureReader(ctx, opts, stream.ErasureTopic, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer er2.Close()
	time.Sleep(200 * time.Millisecond)
	if got := er2.Apply(st); len(got) != 0 {
		t.Fatalf("request applied twice: %d audits", len(got))
	}
}
