package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/stream"
)

// Headers the processor puts on a dead letter. They are the stream
// package's constants, so the writer and this reader cannot drift apart.
const (
	HeaderErrorClass        = stream.HeaderErrorClass
	HeaderErrorStage        = stream.HeaderErrorStage
	HeaderErrorReason       = stream.HeaderErrorReason
	HeaderErrorMessage      = stream.HeaderErrorMessage
	HeaderOriginalTopic     = stream.HeaderOrigTopic
	HeaderOriginalPartition = stream.HeaderOrigPartition
	HeaderOriginalOffset    = stream.HeaderOrigOffset
	HeaderAttempts          = stream.HeaderAttempts
	HeaderFirstFailure      = stream.HeaderFirstFailure // RFC 3339; kept across redrives
	HeaderRegionResolved    = stream.HeaderRegion       // region the processor resolved
	HeaderRegionHint        = stream.RegionHeader       // the producer's region hint
	// HeaderRedriveCount counts how many times a record was re-injected
	// from a DLQ. Redrive increments it; the processor copies it from the
	// input record onto any dead letter it writes, so the count survives
	// a second failure.
	HeaderRedriveCount = stream.HeaderRedriveCount
	// HeaderRedrivenFrom names the dead letter a redriven record came from
	// ("topic/partition/offset"), for tracing a record through redrives.
	HeaderRedrivenFrom = "triage-redriven-from"
)

// DefaultMaxRedrives is the redrive limit when none is given.
const DefaultMaxRedrives = 3

// DeadLetter is one record read from a DLQ topic, with its error headers
// decoded. Value is the original raw message: callers must not print it
// unless the operator asked for content.
type DeadLetter struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time

	Class, Stage, Reason, Message string
	Region                        string
	OriginalTopic                 string
	OriginalPartition             int32 // -1 if unknown
	OriginalOffset                int64 // -1 if unknown
	Attempts                      int
	FirstFailure                  time.Time
	RedriveCount                  int

	Key     []byte
	Value   []byte
	Headers []kgo.RecordHeader
}

// Ref is "topic/partition/offset".
func (d *DeadLetter) Ref() string { return fmt.Sprintf("%s/%d/%d", d.Topic, d.Partition, d.Offset) }

func decodeDeadLetter(r *kgo.Record) DeadLetter {
	d := DeadLetter{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp,
		OriginalPartition: -1, OriginalOffset: -1, Key: r.Key, Value: r.Value, Headers: r.Headers}
	for _, h := range r.Headers {
		v := string(h.Value)
		switch h.Key {
		case HeaderErrorClass:
			d.Class = v
		case HeaderErrorStage:
			d.Stage = v
		case HeaderErrorReason:
			d.Reason = v
		case HeaderErrorMessage:
			d.Message = v
		case HeaderRegionResolved:
			d.Region = v
		case HeaderRegionHint:
			if d.Region == "" {
				d.Region = v
			}
		case HeaderOriginalTopic:
			d.OriginalTopic = v
		case HeaderOriginalPartition:
			if n, err := strconv.ParseInt(v, 10, 32); err == nil {
				d.OriginalPartition = int32(n)
			}
		case HeaderOriginalOffset:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				d.OriginalOffset = n
			}
		case HeaderAttempts:
			d.Attempts, _ = strconv.Atoi(v)
		case HeaderFirstFailure:
			d.FirstFailure, _ = time.Parse(time.RFC3339Nano, v)
		case HeaderRedriveCount:
			d.RedriveCount, _ = strconv.Atoi(v)
		}
	}
	return d
}

// DLQFilter selects dead letters. Zero fields match everything.
type DLQFilter struct {
	Stage  string
	Class  string
	Reason string
	// Since keeps records appended to the DLQ at or after this time; it
	// also decides where reading starts, so old partitions are not read.
	Since time.Time
	// Partition and Offset pick one record (Offset >= 0).
	Partition int32
	Offset    int64
	// Limit stops after this many matches (0: no limit).
	Limit int
}

