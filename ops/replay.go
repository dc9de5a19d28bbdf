package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// Sentinel errors of the replay tool.
var (
	// ErrGroupActive is returned by Plan and Execute when the group to move
	// has members: offsets can only be moved for a stopped group.
	ErrGroupActive = errors.New("ops: consumer group has active members")
	// ErrNoTopics is returned when no topic was given and the group has no
	// committed offsets to take the topics from.
	ErrNoTopics = errors.New("ops: no topics: the group has no committed offsets, pass --topic")
	// ErrBadTarget is returned for an impossible target (none or several
	// of From, ToOffset, ShiftBy, ByDuration).
	ErrBadTarget = errors.New("ops: exactly one of --from, --to-offset, --shift-by, --by-duration is required")
)

// State policies for the dedup state during a replay.
const (
	// StateKeep leaves the dedup state alone: emails the processor has
	// already seen are recognised and skipped, so only mail that was never
	// processed (or whose mark expired) is emitted again. Use it to recover
	// from a gap.
	StateKeep = "keep"
	// StateBypass reprocesses everything in the window: the processor must
	// run with the dedup stage disabled for the duration of the replay. The
	// tool does not write any marker; it prints the exact `triage run`
	// command (with --no-dedup) to use, because a marker a processor
	// might not read would give a false sense of safety.
	StateBypass = "bypass"
)

// ReplayRequest describes a replay. Exactly one of From, ToOffset, ShiftBy
// and ByDuration selects the target.
type ReplayRequest struct {
	// Group is the live consumer group whose committed offsets are the
	// baseline.
	Group string
	// NewGroup, when set, is the group the new offsets are committed for
	// (blue/green: the live Group keeps running untouched).
	NewGroup string
	// OutputSuffix is appended to output topics by the new group's
	// processor (blue/green); only used to print the run command.
	OutputSuffix string
	// Topics to replay; empty takes every topic the group has committed
	// offsets for.
	Topics []string

	From       time.Time // first record at or after this time
	To         time.Time // optional: end of the window counted in Window
	ToOffset   *int64    // absolute offset, every partition
	ShiftBy    *int64    // relative to the committed offset (negative = back)
	ByDuration time.Duration

	// State is StateKeep (default) or StateBypass.
	State string
	// Now is the clock for ByDuration; nil uses time.Now.
	Now func() time.Time
}

func (r *ReplayRequest) validate() error {
	n := 0
	if !r.From.IsZero() {
		n++
	}
	if r.ToOffset != nil {
		n++
	}
	if r.ShiftBy != nil {
		n++
	}
	if r.ByDuration != 0 {
		n++
	}
	var errs []string
	if n != 1 {
		errs = append(errs, ErrBadTarget.Error())
	}
	if r.Group == "" {
		errs = append(errs, "ops: --group is required")
	}
	if r.ByDuration < 0 {
		errs = append(errs, "ops: --by-duration must be positive (how far back to go)")
	}
	if !r.To.IsZero() && !r.From.IsZero() && !r.To.After(r.From) {
		errs = append(errs, "ops: --to must be after --from")
	}
	if r.ToOffset != nil && *r.ToOffset < 0 {
		errs = append(errs, "ops: --to-offset must be >= 0")
	}
	switch r.State {
	case "", StateKeep, StateBypass:
	default:
		errs = append(errs, fmt.Sprintf("ops: --state %q is not keep or bypass", r.State))
	}
	if r.NewGroup != "" && r.NewGroup == r.Group {
		errs = append(errs, "ops: --new-group must differ from --group")
	}
	if r.OutputSuffix != "" && r.NewGroup == "" {
		errs = append(errs, "ops: --output-suffix needs --new-group (blue/green replay)")
	}
	if len(errs) == 0 {
		return nil
	}
	if n != 1 && len(errs) == 1 {
		return ErrBadTarget
	}
	return errors.New(strings.Join(errs, "; "))
}

// PartitionPlan is the plan for one partition.
type PartitionPlan struct {
	Topic     string
	Partition int32
	// Committed is the baseline group's committed offset, -1 if none.
	Committed int64
	// Start and End are the log start and last stable offset.
	Start, End int64
	// Target is the offset the group will resume from.
	Target int64
	// Clamped is set when the requested target was outside [Start, End].
	Clamped bool
	// Reprocess is how many records the group will read again: records
	// between Target and the committed offset (or End without one). For a
	// forward move it is 0 and Skip says how many are skipped.
	Reprocess int64
	Skip      int64
	// Window is the records in [From, To) when To is set, else -1.
	Window int64
}

