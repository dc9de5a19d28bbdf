package lag

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Exporter polls group lag and exports it as Prometheus metrics. Its
// metric names differ from the processor's in-process
// triage_consumer_lag_* (triage_group_lag_*, with a group label) so both
// can be scraped into one Prometheus without clashing.
type Exporter struct {
	m      *Measurer
	groups func(context.Context) ([]string, error)
	tr     Tracker

	mu      sync.Mutex
	last    []Group
	lastAt  time.Time
	polls   prometheus.Counter
	errs    prometheus.Counter
	records *prometheus.Desc
	seconds *prometheus.Desc
	commit  *prometheus.Desc
	end     *prometheus.Desc
	status  *prometheus.Desc
	members *prometheus.Desc
	lastTS  *prometheus.Desc
}

// NewExporter returns an exporter for groups (every consumer group when
// empty), judging status over window samples.
func NewExporter(m *Measurer, groups []string, window int) *Exporter {
	pl := []string{"group", "topic", "partition"}
	e := &Exporter{
		m: m, tr: Tracker{Window: window},
		polls: prometheus.NewCounter(prometheus.CounterOpts{Name: "triage_lag_polls_total",
			Help: "Lag measurements attempted."}),
		errs: prometheus.NewCounter(prometheus.CounterOpts{Name: "triage_lag_poll_errors_total",
			Help: "Lag measurements that failed entirely (broker unreachable)."}),
		records: prometheus.NewDesc("triage_group_lag_records", "Records between the group's committed offset and the last stable offset.", pl, nil),
		seconds: prometheus.NewDesc("triage_group_lag_seconds", "Age of the first record after the group's committed offset; 0 when caught up.", pl, nil),
		commit:  prometheus.NewDesc("triage_group_committed_offset", "The group's committed offset (-1: none).", pl, nil),
		end:     prometheus.NewDesc("triage_group_end_offset", "The partition's last stable offset.", pl, nil),
		status:  prometheus.NewDesc("triage_group_status", "1 for the group's current status (ok, lagging, stalled, stopped, rewound, unknown), 0 for the others.", []string{"group", "status"}, nil),
		members: prometheus.NewDesc("triage_group_members", "Members in the consumer group.", []string{"group"}, nil),
		lastTS:  prometheus.NewDesc("triage_lag_last_poll_timestamp_seconds", "Unix time of the last successful measurement.", nil, nil),
	}
	e.SetGroups(func(ctx context.Context) ([]string, error) {
		if len(groups) > 0 {
			return groups, nil
		}
		return m.ConsumerGroups(ctx)
	})
	return e
}

// SetGroups replaces how each poll chooses its groups (for example every
// group with a name prefix). Call it before the first Poll.
func (e *Exporter) SetGroups(fn func(context.Context) ([]string, error)) { e.groups = fn }

// Poll measures once, updates the exported values and returns the groups
// with their status.
func (e *Exporter) Poll(ctx context.Context) ([]Group, error) {
	e.polls.Inc()
	groups, err := e.groups(ctx)
	if err != nil {
		e.errs.Inc()
		return nil, err
	}
	gs, err := e.m.Measure(ctx, groups...)
	if err != nil {
		e.errs.Inc()
		return nil, err
	}
	now := e.m.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tr.Observe(now, gs)
	e.last, e.lastAt = gs, now
	return gs, nil
}

// Run polls every interval until ctx is cancelled. Failed polls keep the
// previous values (and count in triage_lag_poll_errors_total); report, if
// non-nil, receives every poll's error.
func (e *Exporter) Run(ctx context.Context, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, interval)
		_, err := e.Poll(pctx)
		cancel()
		if report != nil && ctx.Err() == nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	e.polls.Describe(ch)
	e.errs.Describe(ch)
	for _, d := range []*prometheus.Desc{e.records, e.seconds, e.commit, e.end, e.status, e.members, e.lastTS} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	e.polls.Collect(ch)
	e.errs.Collect(ch)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.lastAt.IsZero() {
		return
	}
	ch <- prometheus.MustNewConstMetric(e.lastTS, prometheus.GaugeValue, float64(e.lastAt.UnixNano())/1e9)
	for _, g := range e.last {
		for _, s := range Statuses {
			v := 0.0
			if g.Status == s {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(e.status, prometheus.GaugeValue, v, g.Group, s)
		}
		if g.Err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(e.members, prometheus.GaugeValue, float64(g.Members), g.Group)
		for _, p := range g.Partitions {
			lv := []string{g.Group, p.Topic, strconv.FormatInt(int64(p.Partition), 10)}
			ch <- prometheus.MustNewConstMetric(e.commit, prometheus.GaugeValue, float64(p.Committed), lv...)
			if p.Records < 0 {
				continue // offsets not listed: no end or lag to report
			}
			ch <- prometheus.MustNewConstMetric(e.end, prometheus.GaugeValue, float64(p.End), lv...)
			ch <- prometheus.MustNewConstMetric(e.records, prometheus.GaugeValue, float64(max(p.Records, 0)), lv...)
			ch <- prometheus.MustNewConstMetric(e.seconds, prometheus.GaugeValue, p.Age.Seconds(), lv...)
		}
	}
}
