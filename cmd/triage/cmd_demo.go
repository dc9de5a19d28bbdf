package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/corpus"
	"github.com/triage-dev/triage/schemas"
)

func init() {
	c := &command{
		name:    "demo",
		summary: "run the real pipeline on an embedded broker with the bundled corpus and print the results",
		usage:   "triage demo [--count N] [--partitions P] [--verbose]\n\nExamples:\n  triage demo\n  triage demo --count 200   # 200 copies of the corpus, each with fresh Message-IDs",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		count := fs.Int("count", 1, "repeat the corpus N times (each copy gets fresh Message-IDs)")
		parts := fs.Int32("partitions", 3, "input partitions")
		verbose := fs.Bool("verbose", false, "show the processor's log")
		dir := fs.String("corpus", "", "use the emails under DIR (.eml, mbox, Maildir) instead of the bundled corpus")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *count < 1 || *parts < 1 {
			return fmt.Errorf("--count and --partitions must be >= 1")
		}
		samples := corpus.All()
		if *dir != "" {
			samples = nil
			err := walkMail([]string{*dir}, func(m mailFile) error {
				samples = append(samples, corpus.Sample{Name: filepath.Base(m.origin), Raw: m.raw})
				return nil
			})
			if err != nil {
				return err
			}
			if len(samples) == 0 {
				return fmt.Errorf("no emails found in %s", *dir)
			}
		}
		return runDemo(ctx, samples, *count, *parts, *verbose, os.Stdout)
	}
	register(c)
}

// withMessageIDSuffix rewrites the Message-ID so repeated copies of the
// corpus are distinct emails (the corpus's own resent duplicate stays a
// duplicate of its original within each copy).
func withMessageIDSuffix(raw []byte, suffix string) []byte {
	if suffix == "" {
		return raw
	}
	id := messageID(raw)
	if id == "" {
		return raw
	}
	at := strings.LastIndexByte(id, '@')
	if at < 0 {
		return raw
	}
	nid := id[:at] + suffix + id[at:]
	return bytes.Replace(raw, []byte("<"+id+">"), []byte("<"+nid+">"), 1)
}

