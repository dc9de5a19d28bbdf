package stream_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/state"
	"github.com/triage-dev/triage/stream"
)

const clTopic = "triage.dedup-changelog"

// restoreObs records restore events; the rest of Observer is unused here.
type restoreObs struct {
	stream.Observer
	mu     sync.Mutex
	resets map[int32]string
	done   map[int32]bool
}

func newObs() *restoreObs { return &restoreObs{resets: map[int32]string{}, done: map[int32]bool{}} }

func (o *restoreObs) Restore(p int32, remaining int64, done bool, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if done {
		o.done[p] = true
	}
}

func (o *restoreObs) RestoreReset(p int32, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.resets[p] = reason
}

// instance is one processor's store plus a transactional producer doing
// what the loop does with the store's changelog entries.
type instance struct {
	t   *testing.T
	fs  vfs.FS
	st  *state.Store
	now time.Time
	cl  *kgo.Client
	c   *kfake.Cluster
}

func newInstance(t *testing.T, c *kfake.Cluster, name string) *instance {
	in := &instance{t: t, fs: vfs.NewMem(), now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), c: c}
	in.open()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID(name),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DefaultProduceTopic(clTopic))
	if err != nil {
		t.Fatal(err)
	}
	in.cl = cl
	t.Cleanup(func() { cl.Close(); in.st.Close() })
	return in
}

func (in *instance) open() {
	st, err := state.Open(state.Options{Dir: "/s", FS: in.fs, CacheSize: 1 << 20, Now: func() time.Time { return in.now }})
	if err != nil {
		in.t.Fatal(err)
	}
	in.st = st
}

func (in *instance) reopen() {
	in.st.Close()
	in.open()
}

func (in *instance) restore(obs *restoreObs, parts ...int32) {
	in.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := stream.RestorePartitions(ctx, []kgo.Opt{kgo.SeedBrokers(in.c.ListenAddrs()...)}, clTopic, parts, in.st, obs, slog.New(slog.NewTextHandler(testWriter{in.t}, nil))); err != nil {
		in.t.Fatalf("restore: %v", err)
	}
}

func (in *instance) mark(key string, p int32, participants ...string) bool {
	in.t.Helper()
	dup, _, err := in.st.CheckAndMark(stages.Mark{Key: key, EmailID: "id-" + key, Region: "eu-west-1",
		Partition: p, Participants: participants, SeenAt: in.now, Expiry: in.now.Add(30 * 24 * time.Hour)})
	if err != nil {
		in.t.Fatal(err)
	}
	return dup
}

// txn produces the pending changelog entries in one transaction and
// commits or aborts it, then tells the store, as the loop does.
func (in *instance) txn(commit bool) int {
	in.t.Helper()
	ctx := context.Background()
	if err := in.cl.BeginTransaction(); err != nil {
		in.t.Fatal(err)
	}
	entries := in.st.TakePending()
	offs := map[int32]int64{}
	for _, e := range entries {
		r := &kgo.Record{Partition: e.Partition, Key: e.Key, Value: e.Value}
		if err := in.cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			in.t.Fatal(err)
		}
		offs[r.Partition] = r.Offset
	}
	if err := in.cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
		in.t.Fatal(err)
	}
	if commit {
		if err := in.st.Commit(offs); err != nil {
			in.t.Fatal(err)
		}
	} else {
		in.st.Abort()
	}
	return len(entries)
}

func lastRestore(t *testing.T, st *state.Store, p int32) *state.RestoreStats {
	t.Helper()
	s, err := st.Stats()
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range s.Partitions {
		if ps.Partition == p {
			return ps.LastRestore
		}
	}
	return nil
}

func newCluster(t *testing.T) (*kfake.Cluster, *kadm.Client) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "emails.raw"))
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); c.Close() })
	return c, kadm.NewClient(cl)
}

