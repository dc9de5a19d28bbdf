package state

import (
	"sync"
	"time"
)

// metricsCache holds the last entry count: counting scans the mark range,
// so a scrape every few seconds must not trigger a scan every time.
type metricsCache struct {
	mu      sync.Mutex
	at      time.Time
	entries int64
}

// StateEntries returns the number of live dedup marks, recounted at most
// every 30 seconds. With StateBytes and SweeperDeletions it implements
// metrics.StateSource.
func (s *Store) StateEntries() int64 {
	c := &s.entries
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) > 30*time.Second {
		if st, err := s.Stats(); err == nil {
			c.entries = st.Entries
		}
		c.at = time.Now()
	}
	return c.entries
}

// StateBytes returns the store's disk usage.
func (s *Store) StateBytes() int64 {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return 0
	}
	return int64(s.db.Metrics().DiskSpaceUsage())
}

// SweeperDeletions counts marks the sweeper deleted since Open.
func (s *Store) SweeperDeletions() uint64 { return s.swept.Load() }
