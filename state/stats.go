package state

import (
	"fmt"
	"sort"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Stats is what `triage state stats` prints. It holds counts, times and
// region names only.
type Stats struct {
	Dir        string           `json:"dir"`
	DiskBytes  uint64           `json:"disk_bytes"`
	Entries    int64            `json:"entries"`
	Regions    map[string]int64 `json:"regions"`
	Oldest     *time.Time       `json:"oldest_entry,omitempty"`
	NextExpiry *time.Time       `json:"next_expiry,omitempty"`
	Owed       int64            `json:"owed_tombstones"`
	Erasures   int              `json:"erasure_log_entries"`
	// Hits and Misses count CheckAndMark outcomes since this Store was
	// opened (zero for the CLI, which opens its own).
	Hits       int64            `json:"hits_since_open"`
	Misses     int64            `json:"misses_since_open"`
	Partitions []PartitionStats `json:"partitions"`
}

// PartitionStats is one partition's share of Stats.
type PartitionStats struct {
	Partition     int32            `json:"partition"`
	Active        bool             `json:"active"`
	Entries       int64            `json:"entries"`
	Regions       map[string]int64 `json:"regions"`
	Oldest        *time.Time       `json:"oldest_entry,omitempty"`
	NextExpiry    *time.Time       `json:"next_expiry,omitempty"`
	Owed          int64            `json:"owed_tombstones"`
	ChangelogNext int64            `json:"changelog_next_offset"`
	TopicID       string           `json:"changelog_topic_id,omitempty"`
	LastRestore   *RestoreStats    `json:"last_restore,omitempty"`
}

// RestoreStats describes a partition's last restore.
type RestoreStats struct {
	At      time.Time `json:"at"`
	Records int64     `json:"records"`
	Seconds float64   `json:"seconds"`
	Full    bool      `json:"full"`
}

// Stats scans the store. It reads every mark, so it costs a full scan:
// meant for the operator command and tests, not the hot path.
func (s *Store) Stats() (*Stats, error) {
	st := &Stats{Dir: s.opts.Dir, Regions: map[string]int64{}}
	st.DiskBytes = s.db.Metrics().DiskSpaceUsage()
	st.Hits, st.Misses = s.HitRate()
	byPart := map[int32]*PartitionStats{}
	get := func(p int32) *PartitionStats {
		ps := byPart[p]
		if ps == nil {
			ps = &PartitionStats{Partition: p, Regions: map[string]int64{}, ChangelogNext: -1}
			byPart[p] = ps
		}
		return ps
	}
	for _, p := range s.sortedParts() {
		get(p.id)
	}
	minTime := func(dst **time.Time, t time.Time) {
		if *dst == nil || t.Before(**dst) {
			t := t
			*dst = &t
		}
	}
	lo := []byte{pfxMark, '/'}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("state: stats: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := decodeValue(it.Value())
		if err != nil {
			it.Close()
			return nil, fmt.Errorf("state: stats: %w", err)
		}
		ps := get(partitionOf(it.Key()))
		ps.Entries++
		ps.Regions[v.Region]++
		st.Entries++
		st.Regions[v.Region]++
		minTime(&ps.Oldest, v.SeenAt)
		minTime(&ps.NextExpiry, v.Expiry)
		minTime(&st.Oldest, v.SeenAt)
		minTime(&st.NextExpiry, v.Expiry)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("state: stats: %w", err)
	}
	lo = []byte{pfxOwed, '/'}
	it, err = s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("state: stats: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		get(partitionOf(it.Key())).Owed++
		st.Owed++
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("state: stats: %w", err)
	}
	// The erasure log merges pending and frozen entries that Commit and
	// Erase change under s.mu; Stats may run concurrently with the loop
	// (the admin server's /state).
	s.mu.Lock()
	logs, err := s.erasureLogs()
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	st.Erasures = len(logs)
	for id, ps := range byPart {
		m, err := s.readMeta(id)
		if err != nil {
			return nil, fmt.Errorf("state: stats: %w", err)
		}
		ps.ChangelogNext, ps.TopicID = m.Next, m.TopicID
		if !m.RestoredAt.IsZero() {
			ps.LastRestore = &RestoreStats{At: m.RestoredAt, Records: m.Records, Seconds: m.Duration.Seconds(), Full: m.FullRestore}
		}
		ps.Active = s.Active(id)
		st.Partitions = append(st.Partitions, *ps)
	}
	sort.Slice(st.Partitions, func(i, j int) bool { return st.Partitions[i].Partition < st.Partitions[j].Partition })
	return st, nil
}
