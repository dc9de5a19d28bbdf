package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/regions"
	"github.com/triage-dev/triage/schemas"
	"github.com/triage-dev/triage/stages"
)

// Delivery modes.
const (
	ExactlyOnce = "exactly-once"
	AtLeastOnce = "at-least-once"
)

// RegionHeader is the input record header that selects an email's region.
const RegionHeader = "triage-region"

// Health receives liveness and readiness facts from the loop. The admin
// server implements it; nil is a no-op.
type Health interface {
	Beat()              // the loop is alive (called every poll)
	SetJoined(bool)     // group joined / left
	SetRestoring(n int) // partitions still restoring state
}

// Violation is a compliance signal for one email.
type Violation struct{ Framework, Rule string }

// Options configure a Processor. Fields marked required must be set; the
// rest have defaults applied by EnsureDefaults and are checked by Validate.
type Options struct {
	Brokers     []string // required
	InputTopics []string // required
	Group       string   // required
	// InstanceID enables static membership; it also makes the
	// transactional id stable across restarts so a restarted instance
	// fences its predecessor's open transaction at once instead of waiting
	// for the transaction timeout.
	InstanceID string
	ClientID   string
	// TransactionalID overrides the derived id (group + instance).
	TransactionalID string
	Mode            string // ExactlyOnce (default) or AtLeastOnce

	// ConnOpts are connection options (TLS, SASL) used by every client the
	// processor makes: the group client, admin, restore and erasure.
	ConnOpts []kgo.Opt
	// ExtraOpts are appended to the group client's options only (hooks
	// such as kprom, which must be installed on one client).
	ExtraOpts []kgo.Opt

	FetchMaxBytes      int32         // default 50 MiB
	MaxBufferedRecords int           // default 10000 (bounds the fetch buffer)
	BatchMaxRecords    int           // records per transaction, default 2000
	SessionTimeout     time.Duration // default 45s
	TransactionTimeout time.Duration // default 40s; must be < SessionTimeout
	// Workers bounds CPU-heavy stage work across partitions; default
	// GOMAXPROCS.
	Workers int
	// ShutdownTimeout bounds the drain on shutdown; default 30s.
	ShutdownTimeout time.Duration
	// Partitions is the partition count used if triage must create the
	// input topic itself (CreateInputTopics); default 6.
	Partitions int32
	// CreateInputTopics creates missing input topics (demo, tests). In
	// production a missing input topic is a startup error.
	CreateInputTopics bool

	Pipeline *stages.Pipeline  // required
	Regions  *regions.Registry // required
	Codec    *schemas.Codec    // default schemas.NewCodec()
	State    State             // optional dedup state
	// Restore brings state up to date for newly assigned partitions. It
	// is called from the assignment callback, before those partitions
	// are fetched. Default with State set: RestorePartitions from the
	// changelog topic.
	Restore func(ctx context.Context, partitions []int32) error
	// ChangelogTopic receives State's changelog entries; required when
	// State is set.
	ChangelogTopic string
	// Eraser applies erasure requests read from ErasureTopic (state.Store
	// implements it); nil disables erasure.
	Eraser Eraser
	// SweepInterval is how often expired marks are swept (State must
	// implement Sweeper); an idle processor runs a transaction that often
	// so expiries and erasures do not wait for traffic. Default 1m.
	SweepInterval time.Duration
	// DuplicateMarker produces a small record for each dropped duplicate.
	DuplicateMarker bool
	// Compliance returns per-email compliance signals; optional.
	Compliance func(e *email.Email) []Violation

	Observer Observer
	Health   Health
	Logger   *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// EnsureDefaults fills zero values.
func (o *Options) EnsureDefaults() {
	if o.Mode == "" {
		o.Mode = ExactlyOnce
	}
	if o.ClientID == "" {
		o.ClientID = "triage"
	}
	if o.FetchMaxBytes == 0 {
		o.FetchMaxBytes = 50 << 20
	}
	if o.MaxBufferedRecords == 0 {
		o.MaxBufferedRecords = 10000
	}
	if o.BatchMaxRecords == 0 {
		o.BatchMaxRecords = 2000
	}
	if o.SessionTimeout == 0 {
		o.SessionTimeout = 45 * time.Second
	}
	if o.TransactionTimeout == 0 {
		o.TransactionTimeout = 40 * time.Second
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	if o.Partitions == 0 {
		o.Partitions = 6
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = time.Minute
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	if o.Health == nil {
		o.Health = nopHealth{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TransactionalID == "" {
		id := o.InstanceID
		if id == "" {
			id = "default"
		}
		o.TransactionalID = o.Group + "-txn-" + id
	}
}

// Validate reports every problem at once.
func (o *Options) Validate() error {
	var p []string
	if len(o.Brokers) == 0 {
		p = append(p, "no brokers")
	}
	if len(o.InputTopics) == 0 {
		p = append(p, "no input topics")
	}
	if o.Group == "" {
		p = append(p, "no consumer group")
	}
	if o.Mode != ExactlyOnce && o.Mode != AtLeastOnce {
		p = append(p, fmt.Sprintf("mode %q is not %s or %s", o.Mode, ExactlyOnce, AtLeastOnce))
	}
	if o.TransactionTimeout >= o.SessionTimeout {
		p = append(p, "transaction timeout must be below the session timeout")
	}
	if o.Pipeline == nil {
		p = append(p, "no pipeline")
	}
	if o.Regions == nil {
		p = append(p, "no region registry")
	}
	if o.State != nil && o.ChangelogTopic == "" {
		p = append(p, "state without a changelog topic")
	}
	if o.Eraser != nil && o.State == nil {
		p = append(p, "erasure needs state")
	}
	if o.BatchMaxRecords < 1 || o.Workers < 1 {
		p = append(p, "batch size and workers must be >= 1")
	}
	if len(p) > 0 {
		return errors.New("stream: invalid options: " + strings.Join(p, "; "))
	}
	return nil
}

type nopHealth struct{}

func (nopHealth) Beat()            {}
func (nopHealth) SetJoined(bool)   {}
func (nopHealth) SetRestoring(int) {}
