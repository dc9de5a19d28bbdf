package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/stream"
)

// Sentinel errors.
var (
	// ErrFrozen is returned by CheckAndMark between TakePending and
	// Commit/Abort: the loop must not run stages then (see the invariant).
	ErrFrozen = errors.New("state: CheckAndMark called between TakePending and Commit/Abort")
	// ErrLocked is returned by Open when another process holds the store,
	// normally a running processor.
	ErrLocked = errors.New("state: store is locked by another process (a running processor holds it)")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("state: store is closed")
)

// Store is the Pebble-backed dedup state. It implements stages.DedupStore
// and stream.State. All methods are safe for concurrent use; the ordering
// rules are those of stream.State.
//
// Lock order: s.mu (transaction-level state) before part.mu (one
// partition); partsMu only guards the partition map and is never held while
// taking another lock.
type Store struct {
	db   *pebble.DB
	opts Options
	log  *slog.Logger
	now  func() time.Time

	partsMu sync.RWMutex
	parts   map[int32]*part

	mu     sync.Mutex
	taken  atomic.Bool // TakePending called, Commit/Abort not yet
	closed bool
	// Erasure log entries and erasure-topic positions, pending and frozen
	// like marks: they become durable with the transaction that carries the
	// erasure's tombstones and audit record.
	erasures, frozenErasures     map[string]erasureLog
	erasurePos, frozenErasurePos map[int32]int64

	hits, misses atomic.Int64
	swept        atomic.Uint64 // marks the sweeper deleted since Open
	entries      metricsCache  // cached entry count for metrics
}

// part is one partition's in-memory state.
type part struct {
	id int32
	mu sync.Mutex
	// active: restored and owned here, so deletions become changelog
	// tombstones. Inactive partitions are only cleaned locally, owing their
	// tombstones (t/ keys) until they are restored here again.
	active  bool
	pending map[string]*entry
	frozen  map[string]*entry
	restore *restoreRun // non-nil between ChangelogPosition and FinishRestore
}

// entry is one uncommitted change: a new mark or a deletion (mark nil).
type entry struct {
	key  []byte
	mark *Value
}

var (
	_ stages.DedupStore = (*Store)(nil)
	_ stream.State      = (*Store)(nil)
	_ stream.Eraser     = (*Store)(nil)
)

// Open opens (or creates) the store in opts.Dir. A store left by an unclean
// shutdown is reused as is: see the package doc.
func Open(opts Options) (*Store, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	cache := pebble.NewCache(opts.CacheSize)
	defer cache.Unref() // the DB holds its own reference
	po := &pebble.Options{
		FS:                 opts.FS,
		Cache:              cache,
		ReadOnly:           opts.ReadOnly,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{opts.Logger.With("component", "pebble")},
	}
	db, err := pebble.Open(opts.Dir, po)
	if err != nil {
		if isLockErr(err) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, opts.Dir)
		}
		return nil, fmt.Errorf("state: open %s: %w", opts.Dir, err)
	}
	s := &Store{
		db:         db,
		opts:       opts,
		log:        opts.Logger.With("component", "state"),
		now:        opts.Now,
		parts:      map[int32]*part{},
		erasures:   map[string]erasureLog{},
		erasurePos: map[int32]int64{},
	}
	ps, err := s.diskPartitions()
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, p := range ps {
		s.part(p)
	}
	return s, nil
}

func isLockErr(err error) bool {
	return errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) ||
		strings.Contains(err.Error(), "lock held by current process")
}

// Close closes the store. Uncommitted marks are dropped, which is what the
// invariant needs: their transaction did not commit.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.partsMu.RLock()
	for _, p := range s.parts {
		p.mu.Lock()
		if p.restore != nil && p.restore.batch != nil {
			p.restore.batch.Close()
			p.restore = nil
		}
		p.mu.Unlock()
	}
	s.partsMu.RUnlock()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("state: close: %w", err)
	}
	return nil
}

