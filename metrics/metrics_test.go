package metrics

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/stages"
)

// IssueMetrics are the metric families issue 7 requires, and the
// additional ones this package defines. Every one must be present in a
// scrape after one round of events.
var IssueMetrics = []string{
	"triage_emails_processed_total",
	"triage_languages_detected_total",
	"triage_pii_detected_total",
	"triage_compliance_violations_total",
	"triage_stage_duration_seconds",
	"triage_end_to_end_latency_seconds",
	"triage_errors_total",
	"triage_dlq_records_total",
	"triage_dedup_hits_total",
	"triage_transactions_total",
	"triage_transaction_duration_seconds",
	"triage_consumer_lag_records",
	"triage_consumer_lag_seconds",
	"triage_partitions_assigned",
	"triage_rebalances_total",
	"triage_state_entries",
	"triage_state_bytes",
	"triage_state_restore_remaining_records",
	"triage_state_restore_duration_seconds",
	"triage_state_sweeper_deletions_total",
	"triage_build_info",
	"triage_kafka_connects_total",
	"triage_kafka_fetch_records_total",
	"go_goroutines",
	"process_resident_memory_bytes",
	"process_cpu_seconds_total",
}

type fakeState struct{ deletions atomic.Uint64 }

func (*fakeState) StateEntries() int64        { return 42 }
func (*fakeState) StateBytes() int64          { return 1 << 20 }
func (f *fakeState) SweeperDeletions() uint64 { return f.deletions.Load() }

// Exercise calls every Observer method once with plausible values, so a
// scrape contains every family. The Kafka client metrics need a live
// client: it consumes one record from an in-process kfake cluster.
func Exercise(t testing.TB, m *Metrics) {
	t.Helper()
	m.ObserveStage("parse", 120*time.Microsecond, nil)
	m.ObserveStage("pii", 3*time.Millisecond, stages.Permanent("too_large", errors.New("x")))
	m.Processed("eu-west-1", "support", "de", 800*time.Millisecond)
	m.PII("eu-west-1", "EMAIL_ADDRESS", 2)
	m.Duplicate("eu-west-1")
	m.DeadLetter("eu-west-1", "parse", "unreadable_mime")
	m.Error("produce", "retry")
	m.Transaction("committed", 15*time.Millisecond)
	m.Rebalance("assigned")
	m.PartitionsAssigned(3)
	m.Lag("emails", 0, 10, 2*time.Second)
	m.Restore(0, 100, false, 0)
	m.Restore(1, 0, true, 3*time.Second)
	m.ComplianceViolation("GDPR", "special_category")
	fs := &fakeState{}
	fs.deletions.Store(7)
	m.SetState(fs)

	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "emails"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	hooks, err := m.KgoHooks("test")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), hooks,
		kgo.ConsumeTopics("emails"), kgo.DefaultProduceTopic("emails"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if f := cl.PollFetches(ctx); len(f.Records()) == 0 {
		t.Fatalf("no record fetched: %v", f.Errors())
	}
}

func scrape(t testing.TB, h http.Handler) []byte {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scrape status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t testing.TB, b []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse scrape: %v", err)
	}
	return mfs
}

// TestScrape scrapes the registry over HTTP, checks every required family
// is present, lints it with client_golang's promlint and, when promtool is
// installed (make check-deploy installs it), with `promtool check metrics`.
func TestScrape(t *testing.T) {
	m := New(Options{Version: "test", Categories: []string{"support", "sales"}, PIITypes: []string{"EMAIL_ADDRESS"}, Languages: []string{"en", "de"}})
	Exercise(t, m)
	body := scrape(t, m.Handler())
	mfs := parse(t, body)
	var missing []string
	for _, n := range IssueMetrics {
		if _, ok := mfs[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		t.Errorf("scrape lacks %v", missing)
	}

	problems, err := testutil.GatherAndLint(m.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		// Go collector metrics are client_golang's own; only ours must be
		// clean.
		if strings.HasPrefix(p.Metric, "triage_") {
			t.Errorf("lint %s: %s", p.Metric, p.Text)
		}
	}

	if path, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(path, "check", "metrics")
		cmd.Stdin = bytes.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	} else {
		t.Log("promtool not installed; skipped promtool check metrics")
	}
}

// TestPreinitialised: bounded label sets exist at zero before any event,
// so rate() and the recording rules have series from the first scrape.
func TestPreinitialised(t *testing.T) {
	m := New(Options{Regions: []string{"eu-west-1"}, Categories: []string{"support"}})
	mfs := parse(t, scrape(t, m.Handler()))
	tests := []struct {
		family string
		labels map[string]string
	}{
		{"triage_emails_processed_total", map[string]string{"region": "eu-west-1", "category": "support"}},
		{"triage_dedup_hits_total", map[string]string{"region": "eu-west-1"}},
		{"triage_transactions_total", map[string]string{"outcome": "aborted"}},
		{"triage_rebalances_total", map[string]string{"kind": "lost"}},
		{"triage_errors_total", map[string]string{"stage": "parse", "class": "dlq"}},
		{"triage_stage_duration_seconds", map[string]string{"stage": "respond"}},
		{"triage_build_info", map[string]string{"version": "dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.family, func(t *testing.T) {
			if !hasSeries(mfs[tt.family], tt.labels) {
				t.Errorf("no series %v", tt.labels)
			}
		})
	}
}

