package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// regionHeader is the record header triage routes on before domain rules.
const regionHeader = "triage-region"

// nonce returns a short random hex string to keep topic names, groups and
// Message-IDs of different runs apart on a shared cluster.
func nonce() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newClient(t testing.TB, seeds []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)...)
	if err != nil {
		t.Fatalf("kafka client: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func newAdmin(t testing.TB, seeds []string) *kadm.Client {
	return kadm.NewClient(newClient(t, seeds))
}

// createTopic creates an input topic; the broker does not auto-create.
func createTopic(t testing.TB, adm *kadm.Client, name string, partitions int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		t.Fatalf("create topic %s: %v", name, err)
	}
}

// inputRef is where one produced email landed.
type inputRef struct {
	Partition int32
	Offset    int64
}

// produceEmails writes the emails to topic keyed by Message-ID with the
// region header, waits for every ack and returns where each landed. pace,
// when > 0, spreads the writes over that long so a run is still consuming
// while the tests kill and restart things.
func produceEmails(ctx context.Context, seeds []string, topic string, emails []testEmail, pace time.Duration) (map[string]inputRef, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.DefaultProduceTopic(topic),
		kgo.ProducerLinger(5*time.Millisecond), kgo.RecordDeliveryTimeout(3*time.Minute))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	const chunk = 250
	chunks := (len(emails) + chunk - 1) / chunk
	var gap time.Duration
	if pace > 0 && chunks > 1 {
		gap = pace / time.Duration(chunks)
	}
	refs := make(map[string]inputRef, len(emails))
	for start := 0; start < len(emails); start += chunk {
		end := min(start+chunk, len(emails))
		recs := make([]*kgo.Record, 0, end-start)
		for _, e := range emails[start:end] {
			recs = append(recs, &kgo.Record{Key: []byte(e.MessageID), Value: e.Raw,
				Headers: []kgo.RecordHeader{{Key: regionHeader, Value: []byte(e.Region)}}})
		}
		res := cl.ProduceSync(ctx, recs...)
		if err := res.FirstErr(); err != nil {
			return nil, fmt.Errorf("produce to %s: %w", topic, err)
		}
		for _, r := range res {
			refs[string(r.Record.Key)] = inputRef{r.Record.Partition, r.Record.Offset}
		}
		if gap > 0 {
			select {
			case <-time.After(gap):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return refs, nil
}

// producer runs produceEmails in the background; wait returns its result.
type producer struct {
	done chan struct{}
	refs map[string]inputRef
	err  error
}

func startProducer(t testing.TB, seeds []string, topic string, emails []testEmail, pace time.Duration) *producer {
	p := &producer{done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(p.done)
		p.refs, p.err = produceEmails(ctx, seeds, topic, emails, pace)
	}()
	t.Cleanup(func() { cancel(); <-p.done })
	return p
}

func (p *producer) wait(t testing.TB) map[string]inputRef {
	t.Helper()
	<-p.done
	if p.err != nil {
		t.Fatalf("producer: %v", p.err)
	}
	return p.refs
}

// outputTopic is the region output topic for a run with --output-suffix.
func outputTopic(region, suffix string) string {
	return "emails.triaged." + region + "." + suffix
}

// waitGroupCaughtUp waits until group has committed, for every partition of
// topic, the partition's end offset: nothing is left to (re)process.
func waitGroupCaughtUp(t testing.TB, adm *kadm.Client, group, topic string, timeout time.Duration, procs ...*triageProc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		checkAlive(t, procs...)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ends, err1 := adm.ListEndOffsets(ctx, topic)
		committed, err2 := adm.FetchOffsets(ctx, group)
		cancel()
		if err := errors.Join(err1, err2, ends.Error()); err != nil {
			last = err.Error()
		} else {
			behind := 0
			ends.Each(func(o kadm.ListedOffset) {
				c, ok := committed.Lookup(topic, o.Partition)
				if !ok || c.At < o.Offset {
					behind++
				}
			})
			if behind == 0 {
				return
			}
			last = fmt.Sprintf("%d partitions not committed up to their end offset", behind)
		}
		if time.Now().After(deadline) {
			t.Fatalf("group %s did not catch up on %s within %v: %s", group, topic, timeout, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// topicsWithSuffix lists the topics whose names end in "."+suffix.
func topicsWithSuffix(t testing.TB, adm *kadm.Client, prefix, suffix string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	td, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	var out []string
	for _, name := range td.Names() {
		if strings.HasPrefix(name, prefix) && strings.HasSuffix(name, "."+suffix) {
			out = append(out, name)
		}
	}
	return out
}
