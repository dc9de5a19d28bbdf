package lag

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestExporter(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "emails"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("emails"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := 0; i < 4; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Partition: 0, Value: []byte("v"), Timestamp: base}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	var os kadm.Offsets
	os.AddOffset("emails", 0, 1, -1)
	if err := kadm.NewClient(cl).CommitAllOffsets(ctx, "proc", os); err != nil {
		t.Fatal(err)
	}

	m := NewMeasurer(cl)
	m.Now = func() time.Time { return base.Add(time.Minute) }
	e := NewExporter(m, nil, 3) // all groups
	if _, err := e.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP triage_group_lag_records Records between the group's committed offset and the last stable offset.
# TYPE triage_group_lag_records gauge
triage_group_lag_records{group="proc",partition="0",topic="emails"} 3
triage_group_lag_records{group="proc",partition="1",topic="emails"} 0
# HELP triage_group_lag_seconds Age of the first record after the group's committed offset; 0 when caught up.
# TYPE triage_group_lag_seconds gauge
triage_group_lag_seconds{group="proc",partition="0",topic="emails"} 60
triage_group_lag_seconds{group="proc",partition="1",topic="emails"} 0
`
	if err := testutil.CollectAndCompare(e, strings.NewReader(want), "triage_group_lag_records", "triage_group_lag_seconds"); err != nil {
		t.Error(err)
	}
	if !strings.Contains(scrapeText(t, e), `triage_group_status{group="proc",status="stopped"} 1`) {
		t.Error("group not reported stopped")
	}
	problems, err := testutil.CollectAndLint(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
}

func scrapeText(t *testing.T, e *Exporter) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
