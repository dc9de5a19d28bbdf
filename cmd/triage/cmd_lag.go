package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/admin"
	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/lag"
)

func init() {
	c := &command{
		name:    "lag",
		summary: "report consumer-group lag in records and seconds (works with every processor down)",
		usage: "triage lag [--brokers B] [--group G]... [--json] [--samples N --interval D] [--serve ADDR]\n\n" +
			"Without --group, reports every consumer group whose name starts with the\n" +
			"configured group (default \"triage\"; --all-groups for every group).\n" +
			"Status per group: ok, lagging, stalled, stopped, rewound (lagging and stalled\n" +
			"need --window samples: use --samples or --serve).\n\n" +
			"Examples:\n  triage lag --brokers 127.0.0.1:9092\n" +
			"  triage lag --group triage --samples 5 --interval 10s\n" +
			"  triage lag --serve :9091 --interval 15s   # Prometheus exporter",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		path := fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file for brokers, TLS and SASL (env TRIAGE_CONFIG)")
		brokers := fs.String("brokers", "", "comma-separated seed brokers (env TRIAGE_KAFKA_BROKERS)")
		groups := fs.StringArray("group", nil, "consumer group, repeatable")
		all := fs.Bool("all-groups", false, "report every consumer group")
		asJSON := fs.Bool("json", false, "print JSON instead of a table")
		serve := fs.String("serve", "", "serve Prometheus metrics on this address and poll until stopped")
		interval := fs.Duration("interval", 15*time.Second, "time between samples")
		samples := fs.Int("samples", 1, "samples to take before printing (status needs --window of them)")
		window := fs.Int("window", 5, "samples a status is judged over")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *interval <= 0 || *samples < 1 || *window < 2 {
			return fmt.Errorf("--interval must be positive, --samples >= 1, --window >= 2 (see --help)")
		}
		over := map[string]any{}
		if *brokers != "" {
			over["kafka.brokers"] = *brokers
		}
		cfg, err := config.Load(*path, over)
		if err != nil {
			return err
		}
		kopts, err := kafkaOpts(cfg)
		if err != nil {
			return err
		}
		cl, err := kgo.NewClient(append(kopts, kgo.SeedBrokers(cfg.Kafka.Brokers...),
			kgo.ClientID("triage-lag"), kgo.DialTimeout(5*time.Second))...)
		if err != nil {
			return fmt.Errorf("kafka client: %w", err)
		}
		defer cl.Close()
		m := lag.NewMeasurer(cl)
		sel := groupSelector{explicit: *groups, all: *all, prefix: cfg.Kafka.Group, m: m}
		exp := lag.NewExporter(m, nil, *window)
		exp.SetGroups(sel.resolve)

		if *serve != "" {
			return serveLag(ctx, *serve, exp, *interval)
		}
		var gs []lag.Group
		for i := 0; i < *samples; i++ {
			if i > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(*interval):
				}
			}
			pctx, cancel := context.WithTimeout(ctx, max(*interval, 10*time.Second))
			gs, err = exp.Poll(pctx)
			cancel()
			if err != nil {
				return err
			}
		}
		if *asJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(gs)
		}
		printLag(gs)
		return nil
	}
	register(c)
}

// groupSelector decides which groups to report: the --group values, or
// every consumer group (--all-groups), or those named like the processor's
// group (its replay groups share the prefix).
type groupSelector struct {
	explicit []string
	all      bool
	prefix   string
	m        *lag.Measurer
}

func (s groupSelector) resolve(ctx context.Context) ([]string, error) {
	if len(s.explicit) > 0 {
		return s.explicit, nil
	}
	listed, err := s.m.ConsumerGroups(ctx)
	if err != nil {
		return nil, err
	}
	if s.all {
		return listed, nil
	}
	var out []string
	for _, g := range listed {
		if strings.HasPrefix(g, s.prefix) {
			out = append(out, g)
		}
	}
	return out, nil
}

func serveLag(ctx context.Context, addr string, exp *lag.Exporter, interval time.Duration) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(exp, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	log := newLogger(os.Stderr, "info", "auto").With("component", "lag")
	srv, err := admin.Listen(addr, admin.Options{
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
		Logger:  log,
	})
	if err != nil {
		return err
	}
	log.Info("lag exporter listening", "addr", srv.Addr(), "interval", interval.String())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		exp.Run(ctx, interval, func(err error) {
			if err != nil {
				log.Warn("lag poll failed", "err", err)
			}
		})
	}()
	err = srv.Run(ctx)
	wg.Wait()
	return err
}

func printLag(gs []lag.Group) {
	if len(gs) == 0 {
		fmt.Println("no consumer groups found")
		return
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tTOPIC\tPARTITION\tCOMMITTED\tEND\tLAG\tLAG_SECONDS\tMEMBER")
	for _, g := range gs {
		for _, p := range g.Partitions {
			committed := fmt.Sprint(p.Committed)
			if p.Committed < 0 {
				committed = "-"
			}
			member := p.Member
			if member == "" {
				member = "-"
			}
			lagS := fmt.Sprintf("%.1f", p.Age.Seconds())
			if p.Err != nil {
				lagS = "? (" + p.Err.Error() + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%s\t%s\n", g.Group, p.Topic, p.Partition, committed, p.End, p.Records, lagS, member)
		}
	}
	tw.Flush()
	fmt.Println()
	for _, g := range gs {
		if g.Err != nil {
			fmt.Printf("group %s: %s (%v)\n", g.Group, g.Status, g.Err)
			continue
		}
		fmt.Printf("group %s: %s (state %s, %d members), lag %d records, %.1fs\n",
			g.Group, g.Status, dashIfEmpty(g.State), g.Members, g.Total, g.MaxAge.Seconds())
	}
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