// part returns the partition's state, creating it.
func (s *Store) part(id int32) *part {
	s.partsMu.RLock()
	p := s.parts[id]
	s.partsMu.RUnlock()
	if p != nil {
		return p
	}
	s.partsMu.Lock()
	defer s.partsMu.Unlock()
	if p = s.parts[id]; p == nil {
		p = &part{id: id, pending: map[string]*entry{}}
		s.parts[id] = p
	}
	return p
}

// sortedParts returns every known partition in id order.
func (s *Store) sortedParts() []*part {
	s.partsMu.RLock()
	out := make([]*part, 0, len(s.parts))
	for _, p := range s.parts {
		out = append(out, p)
	}
	s.partsMu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// CheckAndMark implements stages.DedupStore: pending set first, then Pebble.
// An expired mark counts as absent.
func (s *Store) CheckAndMark(m stages.Mark) (bool, string, error) {
	if m.Key == "" {
		return false, "", errors.New("state: empty dedup key")
	}
	k := keyBytes(m.Key)
	p := s.part(m.Partition)
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.taken.Load() {
		return false, "", ErrFrozen
	}
	now := s.now()
	if e, ok := p.pending[string(k)]; ok {
		if e.mark != nil && e.mark.Expiry.After(now) {
			s.hits.Add(1)
			return true, e.mark.EmailID, nil
		}
		// A pending deletion or an expired pending mark: fall through and
		// replace it. Pebble must not be consulted, the deletion wins.
	} else {
		old, err := getMark(s.db, p.id, k)
		if err != nil {
			return false, "", err
		}
		if old != nil && old.Expiry.After(now) {
			s.hits.Add(1)
			return true, old.EmailID, nil
		}
	}
	v := &Value{
		SeenAt:       m.SeenAt.UTC(),
		Expiry:       m.Expiry.UTC(),
		Region:       m.Region,
		EmailID:      m.EmailID,
		Offset:       m.Offset,
		Participants: append([]string(nil), m.Participants...),
	}
	if v.SeenAt.IsZero() {
		v.SeenAt = now.UTC()
	}
	if m.Expiry.IsZero() {
		v.Expiry = v.SeenAt.Add(s.opts.DefaultRetention)
	}
	p.pending[string(k)] = &entry{key: k, mark: v}
	s.misses.Add(1)
	return false, "", nil
}

// reader is what getMark needs: the DB or an indexed batch.
type reader interface {
	Get(key []byte) ([]byte, io.Closer, error)
}

// getMark reads the durable mark for k, or nil.
func getMark(r reader, p int32, k []byte) (*Value, error) {
	b, c, err := r.Get(markKey(p, k))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: read mark (partition %d): %w", p, err)
	}
	defer c.Close()
	v, err := decodeValue(b)
	if err != nil {
		return nil, fmt.Errorf("state: mark in partition %d: %w", p, err)
	}
	return v, nil
}

// setKV and delK are what writeMark needs from a batch.
type writer interface {
	Set(key, value []byte, _ *pebble.WriteOptions) error
	Delete(key []byte, _ *pebble.WriteOptions) error
}

