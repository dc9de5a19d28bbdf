package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/schemas"
	"github.com/triage-dev/triage/stages"
)

// Processor is the long-running consumer-group loop.
//
// # Exactly-once
//
// In ExactlyOnce mode one Kafka transaction carries, for every batch of
// polled records: the output records, the dead letters, the state changelog
// records, and the group's input offsets (GroupTransactSession). Either all
// of them become visible to read_committed consumers or none do. Local
// state follows the transaction: marks made while processing the batch are
// pending until End reports a commit, and are dropped on abort, so a
// redelivered email is never mistaken for a duplicate (see package state).
//
// A batch is aborted, and its records redelivered from the last committed
// offsets, when: a stage fails transiently, a produce fails, the group
// rebalances before End (GroupTransactSession aborts on revoke: another
// member may already be processing those partitions), or the commit itself
// fails. A permanent stage failure is not a reason to abort: that record
// goes to its region's DLQ inside the same transaction and the partition
// moves on, so one poison message never blocks a partition.
//
// The transaction timeout is kept below the session timeout (Validate), as
// franz-go's GroupTransactSession documentation asks: a transaction must
// not outlive our membership.
//
// # Ordering
//
// Records of a batch are processed concurrently on a bounded worker pool
// (stage work is CPU-bound and both cores should be busy), but produced in
// poll order, so per-partition order is kept in the outputs.
//
// # Memory
//
// Bounded by: FetchMaxBytes per fetch response, MaxBufferedRecords polled
// but not yet processed, BatchMaxRecords records (and their parsed emails)
// in flight, and the producer's buffer (which End flushes every batch).
type Processor struct {
	o   Options
	log *slog.Logger

	mu       sync.Mutex
	assigned map[string]map[int32]struct{}
	// revokedParts are partitions revoked or lost since the last
	// transaction ended; State.Revoke hears of them between transactions
	// (the revoke callback can run while a batch is in flight). A partition
	// reassigned before then is taken off the list before its restore.
	revokedParts map[int32]struct{}
	// fatal is set by a callback that cannot return an error (a restore
	// that failed every retry); the loop exits with it.
	fatal     error
	nextSweep time.Time
	erasure   *ErasureReader
}

// New validates o and returns a Processor. It does not connect.
func New(o Options) (*Processor, error) {
	o.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Codec == nil {
		c, err := schemas.NewCodec()
		if err != nil {
			return nil, err
		}
		o.Codec = c
	}
	return &Processor{
		o:            o,
		log:          o.Logger.With("component", "stream"),
		assigned:     map[string]map[int32]struct{}{},
		revokedParts: map[int32]struct{}{},
	}, nil
}

// CheckBrokers dials each seed broker once and returns a one-line error
// naming them if none answers, so an unreachable cluster fails fast with
// a clear message instead of a client retrying in the background.
func CheckBrokers(ctx context.Context, brokers []string, timeout time.Duration) error {
	var last error
	for _, b := range brokers {
		d := net.Dialer{Timeout: timeout}
		c, err := d.DialContext(ctx, "tcp", b)
		if err == nil {
			c.Close()
			return nil
		}
		last = err
	}
	return fmt.Errorf("cannot reach any broker of %v: %v", brokers, last)
}

// connOpts are the options for any auxiliary client: seeds, TLS, SASL.
func (p *Processor) connOpts() []kgo.Opt {
	return append([]kgo.Opt{kgo.SeedBrokers(p.o.Brokers...)}, p.o.ConnOpts...)
}

func (p *Processor) baseOpts() []kgo.Opt {
	o := p.o
	balancer := kgo.CooperativeStickyBalancer()
	if o.State != nil && len(o.InputTopics) > 1 {
		// Partition p of every input topic shares changelog partition p,
		// so they must be owned by the same member: the range balancer
		// co-locates equal partition numbers (eager rebalances, the price
		// of several input topics with dedup state).
		balancer = kgo.RangeBalancer()
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(o.Brokers...),
		kgo.ClientID(o.ClientID),
		kgo.ConsumerGroup(o.Group),
		kgo.ConsumeTopics(o.InputTopics...),
		kgo.Balancers(balancer),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxBytes(o.FetchMaxBytes),
		kgo.FetchMaxPartitionBytes(o.FetchMaxBytes),
		kgo.MaxBufferedRecords(o.MaxBufferedRecords),
		kgo.SessionTimeout(o.SessionTimeout),
		kgo.DisableAutoCommit(),
		kgo.RecordPartitioner(&partitioner{changelog: o.ChangelogTopic, fallback: kgo.StickyKeyPartitioner(nil)}),
		kgo.OnPartitionsAssigned(p.onAssigned),
		kgo.OnPartitionsRevoked(p.onRevoked),
		kgo.OnPartitionsLost(p.onLost),
		kgo.WithLogger(kgoLogger{p.log}),
	}
	if o.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(o.InstanceID))
	}
	if o.Mode == ExactlyOnce {
		opts = append(opts,
			kgo.TransactionalID(o.TransactionalID),
			kgo.TransactionTimeout(o.TransactionTimeout),
		)
	}
	opts = append(opts, o.ConnOpts...)
	return append(opts, o.ExtraOpts...)
}

