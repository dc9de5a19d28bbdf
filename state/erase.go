package state

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// ParticipantHash is the keyed hash that stands for an address everywhere
// in state: hex(HMAC-SHA256(secret, "addr\x00" + lower-cased address)),
// first 32 hex digits (128 bits). The parse stage computes the hashes it
// puts in email.Email.Participants with this function, and `triage erase`
// computes the subject's with it, so the two always agree.
func ParticipantHash(secret []byte, addr string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("addr\x00"))
	m.Write([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// ErasureRequest is the value of a record on the erasure request topic
// (emails.erasure). It holds no raw address.
type ErasureRequest struct {
	SubjectHash string    `json:"subject_hash"`
	Region      string    `json:"region,omitempty"` // "" erases in every region
	RequestedAt time.Time `json:"requested_at"`

	// Partition and Offset locate the request on the erasure topic; Erase
	// records Offset+1 as that partition's next position, durable with the
	// next Commit. Offset < 0 means the request did not come from Kafka.
	Partition int32 `json:"-"`
	Offset    int64 `json:"-"`
}

// ParseErasureRequest decodes and checks a request record value.
func ParseErasureRequest(b []byte) (ErasureRequest, error) {
	var r ErasureRequest
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("state: erasure request: %w", err)
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	r.Offset = -1
	return r, nil
}

// Validate checks the hash has ParticipantHash's shape and a time is set.
func (r ErasureRequest) Validate() error {
	var errs []string
	if len(r.SubjectHash) != 32 {
		errs = append(errs, "subject_hash must be 32 hex digits")
	} else if _, err := hex.DecodeString(r.SubjectHash); err != nil {
		errs = append(errs, "subject_hash must be 32 hex digits")
	}
	if r.RequestedAt.IsZero() {
		errs = append(errs, "requested_at is required")
	}
	if len(errs) > 0 {
		return errors.New("state: erasure request: " + strings.Join(errs, "; "))
	}
	return nil
}

// ErasureResult counts what one Erase did.
type ErasureResult struct {
	// Tombstones are deletions queued as pending changelog tombstones (owned
	// partitions): they reach the changelog with the next transaction.
	Tombstones int
	// Local are deletions in partitions this instance does not own: removed
	// here at once, their tombstones owed until the partition is restored
	// here; the owner deletes and tombstones them from its own copy.
	Local int
	// Partitions lists the partitions where something was deleted.
	Partitions []int32
}

// ErasureAudit is the record written to the audit topic
// (emails.erasure.audit): the keyed hash, times and counts, never an address.
type ErasureAudit struct {
	SubjectHash string    `json:"subject_hash"`
	Region      string    `json:"region,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
	ErasedAt    time.Time `json:"erased_at"`
	Marks       int       `json:"marks_deleted"`
	Tombstones  int       `json:"changelog_tombstones"`
	Partitions  []int32   `json:"partitions"`
	// Scope says what erasure covers, so the audit trail is explicit.
	Scope string `json:"scope"`
}

// ErasureScope is the fixed statement of what erasure covers.
const ErasureScope = "dedup state and its changelog; records already delivered to output topics expire by topic retention"

// Audit builds the audit record for a request and its result.
func (r ErasureResult) Audit(req ErasureRequest, at time.Time) ErasureAudit {
	parts := r.Partitions
	if parts == nil {
		parts = []int32{}
	}
	return ErasureAudit{SubjectHash: req.SubjectHash, Region: req.Region, RequestedAt: req.RequestedAt.UTC(),
		ErasedAt: at.UTC(), Marks: r.Tombstones + r.Local, Tombstones: r.Tombstones, Partitions: parts, Scope: ErasureScope}
}

// Erase deletes every mark tied to the subject that was first seen at or
// before req.RequestedAt (in req.Region, or anywhere), in every partition in
// the store. Marks made after the request are kept, which makes replaying
// old requests (a new instance reads the request topic from its start)
// harmless.
//
// In owned (active) partitions the deletions become pending changelog
// tombstones; in others they are applied locally at once and owed. The
// request itself is remembered (durable with the next Commit) and replayed
// into every partition restored here later, so a mark the changelog still
// held, or a partition that moved mid-erasure, cannot resurrect the subject.
// Partitions being restored are skipped for the same reason.
func (s *Store) Erase(req ErasureRequest) (ErasureResult, error) {
	var res ErasureResult
	if req.SubjectHash == "" {
		return res, errors.New("state: erase: empty subject hash")
	}
	if req.RequestedAt.IsZero() {
		req.RequestedAt = s.now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return res, ErrClosed
	}
	lg := erasureLog{Hash: req.SubjectHash, RequestedAt: req.RequestedAt.UTC(), Region: req.Region}
	local := s.db.NewBatch()
	defer local.Close()
	for _, p := range s.sortedParts() {
		p.mu.Lock()
		n, err := s.erasePartition(p, req.SubjectHash, lg, local)
		active := p.active
		p.mu.Unlock()
		if err != nil {
			return res, err
		}
		if n > 0 {
			res.Partitions = append(res.Partitions, p.id)
		}
		if active || p.id < 0 {
			res.Tombstones += n
		} else {
			res.Local += n
		}
	}
	if !local.Empty() {
		if err := s.db.Apply(local, pebble.Sync); err != nil {
			return res, fmt.Errorf("state: erase: %w", err)
		}
	}
	k := string(erasureKey(lg.Hash, lg.Region))
	if old, ok := s.erasures[k]; !ok || old.RequestedAt.Before(lg.RequestedAt) {
		s.erasures[k] = lg
	}
	if req.Offset >= 0 && req.Offset+1 > s.erasurePos[req.Partition] {
		s.erasurePos[req.Partition] = req.Offset + 1
	}
	return res, nil
}

// erasePartition deletes the subject's marks in one partition. The caller
// holds s.mu and p.mu. local receives the deletions of an inactive
// partition; nil means the partition is active (FinishRestore).
func (s *Store) erasePartition(p *part, hash string, lg erasureLog, local *pebble.Batch) (int, error) {
	if p.restore != nil {
		return 0, nil // FinishRestore replays the erasure log
	}
	matches := func(v *Value) bool {
		if v == nil || v.SeenAt.After(lg.RequestedAt) || (lg.Region != "" && v.Region != lg.Region) {
			return false
		}
		for _, h := range v.Participants {
			if h == hash {
				return true
			}
		}
		return false
	}
	cands := map[string][]byte{}
	for k, e := range p.pending {
		if matches(e.mark) {
			cands[k] = e.key
		}
	}
	for k, e := range p.frozen {
		if matches(e.mark) {
			cands[k] = e.key
		}
	}
	lo := participantPrefix(p.id, hash)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return 0, fmt.Errorf("state: erase: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		k := append([]byte(nil), it.Key()[len(lo):]...)
		cands[string(k)] = k
	}
	if err := it.Close(); err != nil {
		return 0, fmt.Errorf("state: erase: %w", err)
	}
	keys := make([]string, 0, len(cands))
	for k := range cands {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	n := 0
	for _, ks := range keys {
		k := cands[ks]
		if e, ok := p.pending[ks]; ok {
			if matches(e.mark) {
				p.pending[ks] = &entry{key: k}
				n++
			}
			continue // a pending change decides what this key becomes
		}
		if e, ok := p.frozen[ks]; ok && e.mark != nil {
			// Committing or aborting: delete it in the next transaction
			// either way (a tombstone for an absent key is harmless).
			if matches(e.mark) {
				p.pending[ks] = &entry{key: k}
				n++
			}
			continue
		}
		cur, err := getMark(s.db, p.id, k)
		if err != nil {
			return n, err
		}
		if !matches(cur) {
			continue
		}
		n++
		if p.active || local == nil || p.id < 0 {
			p.pending[ks] = &entry{key: k}
			continue
		}
		if err := writeMark(local, s.db, p.id, k, nil); err != nil {
			return n, err
		}
		if err := local.Set(owedKey(p.id, k), nil, nil); err != nil {
			return n, err
		}
	}
	return n, nil
}

// erasureLogs returns every remembered erasure: durable, frozen and pending.
func (s *Store) erasureLogs() (map[string]erasureLog, error) {
	out := map[string]erasureLog{}
	lo := []byte{pfxErasure, '/'}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("state: erasure log: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		e, err := decodeErasureLog(it.Value())
		if err != nil {
			it.Close()
			return nil, fmt.Errorf("state: erasure log: %w", err)
		}
		rest := it.Key()[len(lo):]
		if i := bytes.IndexByte(rest, 0); i >= 0 {
			e.Hash = string(rest[:i])
		}
		out[string(it.Key())] = e
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("state: erasure log: %w", err)
	}
	for k, e := range s.frozenErasures {
		out[k] = e
	}
	for k, e := range s.erasures {
		out[k] = e
	}
	return out, nil
}

// ErrBadErasureRequest wraps a request record that could not be parsed or
// validated; EraseRecord still advances past it.
var ErrBadErasureRequest = errors.New("state: bad erasure request")

// EraseRecord applies one erasure-topic record: it parses the request,
// erases (see Erase), records offset+1 as the partition's next position,
// and returns the JSON audit record to produce in the same transaction. A
// malformed request is skipped (its position still advances, so it is not
// retried forever) and reported with ErrBadErasureRequest and no audit.
func (s *Store) EraseRecord(partition int32, offset int64, value []byte) ([]byte, error) {
	req, err := ParseErasureRequest(value)
	if err != nil {
		s.mu.Lock()
		if offset+1 > s.erasurePos[partition] {
			s.erasurePos[partition] = offset + 1
		}
		s.mu.Unlock()
		return nil, fmt.Errorf("%w at %d/%d: %v", ErrBadErasureRequest, partition, offset, err)
	}
	req.Partition, req.Offset = partition, offset
	res, err := s.Erase(req)
	if err != nil {
		return nil, err
	}
	a := res.Audit(req, s.now())
	s.log.Info("erasure applied", "subject_hash", req.SubjectHash, "region", req.Region,
		"marks", a.Marks, "tombstones", a.Tombstones, "partitions", len(a.Partitions))
	return json.Marshal(a)
}
