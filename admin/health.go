package admin

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// HealthOptions configures NewHealth.
type HealthOptions struct {
	// LivenessTimeout is how old the loop heartbeat may be before /healthz
	// fails. It must exceed the longest legitimate gap between Beat calls
	// (a transaction commit plus a poll). Default 60s.
	LivenessTimeout time.Duration
	// Broker checks that a broker answers (for example a metadata request
	// through the loop's client). Nil skips the check. It is called with
	// BrokerTimeout and its result is cached for one second, so frequent
	// probes do not turn into broker load.
	Broker func(ctx context.Context) error
	// BrokerTimeout bounds one Broker call. Default 2s.
	BrokerTimeout time.Duration
	// MaxLag, when positive, makes /readyz fail while Lag reports more.
	// Default 0: lag does not affect readiness.
	MaxLag time.Duration
	// Lag reports the current worst lag in seconds (metrics.Metrics.MaxLag).
	Lag func() time.Duration
	// Now is the clock, for tests. Default time.Now.
	Now func() time.Time
}

// Health holds the liveness and readiness inputs. Its setters are cheap and
// safe for concurrent use; the loop calls them.
type Health struct {
	o       HealthOptions
	beat    atomic.Int64 // unix nanos of the last Beat
	joined  atomic.Bool
	restore atomic.Int64 // partitions still restoring
	started atomic.Bool  // the loop has started (first Beat or SetJoined)

	bmu     sync.Mutex
	bAt     time.Time
	bErr    error
	bCalled bool
}

// NewHealth returns a Health whose heartbeat starts now: a process that has
// not yet reached its loop is alive for one LivenessTimeout.
func NewHealth(o HealthOptions) *Health {
	if o.LivenessTimeout <= 0 {
		o.LivenessTimeout = 60 * time.Second
	}
	if o.BrokerTimeout <= 0 {
		o.BrokerTimeout = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Health{o: o}
	h.beat.Store(o.Now().UnixNano())
	return h
}

// Beat records that the loop made progress (one poll iteration, even an
// empty one).
func (h *Health) Beat() {
	h.beat.Store(h.o.Now().UnixNano())
	h.started.Store(true)
}

// SetJoined records whether the consumer group is joined (partitions may be
// zero: a joined member with nothing assigned is ready, just idle).
func (h *Health) SetJoined(joined bool) { h.joined.Store(joined) }

// SetRestoring records how many assigned partitions are still restoring
// state; 0 once all are restored.
func (h *Health) SetRestoring(n int) { h.restore.Store(int64(n)) }

// Check is one line of a probe report.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Live reports liveness.
func (h *Health) Live() (bool, []Check) {
	age := h.o.Now().Sub(time.Unix(0, h.beat.Load()))
	restoring := h.restore.Load()
	c := Check{Name: "loop", OK: age <= h.o.LivenessTimeout,
		Detail: fmt.Sprintf("last heartbeat %s ago", age.Round(time.Millisecond))}
	if !c.OK && restoring > 0 {
		c.OK = true
		c.Detail += fmt.Sprintf("; %d partitions restoring", restoring)
	}
	return c.OK, []Check{c}
}

// Ready reports readiness; every check runs so the report lists all
// problems at once.
func (h *Health) Ready(ctx context.Context) (bool, []Check) {
	var checks []Check
	if h.o.Broker != nil {
		err := h.broker(ctx)
		c := Check{Name: "broker", OK: err == nil}
		if err != nil {
			c.Detail = err.Error()
		}
		checks = append(checks, c)
	}
	checks = append(checks, Check{Name: "group", OK: h.joined.Load(), Detail: map[bool]string{true: "joined", false: "not joined"}[h.joined.Load()]})
	n := h.restore.Load()
	checks = append(checks, Check{Name: "state", OK: n == 0, Detail: fmt.Sprintf("%d partitions restoring", n)})
	if h.o.MaxLag > 0 && h.o.Lag != nil {
		l := h.o.Lag()
		checks = append(checks, Check{Name: "lag", OK: l <= h.o.MaxLag,
			Detail: fmt.Sprintf("max lag %s, threshold %s", l.Round(time.Millisecond), h.o.MaxLag)})
	}
	if live, lc := h.Live(); !live {
		checks = append(checks, lc...)
	}
	ok := true
	for _, c := range checks {
		ok = ok && c.OK
	}
	return ok, checks
}

func (h *Health) broker(ctx context.Context) error {
	h.bmu.Lock()
	defer h.bmu.Unlock()
	now := h.o.Now()
	if h.bCalled && now.Sub(h.bAt) < time.Second {
		return h.bErr
	}
	ctx, cancel := context.WithTimeout(ctx, h.o.BrokerTimeout)
	defer cancel()
	h.bErr = h.o.Broker(ctx)
	if h.bErr != nil {
		h.bErr = fmt.Errorf("broker unreachable: %w", h.bErr)
	}
	h.bAt, h.bCalled = now, true
	return h.bErr
}
