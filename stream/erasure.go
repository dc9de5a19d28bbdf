package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Eraser is what the erasure reader needs from the state store;
// state.Store implements it.
type Eraser interface {
	// ErasureNext is the next offset to read on a request-topic
	// partition, -1 for its start. Committed with State.Commit.
	ErasureNext(partition int32) (int64, error)
	// EraseRecord applies one request and returns the audit record value.
	EraseRecord(partition int32, offset int64, value []byte) (audit []byte, err error)
}

// ErasureReader feeds erasure requests into the transaction loop. Every
// processor instance reads every partition of the request topic with a
// direct (group-less) read_committed consumer, because each instance holds
// the state of its own input partitions; it starts where the store's
// committed position says, so a request is applied once per store, and a
// new store replays them all (harmless: see state.Store.Erase).
//
// The loop, once per transaction and before State.TakePending:
//
//	audits := er.Apply(st)              // erases; deletions become pending
//	for _, a := range audits { produce(&kgo.Record{Topic: ErasureAuditTopic, Value: a}) }
//	... TakePending, produce changelog, End ...
//	on commit: st.Commit(offs); er.Commit()
//	on abort:  st.Abort(); er.Abort()   // audits re-sent with the next txn
//
// The store keeps the erasure's deletions and position pending across an
// abort, so nothing is re-read; only the audit records are held here.
type ErasureReader struct {
	cl      *kgo.Client
	log     *slog.Logger
	pending [][]byte // audits not yet in a transaction
	frozen  [][]byte // audits in the current transaction
}

// NewErasureReader creates the request topic if it is missing and starts
// consuming it from the store's positions. clientOpts are connection
// options only.
func NewErasureReader(ctx context.Context, clientOpts []kgo.Opt, topic string, e Eraser, log *slog.Logger) (*ErasureReader, error) {
	if log == nil {
		log = slog.Default()
	}
	acl, err := kgo.NewClient(clientOpts...)
	if err != nil {
		return nil, fmt.Errorf("stream: erasure client: %w", err)
	}
	defer acl.Close()
	adm := kadm.NewClient(acl)
	if _, err := adm.CreateTopic(ctx, 1, -1, ErasureTopicConfigs(), topic); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return nil, fmt.Errorf("stream: create %s: %w", topic, err)
	}
	var parts map[int32]kgo.Offset
	for i := 0; i < 40 && len(parts) == 0; i++ {
		md, err := adm.ListTopics(ctx, topic)
		if err != nil {
			return nil, fmt.Errorf("stream: describe %s: %w", topic, err)
		}
		if td, ok := md[topic]; ok && td.Err == nil {
			parts = map[int32]kgo.Offset{}
			for p := range td.Partitions {
				next, err := e.ErasureNext(p)
				if err != nil {
					return nil, err
				}
				parts[p] = kgo.NewOffset().AtStart()
				if next >= 0 {
					parts[p] = kgo.NewOffset().At(next)
				}
			}
		}
		if len(parts) == 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-timeAfter250ms():
			}
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("stream: erasure topic %s has no partitions", topic)
	}
	cl, err := kgo.NewClient(append(append([]kgo.Opt(nil), clientOpts...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))...)
	if err != nil {
		return nil, fmt.Errorf("stream: erasure consumer: %w", err)
	}
	return &ErasureReader{cl: cl, log: log}, nil
}

// Apply erases every request fetched so far (without blocking) and returns
// the audit records the current transaction must carry, including those of
// an aborted earlier transaction. Malformed requests are logged and
// skipped.
func (r *ErasureReader) Apply(e Eraser) [][]byte {
	//lint:ignore SA1012 franz-go documents a nil context as "return what is buffered without waiting"
	fs := r.cl.PollFetches(nil)
	fs.EachError(func(t string, p int32, err error) {
		r.log.Warn("erasure topic fetch error", "topic", t, "partition", p, "err", err)
	})
	fs.EachRecord(func(rec *kgo.Record) {
		audit, err := e.EraseRecord(rec.Partition, rec.Offset, rec.Value)
		if err != nil {
			r.log.Error("erasure request not applied", "partition", rec.Partition, "offset", rec.Offset, "err", err)
			return
		}
		r.pending = append(r.pending, audit)
	})
	r.frozen = append(r.frozen, r.pending...)
	r.pending = nil
	return r.frozen
}

// Commit forgets the audits the committed transaction carried.
func (r *ErasureReader) Commit() { r.frozen = nil }

// Abort keeps them for the next transaction.
func (r *ErasureReader) Abort() {}

// Close stops the consumer.
func (r *ErasureReader) Close() { r.cl.Close() }

func timeAfter250ms() <-chan time.Time { return time.After(250 * time.Millisecond) }
