// Package state is the processor's local dedup memory: which emails were
// already emitted, for how long that may be remembered, and for whom it must
// be forgotten. It is the only package that imports Pebble.
//
// # Why Pebble v2
//
// github.com/cockroachdb/pebble/v2 is the maintained line (v1 only receives
// fixes for older CockroachDB releases), it is what go.mod pins, and a store
// created by triage is always new, so the older on-disk formats v1 reads buy
// nothing. New stores are created at FormatNewest.
//
// # Layout
//
// One Pebble DB per processor instance (Options.Dir) with one block cache of
// Options.CacheSize shared by every partition. Each input partition owns
// disjoint key ranges; P is the partition as 4 big-endian bytes and K the
// dedup key bytes (the hex HMAC from the parse stage, decoded):
//
//	m/P/K               mark: first-seen time, expiry, region, output email id,
//	                    source offset, participant hashes
//	x/P/<bucket BE64>K  expiry index, bucket = expiry hour, so the sweeper
//	                    walks whole expired hours in key order
//	p/P/<len><hash>K    participant index (keyed hash of an address) for erasure
//	t/P/K               tombstone owed: a mark deleted locally while this
//	                    instance did not own P; turned into a changelog
//	                    tombstone when P is next restored here
//	c/P                 changelog next offset, changelog topic id, last restore
//	e/<hash>            erasure log: subjects erased and when (replayed into
//	                    every partition restored later)
//	E/P                 next offset to read on the erasure request topic
//
// No key or value holds a raw identifier: dedup keys and participant hashes
// are HMACs computed before they reach this package (see ParticipantHash).
//
// # The invariant
//
// A mark is durable in Pebble only if the Kafka transaction that carried its
// email's output (and input offset, and the mark's changelog record)
// committed. Marks made by CheckAndMark live in a per-partition in-memory
// pending set that CheckAndMark consults before Pebble, so duplicates within
// an uncommitted batch are caught too. The loop then calls TakePending (the
// set freezes; its changelog records go into the transaction), and after the
// transaction either Commit (the frozen set and the changelog offsets are
// applied in one synced Pebble batch) or Abort (the frozen marks vanish: the
// emails they belonged to will be redelivered and must not look like
// duplicates). Deletions (expiry, erasure) are not tied to input records, so
// Abort puts them back into the pending set for the next transaction.
//
// A crash between the Kafka commit and the Pebble Commit leaves Pebble
// behind the changelog, never ahead: the stored changelog next offset was
// not advanced either, so the incremental restore that runs on every
// assignment (including the first one after a restart) replays exactly the
// missing records. The local store is therefore reused after an unclean
// shutdown, never wiped; it is rebuilt from the changelog only when the
// changelog was truncated past the stored offset or recreated (topic id
// changed).
//
// Between TakePending and Commit/Abort no CheckAndMark may run (the loop
// guarantees it; CheckAndMark returns ErrFrozen otherwise), because a
// duplicate decided against a frozen mark would be wrong if that
// transaction aborted.
//
// Dedup is per partition: a key is remembered in the partition its email
// arrived on. Ingestors must key input records consistently (the same email
// always to the same partition, e.g. keyed by Message-ID); a duplicate sent
// to a different partition is not caught. Different partitions are checked
// concurrently; CheckAndMark on one partition is serialised by that
// partition's lock.
//
// Expiry: every mark carries its region's retention at the time it was made.
// CheckAndMark treats an expired mark as absent whether or not the sweeper
// has removed it yet. The sweeper deletes whole expired hour buckets, so a
// mark is physically removed from the store at most one hour plus one sweep
// interval after it expires, and its changelog tombstone rides in the next
// transaction.
package state
