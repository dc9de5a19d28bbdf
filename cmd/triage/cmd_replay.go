package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/kafkaauth"
	"github.com/triage-dev/triage/ops"
	"github.com/triage-dev/triage/stream"
)

// authConfig maps the app config's kafka.tls/kafka.sasl onto kafkaauth.
func authConfig(c *config.Config) kafkaauth.Config {
	return kafkaauth.Config{
		TLS: kafkaauth.TLSConfig{
			Enabled: c.Kafka.TLS.Enabled, CAFile: c.Kafka.TLS.CAFile, CertFile: c.Kafka.TLS.CertFile,
			KeyFile: c.Kafka.TLS.KeyFile, ServerName: c.Kafka.TLS.ServerName,
		},
		SASL: kafkaauth.SASLConfig{
			Mechanism: c.Kafka.SASL.Mechanism, Username: c.Kafka.SASL.Username,
			Password: kafkaauth.Secret(c.Kafka.SASL.Password), PasswordFile: c.Kafka.SASL.PasswordFile,
		},
	}
}

// opsClient loads the config for an operator tool (file, environment,
// --brokers; none of the processor-only checks such as the HMAC secret)
// and dials Kafka with its TLS/SASL settings, failing fast with an error
// naming the keys to check. It returns the client and the base options
// (seeds + security) for tools that build their own clients.
//
// extra options apply to the returned client only (topics to consume, a
// default produce topic). An unreachable cluster fails first with a plain
// one-line dial error, before any TLS/SASL handshake is attempted.
func opsClient(ctx context.Context, cfgPath, brokers, clientID string, extra ...kgo.Opt) (*config.Config, *kgo.Client, []kgo.Opt, error) {
	over := map[string]any{}
	if brokers != "" {
		over["kafka.brokers"] = brokers
	}
	cfg, err := config.Load(cfgPath, over)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(cfg.Kafka.Brokers) == 0 {
		return nil, nil, nil, fmt.Errorf("no brokers: set --brokers or TRIAGE_KAFKA_BROKERS")
	}
	if err := stream.CheckBrokers(ctx, cfg.Kafka.Brokers, 5*time.Second); err != nil {
		return nil, nil, nil, err
	}
	ac := authConfig(cfg)
	sec, err := kafkaauth.Opts(ac)
	if err != nil {
		return nil, nil, nil, err
	}
	base := append(sec, kgo.SeedBrokers(cfg.Kafka.Brokers...), kgo.ClientID(clientID))
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cl, err := kafkaauth.Dial(dctx, ac, append([]kgo.Opt{kgo.SeedBrokers(cfg.Kafka.Brokers...), kgo.ClientID(clientID)}, extra...)...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("brokers %s: %w", strings.Join(cfg.Kafka.Brokers, ","), err)
	}
	return cfg, cl, base, nil
}

// parseWhen parses an absolute time (RFC 3339, "2006-01-02T15:04:05",
// "2006-01-02 15:04", "2006-01-02"; UTC when no zone is given) or a
// duration meaning that long ago ("90m", "36h").
func parseWhen(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			d = -d
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a time (RFC 3339, 2006-01-02 15:04, 2006-01-02) nor a duration ago (36h)", s)
}

