package stream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/regions"
	"github.com/triage-dev/triage/schemas"
	"github.com/triage-dev/triage/stages"
)

// keyStage stands in for the parse stage: the loop's tests are about
// delivery, not parsing. It takes the id from the record key, fails
// permanently on "POISON" values and transiently (once per offset) on
// "FLAKY" values.
type keyStage struct {
	flaked sync.Map
}

func (*keyStage) Name() string { return "parse" }

func (k *keyStage) Process(_ context.Context, e *email.Email) error {
	v := string(e.Raw)
	if strings.Contains(v, "POISON") {
		return stages.Permanent("unreadable_mime", errors.New("no header block"))
	}
	if strings.Contains(v, "PANIC") {
		panic("stage bug")
	}
	if strings.Contains(v, "FLAKY") {
		if _, done := k.flaked.LoadOrStore(fmt.Sprint(e.Source.Partition, e.Source.Offset), true); !done {
			return stages.Transient("dependency_unavailable", errors.New("try again"))
		}
	}
	e.ID = string(e.Source.Key)
	e.MessageID = string(e.Source.Key)
	res := regions.Default().Resolve(e.RegionHint, e.Source.Topic, nil)
	e.Region = res.Region
	return nil
}

func newCluster(t *testing.T, partitions int32) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, "emails.raw"), kfake.GroupMinSessionTimeout(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func testOptions(c *kfake.Cluster, mode string) Options {
	return Options{
		Brokers:            c.ListenAddrs(),
		InputTopics:        []string{"emails.raw"},
		Group:              "triage-test",
		Mode:               mode,
		SessionTimeout:     10 * time.Second,
		TransactionTimeout: 5 * time.Second,
		BatchMaxRecords:    100,
		Pipeline:           stages.NewPipeline([]stages.Stage{&keyStage{}}, nil),
		Regions:            regions.Default(),
		ShutdownTimeout:    5 * time.Second,
	}
}

func produce(t *testing.T, c *kfake.Cluster, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("emails.raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// consumeUntil reads topics (read_committed) until want records arrived or
// the timeout passed.
func consumeUntil(t *testing.T, c *kfake.Cluster, want int, timeout time.Duration, topics ...string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	deadline := time.Now().Add(timeout)
	for len(out) < want && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		out = append(out, fs.Records()...)
	}
	// A short extra poll catches records beyond want (duplicates).
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	out = append(out, cl.PollFetches(ctx).Records()...)
	cancel()
	return out
}

func allOutputTopics() []string {
	r := regions.Default()
	var ts []string
	for _, n := range r.Names() {
		ts = append(ts, r.OutputTopic(n))
	}
	return ts
}

func start(t *testing.T, o Options) (stop func()) {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("processor: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func header(r *kgo.Record, k string) string {
	for _, h := range r.Headers {
		if h.Key == k {
			return string(h.Value)
		}
	}
	return ""
}

func TestExactlyOnceOutputsAndDLQ(t *testing.T) {
	for _, mode := range []string{ExactlyOnce, AtLeastOnce} {
		t.Run(mode, func(t *testing.T) {
			c := newCluster(t, 3)
			const n = 300
			var recs []*kgo.Record
			for i := 0; i < n; i++ {
				v := fmt.Sprintf("email %d", i)
				switch i {
				case 7, 150:
					v = "POISON " + v
				case 42:
					v = "PANIC " + v
				case 99, 200:
					v = "FLAKY " + v
				}
				r := &kgo.Record{Key: []byte(fmt.Sprintf("id-%04d", i)), Value: []byte(v)}
				if i%3 == 0 {
					r.Headers = []kgo.RecordHeader{{Key: RegionHeader, Value: []byte("eu-west-1")}}
				}
				if i == 11 {
					r.Headers = []kgo.RecordHeader{{Key: RegionHeader, Value: []byte("mars-1")}}
				}
				recs = append(recs, r)
			}
			produce(t, c, recs...)
			start(t, testOptions(c, mode))

			codec, _ := schemas.NewCodec()
			out := consumeUntil(t, c, n-3, 30*time.Second, allOutputTopics()...)
			seen := map[string]int{}
			for _, r := range out {
				rec, err := codec.Decode(r.Value)
				if err != nil {
					t.Fatal(err)
				}
				seen[rec.ID]++
				if string(r.Key) != rec.ID {
					t.Errorf("record key %q != id %q", r.Key, rec.ID)
				}
				if rec.SourceTopic == nil || *rec.SourceTopic != "emails.raw" {
					t.Errorf("source_topic: %v", rec.SourceTopic)
				}
				if want := regions.Default().OutputTopic(rec.Region); r.Topic != want {
					t.Errorf("record for region %s in topic %s", rec.Region, r.Topic)
				}
			}
			if len(seen) != n-3 {
				t.Errorf("distinct outputs = %d, want %d", len(seen), n-3)
			}
			for id, k := range seen {
				if k != 1 && mode == ExactlyOnce {
					t.Errorf("%s output %d times", id, k)
				}
			}
			var dlqTopics []string
			for _, r := range regions.Default().Names() {
				dlqTopics = append(dlqTopics, regions.Default().DLQTopic(r))
			}
			dlq := consumeUntil(t, c, 3, 10*time.Second, dlqTopics...)
			distinct := map[string]bool{}
			for _, r := range dlq {
				distinct[string(r.Key)] = true
			}
			// At-least-once redelivers a failed batch, dead letters included.
			if len(distinct) != 3 || (mode == ExactlyOnce && len(dlq) != 3) {
				t.Fatalf("dead letters = %d (%d distinct), want 3", len(dlq), len(distinct))
			}
			for _, r := range dlq {
				if !strings.Contains(string(r.Value), "POISON") && !strings.Contains(string(r.Value), "PANIC") {
					t.Errorf("DLQ holds %q", r.Value)
				}
				for _, h := range []string{HeaderErrorClass, HeaderErrorStage, HeaderErrorReason, HeaderErrorMessage, HeaderOrigTopic, HeaderOrigPartition, HeaderOrigOffset, HeaderAttempts, HeaderFirstFailure} {
					if header(r, h) == "" {
						t.Errorf("DLQ record lacks header %s", h)
					}
				}
				if header(r, HeaderErrorClass) != "dlq" || header(r, HeaderErrorStage) != "parse" {
					t.Errorf("headers: class=%s stage=%s", header(r, HeaderErrorClass), header(r, HeaderErrorStage))
				}
				if id := string(r.Key); id == "id-0042" && header(r, HeaderErrorReason) != "panic" {
					t.Errorf("panic reason = %s", header(r, HeaderErrorReason))
				}
				if id := string(r.Key); id == "id-0150" && r.Topic != "emails.dlq.eu-west-1" {
					t.Errorf("poison with eu header went to %s", r.Topic)
				}
			}
		})
	}
}

// countingObserver records loop events for assertions.
type countingObserver struct {
	nopObserver
	committed, aborted atomic.Int64
	processed          atomic.Int64
}

func (c *countingObserver) Transaction(outcome string, _ time.Duration) {
	switch outcome {
	case "committed":
		c.committed.Add(1)
	default:
		c.aborted.Add(1)
	}
}

func (c *countingObserver) Processed(string, string, string, time.Duration) { c.processed.Add(1) }

// TestRebalanceKeepsExactlyOnce runs two processors in one group, stops
// one mid-stream (its partitions move to the other) and checks every
// email appears exactly once in the committed output.
func TestRebalanceKeepsExactlyOnce(t *testing.T) {
	c := newCluster(t, 4)
	const n = 2000
	send := func(from, to int) {
		var recs []*kgo.Record
		for i := from; i < to; i++ {
			recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprintf("id-%05d", i)), Value: []byte("x")})
		}
		produce(t, c, recs...)
	}
	send(0, n/2)
	o1 := testOptions(c, ExactlyOnce)
	o1.InstanceID, o1.BatchMaxRecords = "", 50
	o1.TransactionalID = "t1"
	obs := &countingObserver{}
	o1.Observer = obs
	stop1 := start(t, o1)
	for deadline := time.Now().Add(20 * time.Second); obs.committed.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("first processor committed nothing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	o2 := o1
	o2.TransactionalID = "t2"
	o2.Observer = nil
	start(t, o2)
	time.Sleep(300 * time.Millisecond)
	send(n/2, n)
	stop1()
	codec, _ := schemas.NewCodec()
	out := consumeUntil(t, c, n, 60*time.Second, allOutputTopics()...)
	seen := map[string]int{}
	for _, r := range out {
		rec, err := codec.Decode(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		seen[rec.ID]++
	}
	dups := 0
	for _, k := range seen {
		if k > 1 {
			dups++
		}
	}
	if len(seen) != n || dups > 0 {
		t.Fatalf("distinct=%d (want %d), duplicated=%d", len(seen), n, dups)
	}
}

func TestOptionsValidateReportsAll(t *testing.T) {
	o := Options{Mode: "twice"}
	o.EnsureDefaults()
	o.Mode = "twice"
	err := o.Validate()
	if err == nil {
		t.Fatal("expected error")
	}
	for _, want := range []string{"brokers", "input topics", "group", "mode", "pipeline", "region"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

func TestMissingInputTopicIsClearError(t *testing.T) {
	c := newCluster(t, 1)
	o := testOptions(c, ExactlyOnce)
	o.InputTopics = []string{"no.such.topic"}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = p.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "no.such.topic do not exist") {
		t.Fatalf("got %v", err)
	}
}

// dupStage marks every email whose key starts with "dup-" as a duplicate of
// "first", as the dedup stage would.
type dupStage struct{}

func (dupStage) Name() string { return "dedup" }

func (dupStage) Process(_ context.Context, e *email.Email) error {
	if strings.HasPrefix(string(e.Source.Key), "dup-") {
		e.Duplicate, e.DuplicateOf = true, "first"
	}
	return nil
}

func TestDuplicatesDroppedWithOptionalMarker(t *testing.T) {
	for _, marker := range []bool{false, true} {
		t.Run(fmt.Sprintf("marker=%v", marker), func(t *testing.T) {
			c := newCluster(t, 1)
			produce(t, c,
				&kgo.Record{Key: []byte("first"), Value: []byte("a")},
				&kgo.Record{Key: []byte("dup-1"), Value: []byte("a")},
				&kgo.Record{Key: []byte("other"), Value: []byte("b")})
			o := testOptions(c, ExactlyOnce)
			o.Pipeline = stages.NewPipeline([]stages.Stage{&keyStage{}, dupStage{}}, nil)
			o.DuplicateMarker = marker
			start(t, o)
			want := 2
			if marker {
				want = 3
			}
			out := consumeUntil(t, c, want, 20*time.Second, allOutputTopics()...)
			if len(out) != want {
				t.Fatalf("%d output records, want %d", len(out), want)
			}
			markers := 0
			for _, r := range out {
				if header(r, "triage-duplicate-of") == "first" {
					markers++
					if header(r, schemas.HeaderContentType) != "application/json" || !strings.Contains(string(r.Value), `"duplicate_of":"first"`) {
						t.Errorf("marker record: %q %q", header(r, schemas.HeaderContentType), r.Value)
					}
				}
			}
			if (markers == 1) != marker {
				t.Fatalf("%d markers with marker=%v", markers, marker)
			}
		})
	}
}