func (f *DLQFilter) match(d *DeadLetter) bool {
	return (f.Stage == "" || strings.EqualFold(f.Stage, d.Stage)) &&
		(f.Class == "" || strings.EqualFold(f.Class, d.Class)) &&
		(f.Reason == "" || strings.EqualFold(f.Reason, d.Reason)) &&
		(f.Since.IsZero() || !d.Timestamp.Before(f.Since)) &&
		(f.Offset < 0 || (d.Partition == f.Partition && d.Offset == f.Offset))
}

// ReadDLQ reads topic from its start (or from filter.Since) up to the last
// stable offset at the time of the call, with read_committed isolation so
// dead letters of aborted transactions (which the processor will write
// again) are never shown or redriven. clientOpts carries the seed brokers
// and security options; ReadDLQ builds and closes its own consumer.
//
// idle bounds how long to wait for more data when a partition's remaining
// offsets are only transaction markers (which a read_committed consumer
// never sees as records); 0 uses 2s. The first poll waits at least 10s.
func ReadDLQ(ctx context.Context, clientOpts []kgo.Opt, topic string, f DLQFilter, idle time.Duration) ([]DeadLetter, error) {
	if idle <= 0 {
		idle = 2 * time.Second
	}
	meta, err := kgo.NewClient(clientOpts...)
	if err != nil {
		return nil, fmt.Errorf("ops: dlq client: %w", err)
	}
	adm := kadm.NewClient(meta)
	ends, err := listed(ctx, "end", func() (kadm.ListedOffsets, error) { return adm.ListCommittedOffsets(ctx, topic) })
	if err != nil {
		meta.Close()
		return nil, fmt.Errorf("ops: dlq topic %s: %w", topic, err)
	}
	starts := map[int32]kgo.Offset{}
	remaining := map[int32]int64{} // partition -> end offset not yet reached
	var sinceOffs kadm.ListedOffsets
	if !f.Since.IsZero() {
		sinceOffs, err = listed(ctx, "since", func() (kadm.ListedOffsets, error) {
			return adm.ListOffsetsAfterMilli(ctx, f.Since.UnixMilli(), topic)
		})
		if err != nil {
			meta.Close()
			return nil, err
		}
	}
	meta.Close()
	for p, e := range ends[topic] {
		start := kgo.NewOffset().AtStart()
		if f.Offset >= 0 {
			if p != f.Partition {
				continue
			}
			start = kgo.NewOffset().At(f.Offset)
		} else if o, ok := sinceOffs.Lookup(topic, p); ok && o.Offset >= 0 {
			start = kgo.NewOffset().At(o.Offset)
		}
		if e.Offset == 0 {
			continue
		}
		starts[p] = start
		remaining[p] = e.Offset
	}
	if len(starts) == 0 {
		return nil, nil
	}
	opts := append(append([]kgo.Opt{}, clientOpts...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: starts}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// The broker answers a fetch with nothing to return after at most
		// this long, so an empty poll means "only markers left", not
		// "the broker is still waiting for data".
		kgo.FetchMaxWait(250*time.Millisecond),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("ops: dlq consumer: %w", err)
	}
	defer cl.Close()

	var out []DeadLetter
	// The first poll also pays for metadata and offset lookups, so it
	// gets longer than the idle wait.
	wait := max(idle, 10*time.Second)
	for len(remaining) > 0 {
		pctx, cancel := context.WithTimeout(ctx, wait)
		wait = idle
		fs := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if fs.IsClientClosed() {
			break
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				ferr = fmt.Errorf("ops: read %s/%d: %w", t, p, err)
			}
		})
		if ferr != nil {
			return out, ferr
		}
		if fs.NumRecords() == 0 {
			// Only markers (or nothing) left below the end offsets.
			break
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			end, ok := remaining[r.Partition]
			if !ok || r.Offset >= end {
				continue
			}
			if r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
			d := decodeDeadLetter(r)
			if !f.match(&d) {
				continue
			}
			out = append(out, d)
			if f.Offset >= 0 || (f.Limit > 0 && len(out) >= f.Limit) {
				return out, nil
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Offset < out[j].Offset
	})
	return out, nil
}

// RedriveRequest configures Redrive.
type RedriveRequest struct {
	// ToTopic overrides the target; default is each record's
	// triage-original-topic header.
	ToTopic string
	// MaxRedrives skips records already redriven this many times. 0 uses
	// DefaultMaxRedrives.
	MaxRedrives int
	// Execute produces; without it Redrive only reports what it would do.
	Execute bool
}

