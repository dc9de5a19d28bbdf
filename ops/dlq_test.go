package ops_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/ops"
)

const dlqTopic = "emails.dlq.eu-west-1"

type letter struct {
	key, value []byte
	ts         time.Time
	headers    map[string]string
}

func (l letter) record() *kgo.Record {
	r := &kgo.Record{Topic: dlqTopic, Key: l.key, Value: l.value, Timestamp: l.ts}
	for _, k := range []string{ops.HeaderErrorClass, ops.HeaderErrorStage, ops.HeaderErrorReason, ops.HeaderErrorMessage,
		ops.HeaderOriginalTopic, ops.HeaderOriginalPartition, ops.HeaderOriginalOffset, ops.HeaderAttempts,
		ops.HeaderFirstFailure, ops.HeaderRegionResolved, ops.HeaderRedriveCount, "x-client"} {
		if v, ok := l.headers[k]; ok {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
		}
	}
	return r
}

func poison(stage, reason, redrives string, ts time.Time) letter {
	h := map[string]string{
		ops.HeaderErrorClass: "permanent", ops.HeaderErrorStage: stage, ops.HeaderErrorReason: reason,
		ops.HeaderErrorMessage: "stage failed", ops.HeaderOriginalTopic: inTopic, ops.HeaderOriginalPartition: "1",
		ops.HeaderOriginalOffset: "5", ops.HeaderAttempts: "3", ops.HeaderFirstFailure: ts.Format(time.RFC3339),
		ops.HeaderRegionResolved: "eu-west-1", "x-client": "alice@example.com",
	}
	if redrives != "" {
		h[ops.HeaderRedriveCount] = redrives
	}
	return letter{key: []byte("k-" + stage), value: []byte("Subject: SECRET BODY of " + stage), ts: ts, headers: h}
}

