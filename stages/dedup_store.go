package stages

import "time"

// DedupStore is what the dedup stage needs from the state store. It is
// declared here, where it is used; state.Store implements it.
type DedupStore interface {
	// CheckAndMark reports whether m.Key was already marked, either durably
	// (a committed earlier email) or pending in the current, not yet
	// committed batch. If not, it records m as pending: the mark becomes
	// durable only when the processor commits the Kafka transaction that
	// carries this email's output (see package state for the invariant).
	// dupOf is the email id recorded with the first mark.
	CheckAndMark(m Mark) (dup bool, dupOf string, err error)
}

// Mark is one dedup entry. Key and Participants are keyed hashes; no raw
// identifier ever reaches the store.
type Mark struct {
	Key          string
	EmailID      string
	Region       string
	Participants []string
	Topic        string
	Partition    int32
	Offset       int64
	SeenAt       time.Time
	Expiry       time.Time
}