// partitioner sends changelog records to the partition they name (the
// changelog is co-partitioned with the input) and hashes everything else
// by key, so all records of one email id land in one output partition.
type partitioner struct {
	changelog string
	fallback  kgo.Partitioner
}

func (p *partitioner) ForTopic(t string) kgo.TopicPartitioner {
	if t == p.changelog && t != "" {
		return kgo.ManualPartitioner().ForTopic(t)
	}
	return p.fallback.ForTopic(t)
}

// Run processes until ctx is cancelled (graceful drain) or a fatal error.
func (p *Processor) Run(ctx context.Context) error {
	o := p.o
	if err := CheckBrokers(ctx, o.Brokers, 10*time.Second); err != nil {
		return err
	}
	admCl, err := kgo.NewClient(p.connOpts()...)
	if err != nil {
		return fmt.Errorf("stream: admin client: %w", err)
	}
	adm := kadm.NewClient(admCl)
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	partitions, err := EnsureTopics(tctx, adm, p.o, p.log)
	if err == nil && o.State != nil {
		_, err = EnsureChangelog(tctx, adm, o.ChangelogTopic, partitions)
	}
	if err == nil && o.Eraser != nil {
		_, cerr := adm.CreateTopic(tctx, 1, -1, ErasureTopicConfigs(), ErasureAuditTopic)
		if cerr != nil && !errors.Is(cerr, kerr.TopicAlreadyExists) {
			err = fmt.Errorf("stream: create %s: %w", ErasureAuditTopic, cerr)
		}
	}
	cancel()
	admCl.Close()
	if err != nil {
		return err
	}
	if o.State != nil && p.o.Restore == nil {
		p.o.Restore = func(ctx context.Context, parts []int32) error {
			return RestorePartitions(ctx, p.connOpts(), o.ChangelogTopic, parts, o.State, o.Observer, p.log)
		}
	}
	if o.Eraser != nil {
		er, err := NewErasureReader(ctx, p.connOpts(), ErasureTopic, o.Eraser, p.log)
		if err != nil {
			return err
		}
		p.erasure = er
		defer er.Close()
	}
	if o.Mode == ExactlyOnce {
		return p.runEOS(ctx)
	}
	return p.runALO(ctx)
}

// item is one record's trip through the pipeline.
type item struct {
	rec *kgo.Record
	e   *email.Email
	err error
}

func (p *Processor) newEmail(r *kgo.Record) *email.Email {
	e := &email.Email{
		Raw: r.Value,
		Source: email.Source{
			Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
			Timestamp: r.Timestamp, Key: r.Key,
		},
	}
	for _, h := range r.Headers {
		if h.Key == RegionHeader {
			e.RegionHint = string(h.Value)
		}
	}
	return e
}

// process runs the pipeline over recs on the worker pool. Results are in
// input order. Every goroutine it starts has returned when it returns.
func (p *Processor) process(ctx context.Context, recs []*kgo.Record) []item {
	items := make([]item, len(recs))
	next := make(chan int)
	var wg sync.WaitGroup
	workers := min(p.o.Workers, len(recs))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				e := p.newEmail(recs[i])
				items[i] = item{rec: recs[i], e: e, err: p.o.Pipeline.Run(ctx, e)}
			}
		}()
	}
	for i := range recs {
		next <- i
	}
	close(next)
	wg.Wait()
	return items
}

// batchOutcome collects what a batch produced, for metrics after commit.
type batchOutcome struct {
	retry     error // first transient error: the batch must not commit
	processed []*email.Email
	dups      []*email.Email
	dlq       []item
}