func init() {
	c := &command{
		name:    "replay",
		summary: "reprocess a topic from a time or offset by moving a stopped consumer group (dry run by default)",
		usage: "triage replay --group G (--from TIME | --to-offset N | --shift-by N | --by-duration D) [--to TIME]\n" +
			"              [--topic T]... [--state keep|bypass] [--new-group G2 --output-suffix S] [--execute [--watch]]\n\n" +
			"Prints per partition the committed offset, the target and the records to reprocess.\n" +
			"Refuses to move a group with active members: stop its processors first, or replay\n" +
			"into a new group (blue/green) next to the live one.\n" +
			"--state keep (default) lets the dedup state skip mail already seen; --state bypass\n" +
			"prints the `triage run ... --no-dedup` command that reprocesses everything.\n\n" +
			"Examples:\n" +
			"  triage replay --group triage --from 2026-03-01T00:00:00Z\n" +
			"  triage replay --group triage --by-duration 6h --state bypass --execute\n" +
			"  triage replay --group triage --new-group triage-v2 --output-suffix v2 --from 48h --execute --watch",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		cfgPath := fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file for brokers, TLS and SASL (env TRIAGE_CONFIG)")
		brokers := fs.String("brokers", "", "comma-separated seed brokers (env TRIAGE_KAFKA_BROKERS)")
		group := fs.String("group", "", "consumer group to replay (default: kafka.group from the config)")
		topics := fs.StringArray("topic", nil, "topic to replay, repeatable (default: every topic the group has offsets for)")
		from := fs.String("from", "", "replay from the first record at or after this time (or this long ago: 36h)")
		to := fs.String("to", "", "end of the window to count (the group itself continues to the live end)")
		toOffset := fs.Int64("to-offset", 0, "replay from this offset on every partition")
		shiftBy := fs.Int64("shift-by", 0, "move the committed offsets by N (negative = back)")
		byDuration := fs.Duration("by-duration", 0, "replay the records of the last D")
		state := fs.String("state", ops.StateKeep, "dedup state policy: keep (skip seen mail) or bypass (reprocess all)")
		newGroup := fs.String("new-group", "", "blue/green: commit the offsets for this new group instead")
		suffix := fs.String("output-suffix", "", "blue/green: output topic suffix the new group writes to")
		execute := fs.Bool("execute", false, "commit the new offsets (default: print the plan only)")
		watch := fs.Bool("watch", false, "with --execute: follow the group's progress through the replayed records until caught up")
		interval := fs.Duration("interval", 5*time.Second, "progress polling interval for --watch")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
		}
		if *watch && !*execute {
			return fmt.Errorf("--watch needs --execute")
		}
		cfg, cl, _, err := opsClient(ctx, *cfgPath, *brokers, "triage-replay")
		if err != nil {
			return err
		}
		defer cl.Close()
		req := ops.ReplayRequest{Group: *group, NewGroup: *newGroup, OutputSuffix: *suffix, Topics: *topics,
			ByDuration: *byDuration, State: *state}
		if req.Group == "" {
			req.Group = cfg.Kafka.Group
		}
		now := time.Now()
		if *from != "" {
			if req.From, err = parseWhen(*from, now); err != nil {
				return fmt.Errorf("--from: %w", err)
			}
		}
		if *to != "" {
			if req.To, err = parseWhen(*to, now); err != nil {
				return fmt.Errorf("--to: %w", err)
			}
		}
		if fs.Changed("to-offset") {
			req.ToOffset = toOffset
		}
		if fs.Changed("shift-by") {
			req.ShiftBy = shiftBy
		}
		adm := kadm.NewClient(cl)
		plan, err := ops.PlanReplay(ctx, adm, req)
		if err != nil {
			return err
		}
		ops.WritePlan(os.Stdout, plan, *brokers)
		if !*execute {
			fmt.Println("dry run: no offsets moved; add --execute to commit them")
			return nil
		}
		if err := ops.ExecuteReplay(ctx, adm, plan, func(s string) { fmt.Fprintln(os.Stderr, s) }); err != nil {
			return err
		}
		if !*watch {
			return nil
		}
		fmt.Fprintf(os.Stderr, "watching group %s (start its processors now; Ctrl-C stops watching, not the replay)\n", plan.CommitGroup)
		err = ops.WatchReplay(ctx, adm, plan, *interval, func(p ops.Progress) {
			pct := 100.0
			if p.Total > 0 {
				pct = 100 * float64(p.Done) / float64(p.Total)
			}
			fmt.Fprintf(os.Stderr, "replay progress: %d/%d records (%.0f%%), %d member(s)\n", p.Done, p.Total, pct, p.Members)
		})
		if err == context.Canceled {
			return nil
		}
		if err == nil {
			fmt.Fprintln(os.Stderr, "replay caught up with the end offsets of the plan")
		}
		return err
	}
	register(c)
}
