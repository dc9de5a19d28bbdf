package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// RestoreResetObserver is an optional Observer extension told when a
// partition's state is rebuilt from the start of the changelog instead of
// incrementally. reason is "empty", "recreated" or "truncated".
type RestoreResetObserver interface {
	RestoreReset(partition int32, reason string)
}

// Restore tuning. restoreIdle ends a restore that stops receiving records
// before reaching the end offset: that happens only when the changelog's
// tail is an aborted transaction, whose records read_committed skips
// without returning. restoreSettle bounds the wait for the last stable
// offset to catch up with the store (commit markers are written after
// EndTxn returns).
var (
	restoreIdle     = 10 * time.Second
	restoreSettle   = 10 * time.Second
	restoreProgress = time.Second
	// restoreOpenTxnWait bounds the wait for a transaction still open on a
	// changelog partition (its last stable offset below its high
	// watermark): the previous owner's last transaction, which commits or
	// is aborted by the coordinator within the transaction timeout (40s by
	// default). Restoring before it settles would miss the marks it
	// commits, and a duplicate of one of those emails could pass once.
	restoreOpenTxnWait = 60 * time.Second
)

// RestorePartitions brings st up to date with the changelog topic for the
// given partitions; call it when partitions are assigned, before any of
// their input is processed (the loop calls it from the assignment callback,
// so their fetches wait).
//
// clientOpts are connection options only (seed brokers, TLS, SASL): the
// restore makes its own admin client and its own direct, group-less
// consumer (read_committed) so it never touches the group's offsets.
//
// Per partition:
//   - the store's next offset and topic id (ChangelogPosition) are compared
//     with the changelog's log start, last stable offset and topic id;
//   - incremental (the normal case, also after an unclean shutdown): read
//     from the stored next offset to the last stable offset;
//   - full (store empty for the partition, changelog recreated with a new
//     topic id, or truncated past the stored offset): ResetPartition, then
//     read from the log start. Logged at warn and reported through
//     RestoreResetObserver when obs implements it. Never a crash loop.
//
// Progress (records remaining, elapsed time) is reported through
// obs.Restore about once a second and when each partition finishes.
func RestorePartitions(ctx context.Context, clientOpts []kgo.Opt, topic string, partitions []int32, st State, obs Observer, log *slog.Logger) error {
	if obs == nil {
		obs = nopObserver{}
	}
	if log == nil {
		log = slog.Default()
	}
	if len(partitions) == 0 {
		return nil
	}
	start := time.Now()
	acl, err := kgo.NewClient(clientOpts...)
	if err != nil {
		return fmt.Errorf("stream: restore client: %w", err)
	}
	defer acl.Close()
	adm := kadm.NewClient(acl)

	md, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return fmt.Errorf("stream: restore: list %s: %w", topic, err)
	}
	td, ok := md[topic]
	if !ok || td.Err != nil {
		return fmt.Errorf("stream: restore: changelog %s: %v", topic, td.Err)
	}
	topicID := td.ID.String()
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("stream: restore: start offsets of %s: %w", topic, err)
	}
	ends, err := settledEnds(ctx, adm, topic, topicID, partitions, st)
	if err != nil {
		return err
	}

	type span struct{ from, end int64 }
	todo := map[int32]span{}
	for _, p := range partitions {
		next, storedID, err := st.ChangelogPosition(p)
		if err != nil {
			return fmt.Errorf("stream: restore partition %d: %w", p, err)
		}
		so, ok := starts.Lookup(topic, p)
		if !ok || so.Err != nil {
			return fmt.Errorf("stream: restore: %s partition %d has no start offset (is the changelog co-partitioned with the input?): %v", topic, p, so.Err)
		}
		eo := ends[p]
		reason := ""
		switch {
		case next < 0:
			reason = "empty"
		case storedID != "" && storedID != topicID:
			reason = "recreated"
		case next < so.Offset || next > eo:
			reason = "truncated"
		}
		from := next
		if reason != "" {
			if reason != "empty" {
				log.Warn("state changelog truncated or recreated; full restore of partition",
					"partition", p, "reason", reason, "stored_next", next, "log_start", so.Offset, "end", eo)
			}
			if ro, ok := obs.(RestoreResetObserver); ok {
				ro.RestoreReset(p, reason)
			}
			if err := st.ResetPartition(p, topicID); err != nil {
				return fmt.Errorf("stream: restore partition %d: %w", p, err)
			}
			from = so.Offset
		}
		if from >= eo {
			if err := st.FinishRestore(p, from, topicID); err != nil {
				return fmt.Errorf("stream: restore partition %d: %w", p, err)
			}
			obs.Restore(p, 0, true, time.Since(start))
			continue
		}
		todo[p] = span{from, eo}
		obs.Restore(p, eo-from, false, time.Since(start))
	}
	if len(todo) == 0 {
		return nil
	}

	offsets := map[int32]kgo.Offset{}
	for p, s := range todo {
		offsets[p] = kgo.NewOffset().At(s.from)
	}
	opts := append(append([]kgo.Opt(nil), clientOpts...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Control records (transaction markers) are kept so the position
		// reaches the end offset even when the last offsets are markers.
		kgo.KeepControlRecords(),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("stream: restore consumer: %w", err)
	}
	defer cl.Close()

	pos := map[int32]int64{}
	for p, s := range todo {
		pos[p] = s.from
	}
	finish := func(p int32, how string) error {
		if err := st.FinishRestore(p, pos[p], topicID); err != nil {
			return fmt.Errorf("stream: restore partition %d: %w", p, err)
		}
		obs.Restore(p, 0, true, time.Since(start))
		log.Info("state partition restored", "partition", p, "next", pos[p], "how", how,
			"elapsed", time.Since(start).Round(time.Millisecond).String())
		cl.PauseFetchPartitions(map[string][]int32{topic: {p}})
		delete(todo, p)
		return nil
	}
	lastReport := time.Now()
	for len(todo) > 0 {
		pctx, cancel := context.WithTimeout(ctx, restoreIdle)
		fs := cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stream: restore: %w", err)
		}
		idle := true
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			if ferr == nil {
				ferr = fmt.Errorf("stream: restore: fetch %s partition %d: %w", t, p, err)
			}
		})
		if ferr != nil {
			return ferr
		}
		var aerr error
		fs.EachRecord(func(r *kgo.Record) {
			s, ok := todo[r.Partition]
			if aerr != nil || !ok || r.Offset < pos[r.Partition] {
				return
			}
			idle = false
			if r.Offset >= s.end {
				pos[r.Partition] = r.Offset
				return
			}
			if !r.Attrs.IsControl() {
				if err := st.ApplyChangelog(r.Partition, r.Offset, r.Key, r.Value); err != nil {
					aerr = err
					return
				}
			}
			pos[r.Partition] = r.Offset + 1
		})
		if aerr != nil {
			return fmt.Errorf("stream: restore: %w", aerr)
		}
		for _, p := range sortedKeys(todo) {
			if pos[p] >= todo[p].end {
				if err := finish(p, "end"); err != nil {
					return err
				}
			}
		}
		if idle && len(todo) > 0 {
			// Only an aborted tail makes a partition go quiet below its
			// end; the position is exact, so a later restore resumes here.
			for _, p := range sortedKeys(todo) {
				log.Warn("state restore idle below end offset; finishing (aborted transaction at the tail)",
					"partition", p, "next", pos[p], "end", todo[p].end)
				if err := finish(p, "idle"); err != nil {
					return err
				}
			}
		}
		if time.Since(lastReport) >= restoreProgress {
			lastReport = time.Now()
			var remaining int64
			for p, s := range todo {
				obs.Restore(p, s.end-pos[p], false, time.Since(start))
				remaining += s.end - pos[p]
			}
			// Progress in the log too: a long restore must not look like a
			// hang to whoever reads it.
			log.Info("state restore in progress", "partitions_left", len(todo), "remaining_records", remaining,
				"elapsed", time.Since(start).Round(time.Second).String())
		}
	}
	return nil
}

