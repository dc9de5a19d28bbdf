package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/schemas"
)

func init() {
	c := &command{
		name:    "consume",
		summary: "decode output records (Avro) to JSON lines, read_committed",
		usage: "triage consume [--config F] [--brokers B] --topic T [--from-beginning] [--max N] [--timeout D]\n\n" +
			"Brokers, TLS and SASL come from the config file's kafka section and the\n" +
			"TRIAGE_KAFKA_* environment (e.g. TRIAGE_KAFKA_SASL_PASSWORD); --brokers wins.\n\nExample:\n" +
			"  triage consume --brokers 127.0.0.1:9092 --topic emails.triaged.eu-west-1 --from-beginning --max 10",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		cfgPath, brokers := addClientFlags(fs)
		topics := fs.StringArray("topic", nil, "topic to read, repeatable (required)")
		fromBeginning := fs.Bool("from-beginning", false, "start at the earliest offset instead of the end")
		max := fs.Int("max", 0, "stop after N records (0: no limit)")
		timeout := fs.Duration("timeout", 0, "stop after no record arrived for this long (0: wait forever)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if len(*topics) == 0 {
			return fmt.Errorf("--topic is required")
		}
		codec, err := schemas.NewCodec()
		if err != nil {
			return err
		}
		off := kgo.NewOffset().AtEnd()
		if *fromBeginning {
			off = kgo.NewOffset().AtStart()
		}
		cl, err := dialKafka(ctx, *cfgPath, *brokers, "triage-consume", kgo.ConsumeTopics(*topics...),
			kgo.ConsumeResetOffset(off), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
		if err != nil {
			return err
		}
		defer cl.Close()
		w := bufio.NewWriter(os.Stdout)
		defer w.Flush()
		var prog *progress
		if *max > 0 {
			prog = newProgress("consumed", int64(*max))
			defer prog.done()
		}
		n := 0
		for {
			pctx, cancel := ctx, context.CancelFunc(func() {})
			if *timeout > 0 {
				pctx, cancel = context.WithTimeout(ctx, *timeout)
			}
			fetches := cl.PollFetches(pctx)
			cancel()
			if ctx.Err() != nil || fetches.IsClientClosed() {
				return nil
			}
			if pctx.Err() != nil && fetches.NumRecords() == 0 {
				return nil // idle timeout
			}
			var ferr error
			fetches.EachError(func(t string, p int32, err error) {
				if ferr == nil && pctx.Err() == nil {
					ferr = fmt.Errorf("fetch %s[%d]: %w", t, p, err)
				}
			})
			if ferr != nil {
				return ferr
			}
			for _, r := range fetches.Records() {
				if isJSONRecord(r) {
					w.Write(r.Value)
				} else {
					rec, err := codec.Decode(r.Value)
					if err != nil {
						return fmt.Errorf("%s[%d]@%d: %w", r.Topic, r.Partition, r.Offset, err)
					}
					b, _ := json.Marshal(rec)
					w.Write(b)
				}
				w.WriteByte('\n')
				n++
				if prog != nil {
					prog.add(1)
				}
				if *max > 0 && n >= *max {
					return nil
				}
			}
			w.Flush()
		}
	}
	register(c)
}

func isJSONRecord(r *kgo.Record) bool {
	for _, h := range r.Headers {
		if h.Key == schemas.HeaderContentType {
			return string(h.Value) == "application/json"
		}
	}
	return false
}