// Plan is a replay plan, computed without changing anything.
type Plan struct {
	Req         ReplayRequest
	CommitGroup string // the group whose offsets Execute moves
	GroupState  string // of CommitGroup: Empty, Dead, Stable, ...
	Members     int
	Partitions  []PartitionPlan
}

// TotalReprocess sums Reprocess over all partitions.
func (p *Plan) TotalReprocess() int64 {
	var n int64
	for _, pp := range p.Partitions {
		n += pp.Reprocess
	}
	return n
}

// PlanReplay computes the plan for req. It reads the group's committed
// offsets, the log bounds and (for time targets) the offsets by timestamp.
// It fails with ErrGroupActive when the group whose offsets would move has
// members, so a plan that is printed is a plan that can be executed.
func PlanReplay(ctx context.Context, adm *kadm.Client, req ReplayRequest) (*Plan, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	if req.State == "" {
		req.State = StateKeep
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	plan := &Plan{Req: req, CommitGroup: req.Group}
	if req.NewGroup != "" {
		plan.CommitGroup = req.NewGroup
	}
	state, members, err := groupMembers(ctx, adm, plan.CommitGroup)
	if err != nil {
		return nil, err
	}
	plan.GroupState, plan.Members = state, members
	if members > 0 {
		return plan, fmt.Errorf("%w: group %q is %s with %d member(s); stop its processors first (or replay into a new group with --new-group)",
			ErrGroupActive, plan.CommitGroup, state, members)
	}

	committed, err := adm.FetchOffsets(ctx, req.Group)
	if err == nil {
		err = committed.Error()
	}
	switch {
	case errors.Is(err, kerr.GroupIDNotFound):
		// A group that never committed: every partition starts fresh.
		committed = kadm.OffsetResponses{}
	case err != nil:
		return nil, fmt.Errorf("ops: fetch committed offsets of %q: %w", req.Group, err)
	}
	topics := req.Topics
	if len(topics) == 0 {
		for t := range committed {
			topics = append(topics, t)
		}
		sort.Strings(topics)
	}
	if len(topics) == 0 {
		return nil, ErrNoTopics
	}
	starts, err := listed(ctx, "start", func() (kadm.ListedOffsets, error) { return adm.ListStartOffsets(ctx, topics...) })
	if err != nil {
		return nil, err
	}
	ends, err := listed(ctx, "end", func() (kadm.ListedOffsets, error) { return adm.ListCommittedOffsets(ctx, topics...) })
	if err != nil {
		return nil, err
	}
	var byTime, toTime kadm.ListedOffsets
	switch {
	case !req.From.IsZero():
		byTime, err = listed(ctx, "from", func() (kadm.ListedOffsets, error) {
			return adm.ListOffsetsAfterMilli(ctx, req.From.UnixMilli(), topics...)
		})
	case req.ByDuration > 0:
		byTime, err = listed(ctx, "by-duration", func() (kadm.ListedOffsets, error) {
			return adm.ListOffsetsAfterMilli(ctx, now().Add(-req.ByDuration).UnixMilli(), topics...)
		})
	}
	if err != nil {
		return nil, err
	}
	if !req.To.IsZero() {
		if toTime, err = listed(ctx, "to", func() (kadm.ListedOffsets, error) {
			return adm.ListOffsetsAfterMilli(ctx, req.To.UnixMilli(), topics...)
		}); err != nil {
			return nil, err
		}
	}

	for _, t := range topics {
		parts, ok := ends[t]
		if !ok {
			return nil, fmt.Errorf("ops: topic %q does not exist", t)
		}
		for p, end := range parts {
			pp := PartitionPlan{Topic: t, Partition: p, Committed: -1, End: end.Offset, Window: -1}
			if s, ok := starts.Lookup(t, p); ok {
				pp.Start = s.Offset
			}
			if c, ok := committed.Lookup(t, p); ok && c.At >= 0 {
				pp.Committed = c.At
			}
			base := pp.Committed
			if base < 0 {
				base = pp.Start
			}
			want := base
			switch {
			case byTime != nil:
				if o, ok := byTime.Lookup(t, p); ok && o.Offset >= 0 {
					want = o.Offset
				} else {
					want = pp.End
				}
			case req.ToOffset != nil:
				want = *req.ToOffset
			case req.ShiftBy != nil:
				want = base + *req.ShiftBy
			}
			pp.Target = clamp(want, pp.Start, pp.End)
			pp.Clamped = pp.Target != want
			resume := pp.Committed
			if resume < 0 || plan.CommitGroup != req.Group {
				// A new group (or one without commits) has read
				// nothing: everything from Target to End is (re)read.
				resume = pp.End
			}
			if pp.Target < resume {
				pp.Reprocess = resume - pp.Target
			} else {
				pp.Skip = pp.Target - resume
			}
			if toTime != nil {
				hi := pp.End
				if o, ok := toTime.Lookup(t, p); ok && o.Offset >= 0 {
					hi = o.Offset
				}
				pp.Window = max(0, hi-pp.Target)
			}
			plan.Partitions = append(plan.Partitions, pp)
		}
	}
	sort.Slice(plan.Partitions, func(i, j int) bool {
		a, b := plan.Partitions[i], plan.Partitions[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		return a.Partition < b.Partition
	})
	return plan, nil
}

func listed(_ context.Context, what string, fn func() (kadm.ListedOffsets, error)) (kadm.ListedOffsets, error) {
	l, err := fn()
	if err == nil {
		err = l.Error()
	}
	if err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("ops: list %s offsets: a topic does not exist: %w", what, err)
		}
		return nil, fmt.Errorf("ops: list %s offsets: %w", what, err)
	}
	return l, nil
}