// emit produces the records for items through produce (transactional or
// not) in input order.
func (p *Processor) emit(items []item, produce func(*kgo.Record)) batchOutcome {
	var out batchOutcome
	now := p.o.Now()
	for i := range items {
		it := &items[i]
		e := it.e
		if it.err != nil {
			// Stage errors are counted by the stage observer; only the
			// routing decision is made here.
			cls := stages.Classify(it.err)
			if cls == stages.ClassRetry {
				if out.retry == nil {
					out.retry = it.err
				}
				continue
			}
			produce(p.deadLetter(it, now))
			out.dlq = append(out.dlq, *it)
			continue
		}
		if e.Duplicate {
			out.dups = append(out.dups, e)
			if p.o.DuplicateMarker {
				produce(p.duplicateMarker(e))
			}
			continue
		}
		rec := schemas.FromEmail(e)
		val, err := p.o.Codec.Encode(rec)
		if err != nil {
			// Encoding our own model cannot fail for input reasons; treat as
			// a bug in this record and dead-letter it rather than wedge.
			it.err = stages.Permanent("encode_failed", err)
			produce(p.deadLetter(it, now))
			out.dlq = append(out.dlq, *it)
			continue
		}
		produce(&kgo.Record{
			Topic: p.o.Regions.OutputTopic(e.Region),
			Key:   []byte(e.ID),
			Value: val,
			Headers: []kgo.RecordHeader{
				{Key: schemas.HeaderContentType, Value: []byte(schemas.ContentType)},
				{Key: schemas.HeaderFingerprint, Value: []byte(p.o.Codec.Fingerprint())},
				{Key: RegionHeader, Value: []byte(e.Region)},
			},
		})
		out.processed = append(out.processed, e)
	}
	return out
}

func stageOr(err error) string {
	if s := stages.StageOf(err); s != "" {
		return s
	}
	return "pipeline"
}

func (p *Processor) duplicateMarker(e *email.Email) *kgo.Record {
	v := fmt.Sprintf(`{"duplicate_of":%q,"source_topic":%q,"source_partition":%d,"source_offset":%d}`,
		e.DuplicateOf, e.Source.Topic, e.Source.Partition, e.Source.Offset)
	return &kgo.Record{
		Topic: p.o.Regions.OutputTopic(e.Region),
		Key:   []byte(e.ID),
		Value: []byte(v),
		Headers: []kgo.RecordHeader{
			{Key: schemas.HeaderContentType, Value: []byte("application/json")},
			{Key: "triage-duplicate-of", Value: []byte(e.DuplicateOf)},
		},
	}
}

// afterCommit reports a committed batch to the observer and logs.
func (p *Processor) afterCommit(out batchOutcome) {
	now := p.o.Now()
	obs := p.o.Observer
	for _, e := range out.processed {
		var e2e time.Duration
		if !e.Source.Timestamp.IsZero() {
			e2e = now.Sub(e.Source.Timestamp)
		}
		obs.Processed(e.Region, e.Category, e.Language, e2e)
		for _, c := range e.PIICounts() {
			obs.PII(e.Region, c.Type, c.Count)
		}
		if p.o.Compliance != nil {
			for _, v := range p.o.Compliance(e) {
				obs.ComplianceViolation(v.Framework, v.Rule)
			}
		}
	}
	for _, e := range out.dups {
		obs.Duplicate(e.Region)
	}
	for _, it := range out.dlq {
		region := it.e.Region
		if region == "" {
			region = p.dlqRegion(it.e)
		}
		obs.DeadLetter(region, stageOr(it.err), stages.Reason(it.err))
		p.log.Warn("dead-lettered record", "topic", it.rec.Topic, "partition", it.rec.Partition,
			"offset", it.rec.Offset, "region", region, "stage", stageOr(it.err), "reason", stages.Reason(it.err))
	}
}

// reportLag updates per-partition lag from the fetch metadata: the last
// stable offset (read_committed), not the high watermark, so transaction
// markers do not show as a permanent lag of one.
func (p *Processor) reportLag(fetches kgo.Fetches) {
	now := p.o.Now()
	fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
		if len(fp.Records) == 0 {
			return
		}
		last := fp.Records[len(fp.Records)-1]
		lag := fp.LastStableOffset - (last.Offset + 1)
		if lag < 0 {
			lag = 0
		}
		var age time.Duration
		if lag > 0 {
			// Upper bound: the oldest unprocessed record is newer than
			// the last processed one.
			age = now.Sub(last.Timestamp)
		}
		p.o.Observer.Lag(fp.Topic, fp.Partition, lag, age)
	})
}

func (p *Processor) onAssigned(ctx context.Context, _ *kgo.Client, m map[string][]int32) {
	p.o.Observer.Rebalance("assigned")
	p.mu.Lock()
	var parts []int32
	for t, ps := range m {
		if p.assigned[t] == nil {
			p.assigned[t] = map[int32]struct{}{}
		}
		for _, x := range ps {
			p.assigned[t][x] = struct{}{}
			parts = append(parts, x)
		}
	}
	n := p.countLocked()
	p.mu.Unlock()
	p.o.Observer.PartitionsAssigned(n)
	p.o.Health.SetJoined(true)
	p.log.Info("partitions assigned", "partitions", fmt.Sprint(m), "total", n)
	if len(parts) > 0 {
		p.mu.Lock()
		for _, x := range parts {
			delete(p.revokedParts, x)
		}
		p.mu.Unlock()
	}
	if p.o.Restore != nil && len(parts) > 0 {
		p.o.Health.SetRestoring(len(parts))
		start := time.Now()
		var err error
		for attempt := 1; attempt <= 3; attempt++ {
			if err = p.o.Restore(ctx, dedupe(parts)); err == nil || ctx.Err() != nil {
				break
			}
			p.log.Warn("state restore failed; retrying", "attempt", attempt, "err", err)
			time.Sleep(time.Duration(attempt) * time.Second)
		}
		if err != nil && ctx.Err() == nil {
			// Processing these partitions without their state would let
			// duplicates through; stop and let the supervisor restart us.
			p.mu.Lock()
			p.fatal = fmt.Errorf("stream: state restore failed: %w", err)
			p.mu.Unlock()
			p.log.Error("state restore failed; stopping", "err", err)
		} else if err == nil {
			p.log.Info("state restored", "partitions", len(parts), "duration", time.Since(start).String())
		}
		p.o.Health.SetRestoring(0)
	}
}

