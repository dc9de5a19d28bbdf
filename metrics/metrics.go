package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/triage-dev/triage/regions"
	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/stream"
)

// Namespace prefixes every metric this package defines.
const Namespace = "triage"

// Bucket layouts. Stage calls range from microseconds (language id on a
// short text) to seconds (a huge MIME tree), so stage buckets span 5µs-2.5s;
// end-to-end latency includes time spent waiting in Kafka, so it spans
// 5ms-10min.
var (
	StageBuckets       = []float64{5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}
	EndToEndBuckets    = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}
	TransactionBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
	RestoreBuckets     = []float64{0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}
)

// Fixed label values the loop uses; they are pre-initialised so that every
// series exists (at zero) before the first event and rate() works from the
// first scrape.
var (
	TransactionOutcomes = []string{"committed", "aborted", "failed"}
	RebalanceKinds      = []string{"assigned", "revoked", "lost"}
	ErrorClasses        = []string{stages.ClassRetry.String(), stages.ClassDLQ.String()}
)

// Options configures New. Zero values take the documented defaults.
type Options struct {
	// Version is the build version for triage_build_info. Default "dev".
	Version string
	// Regions pre-initialises region-labelled series. Default: the built-in
	// region policies.
	Regions []string
	// Categories pre-initialises triage_emails_processed_total. Default none
	// (series appear on first use).
	Categories []string
	// Languages pre-initialises triage_languages_detected_total.
	Languages []string
	// PIITypes pre-initialises triage_pii_detected_total.
	PIITypes []string
	// Stages pre-initialises per-stage series. Default stages.Order.
	Stages []string
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Metrics holds the registry and every triage metric. It is safe for
// concurrent use.
type Metrics struct {
	reg      *prometheus.Registry
	kafkaReg *prometheus.Registry // kprom's collectors, renamed on gather
	gatherer prometheus.Gatherer
	now      func() time.Time

	processed   *prometheus.CounterVec
	languages   *prometheus.CounterVec
	pii         *prometheus.CounterVec
	compliance  *prometheus.CounterVec
	stageDur    *prometheus.HistogramVec
	e2e         prometheus.Histogram
	errs        *prometheus.CounterVec
	dlq         *prometheus.CounterVec
	dedup       *prometheus.CounterVec
	txns        *prometheus.CounterVec
	txnDur      prometheus.Histogram
	assigned    prometheus.Gauge
	rebalances  *prometheus.CounterVec
	restoreRem  *prometheus.GaugeVec
	restoreDur  prometheus.Histogram
	resets      *prometheus.CounterVec
	buildInfo   *prometheus.GaugeVec
	lag         *lagCollector
	state       *stateCollector
	kafkaMu     sync.Mutex
	kafkaClient map[string]bool

	processedC  *children[pair, prometheus.Counter]
	languagesC  *children[string, prometheus.Counter]
	piiC        *children[pair, prometheus.Counter]
	complianceC *children[pair, prometheus.Counter]
	stageC      *children[string, prometheus.Observer]
	errsC       *children[pair, prometheus.Counter]
	dlqC        *children[pair, prometheus.Counter]
	dedupC      *children[string, prometheus.Counter]
	txnsC       *children[string, prometheus.Counter]
	rebalancesC *children[string, prometheus.Counter]
	restoreC    *children[int32, prometheus.Gauge]
}

var (
	_ stream.Observer = (*Metrics)(nil)
	_ stages.Observer = (*Metrics)(nil)
)

// New builds the registry with every triage metric and the Go and process
// collectors.
func New(o Options) *Metrics {
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Regions == nil {
		o.Regions = regions.Default().Names()
	}
	if o.Stages == nil {
		o.Stages = stages.Order
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Metrics{reg: prometheus.NewRegistry(), kafkaReg: prometheus.NewRegistry(), now: o.Now, kafkaClient: map[string]bool{}}
	m.gatherer = prometheus.Gatherers{m.reg, kafkaGatherer{m.kafkaReg}}
	name := func(n string) string { return Namespace + "_" + n }

	m.processed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("emails_processed_total"),
		Help: "Emails processed and committed to an output topic, by region and category."}, []string{"region", "category"})
	m.languages = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("languages_detected_total"),
		Help: "Processed emails by detected language (ISO 639-1, or unknown)."}, []string{"language"})
	m.pii = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("pii_detected_total"),
		Help: "Personal-data findings by type and region (counts only, never values)."}, []string{"type", "region"})
	m.compliance = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("compliance_violations_total"),
		Help: "Compliance signals raised, by framework and rule."}, []string{"framework", "rule"})
	m.stageDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name("stage_duration_seconds"),
		Help: "Time spent in one pipeline stage per email.", Buckets: StageBuckets}, []string{"stage"})
	m.e2e = prometheus.NewHistogram(prometheus.HistogramOpts{Name: name("end_to_end_latency_seconds"),
		Help: "Input record timestamp to output transaction committed.", Buckets: EndToEndBuckets})
	m.errs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("errors_total"),
		Help: "Errors by stage (pipeline stage, or loop step such as produce or commit) and class (retry, dlq)."}, []string{"stage", "class"})
	m.dlq = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("dlq_records_total"),
		Help: "Input records sent to a dead-letter topic, by region and reason."}, []string{"region", "reason"})
	m.dedup = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("dedup_hits_total"),
		Help: "Emails recognised as duplicates and skipped, by region."}, []string{"region"})
	m.txns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("transactions_total"),
		Help: "Kafka transactions ended, by outcome (committed, aborted, failed)."}, []string{"outcome"})
	m.txnDur = prometheus.NewHistogram(prometheus.HistogramOpts{Name: name("transaction_duration_seconds"),
		Help: "Time from transaction begin to its end (commit or abort).", Buckets: TransactionBuckets})
	m.assigned = prometheus.NewGauge(prometheus.GaugeOpts{Name: name("partitions_assigned"),
		Help: "Input partitions currently assigned to this process."})
	m.rebalances = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("rebalances_total"),
		Help: "Consumer-group rebalance events, by kind (assigned, revoked, lost)."}, []string{"kind"})
	m.restoreRem = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name("state_restore_remaining_records"),
		Help: "Changelog records left to restore, by input partition; 0 once restored."}, []string{"partition"})
	m.restoreDur = prometheus.NewHistogram(prometheus.HistogramOpts{Name: name("state_restore_duration_seconds"),
		Help: "Time to restore one partition's state from its changelog.", Buckets: RestoreBuckets})
	m.resets = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("state_restore_resets_total"),
		Help: "Partitions whose state was rebuilt from the start of the changelog instead of incrementally, by reason (empty, truncated, recreated)."}, []string{"reason"})
	for _, r := range []string{"empty", "truncated", "recreated"} {
		m.resets.WithLabelValues(r)
	}
	m.buildInfo = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name("build_info"),
		Help: "Always 1; labels carry the build version and Go version."}, []string{"version", "goversion"})
	m.lag = newLagCollector(o.Now)
	m.state = newStateCollector()

	m.reg.MustRegister(m.processed, m.languages, m.pii, m.compliance, m.stageDur, m.e2e, m.errs,
		m.dlq, m.dedup, m.txns, m.txnDur, m.assigned, m.rebalances, m.restoreRem, m.restoreDur,
		m.resets, m.buildInfo, m.lag, m.state,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.buildInfo.WithLabelValues(o.Version, runtime.Version()).Set(1)

	ctr2 := func(v *prometheus.CounterVec) *children[pair, prometheus.Counter] {
		return newChildren(func(k pair) prometheus.Counter { return v.WithLabelValues(k.a, k.b) },
			func() pair { return pair{overflow, overflow} })
	}
	ctr1 := func(v *prometheus.CounterVec) *children[string, prometheus.Counter] {
		return newChildren(func(k string) prometheus.Counter { return v.WithLabelValues(k) },
			func() string { return overflow })
	}
	m.processedC = ctr2(m.processed)
	m.languagesC = ctr1(m.languages)
	m.piiC = ctr2(m.pii)
	m.complianceC = ctr2(m.compliance)
	m.errsC = ctr2(m.errs)
	m.dlqC = ctr2(m.dlq)
	m.dedupC = ctr1(m.dedup)
	m.txnsC = ctr1(m.txns)
	m.rebalancesC = ctr1(m.rebalances)
	m.stageC = newChildren(func(k string) prometheus.Observer { return m.stageDur.WithLabelValues(k) },
		func() string { return overflow })
	m.restoreC = newChildren(func(p int32) prometheus.Gauge {
		return m.restoreRem.WithLabelValues(strconv.FormatInt(int64(p), 10))
	}, func() int32 { return -1 })

	// Pre-initialise the bounded label sets.
	for _, r := range o.Regions {
		m.dedupC.get(r)
		for _, c := range o.Categories {
			m.processedC.get(pair{r, c})
		}
		for _, t := range o.PIITypes {
			m.piiC.get(pair{t, r})
		}
	}
	for _, l := range o.Languages {
		m.languagesC.get(l)
	}
	for _, s := range o.Stages {
		m.stageC.get(s)
		for _, c := range ErrorClasses {
			m.errsC.get(pair{s, c})
		}
	}
	for _, t := range TransactionOutcomes {
		m.txnsC.get(t)
	}
	for _, k := range RebalanceKinds {
		m.rebalancesC.get(k)
	}
	return m
}

// Registry returns the registry, for registering further collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Gatherer gathers everything /metrics serves: the registry plus the Kafka
// client metrics.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.gatherer }

// Handler serves the registry in the Prometheus exposition formats. Errors
// while gathering are reported in the response and in
// promhttp_metric_handler_errors_total rather than failing the scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.InstrumentMetricHandler(m.reg, promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{
		Registry:          m.reg,
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	}))
}
