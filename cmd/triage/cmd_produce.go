package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/stream"
)

// progress prints a one-line progress counter on a terminal.
type progress struct {
	label string
	total int64
	n     atomic.Int64
	tty   bool
	last  time.Time
	mu    sync.Mutex
}

func newProgress(label string, total int64) *progress {
	return &progress{label: label, total: total, tty: isTerminal(os.Stderr)}
}

func (p *progress) add(n int64) {
	v := p.n.Add(n)
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	if p.total > 0 {
		fmt.Fprintf(os.Stderr, "\r%s %d/%d (%.0f%%)", p.label, v, p.total, 100*float64(v)/float64(p.total))
	} else {
		fmt.Fprintf(os.Stderr, "\r%s %d", p.label, v)
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintf(os.Stderr, "\r%s %d done\n", p.label, p.n.Load())
	}
}

func init() {
	c := &command{
		name:    "produce",
		summary: "ingest .eml files, directories, mbox files and Maildir folders into a topic",
		usage: "triage produce --brokers B --topic T [--region R] PATH...\n\nExamples:\n" +
			"  triage produce --brokers 127.0.0.1:9092 --topic emails.raw ./mail/*.eml\n" +
			"  triage produce --brokers 127.0.0.1:9092 --topic emails.raw --region eu-west-1 ~/Maildir",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		brokers := fs.String("brokers", envOr("TRIAGE_KAFKA_BROKERS", "127.0.0.1:9092"), "seed brokers (env TRIAGE_KAFKA_BROKERS)")
		topic := fs.String("topic", "emails.raw", "topic to produce to")
		region := fs.String("region", "", "set the triage-region header on every record")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			return fmt.Errorf("no input paths (see --help)")
		}
		bl := splitComma(*brokers)
		if err := stream.CheckBrokers(ctx, bl, 5*time.Second); err != nil {
			return err
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(bl...), kgo.DefaultProduceTopic(*topic))
		if err != nil {
			return err
		}
		defer cl.Close()
		prog := newProgress("produced", 0)
		var (
			mu    sync.Mutex
			first error
		)
		err = walkMail(fs.Args(), func(m mailFile) error {
			r := &kgo.Record{Value: m.raw}
			if id := messageID(m.raw); id != "" {
				r.Key = []byte(id)
			}
			if *region != "" {
				r.Headers = append(r.Headers, kgo.RecordHeader{Key: stream.RegionHeader, Value: []byte(*region)})
			}
			cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("%s: %w", m.origin, err)
					}
					mu.Unlock()
					return
				}
				prog.add(1)
			})
			return ctx.Err()
		})
		if ferr := cl.Flush(ctx); err == nil {
			err = ferr
		}
		prog.done()
		if err == nil {
			err = first
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "produced %d emails to %s\n", prog.n.Load(), *topic)
		return nil
	}
	register(c)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
