package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// runEOS is the exactly-once loop. See the Processor doc for the
// invariants; the order of calls below is what upholds them:
//
//  1. poll (the session aborts the next End if a revoke happens after this)
//  2. Begin
//  3. run stages; produce outputs, DLQ records, then State.TakePending's
//     changelog entries — no stage runs after TakePending
//  4. Flush, then End(commit only if every produce succeeded and no
//     record failed transiently)
//  5. State.Commit on a commit, State.Abort otherwise (End has already
//     rewound the consumer to the committed offsets, so the batch will be
//     redelivered)
func (p *Processor) runEOS(ctx context.Context) error {
	sess, err := kgo.NewGroupTransactSession(p.baseOpts()...)
	if err != nil {
		return fmt.Errorf("stream: client: %w", err)
	}
	cl := sess.Client()
	// Initialise the transactional producer id now rather than at the first
	// produce: InitProducerID fences a killed predecessor with the same
	// transactional id and makes the coordinator abort its open
	// transaction, which the changelog restore waits for (an open
	// transaction holds the last stable offset back).
	if _, _, err := cl.ProducerID(ctx); err != nil {
		sess.Close()
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("stream: init transactional producer %s: %w", p.o.TransactionalID, err)
	}
	defer func() {
		p.o.Health.SetJoined(false)
		// Close leaves the group (unless static) after aborting nothing: the
		// loop only exits between transactions.
		closeCtx, cancel := context.WithTimeout(context.Background(), p.o.ShutdownTimeout)
		defer cancel()
		done := make(chan struct{})
		go func() { sess.Close(); close(done) }()
		select {
		case <-done:
		case <-closeCtx.Done():
			p.log.Warn("group leave exceeded shutdown budget")
		}
	}()
	p.log.Info("processor started", "mode", p.o.Mode, "group", p.o.Group,
		"topics", fmt.Sprint(p.o.InputTopics), "transactional_id", p.o.TransactionalID, "workers", p.o.Workers)

	return p.loop(ctx, sess.PollRecords, func(bctx context.Context, recs []*kgo.Record) (bool, error) {
		return p.eosBatch(bctx, sess, cl, recs)
	}, nil)
}

// loop is the poll/process cycle both modes share. batch runs one batch
// (possibly empty, for idle state work) and reports whether it committed;
// a non-nil error ends the loop. onFail, if set, runs after a batch that
// did not commit, before the backoff.
func (p *Processor) loop(ctx context.Context, poll func(context.Context, int) kgo.Fetches,
	batch func(context.Context, []*kgo.Record) (bool, error), onFail func([]*kgo.Record)) error {
	var bo backoff
	for {
		p.o.Health.Beat()
		fetches := pollBeat(ctx, func(c context.Context) kgo.Fetches { return poll(c, p.o.BatchMaxRecords) })
		if fetches.IsClientClosed() || ctx.Err() != nil {
			return nil
		}
		logFetchErrors(p.log, fetches)
		if err := p.betweenTransactions(); err != nil {
			return err
		}
		recs := fetches.Records()
		if len(recs) == 0 && !p.idleWorkDue() {
			continue
		}
		// From here on the batch is finished even if ctx is cancelled: the
		// drain budget bounds it.
		bctx, cancel := p.drainContext(ctx)
		committed, err := batch(bctx, recs)
		cancel()
		if err != nil {
			return err
		}
		if committed {
			bo.reset()
			p.reportLag(fetches)
			continue
		}
		if onFail != nil {
			onFail(recs)
		}
		bo.wait(ctx)
	}
}

// drainContext returns a context that is not cancelled by ctx's
// cancellation until ShutdownTimeout after it.
func (p *Processor) drainContext(ctx context.Context) (context.Context, context.CancelFunc) {
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(p.o.ShutdownTimeout, cancel) })
	return bctx, func() { stop(); cancel() }
}

// eosBatch processes one batch in one transaction. It returns a non-nil
// error only when the session cannot continue (fenced, fatal broker error).
func (p *Processor) eosBatch(ctx context.Context, sess *kgo.GroupTransactSession, cl *kgo.Client, recs []*kgo.Record) (bool, error) {
	start := time.Now()
	if err := sess.Begin(); err != nil {
		return false, fmt.Errorf("stream: begin transaction: %w", err)
	}
	items := p.process(ctx, recs)
	out, clOffsets, perr := p.produceBatch(ctx, cl, items, func(r *kgo.Record, prom func(*kgo.Record, error)) {
		sess.Produce(ctx, r, prom)
	})

	try := kgo.TryCommit
	switch {
	case out.retry != nil:
		p.log.Warn("transient stage failure; aborting batch for redelivery", "err", out.retry, "records", len(recs))
		try = kgo.TryAbort
	case perr != nil:
		p.log.Warn("produce failed; aborting batch for redelivery", "err", perr, "records", len(recs))
		try = kgo.TryAbort
	}
	committed, err := sess.End(ctx, try)
	d := time.Since(start)
	if serr := p.endState(committed, clOffsets); serr != nil {
		// The transaction is committed; the local store failed to record
		// it. The changelog has the marks, so a restart restores them;
		// continuing would risk letting duplicates through from the stale
		// store.
		return true, fmt.Errorf("stream: state commit after transaction: %w", serr)
	}
	switch {
	case committed:
		p.o.Observer.Transaction("committed", d)
		p.afterCommit(out)
	case err != nil:
		p.o.Observer.Transaction("failed", d)
		if ctx.Err() != nil {
			return false, nil
		}
		return false, fmt.Errorf("stream: end transaction: %w", err)
	default:
		p.o.Observer.Transaction("aborted", d)
		if try == kgo.TryCommit {
			p.log.Info("transaction aborted by rebalance; batch will be redelivered", "records", len(recs))
		}
	}
	return committed, nil
}

