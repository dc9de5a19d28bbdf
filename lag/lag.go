package lag

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Partition is one partition's lag for one group.
type Partition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Committed is the group's committed offset, -1 when it has none (lag
	// then counts from the log start).
	Committed int64 `json:"committed"`
	// End is the last stable offset.
	End int64 `json:"end"`
	// Records is the lag in records; 0 when only transaction markers or
	// aborted records remain before End.
	Records int64 `json:"lag_records"`
	// Age is now minus the timestamp of the first unprocessed record; 0
	// when caught up.
	Age time.Duration `json:"-"`
	// AgeSeconds mirrors Age for JSON.
	AgeSeconds float64 `json:"lag_seconds"`
	// Member is the client id of the member assigned the partition, if
	// any.
	Member string `json:"member,omitempty"`
	Err    error  `json:"-"`
	// Error mirrors Err for JSON.
	Error string `json:"error,omitempty"`
}

// Group is one group's lag.
type Group struct {
	Group      string      `json:"group"`
	State      string      `json:"state"`
	Members    int         `json:"members"`
	Partitions []Partition `json:"partitions"`
	// Total is the sum of Records; MaxAge the largest Age.
	Total      int64         `json:"lag_records"`
	MaxAge     time.Duration `json:"-"`
	MaxAgeSecs float64       `json:"lag_seconds"`
	// Status is set by a Tracker; Measure leaves it empty.
	Status string `json:"status,omitempty"`
	Err    error  `json:"-"`
	Error  string `json:"error,omitempty"`
}

// Measurer computes lag with one client. The client needs no consumer
// configuration; Measurer issues its own requests.
type Measurer struct {
	cl  *kgo.Client
	adm *kadm.Client
	// Now is the clock for ages. Default time.Now.
	Now func() time.Time
	// ProbeRounds bounds the fetches per partition spent looking past
	// markers and aborted batches for the first real record. Default 4.
	ProbeRounds int
}

// NewMeasurer returns a Measurer using cl. The caller keeps ownership of
// cl and closes it.
func NewMeasurer(cl *kgo.Client) *Measurer {
	return &Measurer{cl: cl, adm: kadm.NewClient(cl), Now: time.Now, ProbeRounds: 4}
}

