package integration

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/triage-dev/triage/regions"
)

// TestPipeline runs raw emails for every region through one `triage run`
// against the real broker and checks, reading with read_committed, that
// each email produced exactly one Avro record in its region's topic, keyed
// by its id and pointing back at the input record it came from. It then
// checks the topic configs triage created with kadm.
func TestPipeline(t *testing.T) {
	seeds := brokers(t)
	triageBin(t)
	adm := newAdmin(t, seeds)
	run := nonce()
	input, group, suffix := "it.pipeline."+run, "it-pipeline-"+run, "p"+run
	const partitions = 3
	createTopic(t, adm, input, partitions)
	emails := makeEmails("pipe"+run, 200, 1)

	refs, err := produceEmails(testCtx(t), seeds, input, emails, 0)
	if err != nil {
		t.Fatal(err)
	}
	col := startCollector(t, seeds, suffix)
	p := startTriage(t, seeds, runOpts{Name: "pipe", Group: group, Input: input, Suffix: suffix, StateDir: t.TempDir()})
	col.waitAll(t, emails, 3*time.Minute, p)
	waitGroupCaughtUp(t, adm, group, input, time.Minute, p)
	if err := p.stop(30 * time.Second); err != nil {
		t.Errorf("graceful stop: %v", err)
	}
	col.drain(t, adm, suffix, time.Minute)
	col.verifyExactlyOnce(t, emails)

	t.Run("records", func(t *testing.T) {
		col.mu.Lock()
		defer col.mu.Unlock()
		for _, e := range emails {
			rs := col.byMsgID[e.MessageID]
			if len(rs) != 1 {
				continue // reported by verifyExactlyOnce
			}
			r, ref := rs[0], refs[e.MessageID]
			for _, c := range []struct{ what, got, want string }{
				{"topic", r.Topic, outputTopic(e.Region, suffix)},
				{"region", str(r.Fields, "region"), e.Region},
				{"key", r.Key, str(r.Fields, "id")},
				{"source_topic", str(r.Fields, "source_topic"), input},
				{"source_partition", strconv.FormatInt(num(r.Fields, "source_partition"), 10), strconv.Itoa(int(ref.Partition))},
				{"source_offset", strconv.FormatInt(num(r.Fields, "source_offset"), 10), strconv.FormatInt(ref.Offset, 10)},
			} {
				if c.got != c.want {
					t.Errorf("%s: %s = %q, want %q", e.MessageID, c.what, c.got, c.want)
				}
			}
			if str(r.Fields, "id") == "" || str(r.Fields, "pipeline_version") == "" {
				t.Errorf("%s: empty id or pipeline_version", e.MessageID)
			}
		}
	})

	t.Run("topic configs", func(t *testing.T) {
		// The region policy decides how long a region's topic keeps data;
		// triage must create the topic with it, not inherit the broker's 7 days.
		var topics []string
		want := map[string]string{}
		for _, pol := range regions.Builtin() {
			name := outputTopic(pol.Region, suffix)
			topics = append(topics, name)
			want[name] = strconv.FormatInt(pol.Retention().Milliseconds(), 10)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cfgs, err := adm.DescribeTopicConfigs(ctx, topics...)
		if err != nil {
			t.Fatalf("describe topic configs: %v", err)
		}
		for _, rc := range cfgs {
			if rc.Err != nil {
				t.Errorf("%s: %v", rc.Name, rc.Err)
				continue
			}
			got := map[string]string{}
			for _, c := range rc.Configs {
				if c.Value != nil {
					got[c.Key] = *c.Value
				}
			}
			if got["retention.ms"] != want[rc.Name] {
				t.Errorf("%s: retention.ms = %s, want %s (region policy)", rc.Name, got["retention.ms"], want[rc.Name])
			}
			if got["cleanup.policy"] != "delete" {
				t.Errorf("%s: cleanup.policy = %s, want delete", rc.Name, got["cleanup.policy"])
			}
		}
		td, err := adm.ListTopics(ctx, topics...)
		if err != nil {
			t.Fatalf("list topics: %v", err)
		}
		for _, name := range topics {
			d, ok := td[name]
			switch {
			case !ok || d.Err != nil:
				t.Errorf("%s: missing (%v)", name, d.Err)
			case len(d.Partitions) != partitions:
				// Outputs copy the input's partition count so keys stay
				// co-partitioned with their source.
				t.Errorf("%s: %d partitions, want %d like the input", name, len(d.Partitions), partitions)
			}
		}
	})
}
