package metrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func partitionLabel(p int32) string { return strconv.FormatInt(int64(p), 10) }

type lagEntry struct {
	records int64
	oldest  time.Time // time of the oldest unprocessed record; zero when caught up
}

// lagCollector exports triage_consumer_lag_{records,seconds}. It computes
// the seconds at scrape time from the oldest unprocessed record's time:
// a gauge set by the loop would freeze at its last value exactly when the
// loop is stuck, which is when the number matters.
type lagCollector struct {
	now     func() time.Time
	records *prometheus.Desc
	seconds *prometheus.Desc

	mu sync.Mutex
	m  map[partKey]lagEntry
}

func newLagCollector(now func() time.Time) *lagCollector {
	return &lagCollector{
		now: now,
		records: prometheus.NewDesc(Namespace+"_consumer_lag_records",
			"Records between this process's position and the partition's last stable offset.",
			[]string{"topic", "partition"}, nil),
		seconds: prometheus.NewDesc(Namespace+"_consumer_lag_seconds",
			"Age of the oldest unprocessed record of an assigned partition; 0 when caught up.",
			[]string{"topic", "partition"}, nil),
		m: map[partKey]lagEntry{},
	}
}

func (c *lagCollector) set(topic string, p int32, records int64, age time.Duration) {
	e := lagEntry{records: records}
	if records > 0 {
		e.oldest = c.now().Add(-age)
	}
	c.mu.Lock()
	if len(c.m) < MaxSeries {
		c.m[partKey{topic, p}] = e
	} else if _, ok := c.m[partKey{topic, p}]; ok {
		c.m[partKey{topic, p}] = e
	}
	c.mu.Unlock()
}

func (c *lagCollector) forget(topic string, p int32) {
	c.mu.Lock()
	delete(c.m, partKey{topic, p})
	c.mu.Unlock()
}

func (c *lagCollector) age(e lagEntry, now time.Time) time.Duration {
	if e.records <= 0 || e.oldest.IsZero() {
		return 0
	}
	if d := now.Sub(e.oldest); d > 0 {
		return d
	}
	return 0
}

func (c *lagCollector) max() time.Duration {
	now := c.now()
	var max time.Duration
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.m {
		if a := c.age(e, now); a > max {
			max = a
		}
	}
	return max
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.records
	ch <- c.seconds
}

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		p := partitionLabel(k.partition)
		ch <- prometheus.MustNewConstMetric(c.records, prometheus.GaugeValue, float64(e.records), k.topic, p)
		ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.GaugeValue, c.age(e, now).Seconds(), k.topic, p)
	}
}
