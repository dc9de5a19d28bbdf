package stages

import (
	"context"
	"fmt"
	"time"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/regions"
)

func init() { register("dedup", newDedup) }

// WarnNoDedupKey is added when an email reaches dedup without a key (the
// parse stage was disabled): it is processed, never taken for a duplicate.
const WarnNoDedupKey = "dedup_key_missing"

// dedupStage drops emails already emitted within their region's retention.
// It runs second, right after parse, so a duplicate costs one parse and one
// store lookup and skips every other stage.
type dedupStage struct {
	store   DedupStore
	regions *regions.Registry
	now     func() time.Time
}

// newDedup returns (nil, nil) when no store is configured: dedup disabled.
func newDedup(cfg *Config) (Stage, error) {
	if cfg.Dedup == nil {
		return nil, nil
	}
	return &dedupStage{store: cfg.Dedup, regions: cfg.Regions, now: time.Now}, nil
}

func (s *dedupStage) Name() string { return "dedup" }

// Process marks e as seen, or flags it as a duplicate of the first email
// with its key (e.Duplicate ends the pipeline; the loop counts and drops
// it). The mark expires after the region's state retention. A store
// failure is transient: the batch is retried, never emitted unchecked.
func (s *dedupStage) Process(_ context.Context, e *email.Email) error {
	if e.DedupKey == "" {
		e.Warn(WarnNoDedupKey)
		return nil
	}
	p := s.regions.Policy(e.Region)
	if p == nil {
		p = s.regions.Policy(s.regions.DefaultRegion())
	}
	now := s.now().UTC()
	dup, of, err := s.store.CheckAndMark(Mark{
		Key:          e.DedupKey,
		EmailID:      e.ID,
		Region:       e.Region,
		Participants: e.Participants,
		Topic:        e.Source.Topic,
		Partition:    e.Source.Partition,
		Offset:       e.Source.Offset,
		SeenAt:       now,
		Expiry:       now.Add(p.StateRetention()),
	})
	if err != nil {
		return Transient("state_unavailable", fmt.Errorf("dedup: %w", err))
	}
	if dup {
		e.Duplicate = true
		e.DuplicateOf = of
	}
	return nil
}
