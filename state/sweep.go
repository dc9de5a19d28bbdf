package state

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// SweepResult counts what one Sweep did.
type SweepResult struct {
	// Tombstones are expired marks of owned partitions queued as pending
	// deletions: the next TakePending returns their changelog tombstones
	// and the next Commit removes them from Pebble.
	Tombstones int
	// Local are expired marks of partitions not owned here, deleted at once
	// (their tombstones are owed until the partition is restored here).
	Local int
	// ErasureLogPruned counts erasure-log entries older than
	// Options.ErasureLogRetention that were dropped.
	ErasureLogPruned int
	// More is set when the batch limit stopped the sweep early: call again
	// (after the next commit) to continue.
	More bool
}

// Sweep removes marks whose whole expiry hour bucket lies before now, at
// most Options.SweepBatch of them. The loop calls it before TakePending
// (e.g. once per transaction, or on a ticker between transactions), so the
// tombstones ride in that transaction. Partitions being restored are
// skipped; they are swept once active.
//
// Marks already past their expiry but still inside the current bucket stay
// until the bucket closes; CheckAndMark ignores them meanwhile.
func (s *Store) Sweep(now time.Time) (SweepResult, error) {
	var res SweepResult
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return res, ErrClosed
	}
	budget := s.opts.SweepBatch
	cut := bucketOf(now)
	local := s.db.NewBatch()
	defer local.Close()
	for _, p := range s.sortedParts() {
		if budget <= 0 {
			res.More = true
			break
		}
		p.mu.Lock()
		err := s.sweepPartition(p, cut, &budget, local, &res)
		p.mu.Unlock()
		if err != nil {
			return res, err
		}
	}
	n, err := s.pruneErasureLog(now, local)
	if err != nil {
		return res, err
	}
	res.ErasureLogPruned = n
	if !local.Empty() {
		if err := s.db.Apply(local, pebble.Sync); err != nil {
			return res, fmt.Errorf("state: sweep: %w", err)
		}
	}
	return res, nil
}

func (s *Store) sweepPartition(p *part, cut uint64, budget *int, local *pebble.Batch, res *SweepResult) error {
	if p.restore != nil {
		return nil
	}
	lo := partPrefix(pfxExpiry, p.id)
	hi := binary.BigEndian.AppendUint64(append([]byte(nil), lo...), cut)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("state: sweep: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if *budget <= 0 {
			res.More = true
			break
		}
		*budget--
		xk := append([]byte(nil), it.Key()...)
		bucket, kb, valid := expiryKeyParse(xk)
		if !valid {
			continue
		}
		k := append([]byte(nil), kb...)
		ks := string(k)
		owned := p.active || p.id < 0
		if owned {
			if _, ok := p.pending[ks]; ok {
				continue // a newer mark or a deletion is already queued
			}
			if _, ok := p.frozen[ks]; ok {
				continue
			}
		}
		cur, err := getMark(s.db, p.id, k)
		if err != nil {
			return err
		}
		if cur == nil || bucketOf(cur.Expiry) != bucket {
			// A stale index entry (cannot happen through writeMark, but
			// an index must never pin the sweeper).
			if err := local.Delete(xk, nil); err != nil {
				return err
			}
			continue
		}
		if owned {
			p.pending[ks] = &entry{key: k}
			res.Tombstones++
			continue
		}
		if err := writeMark(local, s.db, p.id, k, nil); err != nil {
			return err
		}
		if err := local.Set(owedKey(p.id, k), nil, nil); err != nil {
			return err
		}
		res.Local++
	}
	return it.Error()
}

// pruneErasureLog forgets erasures older than the retention: every mark they
// could still apply to has expired.
func (s *Store) pruneErasureLog(now time.Time, b *pebble.Batch) (int, error) {
	logs, err := s.erasureLogs()
	if err != nil {
		return 0, err
	}
	n := 0
	cutoff := now.Add(-s.opts.ErasureLogRetention)
	for k, e := range logs {
		if e.RequestedAt.Before(cutoff) {
			if err := b.Delete([]byte(k), nil); err != nil {
				return n, err
			}
			delete(s.erasures, k)
			n++
		}
	}
	return n, nil
}

// SweepExpired is Sweep with a result of plain types, for callers (the
// stream loop) that cannot import this package: queued is the number of
// tombstones added to the pending set, more that the batch limit was hit.
func (s *Store) SweepExpired(now time.Time) (queued int, more bool, err error) {
	r, err := s.Sweep(now)
	if err == nil {
		s.swept.Add(uint64(r.Tombstones + r.Local))
	}
	return r.Tombstones, r.More, err
}