// settledEnds returns the last stable offset per partition, waiting up to
// restoreSettle for it to reach the store's own next offset: right after a
// commit the transaction markers may not be written yet, and treating that
// as truncation would throw away a good store. A recreated topic (other
// id) is not waited for. It also waits, up to restoreOpenTxnWait, while a
// transaction is open on a partition (last stable offset below the high
// watermark): see restoreOpenTxnWait.
func settledEnds(ctx context.Context, adm *kadm.Client, topic, topicID string, partitions []int32, st State) (map[int32]int64, error) {
	start := time.Now()
	for {
		lo, err := adm.ListCommittedOffsets(ctx, topic)
		if err != nil {
			return nil, fmt.Errorf("stream: restore: end offsets of %s: %w", topic, err)
		}
		hw, err := adm.ListEndOffsets(ctx, topic)
		if err != nil {
			return nil, fmt.Errorf("stream: restore: end offsets of %s: %w", topic, err)
		}
		ends := map[int32]int64{}
		behind, open := false, false
		for _, p := range partitions {
			o, ok := lo.Lookup(topic, p)
			if !ok || o.Err != nil {
				return nil, fmt.Errorf("stream: restore: %s partition %d has no end offset (is the changelog co-partitioned with the input?): %v", topic, p, o.Err)
			}
			ends[p] = o.Offset
			if next, id, err := st.ChangelogPosition(p); err == nil && next > o.Offset && (id == "" || id == topicID) {
				behind = true
			}
			if h, ok := hw.Lookup(topic, p); ok && h.Err == nil && h.Offset > o.Offset {
				open = true
			}
		}
		waited := time.Since(start)
		switch {
		case !behind && !open:
			return ends, nil
		case open && waited < restoreOpenTxnWait, behind && waited < restoreSettle:
		default:
			return ends, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stream: restore: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func sortedKeys[V any](m map[int32]V) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
