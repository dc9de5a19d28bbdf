package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// StateSource is what the state metrics read at scrape time. state.Store
// satisfies it with plain methods, so the state package does not import
// this one. Implementations must be safe for concurrent use and cheap (an
// atomic load or a cached estimate, not a scan).
type StateSource interface {
	// StateEntries is the number of live dedup entries.
	StateEntries() int64
	// StateBytes is the store's on-disk size in bytes.
	StateBytes() int64
	// SweeperDeletions is the number of entries the TTL sweeper deleted
	// since the process started (a counter: it never decreases).
	SweeperDeletions() uint64
}

// StateFuncs adapts three functions to StateSource.
type StateFuncs struct {
	Entries, Bytes func() int64
	Deletions      func() uint64
}

func (f StateFuncs) StateEntries() int64      { return f.Entries() }
func (f StateFuncs) StateBytes() int64        { return f.Bytes() }
func (f StateFuncs) SweeperDeletions() uint64 { return f.Deletions() }

// SetState registers the state store to read triage_state_entries,
// triage_state_bytes and triage_state_sweeper_deletions_total from. Until
// it is called (or when dedup runs without a store) those series are
// absent rather than a misleading zero.
func (m *Metrics) SetState(s StateSource) {
	m.state.mu.Lock()
	m.state.src = s
	m.state.mu.Unlock()
}

type stateCollector struct {
	entries, bytes, deletions *prometheus.Desc

	mu  sync.Mutex
	src StateSource
}

func newStateCollector() *stateCollector {
	return &stateCollector{
		entries: prometheus.NewDesc(Namespace+"_state_entries",
			"Live entries in the local dedup state store.", nil, nil),
		bytes: prometheus.NewDesc(Namespace+"_state_bytes",
			"On-disk size of the local state store in bytes.", nil, nil),
		deletions: prometheus.NewDesc(Namespace+"_state_sweeper_deletions_total",
			"State entries deleted by the retention sweeper.", nil, nil),
	}
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.entries
	ch <- c.bytes
	ch <- c.deletions
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	src := c.src
	c.mu.Unlock()
	if src == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(src.StateEntries()))
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(src.StateBytes()))
	ch <- prometheus.MustNewConstMetric(c.deletions, prometheus.CounterValue, float64(src.SweeperDeletions()))
}