func hasSeries(mf *dto.MetricFamily, want map[string]string) bool {
	if mf == nil {
		return false
	}
	for _, mt := range mf.Metric {
		got := map[string]string{}
		for _, l := range mt.Label {
			got[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range want {
			if got[k] != v {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func TestObserverValues(t *testing.T) {
	m := New(Options{})
	m.Processed("us-east-1", "sales", "en", time.Second)
	m.Processed("us-east-1", "sales", "", 0)
	m.PII("us-east-1", "PHONE_NUMBER", 3)
	m.PII("us-east-1", "PHONE_NUMBER", 0)
	m.ObserveStage("parse", time.Millisecond, stages.Transient("broker_down", errors.New("x")))
	m.ObserveStage("parse", time.Millisecond, errors.New("unclassified"))
	m.ObserveStage("parse", time.Millisecond, stages.Permanent("too_large", errors.New("x")))
	m.Transaction("aborted", time.Second)
	m.Restore(2, 50, false, 0)

	tests := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"processed", m.processed.WithLabelValues("us-east-1", "sales"), 2},
		{"language en", m.languages.WithLabelValues("en"), 1},
		{"language unknown", m.languages.WithLabelValues("unknown"), 1},
		{"pii", m.pii.WithLabelValues("PHONE_NUMBER", "us-east-1"), 3},
		{"stage retry errors", m.errs.WithLabelValues("parse", "retry"), 2},
		{"stage dlq errors", m.errs.WithLabelValues("parse", "dlq"), 1},
		{"aborted", m.txns.WithLabelValues("aborted"), 1},
		{"restore remaining", m.restoreRem.WithLabelValues("2"), 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testutil.ToFloat64(tt.c); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if n := testutil.CollectAndCount(m.e2e); n != 1 {
		t.Errorf("e2e histogram: %d series", n)
	}
	m.Restore(2, 0, true, time.Minute)
	if got := testutil.ToFloat64(m.restoreRem.WithLabelValues("2")); got != 0 {
		t.Errorf("restore remaining after done = %v", got)
	}
}

// TestLagSecondsGrowsWhileStalled pins that the exported time lag is
// computed at scrape time: when the loop stops reporting, the age of the
// oldest unprocessed record keeps growing instead of freezing.
func TestLagSecondsGrowsWhileStalled(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	m := New(Options{Now: func() time.Time { return now }})
	m.Lag("emails", 4, 12, 5*time.Second)
	m.Lag("emails", 5, 0, 0)
	now = now.Add(time.Minute)

	tests := []struct {
		partition string
		records   float64
		seconds   float64
	}{
		{"4", 12, 65},
		{"5", 0, 0},
	}
	mfs := parse(t, scrape(t, m.Handler()))
	for _, tt := range tests {
		t.Run(tt.partition, func(t *testing.T) {
			if v := value(mfs["triage_consumer_lag_records"], "partition", tt.partition); v != tt.records {
				t.Errorf("records = %v, want %v", v, tt.records)
			}
			if v := value(mfs["triage_consumer_lag_seconds"], "partition", tt.partition); v != tt.seconds {
				t.Errorf("seconds = %v, want %v", v, tt.seconds)
			}
		})
	}
	if got := m.MaxLag(); got != 65*time.Second {
		t.Errorf("MaxLag = %v", got)
	}
	m.ForgetPartition("emails", 4)
	mfs = parse(t, scrape(t, m.Handler()))
	if hasSeries(mfs["triage_consumer_lag_records"], map[string]string{"partition": "4"}) {
		t.Error("forgotten partition still exported")
	}
}

func value(mf *dto.MetricFamily, label, v string) float64 {
	if mf == nil {
		return -1
	}
	for _, mt := range mf.Metric {
		for _, l := range mt.Label {
			if l.GetName() == label && l.GetValue() == v {
				return mt.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// TestCardinalityCap: a caller bug passing unbounded values (here, one
// language per call) is folded into "other" past MaxSeries.
func TestCardinalityCap(t *testing.T) {
	m := New(Options{})
	for i := 0; i < MaxSeries+50; i++ {
		m.Processed("us-east-1", "sales", "lang"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26)), 0)
	}
	n := testutil.CollectAndCount(m.languages)
	if n > MaxSeries+1 {
		t.Errorf("languages has %d series, cap %d", n, MaxSeries)
	}
	if testutil.ToFloat64(m.languages.WithLabelValues(overflow)) == 0 {
		t.Error("no overflow series")
	}
}

func TestKgoHooksNames(t *testing.T) {
	m := New(Options{})
	if _, err := m.KgoHooks("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.KgoHooks("a"); err == nil {
		t.Error("duplicate client name accepted")
	}
	if _, err := m.KgoHooks("b"); err != nil {
		t.Error(err)
	}
}

func TestStateAbsentUntilSet(t *testing.T) {
	m := New(Options{})
	mfs := parse(t, scrape(t, m.Handler()))
	if _, ok := mfs["triage_state_entries"]; ok {
		t.Error("state entries exported without a store")
	}
	m.SetState(StateFuncs{Entries: func() int64 { return 3 }, Bytes: func() int64 { return 9 }, Deletions: func() uint64 { return 1 }})
	mfs = parse(t, scrape(t, m.Handler()))
	var got []string
	for n := range mfs {
		if strings.HasPrefix(n, "triage_state_") {
			got = append(got, n)
		}
	}
	sort.Strings(got)
	want := "triage_state_bytes,triage_state_entries,triage_state_restore_duration_seconds,triage_state_restore_resets_total,triage_state_sweeper_deletions_total"
	if strings.Join(got, ",") != want {
		t.Errorf("state families %v", got)
	}
}