// RedriveOutcome is what happened (or would happen) to one dead letter.
type RedriveOutcome struct {
	Letter DeadLetter
	Target string
	// Action is "redrive" (dry run), "redriven", "skipped-max-redrives" or
	// "skipped-no-target".
	Action string
	Err    error
}

// Redrive re-injects letters into their original topics (or req.ToTopic)
// with the original key, value and headers; the dead-letter headers are
// removed (the processor writes fresh ones if the record fails again),
// triage-redrive-count is incremented and triage-redriven-from names the
// dead letter. Records at or above the redrive limit are skipped and
// reported: they keep failing, and a human has to look at them.
//
// producer must be an idempotent producer waiting for all in-sync replicas
// (kgo's defaults) built with RedrivePartitioner: Redrive waits for every acknowledgement, so when it
// returns without error every "redriven" record is durably in its topic.
func Redrive(ctx context.Context, producer *kgo.Client, letters []DeadLetter, req RedriveRequest) ([]RedriveOutcome, error) {
	max := req.MaxRedrives
	if max <= 0 {
		max = DefaultMaxRedrives
	}
	outs := make([]RedriveOutcome, len(letters))
	var recs []*kgo.Record
	var idx []int
	for i, d := range letters {
		o := RedriveOutcome{Letter: d, Target: req.ToTopic}
		if o.Target == "" {
			o.Target = d.OriginalTopic
		}
		switch {
		case d.RedriveCount >= max:
			o.Action = "skipped-max-redrives"
		case o.Target == "":
			o.Action = "skipped-no-target"
		case !req.Execute:
			o.Action = "redrive"
		default:
			o.Action = "redriven"
			recs = append(recs, redriveRecord(&d, o.Target))
			idx = append(idx, i)
		}
		outs[i] = o
	}
	if len(recs) == 0 {
		return outs, nil
	}
	results := producer.ProduceSync(ctx, recs...)
	var failed int
	for i, r := range results {
		if r.Err != nil {
			failed++
			outs[idx[i]].Action = "failed"
			outs[idx[i]].Err = r.Err
		}
	}
	if failed > 0 {
		return outs, fmt.Errorf("ops: redrive: %d of %d records failed to produce: %w", failed, len(recs), results.FirstErr())
	}
	return outs, nil
}

func redriveRecord(d *DeadLetter, topic string) *kgo.Record {
	hs := make([]kgo.RecordHeader, 0, len(d.Headers)+2)
	for _, h := range d.Headers {
		switch {
		case strings.HasPrefix(h.Key, "triage-error-"), strings.HasPrefix(h.Key, "triage-original-"),
			h.Key == HeaderAttempts, h.Key == HeaderRegionResolved, h.Key == HeaderRedriveCount, h.Key == HeaderRedrivenFrom:
			continue
		}
		hs = append(hs, h)
	}
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderRedriveCount, Value: []byte(strconv.Itoa(d.RedriveCount + 1))},
		kgo.RecordHeader{Key: HeaderRedrivenFrom, Value: []byte(d.Ref())},
	)
	r := &kgo.Record{Topic: topic, Key: d.Key, Value: d.Value, Headers: hs, Partition: -1}
	if d.OriginalTopic == topic && d.OriginalPartition >= 0 {
		// Back onto the original partition when the topic is unchanged:
		// the dedup state and its changelog are co-partitioned with the
		// input, so a record on another partition would be checked
		// against the wrong marks (and keyless mail has no hash to bring
		// it back). RedrivePartitioner honours this.
		r.Partition = d.OriginalPartition
	}
	return r
}

// RedrivePartitioner is the partitioner a redrive producer must use:
// records with a valid Partition go there; records with Partition -1 (the
// target topic differs from the original) are hashed by key like Kafka's
// default partitioner.
func RedrivePartitioner() kgo.Partitioner { return redrivePartitioner{} }

type redrivePartitioner struct{}

func (redrivePartitioner) ForTopic(t string) kgo.TopicPartitioner {
	return &redriveTopicPartitioner{hash: kgo.StickyKeyPartitioner(nil).ForTopic(t)}
}

