package ops_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/ops"
)

const (
	inTopic    = "emails.in"
	perPart    = 10
	liveGroup  = "triage"
	partitions = 2
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// replayCluster starts a cluster with inTopic holding perPart records per
// partition, record i stamped t0+i minutes, and liveGroup committed at the
// end of every partition (it has processed everything).
func replayCluster(t *testing.T) (*kfake.Cluster, *kgo.Client, *kadm.Client) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, inTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx := context.Background()
	for p := int32(0); p < partitions; p++ {
		for i := 0; i < perPart; i++ {
			r := &kgo.Record{Topic: inTopic, Partition: p, Value: []byte(fmt.Sprintf("m%d", i)), Timestamp: t0.Add(time.Duration(i) * time.Minute)}
			if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm := kadm.NewClient(cl)
	offs := make(kadm.Offsets)
	for p := int32(0); p < partitions; p++ {
		offs.Add(kadm.Offset{Topic: inTopic, Partition: p, At: perPart, LeaderEpoch: -1})
	}
	if err := adm.CommitAllOffsets(ctx, liveGroup, offs); err != nil {
		t.Fatal(err)
	}
	return c, cl, adm
}

func i64(v int64) *int64 { return &v }

func TestPlanReplayTargets(t *testing.T) {
	_, _, adm := replayCluster(t)
	tests := []struct {
		name          string
		req           ops.ReplayRequest
		wantTarget    int64
		wantReprocess int64
		wantSkip      int64
		wantWindow    int64
		wantClamped   bool
	}{
		{name: "from time", req: ops.ReplayRequest{From: t0.Add(5 * time.Minute)}, wantTarget: 5, wantReprocess: 5, wantWindow: -1},
		{name: "from between records", req: ops.ReplayRequest{From: t0.Add(4*time.Minute + time.Second)}, wantTarget: 5, wantReprocess: 5, wantWindow: -1},
		{name: "from before the log", req: ops.ReplayRequest{From: t0.Add(-time.Hour)}, wantTarget: 0, wantReprocess: 10, wantWindow: -1},
		{name: "from after the log", req: ops.ReplayRequest{From: t0.Add(time.Hour)}, wantTarget: 10, wantReprocess: 0, wantWindow: -1},
		{name: "from-to window", req: ops.ReplayRequest{From: t0.Add(2 * time.Minute), To: t0.Add(6 * time.Minute)}, wantTarget: 2, wantReprocess: 8, wantWindow: 4},
		{name: "to-offset", req: ops.ReplayRequest{ToOffset: i64(3)}, wantTarget: 3, wantReprocess: 7, wantWindow: -1},
		{name: "to-offset past end clamps", req: ops.ReplayRequest{ToOffset: i64(50)}, wantTarget: 10, wantClamped: true, wantWindow: -1},
		{name: "shift back", req: ops.ReplayRequest{ShiftBy: i64(-4)}, wantTarget: 6, wantReprocess: 4, wantWindow: -1},
		{name: "shift back past start clamps", req: ops.ReplayRequest{ShiftBy: i64(-40)}, wantTarget: 0, wantReprocess: 10, wantClamped: true, wantWindow: -1},
		{name: "by duration", req: ops.ReplayRequest{ByDuration: 3 * time.Minute, Now: func() time.Time { return t0.Add(10 * time.Minute) }}, wantTarget: 7, wantReprocess: 3, wantWindow: -1},
		{name: "blue/green new group", req: ops.ReplayRequest{NewGroup: "triage-v2", OutputSuffix: "v2", From: t0.Add(8 * time.Minute)}, wantTarget: 8, wantReprocess: 2, wantWindow: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Group = liveGroup
			plan, err := ops.PlanReplay(context.Background(), adm, tc.req)
			if err != nil {
				t.Fatalf("PlanReplay: %v", err)
			}
			if len(plan.Partitions) != partitions {
				t.Fatalf("plan has %d partitions, want %d", len(plan.Partitions), partitions)
			}
			for _, pp := range plan.Partitions {
				if pp.Committed != perPart || pp.End != perPart || pp.Start != 0 {
					t.Errorf("p%d: committed/start/end = %d/%d/%d", pp.Partition, pp.Committed, pp.Start, pp.End)
				}
				if pp.Target != tc.wantTarget || pp.Reprocess != tc.wantReprocess || pp.Skip != tc.wantSkip || pp.Window != tc.wantWindow || pp.Clamped != tc.wantClamped {
					t.Errorf("p%d: target %d reprocess %d skip %d window %d clamped %v; want %d %d %d %d %v", pp.Partition,
						pp.Target, pp.Reprocess, pp.Skip, pp.Window, pp.Clamped, tc.wantTarget, tc.wantReprocess, tc.wantSkip, tc.wantWindow, tc.wantClamped)
				}
			}
			if got, want := plan.TotalReprocess(), tc.wantReprocess*partitions; got != want {
				t.Errorf("TotalReprocess = %d, want %d", got, want)
			}
		})
	}
}

func TestPlanReplayRejectsBadRequests(t *testing.T) {
	_, _, adm := replayCluster(t)
	tests := []struct {
		name string
		req  ops.ReplayRequest
		want string
	}{
		{"no target", ops.ReplayRequest{Group: liveGroup}, "exactly one of"},
		{"two targets", ops.ReplayRequest{Group: liveGroup, ToOffset: i64(1), ShiftBy: i64(1)}, "exactly one of"},
		{"no group", ops.ReplayRequest{ToOffset: i64(1)}, "--group is required"},
		{"bad state", ops.ReplayRequest{Group: liveGroup, ToOffset: i64(1), State: "wipe"}, "--state"},
		{"same new group", ops.ReplayRequest{Group: liveGroup, NewGroup: liveGroup, ToOffset: i64(1)}, "--new-group must differ"},
		{"suffix without new group", ops.ReplayRequest{Group: liveGroup, OutputSuffix: "v2", ToOffset: i64(1)}, "--output-suffix needs"},
		{"unknown group without topics", ops.ReplayRequest{Group: "nobody", ToOffset: i64(1)}, "no topics"},
		{"unknown topic", ops.ReplayRequest{Group: liveGroup, Topics: []string{"nope"}, ToOffset: i64(1)}, "does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ops.PlanReplay(context.Background(), adm, tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestExecuteReplayMovesOffsets(t *testing.T) {
	_, _, adm := replayCluster(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		req   ops.ReplayRequest
		group string
		want  int64
	}{
		{"live group back to a time", ops.ReplayRequest{Group: liveGroup, From: t0.Add(6 * time.Minute)}, liveGroup, 6},
		{"live group shifted", ops.ReplayRequest{Group: liveGroup, ShiftBy: i64(-1)}, liveGroup, 5},
		{"new group from offset", ops.ReplayRequest{Group: liveGroup, NewGroup: "triage-v2", ToOffset: i64(2)}, "triage-v2", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := ops.PlanReplay(ctx, adm, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			if err := ops.ExecuteReplay(ctx, adm, plan, func(s string) { lines = append(lines, s) }); err != nil {
				t.Fatal(err)
			}
			got, err := adm.FetchOffsets(ctx, tc.group)
			if err != nil {
				t.Fatal(err)
			}
			for p := int32(0); p < partitions; p++ {
				o, ok := got.Lookup(inTopic, p)
				if !ok || o.At != tc.want {
					t.Errorf("%s p%d committed %d, want %d", tc.group, p, o.At, tc.want)
				}
			}
			if len(lines) == 0 || !strings.Contains(lines[len(lines)-1], "verified") {
				t.Errorf("progress lines %q", lines)
			}
		})
	}
	// The blue/green replay must not have touched the live group, which
	// the second case left at 5.
	live, err := adm.FetchOffsets(ctx, liveGroup)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := live.Lookup(inTopic, 0); o.At != 5 {
		t.Fatalf("live group moved to %d by the blue/green replay", o.At)
	}
}

// joinGroup starts a consumer in group and waits until the broker lists it
// as a member.
func joinGroup(t *testing.T, c *kfake.Cluster, adm *kadm.Client, group string) *kgo.Client {
	t.Helper()
	cons, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup(group), kgo.ConsumeTopics(inTopic), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 100*time.Millisecond)
		cons.PollFetches(pctx)
		pcancel()
		ds, err := adm.DescribeGroups(ctx, group)
		if err == nil && len(ds[group].Members) > 0 {
			return cons
		}
		if ctx.Err() != nil {
			cons.Close()
			t.Fatal("consumer never joined")
		}
	}
}

func TestReplayRefusesActiveGroup(t *testing.T) {
	c, _, adm := replayCluster(t)
	ctx := context.Background()
	stale, err := ops.PlanReplay(ctx, adm, ops.ReplayRequest{Group: liveGroup, ToOffset: i64(0)})
	if err != nil {
		t.Fatal(err)
	}
	cons := joinGroup(t, c, adm, liveGroup)
	defer cons.Close()

	if _, err := ops.PlanReplay(ctx, adm, ops.ReplayRequest{Group: liveGroup, ToOffset: i64(0)}); !errors.Is(err, ops.ErrGroupActive) {
		t.Fatalf("PlanReplay on an active group: err = %v, want ErrGroupActive", err)
	}
	if err := ops.ExecuteReplay(ctx, adm, stale, nil); !errors.Is(err, ops.ErrGroupActive) {
		t.Fatalf("ExecuteReplay of a stale plan: err = %v, want ErrGroupActive", err)
	}
	got, err := adm.FetchOffsets(ctx, liveGroup)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := got.Lookup(inTopic, 0); o.At != perPart {
		t.Fatalf("refused replay still moved offsets to %d", o.At)
	}
	// A blue/green replay into a new group is allowed while the live
	// group runs.
	if _, err := ops.PlanReplay(ctx, adm, ops.ReplayRequest{Group: liveGroup, NewGroup: "triage-v2", ToOffset: i64(0)}); err != nil {
		t.Fatalf("blue/green plan next to an active group: %v", err)
	}
}

func TestWatchReplayReportsProgress(t *testing.T) {
	c, _, adm := replayCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	plan, err := ops.PlanReplay(ctx, adm, ops.ReplayRequest{Group: liveGroup, ToOffset: i64(4)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ops.ExecuteReplay(ctx, adm, plan, nil); err != nil {
		t.Fatal(err)
	}
	// A stand-in processor: consumes in the group and commits.
	cons, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumerGroup(liveGroup), kgo.ConsumeTopics(inTopic), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	done := make(chan struct{})
	var seen int
	go func() {
		defer close(done)
		for seen < 2*(perPart-4) && ctx.Err() == nil {
			fs := cons.PollFetches(ctx)
			seen += fs.NumRecords()
			_ = cons.CommitUncommittedOffsets(ctx)
		}
	}()
	var last ops.Progress
	if err := ops.WatchReplay(ctx, adm, plan, 50*time.Millisecond, func(p ops.Progress) { last = p }); err != nil {
		t.Fatal(err)
	}
	<-done
	if !last.Caught || last.Done != last.Total || last.Total != 2*(perPart-4) {
		t.Fatalf("last progress %+v", last)
	}
	if seen != 2*(perPart-4) {
		t.Fatalf("processor saw %d records, want %d", seen, 2*(perPart-4))
	}
}

func TestWritePlanGuidance(t *testing.T) {
	_, _, adm := replayCluster(t)
	tests := []struct {
		name string
		req  ops.ReplayRequest
		want []string
	}{
		{"keep", ops.ReplayRequest{Group: liveGroup, ShiftBy: i64(-2)}, []string{"state: keep", "triage run --brokers b:9092 --group triage\n", "total records to reprocess: 4"}},
		{"bypass", ops.ReplayRequest{Group: liveGroup, ShiftBy: i64(-2), State: ops.StateBypass}, []string{"state: bypass", "--group triage --no-dedup"}},
		{"blue/green", ops.ReplayRequest{Group: liveGroup, NewGroup: "triage-v2", OutputSuffix: "v2", ToOffset: i64(0)}, []string{"into new group triage-v2", "--group triage-v2 --output-suffix v2", "new group starts with empty dedup state"}},
		{"window", ops.ReplayRequest{Group: liveGroup, From: t0, To: t0.Add(time.Minute)}, []string{"window", "cannot stop at --to"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := ops.PlanReplay(context.Background(), adm, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			ops.WritePlan(&b, plan, "b:9092")
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("plan output lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
