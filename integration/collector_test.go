package integration

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// outRecord is one decoded output record.
type outRecord struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       string
	Fields    map[string]any
}

// collector reads every output and DLQ topic of one run (by suffix) from the
// start with read_committed, for as long as the test lasts, and keeps what
// it saw. Only committed transactional data is visible, which is exactly
// what a downstream consumer would get.
//
// It keeps control records (transaction markers) so it can tell when it has
// read a partition up to its end offset: the last offset of a partition
// written transactionally is always a marker, never a data record.
type collector struct {
	t      testing.TB
	dec    *avroDecoder
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	byMsgID   map[string][]outRecord
	bySource  map[string]int // "topic/partition/offset" -> count
	next      map[string]map[int32]int64
	dlq       int
	decodeErr []string
}

func startCollector(t testing.TB, seeds []string, suffix string) *collector {
	t.Helper()
	re := "^emails\\.(triaged|dlq)\\..*\\." + regexp.QuoteMeta(suffix) + "$"
	cl := newClient(t, seeds,
		kgo.ConsumeRegex(), kgo.ConsumeTopics(re),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
		// Output topics appear while the run goes; notice them quickly.
		kgo.MetadataMinAge(250*time.Millisecond), kgo.MetadataMaxAge(time.Second),
		kgo.FetchMaxWait(200*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	c := &collector{t: t, dec: newAvroDecoder(t), cancel: cancel, done: make(chan struct{}),
		byMsgID: map[string][]outRecord{}, bySource: map[string]int{}, next: map[string]map[int32]int64{}}
	go func() {
		defer close(c.done)
		for {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				return
			}
			fs.EachRecord(c.add)
		}
	}()
	t.Cleanup(c.stop)
	return c
}

func (c *collector) stop() {
	c.cancel()
	<-c.done
}

func (c *collector) add(r *kgo.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.next[r.Topic] == nil {
		c.next[r.Topic] = map[int32]int64{}
	}
	c.next[r.Topic][r.Partition] = r.Offset + 1
	if r.Attrs.IsControl() {
		return
	}
	if strings.HasPrefix(r.Topic, "emails.dlq.") {
		c.dlq++
		return
	}
	m, err := c.dec.decode(r.Value)
	if err != nil {
		if len(c.decodeErr) < 5 {
			c.decodeErr = append(c.decodeErr, fmt.Sprintf("%s/%d@%d: %v", r.Topic, r.Partition, r.Offset, err))
		}
		return
	}
	o := outRecord{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: string(r.Key), Fields: m}
	id := str(m, "message_id")
	c.byMsgID[id] = append(c.byMsgID[id], o)
	c.bySource[fmt.Sprintf("%s/%d/%d", str(m, "source_topic"), num(m, "source_partition"), num(m, "source_offset"))]++
}

// seen returns how many of the wanted Message-IDs have arrived.
func (c *collector) seen(want []testEmail) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range want {
		if len(c.byMsgID[e.MessageID]) > 0 {
			n++
		}
	}
	return n
}

// total returns the number of decoded output records.
func (c *collector) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, rs := range c.byMsgID {
		n += len(rs)
	}
	return n
}

// waitAll waits until every wanted email has at least one committed output
// record, failing early if a triage process died on its own.
func (c *collector) waitAll(t testing.TB, want []testEmail, timeout time.Duration, procs ...*triageProc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	lastLog := time.Now()
	for {
		n := c.seen(want)
		if n == len(want) {
			return
		}
		checkAlive(t, procs...)
		if time.Now().After(deadline) {
			c.mu.Lock()
			dlq, derr := c.dlq, c.decodeErr
			c.mu.Unlock()
			t.Fatalf("only %d of %d emails reached the output within %v (dlq records %d, decode errors %v)%s",
				n, len(want), timeout, dlq, derr, logTails(procs))
		}
		if time.Since(lastLog) > 15*time.Second {
			t.Logf("output: %d of %d emails", n, len(want))
			lastLog = time.Now()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// drain waits until the collector has read every output partition of the
// run up to its current end offset. Call it after the writers stopped.
func (c *collector) drain(t testing.TB, adm *kadm.Client, suffix string, timeout time.Duration) {
	t.Helper()
	topics := append(topicsWithSuffix(t, adm, "emails.triaged.", suffix), topicsWithSuffix(t, adm, "emails.dlq.", suffix)...)
	if len(topics) == 0 {
		t.Fatalf("no output topics with suffix %q exist", suffix)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	ends, err := adm.ListEndOffsets(ctx, topics...)
	cancel()
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		var behind []string
		c.mu.Lock()
		ends.Each(func(o kadm.ListedOffset) {
			if o.Offset > 0 && c.next[o.Topic][o.Partition] < o.Offset {
				behind = append(behind, fmt.Sprintf("%s/%d at %d of %d", o.Topic, o.Partition, c.next[o.Topic][o.Partition], o.Offset))
			}
		})
		c.mu.Unlock()
		if len(behind) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("output not readable to its end within %v: %v", timeout, behind)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// verifyExactlyOnce checks the drained output: every wanted email exactly
// once, nothing else from this run, each input record at most once, every
// record decodable, none dead-lettered.
func (c *collector) verifyExactlyOnce(t testing.TB, want []testEmail) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var missing, dup []string
	wantIDs := make(map[string]bool, len(want))
	for _, e := range want {
		wantIDs[e.MessageID] = true
		switch n := len(c.byMsgID[e.MessageID]); {
		case n == 0:
			missing = append(missing, e.MessageID)
		case n > 1:
			dup = append(dup, fmt.Sprintf("%s x%d", e.MessageID, n))
		}
	}
	var unexpected []string
	for id := range c.byMsgID {
		if !wantIDs[id] {
			unexpected = append(unexpected, id)
		}
	}
	var dupSource []string
	for k, n := range c.bySource {
		if n > 1 {
			dupSource = append(dupSource, fmt.Sprintf("%s x%d", k, n))
		}
	}
	sort.Strings(missing)
	sort.Strings(dup)
	sort.Strings(dupSource)
	for _, l := range []struct {
		what string
		ids  []string
	}{{"missing", missing}, {"duplicated", dup}, {"unexpected", unexpected}, {"input records output more than once", dupSource}, {"undecodable", c.decodeErr}} {
		if len(l.ids) > 0 {
			t.Errorf("%d %s (first: %v)", len(l.ids), l.what, l.ids[:min(5, len(l.ids))])
		}
	}
	if c.dlq > 0 {
		t.Errorf("%d records dead-lettered; the generated emails are all valid", c.dlq)
	}
	t.Logf("exactly-once check: %d emails, %d distinct input records in committed output", len(want), len(c.bySource))
}
