package state

import (
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// restoreRun is one partition's restore in progress.
type restoreRun struct {
	start   time.Time
	batch   *pebble.Batch // indexed: later records read earlier ones
	pending int           // records in batch
	records int64
	next    int64
	full    bool
}

// ChangelogPosition implements stream.State. Calling it starts a restore
// of the partition: until FinishRestore (or Revoke) the sweeper and erasure
// leave the partition alone, and FinishRestore replays them.
func (s *Store) ChangelogPosition(partition int32) (int64, string, error) {
	m, err := s.readMeta(partition)
	if err != nil {
		return 0, "", fmt.Errorf("state: %w", err)
	}
	p := s.part(partition)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active = false
	if p.restore == nil {
		p.restore = &restoreRun{start: s.now(), next: m.Next}
	}
	return m.Next, m.TopicID, nil
}

func (p *part) restoreRun(s *Store) *restoreRun {
	if p.restore == nil {
		p.restore = &restoreRun{start: s.now(), next: -1}
	}
	return p.restore
}

// ApplyChangelog implements stream.State. Records are applied exactly as
// logged, expired ones included: the sweeper tombstones those once the
// partition is active, which is how a changelog left with expired marks by
// a crashed owner still gets physically cleaned.
func (s *Store) ApplyChangelog(partition int32, offset int64, key, value []byte) error {
	var v *Value
	if value != nil {
		var err error
		if v, err = decodeValue(value); err != nil {
			return fmt.Errorf("state: changelog partition %d offset %d: %w", partition, offset, err)
		}
	}
	p := s.part(partition)
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.restoreRun(s)
	if r.batch == nil {
		r.batch = s.db.NewIndexedBatch()
	}
	if err := writeMark(r.batch, r.batch, partition, key, v); err != nil {
		return fmt.Errorf("state: apply changelog partition %d offset %d: %w", partition, offset, err)
	}
	r.records++
	r.pending++
	r.next = offset + 1
	if r.pending >= s.opts.RestoreFlush {
		return s.flushRestore(p, nil, pebble.NoSync)
	}
	return nil
}

// flushRestore writes the restore batch with the partition's next offset.
// NoSync is enough mid-restore: losing a flush only means re-reading those
// records. final, when set, is the bookkeeping FinishRestore records.
func (s *Store) flushRestore(p *part, final *meta, wo *pebble.WriteOptions) error {
	r := p.restore
	b := r.batch
	if b == nil {
		b = s.db.NewIndexedBatch()
	}
	r.batch, r.pending = nil, 0
	defer b.Close()
	m := final
	if m == nil {
		cur, err := s.readMeta(p.id)
		if err != nil {
			return fmt.Errorf("state: %w", err)
		}
		m = cur
		m.Next = r.next
	}
	if err := b.Set(metaKey(p.id), m.encode(), nil); err != nil {
		return fmt.Errorf("state: restore partition %d: %w", p.id, err)
	}
	if err := b.Commit(wo); err != nil {
		return fmt.Errorf("state: restore partition %d: %w", p.id, err)
	}
	return nil
}

// ResetPartition implements stream.State: every key of the partition goes,
// by range, before a full restore.
func (s *Store) ResetPartition(partition int32, topicID string) error {
	p := s.part(partition)
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.restoreRun(s)
	if r.batch != nil {
		r.batch.Close()
		r.batch, r.pending = nil, 0
	}
	r.full = true
	r.next = -1
	r.records = 0
	p.pending = map[string]*entry{}
	p.active = false
	b := s.db.NewBatch()
	defer b.Close()
	for _, pfx := range []byte{pfxMark, pfxExpiry, pfxPart, pfxOwed} {
		lo := partPrefix(pfx, partition)
		if err := b.DeleteRange(lo, prefixEnd(lo), nil); err != nil {
			return fmt.Errorf("state: reset partition %d: %w", partition, err)
		}
	}
	m := &meta{Next: -1, TopicID: topicID}
	if err := b.Set(metaKey(partition), m.encode(), nil); err != nil {
		return fmt.Errorf("state: reset partition %d: %w", partition, err)
	}
	if err := s.db.Apply(b, pebble.Sync); err != nil {
		return fmt.Errorf("state: reset partition %d: %w", partition, err)
	}
	return nil
}

// FinishRestore implements stream.State. It records the position and the
// restore's bookkeeping (synced), makes the partition active, and queues
// as pending tombstones both the tombstones this instance owed the
// partition and every remembered erasure applied to the restored marks.
func (s *Store) FinishRestore(partition int32, next int64, topicID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.part(partition)
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.restoreRun(s)
	now := s.now()
	m := &meta{Next: next, TopicID: topicID, RestoredAt: now.UTC(), Records: r.records,
		Duration: now.Sub(r.start), FullRestore: r.full}
	if err := s.flushRestore(p, m, pebble.Sync); err != nil {
		return err
	}
	p.restore = nil
	p.active = true
	if err := s.queueOwed(p); err != nil {
		return err
	}
	logs, err := s.erasureLogs()
	if err != nil {
		return err
	}
	for _, e := range logs {
		if _, err := s.erasePartition(p, e.Hash, e, nil); err != nil {
			return err
		}
	}
	return nil
}

// queueOwed turns owed tombstones into pending ones, except for keys a
// restored record has since marked again (the newer mark wins; if it is
// expired the sweeper deals with it).
func (s *Store) queueOwed(p *part) error {
	lo := partPrefix(pfxOwed, p.id)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return fmt.Errorf("state: owed tombstones: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		k := append([]byte(nil), it.Key()[len(lo):]...)
		if _, ok := p.pending[string(k)]; ok {
			continue
		}
		cur, err := getMark(s.db, p.id, k)
		if err != nil {
			return err
		}
		if cur == nil {
			p.pending[string(k)] = &entry{key: k}
		}
	}
	return it.Error()
}