func runDemo(ctx context.Context, samples []corpus.Sample, count int, parts int32, verbose bool, out io.Writer) error {
	const input = "emails.raw"
	broker, err := startBroker("127.0.0.1:0", parts, input)
	if err != nil {
		return err
	}
	defer broker.Close()
	addr := broker.ListenAddrs()[0]
	stateDir, err := os.MkdirTemp("", "triage-demo-state-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stateDir)
	fmt.Fprintf(out, "embedded broker on %s; input topic %s with %d partitions\n", addr, input, parts)

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(input))
	if err != nil {
		return err
	}
	defer cl.Close()
	names := map[string]string{} // message id -> sample name
	total := 0
	var (
		perrMu sync.Mutex
		perr   error
	)
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			perrMu.Lock()
			if perr == nil {
				perr = err
			}
			perrMu.Unlock()
		}
	}
	for i := 0; i < count; i++ {
		suffix := ""
		if i > 0 {
			suffix = fmt.Sprintf(".copy%d", i)
		}
		for _, s := range samples {
			raw := withMessageIDSuffix(s.Raw, suffix)
			id := messageID(raw)
			if _, seen := names[strings.ToLower(id)]; i == 0 && !seen {
				names[strings.ToLower(id)] = s.Name // a resent duplicate keeps its original's name
			}
			cl.Produce(ctx, &kgo.Record{Key: []byte(id), Value: raw}, promise)
			total++
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return fmt.Errorf("produce corpus: %w", err)
	}
	if perr != nil {
		return fmt.Errorf("produce corpus: %w", perr)
	}
	fmt.Fprintf(out, "produced %d emails (%d samples x %d)\n", total, len(samples), count)

	cfg, err := config.LoadEnv("", map[string]any{
		"dev": true, "kafka.brokers": []string{addr}, "state.dir": stateDir, "admin_addr": "off",
		"kafka.session_timeout": "10s", "kafka.transaction_timeout": "8s", "shutdown_timeout": "10s",
	}, func() []string { return nil })
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	logw := io.Discard
	if verbose {
		logw = os.Stderr
	}
	log := newLogger(logw, "info", "text")
	rt, err := buildRuntime(cfg, log, nil)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- rt.run(runCtx, log) }()

	adm := kadm.NewClient(cl)
	if err := waitCaughtUp(ctx, adm, cfg.Kafka.Group, input, done, 5*time.Minute); err != nil {
		stop()
		<-done
		return err
	}
	elapsed := time.Since(start)
	stop()
	if err := <-done; err != nil {
		return fmt.Errorf("processor: %w", err)
	}

	reg, _ := cfg.RegionRegistry()
	var outTopics, dlqTopics []string
	for _, r := range reg.Names() {
		outTopics = append(outTopics, reg.OutputTopic(r))
		dlqTopics = append(dlqTopics, reg.DLQTopic(r))
	}
	recs, err := readAll(ctx, addr, outTopics)
	if err != nil {
		return err
	}
	dlq, err := readAll(ctx, addr, dlqTopics)
	if err != nil {
		return err
	}
	codec, _ := schemas.NewCodec()
	type row struct {
		name string
		r    *schemas.Record
	}
	var rows []row
	decoded := 0
	for _, kr := range recs {
		if isJSONRecord(kr) {
			continue
		}
		r, err := codec.Decode(kr.Value)
		if err != nil {
			return fmt.Errorf("decode output: %w", err)
		}
		decoded++
		if r.MessageID == nil {
			continue
		}
		if n, ok := names[strings.ToLower(*r.MessageID)]; ok {
			rows = append(rows, row{n, r})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nEMAIL\tREGION\tLANG\tCATEGORY\tPRIORITY\tPII\tSUMMARY")
	if len(rows) > 60 {
		rows = rows[:60] // a large --corpus: the totals below say the rest
	}
	for _, r := range rows {
		pii := 0
		for _, p := range r.r.PII {
			pii += p.Count
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", strings.TrimSuffix(r.name, ".eml"), r.r.Region,
			orDash(r.r.Language), orDash(r.r.Category), prio(r.r), pii, clip(orDash(r.r.Summary), 60))
	}
	tw.Flush()
	fmt.Fprintf(out, "\n%d emails in, %d triaged records out, %d dead letters, %d dropped as duplicates\n",
		total, decoded, len(dlq), total-decoded-len(dlq))
	if total < 2000 {
		// Group join and the first transaction dominate a small run; a rate
		// would mislead.
		fmt.Fprintf(out, "processed in %s, exactly-once through the embedded broker (for a throughput figure: --count 300)\n",
			elapsed.Round(time.Millisecond))
	} else {
		fmt.Fprintf(out, "processed in %s: %.0f emails/s end to end through the embedded broker (exactly-once)\n",
			elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	}
	if decoded+len(dlq) > total {
		return errors.New("more records out than in: exactly-once violated")
	}
	return nil
}

func orDash(s *string) string {
	if s == nil || *s == "" {
		return "-"
	}
	return *s
}

func prio(r *schemas.Record) string {
	if r.Priority == nil {
		return "-"
	}
	return fmt.Sprintf("%d %s", *r.Priority, orDash(r.PriorityLevel))
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// waitCaughtUp waits until the group's committed offsets reach the end of
// every partition of topic, or the processor stops, or the timeout passes.
// It compares end offsets with committed offsets itself rather than using
// a lag summary, which may list only the partitions that have a commit.
func waitCaughtUp(ctx context.Context, adm *kadm.Client, group, topic string, done chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err == nil {
			var commits kadm.OffsetResponses
			commits, err = adm.FetchOffsets(ctx, group)
			if err == nil {
				caught, seen := true, 0
				ends.Each(func(o kadm.ListedOffset) {
					seen++
					if o.Offset == 0 {
						return
					}
					c, ok := commits.Lookup(topic, o.Partition)
					if !ok || c.Err != nil || c.At < o.Offset {
						caught = false
					}
				})
				if caught && seen > 0 {
					return nil
				}
			}
		}
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("stopped early")
			}
			return fmt.Errorf("processor: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("group %s did not catch up within %s", group, timeout)
		}
	}
}

// readAll reads every committed record currently in topics.
func readAll(ctx context.Context, addr string, topics []string) ([]*kgo.Record, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	want := map[string]map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			if want[o.Topic] == nil {
				want[o.Topic] = map[int32]int64{}
			}
			want[o.Topic][o.Partition] = o.Offset
		}
	})
	var out []*kgo.Record
	deadline := time.Now().Add(60 * time.Second)
	// Poll until every partition has reported a last stable offset at or
	// past its end (offsets count transaction markers, so record counts
	// cannot be compared), then drain until a poll comes back empty.
	for time.Now().Before(deadline) && ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollFetches(pctx)
		cancel()
		out = append(out, fs.Records()...)
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			if w, ok := want[p.Topic]; ok {
				if end, ok := w[p.Partition]; ok && p.LastStableOffset >= end {
					delete(w, p.Partition)
				}
				if len(w) == 0 {
					delete(want, p.Topic)
				}
			}
		})
		if len(want) == 0 && fs.NumRecords() == 0 {
			break
		}
	}
	return out, nil
}
