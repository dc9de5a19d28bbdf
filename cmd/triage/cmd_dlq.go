package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/ops"
)

func init() {
	c := &command{
		name:    "dlq",
		summary: "list, show and redrive dead letters of a region (redrive is a dry run by default)",
		usage: "triage dlq list|show|redrive --region R [--topic T] [--stage S] [--reason R] [--since TIME]\n" +
			"    show:    --partition P --offset O [--show-content]\n" +
			"    redrive: [--partition P --offset O] [--to-topic T] [--max-redrives 3] [--execute]\n\n" +
			"Reads the region's DLQ topic (dlq_topic_template, default emails.dlq.<region>) with\n" +
			"read_committed isolation. Message content is never printed unless --show-content.\n" +
			"Redrive re-injects the selected dead letters into their original topic with the\n" +
			"original key and headers and triage-redrive-count incremented; records already\n" +
			"redriven --max-redrives times are skipped and reported.\n\n" +
			"Examples:\n" +
			"  triage dlq list --region eu-west-1 --since 24h\n" +
			"  triage dlq show --region eu-west-1 --partition 0 --offset 17\n" +
			"  triage dlq redrive --region eu-west-1 --stage parse --execute",
	}
	c.run = func(ctx context.Context, args []string) error {
		if len(args) == 0 || (args[0] != "list" && args[0] != "show" && args[0] != "redrive") {
			if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
				fmt.Printf("%s\n\n%s\n", c.summary, c.usage)
				return nil
			}
			fmt.Fprintf(os.Stderr, "triage dlq: want a subcommand: list, show or redrive\n\n%s\n", c.usage)
			return errUsage
		}
		sub := args[0]
		fs := newFlagSet(c)
		cfgPath := fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file for brokers, TLS, SASL and topic templates (env TRIAGE_CONFIG)")
		brokers := fs.String("brokers", "", "comma-separated seed brokers (env TRIAGE_KAFKA_BROKERS)")
		region := fs.String("region", "", "region whose DLQ to read")
		topic := fs.String("topic", "", "DLQ topic (overrides --region)")
		stage := fs.String("stage", "", "only dead letters from this stage")
		class := fs.String("class", "", "only this error class")
		reason := fs.String("reason", "", "only this error reason")
		since := fs.String("since", "", "only dead letters appended at or after this time (or this long ago: 24h)")
		partition := fs.Int32("partition", 0, "DLQ partition of one dead letter (with --offset)")
		offset := fs.Int64("offset", -1, "DLQ offset of one dead letter")
		limit := fs.Int("limit", 0, "stop after this many matches (0: all)")
		asJSON := fs.Bool("json", false, "list: print JSON lines (headers only, no content)")
		showContent := fs.Bool("show-content", false, "show: print the raw message (personal data: handle per policy)")
		toTopic := fs.String("to-topic", "", "redrive: target topic (default: each record's original topic)")
		maxRedrives := fs.Int("max-redrives", ops.DefaultMaxRedrives, "redrive: skip records already redriven this many times")
		execute := fs.Bool("execute", false, "redrive: produce (default: dry run)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
		}
		if sub == "show" && *offset < 0 {
			return fmt.Errorf("show needs --partition and --offset (see 'triage dlq list')")
		}
		if *maxRedrives < 1 {
			return fmt.Errorf("--max-redrives must be >= 1")
		}
		cfg, cl, base, err := opsClient(ctx, *cfgPath, *brokers, "triage-dlq")
		if err != nil {
			return err
		}
		defer cl.Close()
		t := *topic
		if t == "" {
			if *region == "" {
				return fmt.Errorf("--region or --topic is required")
			}
			reg, err := cfg.RegionRegistry()
			if err != nil {
				return err
			}
			if reg.Policy(*region) == nil {
				return fmt.Errorf("--region %q has no policy (known: %v)", *region, reg.Names())
			}
			t = reg.DLQTopic(*region)
		}
		f := ops.DLQFilter{Stage: *stage, Class: *class, Reason: *reason, Partition: *partition, Offset: *offset, Limit: *limit}
		if *since != "" {
			if f.Since, err = parseWhen(*since, time.Now()); err != nil {
				return fmt.Errorf("--since: %w", err)
			}
		}
		letters, err := ops.ReadDLQ(ctx, base, t, f, 0)
		if err != nil {
			return err
		}
		switch sub {
		case "list":
			if *asJSON {
				enc := json.NewEncoder(os.Stdout)
				for _, d := range letters {
					_ = enc.Encode(map[string]any{
						"topic": d.Topic, "partition": d.Partition, "offset": d.Offset, "timestamp": d.Timestamp.UTC(),
						"stage": d.Stage, "class": d.Class, "reason": d.Reason, "region": d.Region,
						"original_topic": d.OriginalTopic, "original_partition": d.OriginalPartition, "original_offset": d.OriginalOffset,
						"attempts": d.Attempts, "redrive_count": d.RedriveCount, "bytes": len(d.Value),
					})
				}
				return nil
			}
			fmt.Printf("dead letters in %s\n", t)
			ops.WriteDeadLetters(os.Stdout, letters)
		case "show":
			if len(letters) == 0 {
				return fmt.Errorf("no dead letter at %s/%d/%d matches", t, *partition, *offset)
			}
			ops.WriteDeadLetter(os.Stdout, &letters[0], *showContent)
		case "redrive":
			prod, err := kgo.NewClient(append(base, kgo.RecordPartitioner(ops.RedrivePartitioner()),
				kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordDeliveryTimeout(time.Minute))...)
			if err != nil {
				return fmt.Errorf("redrive producer: %w", err)
			}
			defer prod.Close()
			outs, err := ops.Redrive(ctx, prod, letters, ops.RedriveRequest{ToTopic: *toTopic, MaxRedrives: *maxRedrives, Execute: *execute})
			ops.WriteRedrive(os.Stdout, outs, *execute)
			return err
		}
		return nil
	}
	register(c)
}
