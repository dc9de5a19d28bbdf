package stream

import (
	"time"
)

// State is the processor's local dedup state, driven in step with Kafka
// transactions. state.Store implements it; it is declared here, where it is
// used.
//
// The loop calls it in this order for every transaction:
//
//	stages run (the dedup stage calls CheckAndMark, adding pending marks)
//	TakePending            -> changelog records produced in the same txn
//	commit txn             -> Commit(produced offsets)   on success
//	                       -> Abort()                    on failure
//
// Between TakePending and Commit/Abort no stage runs, so the pending set
// that Commit makes durable is exactly the one whose changelog records (and
// outputs and input offsets) the transaction carried.
type State interface {
	// TakePending returns the changelog entries for marks and deletions made
	// since the last TakePending, and freezes them for Commit or Abort.
	TakePending() []ChangelogEntry
	// Commit makes the frozen entries durable. offsets holds, per changelog
	// partition, the offset of the last changelog record the committed
	// transaction produced there, so a later restore can start after it.
	Commit(offsets map[int32]int64) error
	// Abort discards the frozen entries: their emails will be redelivered
	// and must not be taken for duplicates.
	Abort()

	// ChangelogPosition returns the next changelog offset to read for a
	// partition and the changelog topic id the store was built from
	// (empty if none). -1 means the store has nothing for this partition.
	ChangelogPosition(partition int32) (next int64, topicID string, err error)
	// ApplyChangelog applies one changelog record during restore. A nil
	// value is a tombstone.
	ApplyChangelog(partition int32, offset int64, key, value []byte) error
	// ResetPartition drops all local state for a partition before a full
	// restore (changelog truncated past the stored offset, or recreated).
	ResetPartition(partition int32, topicID string) error
	// FinishRestore records that the partition is restored up to next.
	FinishRestore(partition int32, next int64, topicID string) error
}

// Sweeper is implemented by states whose marks expire. SweepExpired
// deletes expired marks, adding their tombstones to the pending set; it is
// called before TakePending.
type Sweeper interface {
	SweepExpired(now time.Time) (queued int, more bool, err error)
}

// Revoker is implemented by states that must hear when partitions leave
// this instance. Revoke is called between transactions, never while one is
// in flight.
type Revoker interface {
	Revoke(partitions []int32)
}

// ChangelogEntry is one record for the state changelog topic. Partition is
// the input partition the mark belongs to: the changelog is co-partitioned
// with the input.
type ChangelogEntry struct {
	Partition int32
	Key       []byte
	Value     []byte // nil is a tombstone
}

// Observer receives the loop's events. The metrics package implements it;
// nil observers are replaced with a no-op. Implementations must be cheap and
// safe for concurrent use. Labels passed here are bounded (regions,
// categories, reasons): never personal data.
type Observer interface {
	Processed(region, category, language string, e2e time.Duration)
	PII(region, typ string, n int)
	Duplicate(region string)
	DeadLetter(region, stage, reason string)
	Error(stage, class string)
	Transaction(outcome string, d time.Duration) // outcome: committed, aborted, failed
	Rebalance(kind string)                       // assigned, revoked, lost
	PartitionsAssigned(n int)
	// Lag reports, per assigned partition, the records behind the last
	// stable offset and the age of the oldest unprocessed record.
	Lag(topic string, partition int32, records int64, age time.Duration)
	ForgetPartition(topic string, partition int32)
	Restore(partition int32, remaining int64, done bool, d time.Duration)
	ComplianceViolation(framework, rule string)
}

type nopObserver struct{}

func (nopObserver) Processed(string, string, string, time.Duration) {}
func (nopObserver) PII(string, string, int)                         {}
func (nopObserver) Duplicate(string)                                {}
func (nopObserver) DeadLetter(string, string, string)               {}
func (nopObserver) Error(string, string)                            {}
func (nopObserver) Transaction(string, time.Duration)               {}
func (nopObserver) Rebalance(string)                                {}
func (nopObserver) PartitionsAssigned(int)                          {}
func (nopObserver) Lag(string, int32, int64, time.Duration)         {}
func (nopObserver) ForgetPartition(string, int32)                   {}
func (nopObserver) Restore(int32, int64, bool, time.Duration)       {}
func (nopObserver) ComplianceViolation(string, string)              {}

var _ Observer = nopObserver{}