func dedupe(ps []int32) []int32 {
	seen := map[int32]bool{}
	out := ps[:0]
	for _, x := range ps {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (p *Processor) onRevoked(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	p.dropAssigned("revoked", m)
}

func (p *Processor) onLost(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	p.dropAssigned("lost", m)
}

func (p *Processor) dropAssigned(kind string, m map[string][]int32) {
	if len(m) == 0 {
		return
	}
	p.o.Observer.Rebalance(kind)
	p.mu.Lock()
	for t, ps := range m {
		for _, x := range ps {
			delete(p.assigned[t], x)
			p.revokedParts[x] = struct{}{}
			p.o.Observer.ForgetPartition(t, x)
		}
	}
	n := p.countLocked()
	p.mu.Unlock()
	p.o.Observer.PartitionsAssigned(n)
	p.log.Info("partitions "+kind, "partitions", fmt.Sprint(m), "total", n)
}

func (p *Processor) countLocked() int {
	n := 0
	for _, ps := range p.assigned {
		n += len(ps)
	}
	return n
}

// backoff sleeps for the current delay (or until ctx is done) and doubles
// it up to 5s.
type backoff struct{ d time.Duration }

func (b *backoff) wait(ctx context.Context) {
	if b.d == 0 {
		b.d = 100 * time.Millisecond
	}
	t := time.NewTimer(b.d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	b.d = min(b.d*2, 5*time.Second)
}

func (b *backoff) reset() { b.d = 0 }

func logFetchErrors(log *slog.Logger, fetches kgo.Fetches) {
	fetches.EachError(func(t string, part int32, err error) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return
		}
		log.Warn("fetch error", "topic", t, "partition", part, "err", err)
	})
}

func itoa(n int64) []byte { return []byte(strconv.FormatInt(n, 10)) }

// betweenTransactions runs the work that must happen with no transaction
// in flight: revoked partitions are handed to the state. It returns the
// fatal error a callback left, if any.
func (p *Processor) betweenTransactions() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.revokedParts) > 0 {
		if r, ok := p.o.State.(Revoker); ok && p.o.State != nil {
			parts := make([]int32, 0, len(p.revokedParts))
			for x := range p.revokedParts {
				parts = append(parts, x)
			}
			r.Revoke(parts)
		}
		clear(p.revokedParts)
	}
	return p.fatal
}

// stateWork adds the state's own work to the transaction being built:
// erasure audits (and the deletions Apply queued) and, when due, expired
// marks. It runs before TakePending.
func (p *Processor) stateWork(produce func(*kgo.Record)) {
	if p.erasure != nil {
		for _, a := range p.erasure.Apply(p.o.Eraser) {
			produce(&kgo.Record{Topic: ErasureAuditTopic, Value: a})
		}
	}
	if sw, ok := p.o.State.(Sweeper); ok && p.o.State != nil {
		now := p.o.Now()
		if now.After(p.nextSweep) {
			n, more, err := sw.SweepExpired(now)
			if err != nil {
				p.log.Warn("sweep failed", "err", err)
			} else if n > 0 {
				p.log.Info("expired dedup marks swept", "deleted", n, "more", more)
			}
			if !more {
				p.nextSweep = now.Add(p.o.SweepInterval)
			}
		}
	}
}

// idleWorkDue reports whether an idle processor should run a transaction
// for state work.
func (p *Processor) idleWorkDue() bool {
	return p.o.State != nil && p.o.Now().After(p.nextSweep)
}

// endState settles the state and erasure reader after a transaction.
func (p *Processor) endState(committed bool, offsets map[int32]int64) error {
	if p.o.State == nil {
		return nil
	}
	if committed {
		if err := p.o.State.Commit(offsets); err != nil {
			return err
		}
		if p.erasure != nil {
			p.erasure.Commit()
		}
		return nil
	}
	p.o.State.Abort()
	if p.erasure != nil {
		p.erasure.Abort()
	}
	return nil
}