func freshAdmin(t *testing.T, c *kfake.Cluster) *kadm.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func TestEnsureChangelog(t *testing.T) {
	ctx := context.Background()
	c, adm := newCluster(t)
	id, err := stream.EnsureChangelog(ctx, adm, clTopic, 2)
	if err != nil || id == "" {
		t.Fatalf("create: %q %v", id, err)
	}
	adm = freshAdmin(t, c) // kgo caches metadata (including "unknown topic") briefly
	if again, err := stream.EnsureChangelog(ctx, adm, clTopic, 2); err != nil || again != id {
		t.Fatalf("existing: %q %v, want %q", again, err, id)
	}
	rc, err := adm.DescribeTopicConfigs(ctx, clTopic)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rc.On(clTopic, nil); err != nil || !strings.Contains(fmt.Sprint(v.Configs), "compact") {
		t.Logf("configs: %+v %v", v.Configs, err)
	}
	tests := []struct {
		name, topic string
		setup       func(topic string)
		parts       int32
		want        string
	}{
		{"partition count differs", clTopic, func(string) {}, 3, "co-partitioned"},
		{"not compacted", "plain", func(topic string) {
			del := "delete"
			if _, err := adm.CreateTopic(ctx, 2, 1, map[string]*string{"cleanup.policy": &del}, topic); err != nil {
				t.Fatal(err)
			}
		}, 2, "must include compact"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(tc.topic)
			_, err := stream.EnsureChangelog(ctx, adm, tc.topic, tc.parts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestRestorePartitions walks one partition pair through the lifecycle:
// a partition moves to a fresh instance (full restore from an empty store),
// later moves back and forth (incremental), aborted transactions are never
// restored, tombstones from erasure are, a truncated changelog and a
// recreated one trigger a full restore reported to the observer.
func TestRestorePartitions(t *testing.T) {
	ctx := context.Background()
	c, adm := newCluster(t)
	if _, err := stream.EnsureChangelog(ctx, adm, clTopic, 2); err != nil {
		t.Fatal(err)
	}
	a := newInstance(t, c, "a")
	b := newInstance(t, c, "b")
	a.restore(newObs(), 0, 1)

	for i, k := range []string{"a1", "a2", "a3", "a4", "a5"} {
		if a.mark(k, int32(i%2), "subj") {
			t.Fatalf("%s dup in a", k)
		}
	}
	a.txn(true)
	a.mark("a6", 0)
	a.txn(false) // aborted: a6's email is redelivered, never restored

	// The partitions move to b, which has never seen them.
	obs := newObs()
	b.restore(obs, 0, 1)
	if obs.resets[0] != "empty" || !obs.done[0] || !obs.done[1] {
		t.Fatalf("first restore observer = %+v %+v", obs.resets, obs.done)
	}
	for i, k := range []string{"a1", "a2", "a3", "a4", "a5"} {
		if !b.mark(k, int32(i%2)) {
			t.Errorf("%s not a duplicate after the move", k)
		}
	}
	if b.mark("a6", 0) {
		t.Error("aborted a6 restored as a duplicate")
	}
	b.txn(false)

	// Back on a: erase the subject (tombstones) and add two marks.
	if res, err := a.st.Erase(state.ErasureRequest{SubjectHash: "subj", RequestedAt: a.now, Offset: -1}); err != nil || res.Tombstones != 5 {
		t.Fatalf("erase = %+v %v", res, err)
	}
	a.mark("a7", 0)
	a.mark("a8", 1)
	a.txn(true)

	// b restarts (its store is reused, not wiped) and gets both back:
	// incremental, only the new records.
	b.reopen()
	obs = newObs()
	b.restore(obs, 0, 1)
	if len(obs.resets) != 0 {
		t.Fatalf("incremental restore reset %v", obs.resets)
	}
	lr0, lr1 := lastRestore(t, b.st, 0), lastRestore(t, b.st, 1)
	if lr0 == nil || lr0.Full || lr0.Records+lr1.Records != 7 {
		t.Fatalf("incremental restore = %+v %+v, want 7 records (5 tombstones + 2 marks)", lr0, lr1)
	}
	if b.mark("a1", 1) || b.mark("a2", 0) {
		t.Error("erased marks survived the restore")
	}
	if !b.mark("a7", 0) || !b.mark("a8", 1) {
		t.Error("new marks missing after incremental restore")
	}
	b.txn(false)

	adm = freshAdmin(t, c)
	// The changelog is truncated past b's stored offset on partition 0:
	// a9 is deleted, a10 kept.
	a.mark("a9", 0)
	a.txn(true)
	a.mark("a10", 0)
	a.txn(true)
	end, err := adm.ListEndOffsets(ctx, clTopic)
	if err != nil {
		t.Fatal(err)
	}
	o := kadm.Offsets{}
	e0, _ := end.Lookup(clTopic, 0)
	o.Add(kadm.Offset{Topic: clTopic, Partition: 0, At: e0.Offset - 2}) // keep a10 and its marker
	dr, err := adm.DeleteRecords(ctx, o)
	if err != nil || dr.Error() != nil {
		t.Fatal(err, dr.Error())
	}
	obs = newObs()
	b.restore(obs, 0, 1)
	if obs.resets[0] != "truncated" || obs.resets[1] != "" {
		t.Fatalf("truncation resets = %v", obs.resets)
	}
	if lr := lastRestore(t, b.st, 0); lr == nil || !lr.Full {
		t.Fatalf("truncated restore stats = %+v", lr)
	}
	if !b.mark("a10", 0) {
		t.Error("a10 missing after full restore")
	}
	if b.mark("a9", 0) || b.mark("a7", 0) {
		t.Error("a7/a9 survived: truncated records must not be in a rebuilt partition")
	}
	b.txn(false)

	// The changelog is deleted and recreated: new topic id.
	if _, err := adm.DeleteTopic(ctx, clTopic); err != nil {
		t.Fatal(err)
	}
	id, err := stream.EnsureChangelog(ctx, freshAdmin(t, c), clTopic, 2)
	if err != nil {
		t.Fatal(err)
	}
	obs = newObs()
	b.restore(obs, 0, 1)
	if obs.resets[0] != "recreated" || obs.resets[1] != "recreated" {
		t.Fatalf("recreate resets = %v (id %s)", obs.resets, id)
	}
	if b.mark("a10", 0) {
		t.Error("state survived a recreated changelog")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// TestRestoreWaitsForOpenTransaction: the previous owner's last
// transaction is still open when the partition is assigned here. Restoring
// at once would read only up to the last stable offset and miss the marks
// that transaction commits a moment later; a duplicate of one of those
// emails would then pass. The restore waits for the transaction to settle.
func TestRestoreWaitsForOpenTransaction(t *testing.T) {
	ctx := context.Background()
	c, adm := newCluster(t)
	if _, err := stream.EnsureChangelog(ctx, adm, clTopic, 1); err != nil {
		t.Fatal(err)
	}
	a := newInstance(t, c, "a")
	b := newInstance(t, c, "b")
	a.restore(newObs(), 0)
	a.mark("early", 0)
	a.txn(true)

	// a's next transaction is open: produced, not yet committed.
	a.mark("late", 0)
	if err := a.cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, e := range a.st.TakePending() {
		if err := a.cl.ProduceSync(ctx, &kgo.Record{Partition: e.Partition, Key: e.Key, Value: e.Value}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	go func() {
		time.Sleep(700 * time.Millisecond)
		if err := a.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Error(err)
		}
	}()
	start := time.Now()
	b.restore(newObs(), 0)
	if time.Since(start) < 500*time.Millisecond {
		t.Fatalf("restore did not wait for the open transaction (took %s)", time.Since(start))
	}
	for _, k := range []string{"early", "late"} {
		if !b.mark(k, 0) {
			t.Errorf("%s: not restored; its duplicate would pass", k)
		}
	}
}