// dlqCluster holds inTopic (2 partitions) and a DLQ with: a parse failure
// (t0), a pii failure already redriven 3 times (t0+1h), a parse failure
// without an origin (t0+2h), and a dead letter from an aborted transaction
// that must never be seen.
func dlqCluster(t *testing.T) (*kfake.Cluster, []kgo.Opt) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, inTopic), kfake.SeedTopics(1, dlqTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	base := []kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}
	txn, err := kgo.NewClient(append(base, kgo.TransactionalID("dlq-writer"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Close()
	ctx := context.Background()
	noOrigin := poison("parse", "bad_mime", "", t0.Add(2*time.Hour))
	delete(noOrigin.headers, ops.HeaderOriginalTopic)
	batches := []struct {
		commit  bool
		letters []letter
	}{
		{true, []letter{poison("parse", "too_large", "", t0), poison("pii", "timeout", "3", t0.Add(time.Hour))}},
		{false, []letter{poison("parse", "aborted", "", t0.Add(90*time.Minute))}},
		{true, []letter{noOrigin}},
	}
	for _, b := range batches {
		if err := txn.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for _, l := range b.letters {
			if err := txn.ProduceSync(ctx, l.record()).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := txn.EndTransaction(ctx, kgo.TransactionEndTry(b.commit)); err != nil {
			t.Fatal(err)
		}
	}
	return c, base
}

func TestReadDLQFilters(t *testing.T) {
	_, opts := dlqCluster(t)
	tests := []struct {
		name    string
		filter  ops.DLQFilter
		reasons []string
	}{
		{"all committed", ops.DLQFilter{Offset: -1}, []string{"too_large", "timeout", "bad_mime"}},
		{"by stage", ops.DLQFilter{Offset: -1, Stage: "parse"}, []string{"too_large", "bad_mime"}},
		{"by stage, other case", ops.DLQFilter{Offset: -1, Stage: "PII"}, []string{"timeout"}},
		{"since", ops.DLQFilter{Offset: -1, Since: t0.Add(30 * time.Minute)}, []string{"timeout", "bad_mime"}},
		{"since and stage", ops.DLQFilter{Offset: -1, Since: t0.Add(30 * time.Minute), Stage: "parse"}, []string{"bad_mime"}},
		{"by reason", ops.DLQFilter{Offset: -1, Reason: "timeout"}, []string{"timeout"}},
		{"limit", ops.DLQFilter{Offset: -1, Limit: 1}, []string{"too_large"}},
		{"one offset", ops.DLQFilter{Partition: 0, Offset: 1}, []string{"timeout"}},
		{"nothing matches", ops.DLQFilter{Offset: -1, Stage: "respond"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			got, err := ops.ReadDLQ(ctx, opts, dlqTopic, tc.filter, 300*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			var reasons []string
			for _, d := range got {
				reasons = append(reasons, d.Reason)
			}
			if strings.Join(reasons, ",") != strings.Join(tc.reasons, ",") {
				t.Fatalf("reasons %v, want %v", reasons, tc.reasons)
			}
		})
	}
}

func TestDeadLetterOutputHidesContent(t *testing.T) {
	_, opts := dlqCluster(t)
	ctx := context.Background()
	ds, err := ops.ReadDLQ(ctx, opts, dlqTopic, ops.DLQFilter{Offset: -1}, 300*time.Millisecond)
	if err != nil || len(ds) == 0 {
		t.Fatalf("ReadDLQ: %v (%d)", err, len(ds))
	}
	d := ds[0]
	if d.Stage != "parse" || d.OriginalTopic != inTopic || d.OriginalPartition != 1 || d.OriginalOffset != 5 || d.Attempts != 3 || !d.FirstFailure.Equal(t0) || d.Region != "eu-west-1" {
		t.Fatalf("decoded %+v", d)
	}
	for _, tc := range []struct {
		name        string
		write       func(*bytes.Buffer)
		wantContent bool
	}{
		{"list", func(b *bytes.Buffer) { ops.WriteDeadLetters(b, ds) }, false},
		{"show", func(b *bytes.Buffer) { ops.WriteDeadLetter(b, &d, false) }, false},
		{"show --show-content", func(b *bytes.Buffer) { ops.WriteDeadLetter(b, &d, true) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			tc.write(&b)
			out := b.String()
			if strings.Contains(out, "alice@example.com") {
				t.Errorf("user header value printed:\n%s", out)
			}
			if got := strings.Contains(out, "SECRET BODY"); got != tc.wantContent {
				t.Errorf("content printed = %v, want %v:\n%s", got, tc.wantContent, out)
			}
			if !strings.Contains(out, "too_large") {
				t.Errorf("reason missing:\n%s", out)
			}
		})
	}
}

func redriveProducer(t *testing.T, opts []kgo.Opt) *kgo.Client {
	t.Helper()
	p, err := kgo.NewClient(append(opts, kgo.RecordPartitioner(ops.RedrivePartitioner()))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// readAll returns every record in topic (read_committed).
func readAll(t *testing.T, opts []kgo.Opt, topic string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append(opts, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		if fs.NumRecords() == 0 {
			return out
		}
		out = append(out, fs.Records()...)
	}
}

func header(r *kgo.Record, k string) (string, bool) {
	for _, h := range r.Headers {
		if h.Key == k {
			return string(h.Value), true
		}
	}
	return "", false
}

func TestRedriveDryRunProducesNothing(t *testing.T) {
	_, opts := dlqCluster(t)
	ctx := context.Background()
	ds, err := ops.ReadDLQ(ctx, opts, dlqTopic, ops.DLQFilter{Offset: -1}, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := ops.Redrive(ctx, redriveProducer(t, opts), ds, ops.RedriveRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, o := range outs {
		actions = append(actions, o.Action)
	}
	if got, want := strings.Join(actions, ","), "redrive,skipped-max-redrives,skipped-no-target"; got != want {
		t.Fatalf("actions %s, want %s", got, want)
	}
	if n := len(readAll(t, opts, inTopic)); n != 0 {
		t.Fatalf("dry run produced %d records", n)
	}
	var b bytes.Buffer
	ops.WriteRedrive(&b, outs, false)
	if !strings.Contains(b.String(), "dry run") || strings.Contains(b.String(), "SECRET") {
		t.Fatalf("dry-run report:\n%s", b.String())
	}
}

// TestPoisonRecordStopsAfterMaxRedrives drives one poison record around
// the loop a processor that keeps failing on it would: redrive it into the
// input, "fail" it back into the DLQ with the input record's headers (what
// the processor does), and redrive again. With the default limit of 3 the
// fourth redrive must skip it.
func TestPoisonRecordStopsAfterMaxRedrives(t *testing.T) {
	_, opts := dlqCluster(t)
	ctx := context.Background()
	prod := redriveProducer(t, opts)
	filter := ops.DLQFilter{Partition: 0, Offset: 0} // the parse/too_large letter
	for round := 1; round <= ops.DefaultMaxRedrives+1; round++ {
		ds, err := ops.ReadDLQ(ctx, opts, dlqTopic, filter, 300*time.Millisecond)
		if err != nil || len(ds) != 1 {
			t.Fatalf("round %d: ReadDLQ %v, %d letters", round, err, len(ds))
		}
		outs, err := ops.Redrive(ctx, prod, ds, ops.RedriveRequest{Execute: true})
		if err != nil {
			t.Fatal(err)
		}
		if round > ops.DefaultMaxRedrives {
			if outs[0].Action != "skipped-max-redrives" {
				t.Fatalf("round %d: action %s, want skipped-max-redrives", round, outs[0].Action)
			}
			break
		}
		if outs[0].Action != "redriven" {
			t.Fatalf("round %d: action %s (%v)", round, outs[0].Action, outs[0].Err)
		}
		in := readAll(t, opts, inTopic)
		if len(in) != round {
			t.Fatalf("round %d: input has %d records", round, len(in))
		}
		r := in[len(in)-1]
		if r.Partition != 1 || string(r.Key) != "k-parse" || !bytes.Equal(r.Value, ds[0].Value) {
			t.Fatalf("round %d: redriven record p%d key %q", round, r.Partition, r.Key)
		}
		if v, _ := header(r, ops.HeaderRedriveCount); v != strconv.Itoa(round) {
			t.Fatalf("round %d: %s = %q", round, ops.HeaderRedriveCount, v)
		}
		if v, _ := header(r, "x-client"); v != "alice@example.com" {
			t.Fatalf("round %d: original header lost", round)
		}
		if v, _ := header(r, ops.HeaderRedrivenFrom); v != ds[0].Ref() {
			t.Fatalf("round %d: %s = %q", round, ops.HeaderRedrivenFrom, v)
		}
		for _, k := range []string{ops.HeaderErrorStage, ops.HeaderOriginalTopic, ops.HeaderAttempts} {
			if _, ok := header(r, k); ok {
				t.Fatalf("round %d: dead-letter header %s kept on the input record", round, k)
			}
		}
		// The processor fails again: it writes a dead letter carrying the
		// input record's headers plus fresh error headers.
		again := poison("parse", "too_large", strconv.Itoa(round), t0)
		rec := again.record()
		next, err := prod.ProduceSync(ctx, rec).First()
		if err != nil {
			t.Fatal(err)
		}
		filter = ops.DLQFilter{Partition: next.Partition, Offset: next.Offset}
	}
}

func TestRedriveToOtherTopic(t *testing.T) {
	_, opts := dlqCluster(t)
	ctx := context.Background()
	ds, err := ops.ReadDLQ(ctx, opts, dlqTopic, ops.DLQFilter{Offset: -1, Reason: "bad_mime"}, 300*time.Millisecond)
	if err != nil || len(ds) != 1 {
		t.Fatalf("ReadDLQ: %v %d", err, len(ds))
	}
	outs, err := ops.Redrive(ctx, redriveProducer(t, opts), ds, ops.RedriveRequest{Execute: true, ToTopic: inTopic})
	if err != nil || outs[0].Action != "redriven" {
		t.Fatalf("Redrive: %v %+v", err, outs)
	}
	if in := readAll(t, opts, inTopic); len(in) != 1 || string(in[0].Key) != "k-parse" {
		t.Fatalf("input after redrive: %d records", len(in))
	}
}

func TestRedriveReportsProduceFailure(t *testing.T) {
	_, opts := dlqCluster(t)
	ctx := context.Background()
	ds, err := ops.ReadDLQ(ctx, opts, dlqTopic, ops.DLQFilter{Offset: -1, Reason: "too_large"}, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	p, err := kgo.NewClient(append(opts, kgo.RecordPartitioner(ops.RedrivePartitioner()), kgo.RecordDeliveryTimeout(time.Second))...)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	outs, err := ops.Redrive(ctx, p, ds, ops.RedriveRequest{Execute: true, ToTopic: "no.such.topic"})
	if err == nil || outs[0].Action != "failed" || outs[0].Err == nil {
		t.Fatalf("err %v outcome %+v", err, outs[0].Action)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unexpected cancel")
	}
}