func clamp(v, lo, hi int64) int64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// groupMembers returns the group's state and member count. A group that
// does not exist is reported as Dead with no members.
func groupMembers(ctx context.Context, adm *kadm.Client, group string) (string, int, error) {
	ds, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return "", 0, fmt.Errorf("ops: describe group %q: %w", group, err)
	}
	d, ok := ds[group]
	if !ok {
		return "Dead", 0, nil
	}
	if d.Err != nil {
		if errors.Is(d.Err, kerr.GroupIDNotFound) {
			return "Dead", 0, nil
		}
		return "", 0, fmt.Errorf("ops: describe group %q: %w", group, d.Err)
	}
	return d.State, len(d.Members), nil
}

// ExecuteReplay commits the plan's target offsets for plan.CommitGroup. It
// re-checks that the group has no members immediately before committing
// (the plan may be minutes old) and verifies the committed offsets by
// reading them back. progress, if non-nil, receives one line per step.
func ExecuteReplay(ctx context.Context, adm *kadm.Client, plan *Plan, progress func(string)) error {
	if progress == nil {
		progress = func(string) {}
	}
	state, members, err := groupMembers(ctx, adm, plan.CommitGroup)
	if err != nil {
		return err
	}
	if members > 0 {
		return fmt.Errorf("%w: group %q became %s with %d member(s) since the plan was made", ErrGroupActive, plan.CommitGroup, state, members)
	}
	offs := make(kadm.Offsets)
	for _, pp := range plan.Partitions {
		offs.Add(kadm.Offset{Topic: pp.Topic, Partition: pp.Partition, At: pp.Target, LeaderEpoch: -1,
			Metadata: "triage replay"})
	}
	progress(fmt.Sprintf("committing %d partition offsets for group %s", len(plan.Partitions), plan.CommitGroup))
	resp, err := adm.CommitOffsets(ctx, plan.CommitGroup, offs)
	if err != nil {
		return fmt.Errorf("ops: commit offsets for %q: %w", plan.CommitGroup, err)
	}
	if err := resp.Error(); err != nil {
		if errors.Is(err, kerr.UnknownMemberID) || errors.Is(err, kerr.RebalanceInProgress) || errors.Is(err, kerr.IllegalGeneration) {
			return fmt.Errorf("%w: commit rejected (%v)", ErrGroupActive, err)
		}
		return fmt.Errorf("ops: commit offsets for %q: %w", plan.CommitGroup, err)
	}
	back, err := adm.FetchOffsets(ctx, plan.CommitGroup)
	if err != nil {
		return fmt.Errorf("ops: verify offsets for %q: %w", plan.CommitGroup, err)
	}
	for _, pp := range plan.Partitions {
		got, ok := back.Lookup(pp.Topic, pp.Partition)
		if !ok || got.At != pp.Target {
			return fmt.Errorf("ops: verify %s/%d: committed %d, want %d", pp.Topic, pp.Partition, got.At, pp.Target)
		}
		progress(fmt.Sprintf("  %s/%d -> %d", pp.Topic, pp.Partition, pp.Target))
	}
	progress("offsets committed and verified")
	return nil
}