type redriveTopicPartitioner struct{ hash kgo.TopicPartitioner }

func (*redriveTopicPartitioner) RequiresConsistency(*kgo.Record) bool { return true }

func (p *redriveTopicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 && int(r.Partition) < n {
		return int(r.Partition)
	}
	return p.hash.Partition(r, n)
}

func (p *redriveTopicPartitioner) OnNewBatch() {
	if nb, ok := p.hash.(kgo.TopicPartitionerOnNewBatch); ok {
		nb.OnNewBatch()
	}
}

// WriteDeadLetters prints a table of dead letters: positions, error
// headers and sizes, never content.
func WriteDeadLetters(w io.Writer, ds []DeadLetter) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTITION\tOFFSET\tTIME\tSTAGE\tCLASS\tREASON\tORIGIN\tATTEMPTS\tREDRIVES\tBYTES")
	for _, d := range ds {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\n", d.Partition, d.Offset, d.Timestamp.UTC().Format(time.RFC3339),
			dash(d.Stage), dash(d.Class), dash(d.Reason), origin(&d), d.Attempts, d.RedriveCount, len(d.Value))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d dead letter(s)\n", len(ds))
}

// WriteDeadLetter prints one dead letter in detail. The raw message is
// printed only when showContent is set; headers other than triage's own
// are listed by name only, because user headers can carry addresses.
func WriteDeadLetter(w io.Writer, d *DeadLetter, showContent bool) {
	fmt.Fprintf(w, "dead letter    %s\n", d.Ref())
	fmt.Fprintf(w, "appended       %s\n", d.Timestamp.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(w, "region         %s\n", dash(d.Region))
	fmt.Fprintf(w, "stage          %s\n", dash(d.Stage))
	fmt.Fprintf(w, "class          %s\n", dash(d.Class))
	fmt.Fprintf(w, "reason         %s\n", dash(d.Reason))
	fmt.Fprintf(w, "message        %s\n", dash(d.Message))
	fmt.Fprintf(w, "origin         %s\n", origin(d))
	fmt.Fprintf(w, "attempts       %d\n", d.Attempts)
	if !d.FirstFailure.IsZero() {
		fmt.Fprintf(w, "first failure  %s\n", d.FirstFailure.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "redrives       %d\n", d.RedriveCount)
	fmt.Fprintf(w, "key bytes      %d\n", len(d.Key))
	fmt.Fprintf(w, "value bytes    %d\n", len(d.Value))
	var other []string
	for _, h := range d.Headers {
		if !strings.HasPrefix(h.Key, "triage-") {
			other = append(other, h.Key)
		}
	}
	if len(other) > 0 {
		fmt.Fprintf(w, "other headers  %s (values not shown)\n", strings.Join(other, ", "))
	}
	if showContent {
		fmt.Fprintf(w, "--- content (%d bytes) ---\n%s\n--- end of content ---\n", len(d.Value), d.Value)
	} else {
		fmt.Fprintln(w, "content        not shown (use --show-content)")
	}
}

// WriteRedrive prints redrive outcomes and a summary line.
func WriteRedrive(w io.Writer, outs []RedriveOutcome, execute bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEAD LETTER\tSTAGE\tREASON\tREDRIVES\tTARGET\tACTION")
	counts := map[string]int{}
	for _, o := range outs {
		counts[o.Action]++
		act := o.Action
		if o.Err != nil {
			act += ": " + o.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", o.Letter.Ref(), dash(o.Letter.Stage), dash(o.Letter.Reason), o.Letter.RedriveCount, dash(o.Target), act)
	}
	_ = tw.Flush()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	if len(parts) == 0 {
		parts = []string{"no dead letters selected"}
	}
	fmt.Fprintf(w, "summary: %s\n", strings.Join(parts, ", "))
	if !execute && counts["redrive"] > 0 {
		fmt.Fprintln(w, "dry run: nothing produced; add --execute to redrive")
	}
}

func origin(d *DeadLetter) string {
	if d.OriginalTopic == "" {
		return "-"
	}
	return fmt.Sprintf("%s/%d/%d", d.OriginalTopic, d.OriginalPartition, d.OriginalOffset)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