// runALO is the at-least-once loop: produce, wait for acks, then commit
// the input offsets. A crash between the two re-processes the batch
// (duplicates downstream, never loss); dedup state limits that to emails
// whose marks were not yet committed.
func (p *Processor) runALO(ctx context.Context) error {
	cl, err := kgo.NewClient(p.baseOpts()...)
	if err != nil {
		return fmt.Errorf("stream: client: %w", err)
	}
	defer func() {
		p.o.Health.SetJoined(false)
		cl.Close()
	}()
	p.log.Info("processor started", "mode", p.o.Mode, "group", p.o.Group, "topics", fmt.Sprint(p.o.InputTopics))
	return p.loop(ctx, cl.PollRecords, func(bctx context.Context, recs []*kgo.Record) (bool, error) {
		return p.aloBatch(bctx, cl, recs), nil
	}, func(recs []*kgo.Record) {
		// Rewind to the first record of the batch in each partition so the
		// batch is redelivered. (The committed offsets are not enough: a
		// partition may have no commit yet.)
		cl.SetOffsets(firstOffsets(recs))
	})
}

func (p *Processor) aloBatch(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) bool {
	start := time.Now()
	items := p.process(ctx, recs)
	out, clOffsets, err := p.produceBatch(ctx, cl, items, func(r *kgo.Record, prom func(*kgo.Record, error)) {
		cl.Produce(ctx, r, prom)
	})
	if out.retry != nil || err != nil {
		_ = p.endState(false, nil)
		p.o.Observer.Transaction("aborted", time.Since(start))
		p.log.Warn("batch not committed; will be redelivered", "stage_err", out.retry, "produce_err", err)
		return false
	}
	var cerr error
	if len(recs) > 0 {
		cerr = cl.CommitRecords(ctx, recs...)
	}
	if err := cerr; err != nil {
		_ = p.endState(false, nil)
		p.o.Observer.Transaction("failed", time.Since(start))
		p.log.Warn("offset commit failed; batch will be redelivered", "err", err)
		return false
	}
	if err := p.endState(true, clOffsets); err != nil {
		p.log.Error("state commit failed", "err", err)
	}
	p.o.Observer.Transaction("committed", time.Since(start))
	p.afterCommit(out)
	return true
}

// firstOffsets returns, per partition, the offset of the first record of
// recs, for rewinding a failed batch.
func firstOffsets(recs []*kgo.Record) map[string]map[int32]kgo.EpochOffset {
	out := map[string]map[int32]kgo.EpochOffset{}
	for _, r := range recs {
		m := out[r.Topic]
		if m == nil {
			m = map[int32]kgo.EpochOffset{}
			out[r.Topic] = m
		}
		if cur, ok := m[r.Partition]; !ok || r.Offset < cur.Offset {
			m[r.Partition] = kgo.EpochOffset{Epoch: r.LeaderEpoch, Offset: r.Offset}
		}
	}
	return out
}

// pollBeat polls with a bounded wait so the loop comes round (and beats
// the liveness heartbeat) at least every two seconds when idle.
func pollBeat(ctx context.Context, poll func(context.Context) kgo.Fetches) kgo.Fetches {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return poll(pctx)
}

// produceBatch produces a batch's outputs and dead letters, then the state's
// own records (erasure audits, sweeper and mark changelog entries, in that
// order: no stage runs after TakePending), and flushes. It returns what was
// emitted, the last changelog offset produced per partition (for
// State.Commit), and the first produce or flush error.
func (p *Processor) produceBatch(ctx context.Context, cl *kgo.Client, items []item,
	send func(*kgo.Record, func(*kgo.Record, error))) (batchOutcome, map[int32]int64, error) {
	var (
		mu        sync.Mutex
		perr      error
		clOffsets = map[int32]int64{}
	)
	promise := func(r *kgo.Record, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if perr == nil {
				perr = err
			}
			return
		}
		if r.Topic == p.o.ChangelogTopic {
			if cur, ok := clOffsets[r.Partition]; !ok || r.Offset > cur {
				clOffsets[r.Partition] = r.Offset
			}
		}
	}
	produce := func(r *kgo.Record) { send(r, promise) }
	out := p.emit(items, produce)
	if p.o.State != nil {
		p.stateWork(produce)
		for _, ce := range p.o.State.TakePending() {
			produce(&kgo.Record{Topic: p.o.ChangelogTopic, Partition: ce.Partition, Key: ce.Key, Value: ce.Value})
		}
	}
	ferr := cl.Flush(ctx)
	mu.Lock()
	defer mu.Unlock()
	return out, clOffsets, errors.Join(ferr, perr)
}