// ConsumerGroups lists the cluster's consumer groups, sorted.
func (m *Measurer) ConsumerGroups(ctx context.Context) ([]string, error) {
	listed, err := m.adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("lag: list groups: %w", err)
	}
	var out []string
	for _, g := range listed {
		if g.ProtocolType == "consumer" || g.ProtocolType == "" {
			out = append(out, g.Group)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Measure returns the lag of each group, in the order given. A group that
// cannot be described or whose offsets cannot be fetched has Err set; an
// error is returned only when nothing could be measured (broker
// unreachable, authorization).
func (m *Measurer) Measure(ctx context.Context, groups ...string) ([]Group, error) {
	if len(groups) == 0 {
		return nil, nil
	}
	described, err := m.adm.DescribeGroups(ctx, groups...)
	if err != nil {
		var se *kadm.ShardErrors
		if !errors.As(err, &se) || se.AllFailed {
			return nil, fmt.Errorf("lag: describe groups: %w", err)
		}
	}
	fetched := m.adm.FetchManyOffsets(ctx, groups...)

	topicSet := described.AssignedPartitions()
	topicSet.MergeTopics(described.JoinTopics())
	topicSet.Merge(fetched.CommittedPartitions())
	topics := topicSet.Topics()

	var start, end kadm.ListedOffsets
	var meta kadm.Metadata
	if len(topics) > 0 {
		if start, err = m.adm.ListStartOffsets(ctx, topics...); err != nil && !isShard(err) {
			return nil, fmt.Errorf("lag: list start offsets: %w", err)
		}
		// Last stable offsets: read_committed isolation.
		if end, err = m.adm.ListCommittedOffsets(ctx, topics...); err != nil && !isShard(err) {
			return nil, fmt.Errorf("lag: list end offsets: %w", err)
		}
		if meta, err = m.adm.Metadata(ctx, topics...); err != nil {
			return nil, fmt.Errorf("lag: metadata: %w", err)
		}
	}

	now := m.Now()
	out := make([]Group, 0, len(groups))
	var probes []*Partition
	for _, name := range groups {
		g := Group{Group: name}
		d, ok := described[name]
		switch {
		case !ok:
			g.Err = errors.New("group not described")
		case d.Err != nil:
			g.Err = fmt.Errorf("describe: %w", d.Err)
		}
		f := fetched[name]
		if f.Err != nil && g.Err == nil {
			g.Err = fmt.Errorf("fetch offsets: %w", f.Err)
		}
		if g.Err != nil {
			out = append(out, g)
			continue
		}
		g.State = d.State
		g.Members = len(d.Members)
		gl := kadm.CalculateGroupLagWithStartOffsets(d, f.Fetched, start, end)
		for _, l := range gl.Sorted() {
			p := Partition{Topic: l.Topic, Partition: l.Partition, Committed: l.Commit.At,
				End: l.End.Offset, Records: l.Lag, Err: l.Err}
			if l.Member != nil {
				p.Member = l.Member.ClientID
			}
			g.Partitions = append(g.Partitions, p)
		}
		out = append(out, g)
	}
	for gi := range out {
		for pi := range out[gi].Partitions {
			p := &out[gi].Partitions[pi]
			if p.Err == nil && p.Records > 0 {
				probes = append(probes, p)
			}
		}
	}
	m.probe(ctx, meta, start, probes, now)
	for gi := range out {
		g := &out[gi]
		for pi := range g.Partitions {
			p := &g.Partitions[pi]
			if p.Err != nil {
				p.Error = p.Err.Error()
				continue
			}
			p.AgeSeconds = p.Age.Seconds()
			g.Total += p.Records
			if p.Age > g.MaxAge {
				g.MaxAge = p.Age
			}
		}
		g.MaxAgeSecs = g.MaxAge.Seconds()
		if g.Err != nil {
			g.Error = g.Err.Error()
		}
	}
	return out, nil
}

func isShard(err error) bool {
	var se *kadm.ShardErrors
	return errors.As(err, &se) && !se.AllFailed
}

// probe reads, for each lagging partition, from its committed offset (or
// log start) with read_committed isolation until it finds a real record or
// reaches End. Partitions are grouped into one fetch per leader per round.
func (m *Measurer) probe(ctx context.Context, meta kadm.Metadata, start kadm.ListedOffsets, ps []*Partition, now time.Time) {
	next := make(map[*Partition]int64, len(ps))
	for _, p := range ps {
		// No commit, or a commit below the log start (retention deleted
		// unprocessed records): the first consumable record is at the log
		// start.
		at := p.Committed
		if s, ok := start.Lookup(p.Topic, p.Partition); ok && s.Err == nil && at < s.Offset {
			at = s.Offset
		}
		if at < 0 {
			at = 0
		}
		next[p] = at
	}
	for round := 0; round < m.ProbeRounds && len(next) > 0; round++ {
		byLeader := map[int32][]*Partition{}
		for p := range next {
			td, ok := meta.Topics[p.Topic]
			if !ok {
				p.Err = errors.New("topic missing from metadata")
				delete(next, p)
				continue
			}
			pd, ok := td.Partitions[p.Partition]
			if !ok || pd.Leader < 0 {
				p.Err = errors.New("partition has no leader")
				delete(next, p)
				continue
			}
			byLeader[pd.Leader] = append(byLeader[pd.Leader], p)
		}
		for leader, lps := range byLeader {
			m.fetchRound(ctx, meta, leader, lps, next, now)
		}
	}
	// Partitions still unresolved after every round: keep the record lag,
	// leave the age unknown (0) and say why.
	for p := range next {
		if p.Err == nil {
			p.Err = fmt.Errorf("no record found from offset %d within %d fetches", next[p], m.ProbeRounds)
		}
	}
}

func (m *Measurer) fetchRound(ctx context.Context, meta kadm.Metadata, leader int32, ps []*Partition, next map[*Partition]int64, now time.Time) {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxWaitMillis = 0
	req.MinBytes = 1
	req.MaxBytes = 4 << 20
	req.IsolationLevel = 1 // read_committed: aborted records are filtered out
	req.SessionEpoch = -1  // no fetch session
	topics := map[string]int{}
	for _, p := range ps {
		i, ok := topics[p.Topic]
		if !ok {
			t := kmsg.NewFetchRequestTopic()
			t.Topic = p.Topic
			t.TopicID = meta.Topics[p.Topic].ID
			req.Topics = append(req.Topics, t)
			i = len(req.Topics) - 1
			topics[p.Topic] = i
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = p.Partition
		rp.FetchOffset = next[p]
		rp.PartitionMaxBytes = 1 << 20
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	kresp, err := m.cl.Broker(int(leader)).Request(ctx, req)
	if err != nil {
		for _, p := range ps {
			p.Err = fmt.Errorf("probe fetch: %w", err)
			delete(next, p)
		}
		return
	}
	resp := kresp.(*kmsg.FetchResponse)
	byID := map[[16]byte]string{}
	for name, td := range meta.Topics {
		byID[td.ID] = name
	}
	find := func(topic string, part int32) *Partition {
		for _, p := range ps {
			if p.Topic == topic && p.Partition == part {
				return p
			}
		}
		return nil
	}
	for _, rt := range resp.Topics {
		topic := rt.Topic
		if topic == "" {
			topic = byID[rt.TopicID]
		}
		for i := range rt.Partitions {
			rp := &rt.Partitions[i]
			p := find(topic, rp.Partition)
			if p == nil {
				continue
			}
			at := next[p]
			fp, after := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
				Offset: at, IsolationLevel: kgo.ReadCommitted(), Topic: topic, Partition: rp.Partition,
			}, rp, kgo.DefaultDecompressor(), nil)
			switch {
			case fp.Err != nil:
				p.Err = fmt.Errorf("probe fetch: %w", fp.Err)
				delete(next, p)
			case len(fp.Records) > 0:
				if age := now.Sub(fp.Records[0].Timestamp); age > 0 {
					p.Age = age
				}
				if after >= p.End {
					// The fetch covered everything up to the end:
					// count the real records exactly, without the
					// markers in between.
					var n int64
					for _, r := range fp.Records {
						if r.Offset < p.End {
							n++
						}
					}
					p.Records = n
				}
				delete(next, p)
			case after >= p.End:
				// Only markers and aborted records before the end:
				// nothing for the group to consume.
				p.Records = 0
				delete(next, p)
			case after > at:
				next[p] = after // a batch of markers/aborted records; go on
			default:
				// No progress (empty response); retry next round.
			}
		}
	}
}
