package lag

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func txnProducer(t *testing.T, c *kfake.Cluster, id string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID(id),
		kgo.DefaultProduceTopic("emails"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produceTxn writes n records to partition p in one transaction and ends
// it with commit (or abort). Record timestamps are base+1s, +2s, ...
func produceTxn(t *testing.T, cl *kgo.Client, p int32, n int, commit bool) {
	t.Helper()
	ctx := context.Background()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		r := &kgo.Record{Partition: p, Value: []byte("v"), Timestamp: base.Add(time.Duration(i+1) * time.Second)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
		t.Fatal(err)
	}
}

// TestMeasureTransactional pins the lag of a stopped transactional
// processor. Each committed transaction leaves a commit marker at the
// offset after its last record; a processor that consumed everything
// commits that marker's offset, one below the end offset. The bug this
// guards against is reporting that as a permanent lag of 1 (and likewise
// counting aborted records or an open transaction's records as lag).
func TestMeasureTransactional(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(5, "emails"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	pr := txnProducer(t, c, "p1")
	produceTxn(t, pr, 0, 3, true)  // p0: 0,1,2 + marker 3
	produceTxn(t, pr, 1, 3, true)  // p1: 0,1,2 + marker 3
	produceTxn(t, pr, 2, 3, false) // p2: aborted 0,1,2 + abort marker 3
	produceTxn(t, pr, 3, 2, true)  // p3: 0,1 + marker 2, then an open txn
	produceTxn(t, pr, 4, 2, true)  // p4: 0,1 + marker 2, then 2 more txns
	produceTxn(t, pr, 4, 2, true)  //     3,4 + marker 5
	produceTxn(t, pr, 4, 1, true)  //     6 + marker 7

	open := txnProducer(t, c, "p2")
	if err := open.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := open.ProduceSync(ctx, &kgo.Record{Partition: 3, Value: []byte("open")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	admCl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	// The stopped processor's commits: everything on p0 (up to the marker),
	// offset 1 on p1, nothing consumed on p2 (only aborted records there),
	// everything committed on p3, and p4 stopped after its first txn.
	var os kadm.Offsets
	os.AddOffset("emails", 0, 3, -1)
	os.AddOffset("emails", 1, 1, -1)
	os.AddOffset("emails", 2, 0, -1)
	os.AddOffset("emails", 3, 2, -1)
	os.AddOffset("emails", 4, 2, -1)
	if err := adm.CommitAllOffsets(ctx, "proc", os); err != nil {
		t.Fatal(err)
	}

	m := NewMeasurer(admCl)
	m.Now = func() time.Time { return base.Add(time.Hour) }
	gs, err := m.Measure(ctx, "proc")
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || gs[0].Err != nil {
		t.Fatalf("groups %+v", gs)
	}
	g := gs[0]
	tests := []struct {
		partition int32
		committed int64
		end       int64
		records   int64
		age       time.Duration
	}{
		{0, 3, 4, 0, 0},                         // marker only: no lag
		{1, 1, 4, 2, time.Hour - 2*time.Second}, // records 1,2 (not the marker)
		{2, 0, 4, 0, 0},                         // aborted records only
		{3, 2, 3, 0, 0},                         // open txn beyond the LSO
		{4, 2, 8, 3, time.Hour - time.Second},   // 3,4,6; oldest is offset 3 (ts base+1s)
	}
	if len(g.Partitions) != len(tests) {
		t.Fatalf("partitions %+v", g.Partitions)
	}
	for i, tt := range tests {
		p := g.Partitions[i]
		if p.Partition != tt.partition || p.Committed != tt.committed || p.End != tt.end ||
			p.Records != tt.records || p.Age != tt.age || p.Err != nil {
			t.Errorf("partition %d: got committed=%d end=%d records=%d age=%v err=%v; want %d %d %d %v",
				tt.partition, p.Committed, p.End, p.Records, p.Age, p.Err, tt.committed, tt.end, tt.records, tt.age)
		}
	}
	if g.Total != 5 || g.MaxAge != time.Hour-time.Second {
		t.Errorf("total=%d maxAge=%v", g.Total, g.MaxAge)
	}

	var tr Tracker
	tr.Observe(base, gs)
	if gs[0].Status != StatusStopped {
		t.Errorf("status %q, want stopped (no members, lag %d)", gs[0].Status, gs[0].Total)
	}
}

func TestTracker(t *testing.T) {
	type obs struct {
		members int
		total   int64
		commit  int64
	}
	tests := []struct {
		name    string
		samples []obs
		want    string
	}{
		{"caught up", []obs{{1, 0, 10}}, StatusOK},
		{"one sample with lag", []obs{{1, 5, 10}}, StatusOK},
		{"no members with lag", []obs{{0, 5, 10}}, StatusStopped},
		{"no members caught up", []obs{{0, 0, 10}}, StatusOK},
		{"stalled", []obs{{1, 5, 10}, {1, 6, 10}, {1, 9, 10}}, StatusStalled},
		{"lagging", []obs{{1, 5, 10}, {1, 6, 20}, {1, 9, 30}}, StatusLagging},
		{"catching up", []obs{{1, 9, 10}, {1, 6, 20}, {1, 5, 30}}, StatusOK},
		{"briefly caught up", []obs{{1, 5, 10}, {1, 0, 15}, {1, 9, 15}}, StatusOK},
		{"rewound", []obs{{1, 0, 30}, {1, 20, 10}, {1, 15, 15}}, StatusRewound},
		{"rewind left the window", []obs{{1, 0, 30}, {1, 20, 10}, {1, 15, 15}, {1, 0, 35}}, StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := Tracker{Window: 3}
			var g Group
			for i, s := range tt.samples {
				g = Group{Group: "g", Members: s.members, Total: s.total,
					Partitions: []Partition{{Topic: "t", Partition: 0, Committed: s.commit, Records: s.total}}}
				gs := []Group{g}
				tr.Observe(base.Add(time.Duration(i)*time.Second), gs)
				g = gs[0]
			}
			if g.Status != tt.want {
				t.Errorf("status %q, want %q", g.Status, tt.want)
			}
		})
	}
}