// writeMark replaces the mark for k (nil deletes it) in w, keeping the
// expiry and participant indexes in step with the mark as r sees it.
func writeMark(w writer, r reader, p int32, k []byte, v *Value) error {
	old, err := getMark(r, p, k)
	if err != nil {
		return err
	}
	if old != nil {
		if err := w.Delete(expiryKey(p, old.Expiry, k), nil); err != nil {
			return err
		}
		for _, h := range old.Participants {
			if err := w.Delete(participantKey(p, h, k), nil); err != nil {
				return err
			}
		}
	}
	if v == nil {
		if old != nil {
			return w.Delete(markKey(p, k), nil)
		}
		return nil
	}
	if err := w.Set(markKey(p, k), v.encode(), nil); err != nil {
		return err
	}
	if err := w.Set(expiryKey(p, v.Expiry, k), nil, nil); err != nil {
		return err
	}
	for _, h := range v.Participants {
		if len(h) > 255 {
			continue // not a hash; the parse stage never produces this
		}
		if err := w.Set(participantKey(p, h, k), nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// TakePending freezes every pending change and returns its changelog
// entries, ordered by partition and key. Entries for negative partitions
// (emails not read from Kafka) are applied on Commit but have no changelog.
// Calling it again before Commit/Abort freezes and returns only the changes
// made since.
func (s *Store) TakePending() []stream.ChangelogEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.taken.Store(true)
	var out []stream.ChangelogEntry
	for _, p := range s.sortedParts() {
		p.mu.Lock()
		if len(p.pending) > 0 {
			keys := make([]string, 0, len(p.pending))
			for k := range p.pending {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if p.frozen == nil {
				p.frozen = map[string]*entry{}
			}
			for _, k := range keys {
				e := p.pending[k]
				p.frozen[k] = e
				if p.id < 0 {
					continue
				}
				ce := stream.ChangelogEntry{Partition: p.id, Key: e.key}
				if e.mark != nil {
					ce.Value = e.mark.encode()
				}
				out = append(out, ce)
			}
			p.pending = map[string]*entry{}
		}
		p.mu.Unlock()
	}
	if len(s.erasures) > 0 || len(s.erasurePos) > 0 {
		if s.frozenErasures == nil {
			s.frozenErasures = map[string]erasureLog{}
			s.frozenErasurePos = map[int32]int64{}
		}
		for h, e := range s.erasures {
			s.frozenErasures[h] = e
		}
		for p, o := range s.erasurePos {
			s.frozenErasurePos[p] = o
		}
		s.erasures = map[string]erasureLog{}
		s.erasurePos = map[int32]int64{}
	}
	return out
}

// Commit applies the frozen changes and the changelog offsets in one synced
// Pebble batch. offsets maps a changelog partition to the offset of the last
// record the committed transaction produced there.
//
// If Commit fails, the Kafka transaction is committed but the store is not:
// the stored changelog offsets did not move, so rerunning the restore for
// the affected partitions replays exactly what is missing. The loop must do
// that (or exit) before processing those partitions again. The frozen set
// is dropped either way.
func (s *Store) Commit(offsets map[int32]int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	defer s.taken.Store(false)
	parts := s.sortedParts()
	for _, p := range parts {
		p.mu.Lock()
	}
	defer func() {
		for _, p := range parts {
			p.frozen = nil
			p.mu.Unlock()
		}
		s.frozenErasures, s.frozenErasurePos = nil, nil
	}()
	b := s.db.NewBatch()
	defer b.Close()
	for _, p := range parts {
		for _, e := range p.frozen {
			if err := writeMark(b, s.db, p.id, e.key, e.mark); err != nil {
				return fmt.Errorf("state: commit: %w", err)
			}
			if e.mark == nil {
				// A tombstone that was owed is now produced.
				if err := b.Delete(owedKey(p.id, e.key), nil); err != nil {
					return fmt.Errorf("state: commit: %w", err)
				}
			}
		}
	}
	for cp, off := range offsets {
		m, err := s.readMeta(cp)
		if err != nil {
			return fmt.Errorf("state: commit: %w", err)
		}
		if off+1 > m.Next {
			m.Next = off + 1
		}
		if err := b.Set(metaKey(cp), m.encode(), nil); err != nil {
			return fmt.Errorf("state: commit: %w", err)
		}
	}
	for _, e := range s.frozenErasures {
		if err := b.Set(erasureKey(e.Hash, e.Region), e.encode(), nil); err != nil {
			return fmt.Errorf("state: commit: %w", err)
		}
	}
	for ep, next := range s.frozenErasurePos {
		if err := b.Set(erasePosKey(ep), appendInt64(nil, next), nil); err != nil {
			return fmt.Errorf("state: commit: %w", err)
		}
	}
	if err := s.db.Apply(b, pebble.Sync); err != nil {
		return fmt.Errorf("state: commit: %w", err)
	}
	return nil
}

// Abort drops the frozen marks: their emails will be redelivered. Frozen
// deletions and erasure bookkeeping go back to the pending set (unless a
// newer change for the same key is pending), because they are not tied to
// input records and must still happen.
func (s *Store) Abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.sortedParts() {
		p.mu.Lock()
		for k, e := range p.frozen {
			if e.mark != nil || !p.active {
				continue
			}
			if _, newer := p.pending[k]; !newer {
				p.pending[k] = e
			}
		}
		p.frozen = nil
		p.mu.Unlock()
	}
	for h, e := range s.frozenErasures {
		if _, newer := s.erasures[h]; !newer {
			s.erasures[h] = e
		}
	}
	for ep, next := range s.frozenErasurePos {
		if next > s.erasurePos[ep] {
			s.erasurePos[ep] = next
		}
	}
	s.frozenErasures, s.frozenErasurePos = nil, nil
	s.taken.Store(false)
}

// Revoke tells the store the partitions left this instance. Their pending
// changes are dropped (the transaction carrying them was aborted on revoke)
// and later deletions on them are local only, owing tombstones. Their marks
// stay on disk so a later reassignment restores incrementally. Call it after
// the in-flight transaction was committed or aborted.
func (s *Store) Revoke(partitions []int32) {
	for _, id := range partitions {
		p := s.part(id)
		p.mu.Lock()
		p.active = false
		p.pending = map[string]*entry{}
		if p.restore != nil {
			if p.restore.batch != nil {
				p.restore.batch.Close()
			}
			p.restore = nil
		}
		p.mu.Unlock()
	}
}

// Active reports whether a partition is restored and owned here.
func (s *Store) Active(partition int32) bool {
	p := s.part(partition)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active
}

// ErasureNext returns the next offset to read on a partition of the
// erasure request topic, or -1 when none was committed yet (read from the
// start: replaying old requests is harmless, see Erase).
func (s *Store) ErasureNext(partition int32) (int64, error) {
	b, c, err := s.db.Get(erasePosKey(partition))
	if errors.Is(err, pebble.ErrNotFound) {
		return -1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("state: erasure position: %w", err)
	}
	defer c.Close()
	if len(b) != 8 {
		return 0, errCorrupt
	}
	return int64FromBytes(b), nil
}

// HitRate returns the duplicates found and the marks made since Open.
func (s *Store) HitRate() (hits, misses int64) { return s.hits.Load(), s.misses.Load() }

func (s *Store) readMeta(p int32) (*meta, error) {
	b, c, err := s.db.Get(metaKey(p))
	if errors.Is(err, pebble.ErrNotFound) {
		return &meta{Next: -1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read meta (partition %d): %w", p, err)
	}
	defer c.Close()
	m, err := decodeMeta(b)
	if err != nil {
		return nil, fmt.Errorf("meta of partition %d: %w", p, err)
	}
	return m, nil
}

// diskPartitions finds every partition with keys on disk, skipping from one
// partition's range to the next instead of reading every key.
func (s *Store) diskPartitions() ([]int32, error) {
	seen := map[int32]bool{}
	for _, pfx := range []byte{pfxMark, pfxOwed, pfxMeta} {
		lower := []byte{pfx, '/'}
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
		if err != nil {
			return nil, fmt.Errorf("state: scan partitions: %w", err)
		}
		for ok := it.First(); ok; {
			k := it.Key()
			if len(k) < 6 {
				ok = it.Next()
				continue
			}
			p := partitionOf(k)
			seen[p] = true
			next := prefixEnd(k[:6])
			if next == nil || !bytes.HasPrefix(next, lower) {
				break
			}
			ok = it.SeekGE(next)
		}
		if err := it.Close(); err != nil {
			return nil, fmt.Errorf("state: scan partitions: %w", err)
		}
	}
	out := make([]int32, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

func appendInt64(b []byte, v int64) []byte {
	u := uint64(v)
	return append(b, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32), byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

func int64FromBytes(b []byte) int64 {
	var u uint64
	for _, c := range b[:8] {
		u = u<<8 | uint64(c)
	}
	return int64(u)
}

// pebbleLogger routes Pebble's own messages to slog: info at debug level
// (compactions are not news), errors as errors. Pebble calls Fatalf only on
// corruption it cannot continue from.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
}
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg)
	panic("pebble: " + msg)
}
