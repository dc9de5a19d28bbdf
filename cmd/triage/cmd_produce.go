package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"
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
		usage: "triage produce [--config F] [--brokers B] --topic T [--region R] PATH...\n\n" +
			"Brokers, TLS and SASL come from the config file's kafka section and the\n" +
			"TRIAGE_KAFKA_* environment (e.g. TRIAGE_KAFKA_SASL_PASSWORD); --brokers wins.\n\nExamples:\n" +
			"  triage produce --brokers 127.0.0.1:9092 --topic emails.raw ./mail/*.eml\n" +
			"  triage produce --brokers 127.0.0.1:9092 --topic emails.raw --region eu-west-1 ~/Maildir\n" +
			"  TRIAGE_KAFKA_SASL_PASSWORD=... triage produce --config triage.yaml --topic emails.raw ./mail",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		cfgPath, brokers := addClientFlags(fs)
		topic := fs.String("topic", "emails.raw", "topic to produce to")
		region := fs.String("region", "", "set the triage-region header on every record")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			return fmt.Errorf("no input paths (see --help)")
		}
		cl, err := dialKafka(ctx, *cfgPath, *brokers, "triage-produce", kgo.DefaultProduceTopic(*topic))
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

// addClientFlags adds the connection flags of the plain client commands
// (produce, consume): a config file for kafka.brokers/tls/sasl, and
// --brokers to override its brokers.
func addClientFlags(fs *pflag.FlagSet) (cfgPath, brokers *string) {
	cfgPath = fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file; only its kafka section (brokers, tls, sasl) is used (env TRIAGE_CONFIG)")
	brokers = fs.String("brokers", "", "seed brokers, overriding the config (default kafka.brokers, env TRIAGE_KAFKA_BROKERS, else 127.0.0.1:9092)")
	return cfgPath, brokers
}

// dialKafka connects a client command to Kafka with the config's TLS/SASL
// settings: config file, then TRIAGE_* environment, then --brokers, without
// the processor-only checks (no HMAC secret needed to produce). It pings,
// so a wrong password fails at once with an error naming the keys to check
// instead of every produce or fetch retrying until its timeout.
func dialKafka(ctx context.Context, cfgPath, brokers, clientID string, opts ...kgo.Opt) (*kgo.Client, error) {
	_, cl, _, err := opsClient(ctx, cfgPath, brokers, clientID, opts...)
	return cl, err
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