// Progress is one observation of a running replay.
type Progress struct {
	Done, Total int64 // records re-read so far / to re-read in the plan
	Caught      bool  // every partition reached the plan's end offset
	Members     int
}

// WatchReplay polls the commit group's offsets every interval and reports
// how far the processors have come through the planned records, until every
// partition's committed offset reaches the End captured by the plan or ctx
// ends. It only reads.
func WatchReplay(ctx context.Context, adm *kadm.Client, plan *Plan, interval time.Duration, fn func(Progress)) error {
	var total int64
	for _, pp := range plan.Partitions {
		total += pp.End - pp.Target
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		offs, err := adm.FetchOffsets(ctx, plan.CommitGroup)
		if err != nil {
			return fmt.Errorf("ops: watch %q: %w", plan.CommitGroup, err)
		}
		_, members, err := groupMembers(ctx, adm, plan.CommitGroup)
		if err != nil {
			return err
		}
		pr := Progress{Total: total, Caught: true, Members: members}
		for _, pp := range plan.Partitions {
			at := pp.Target
			if o, ok := offs.Lookup(pp.Topic, pp.Partition); ok && o.At > at {
				at = o.At
			}
			pr.Done += min(at, pp.End) - pp.Target
			if at < pp.End {
				pr.Caught = false
			}
		}
		fn(pr)
		if pr.Caught {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// WritePlan prints the plan as a table plus the follow-up the operator has
// to do (state policy and blue/green run command).
func WritePlan(w io.Writer, plan *Plan, brokers string) {
	req := plan.Req
	fmt.Fprintf(w, "replay plan for group %s", req.Group)
	if plan.CommitGroup != req.Group {
		fmt.Fprintf(w, " into new group %s (blue/green)", plan.CommitGroup)
	}
	fmt.Fprintf(w, " (group state %s, %d members)\n", plan.GroupState, plan.Members)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "topic\tpartition\tstart\tend\tcommitted\ttarget\treprocess\tskip\t"
	if !req.To.IsZero() {
		head += "window\t"
	}
	fmt.Fprintln(tw, head)
	for _, pp := range plan.Partitions {
		c := "-"
		if pp.Committed >= 0 {
			c = fmt.Sprint(pp.Committed)
		}
		tgt := fmt.Sprint(pp.Target)
		if pp.Clamped {
			tgt += "*"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%d\t%d\t", pp.Topic, pp.Partition, pp.Start, pp.End, c, tgt, pp.Reprocess, pp.Skip)
		if !req.To.IsZero() {
			fmt.Fprintf(tw, "%d\t", pp.Window)
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "total records to reprocess: %d\n", plan.TotalReprocess())
	for _, pp := range plan.Partitions {
		if pp.Clamped {
			fmt.Fprintln(w, "* target clamped to the partition's available range")
			break
		}
	}
	if !req.To.IsZero() {
		fmt.Fprintln(w, "note: a consumer group cannot stop at --to; the window column counts the records in [--from, --to), the group continues to the live end")
	}
	run := fmt.Sprintf("triage run --group %s", plan.CommitGroup)
	if req.OutputSuffix != "" {
		run += " --output-suffix " + req.OutputSuffix
	}
	if brokers != "" {
		run = strings.Replace(run, "triage run", "triage run --brokers "+brokers, 1)
	}
	switch req.State {
	case StateBypass:
		fmt.Fprintln(w, "state: bypass - the dedup stage must be off while the group reprocesses the window; start it with:")
		fmt.Fprintf(w, "  %s --no-dedup\n", run)
		fmt.Fprintln(w, "  and restart it without --no-dedup once 'triage lag' shows the group caught up")
	default:
		fmt.Fprintln(w, "state: keep - emails already in the dedup state are skipped; start the group with:")
		fmt.Fprintf(w, "  %s\n", run)
		if plan.CommitGroup != req.Group {
			fmt.Fprintln(w, "  (a new group starts with empty dedup state, so keep skips only duplicates within the replay)")
		}
	}
}
