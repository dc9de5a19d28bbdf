package ops_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/ops"
)

// realBrokers returns the seed brokers of a real Kafka cluster from
// TRIAGE_KAFKA_BROKERS (the integration harness: `make kafka-up`), or
// skips. The same scenarios run against kfake in the other tests; these
// pin that the kadm calls behave the same on Apache Kafka (ListOffsets by
// timestamp, OffsetCommit for an empty group, DescribeGroups states).
func realBrokers(t *testing.T) []string {
	t.Helper()
	v := strings.TrimSpace(os.Getenv("TRIAGE_KAFKA_BROKERS"))
	if v == "" {
		t.Skip("TRIAGE_KAFKA_BROKERS is not set: real-Kafka replay/redrive tests skipped")
	}
	return strings.Split(v, ",")
}

func TestRealKafkaReplayAndRedrive(t *testing.T) {
	seeds := realBrokers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id := fmt.Sprintf("%d", time.Now().UnixNano())
	in, dlq, group := "ops-test-in-"+id, "ops-test-dlq-"+id, "ops-test-group-"+id
	base := []kgo.Opt{kgo.SeedBrokers(seeds...)}
	cl, err := kgo.NewClient(append(base, kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 2, -1, nil, in); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, -1, nil, dlq); err != nil {
		t.Fatal(err)
	}
	defer adm.DeleteTopics(context.Background(), in, dlq) //nolint:errcheck // best-effort cleanup
	defer adm.DeleteGroups(context.Background(), group)   //nolint:errcheck
	for p := int32(0); p < 2; p++ {
		for i := 0; i < perPart; i++ {
			r := &kgo.Record{Topic: in, Partition: p, Value: []byte("m"), Timestamp: t0.Add(time.Duration(i) * time.Minute)}
			if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	offs := make(kadm.Offsets)
	for p := int32(0); p < 2; p++ {
		offs.Add(kadm.Offset{Topic: in, Partition: p, At: perPart, LeaderEpoch: -1})
	}
	if err := adm.CommitAllOffsets(ctx, group, offs); err != nil {
		t.Fatal(err)
	}

	plan, err := ops.PlanReplay(ctx, adm, ops.ReplayRequest{Group: group, From: t0.Add(7 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, pp := range plan.Partitions {
		if pp.Target != 7 || pp.Reprocess != 3 {
			t.Fatalf("plan %+v", pp)
		}
	}
	if err := ops.ExecuteReplay(ctx, adm, plan, nil); err != nil {
		t.Fatal(err)
	}
	got, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := got.Lookup(in, 1); o.At != 7 {
		t.Fatalf("committed %d after execute, want 7", o.At)
	}
	cons, err := kgo.NewClient(append(base, kgo.ConsumerGroup(group), kgo.ConsumeTopics(in), kgo.DisableAutoCommit())...)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		pctx, pcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		cons.PollFetches(pctx)
		pcancel()
		if _, err := ops.PlanReplay(ctx, adm, ops.ReplayRequest{Group: group, ToOffset: i64(0)}); errors.Is(err, ops.ErrGroupActive) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replay never refused the active group")
		}
	}
	cons.Close()

	// Redrive on real Kafka: a committed dead letter goes back to its
	// original partition with the count incremented.
	txn, err := kgo.NewClient(append(base, kgo.TransactionalID("ops-test-"+id))...)
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Close()
	l := poison("parse", "too_large", "", t0)
	rec := l.record()
	rec.Topic = dlq
	for i := range rec.Headers {
		if rec.Headers[i].Key == ops.HeaderOriginalTopic {
			rec.Headers[i].Value = []byte(in)
		}
	}
	if err := txn.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := txn.ProduceSync(ctx, rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if err := txn.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	// EndTransaction returns once the coordinator has decided; the commit
	// markers (and with them the last stable offset) reach the partition
	// a moment later, and read_committed readers see nothing before.
	var letters []ops.DeadLetter
	for deadline := time.Now().Add(30 * time.Second); len(letters) == 0 && time.Now().Before(deadline); {
		if letters, err = ops.ReadDLQ(ctx, base, dlq, ops.DLQFilter{Offset: -1}, time.Second); err != nil {
			t.Fatal(err)
		}
		if len(letters) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(letters) != 1 {
		t.Fatalf("ReadDLQ: %v, %d letters", err, len(letters))
	}
	prod, err := kgo.NewClient(append(base, kgo.RecordPartitioner(ops.RedrivePartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	outs, err := ops.Redrive(ctx, prod, letters, ops.RedriveRequest{Execute: true})
	if err != nil || outs[0].Action != "redriven" {
		t.Fatalf("Redrive: %v %+v", err, outs)
	}
	end, err := adm.ListEndOffsets(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := end.Lookup(in, 1); o.Offset != perPart+1 {
		t.Fatalf("input partition 1 end %d, want %d (redriven record on its original partition)", o.Offset, perPart+1)
	}
}
