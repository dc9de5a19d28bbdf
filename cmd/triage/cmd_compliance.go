package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/compliance"
	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/regions"
)

func init() {
	register(&command{
		name:    "compliance-check",
		summary: "check region topics, retention and redaction against each region's policy",
		usage: "triage compliance-check [--brokers B] [--framework gdpr|ccpa|pdpa|pipeda|lgpd] [--region R] [--config F]\n" +
			"  e.g. triage compliance-check --brokers 127.0.0.1:9092 --framework gdpr\n" +
			"Prints check, expected, actual, PASS/FAIL per region; exits 1 if any check fails.",
		run: runComplianceCheck,
	})
}

func runComplianceCheck(ctx context.Context, args []string) error {
	c := commands["compliance-check"]
	fs := newFlagSet(c)
	brokers := fs.String("brokers", envOr("TRIAGE_KAFKA_BROKERS", "127.0.0.1:9092"), "seed brokers (env TRIAGE_KAFKA_BROKERS)")
	framework := fs.String("framework", "", "only regions governed by this framework (gdpr, ccpa, pdpa, pipeda, lgpd)")
	region := fs.String("region", "", "only this region")
	cfgPath := fs.String("config", "", "config file whose regions, topic templates and brokers to use")
	timeout := fs.Duration("timeout", 15*time.Second, "time allowed for the cluster to answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	reg := regions.Default()
	seeds := complianceSeeds(*brokers)
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath, nil)
		if err != nil {
			return err
		}
		if reg, err = cfg.RegionRegistry(); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		if !fs.Changed("brokers") && len(cfg.Kafka.Brokers) > 0 {
			seeds = cfg.Kafka.Brokers
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ClientID("triage-compliance-check"))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	cctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	checks, err := complianceChecks(cctx, kadm.NewClient(cl), reg, *framework, *region)
	if err != nil {
		return err
	}
	if failed := printChecks(os.Stdout, checks); failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d compliance checks failed", failed, len(checks))}
	}
	return nil
}

// complianceChecks describes every in-scope region's output and DLQ topics
// and runs the policy checks on what the cluster reports.
func complianceChecks(ctx context.Context, adm *kadm.Client, reg *regions.Registry, framework, region string) ([]compliance.Check, error) {
	var scope []*regions.Policy
	for _, n := range reg.Names() {
		p := reg.Policy(n)
		if region != "" && n != region {
			continue
		}
		if framework != "" && !strings.EqualFold(p.Framework, framework) {
			continue
		}
		scope = append(scope, p)
	}
	if len(scope) == 0 {
		return nil, fmt.Errorf("no region matches --region %q --framework %q (known: %s)", region, framework, strings.Join(reg.Names(), ", "))
	}
	var topics []string
	for _, p := range scope {
		topics = append(topics, reg.OutputTopic(p.Region), reg.DLQTopic(p.Region))
	}
	details, err := adm.ListTopics(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	var present []string
	for _, t := range topics {
		if d, ok := details[t]; ok && d.Err == nil {
			present = append(present, t)
		}
	}
	described := map[string]map[string]string{}
	if len(present) > 0 {
		rcs, err := adm.DescribeTopicConfigs(ctx, present...)
		if err != nil {
			return nil, fmt.Errorf("describe topic configs: %w", err)
		}
		for _, rc := range rcs {
			if rc.Err != nil {
				return nil, fmt.Errorf("describe topic configs for %s: %w", rc.Name, rc.Err)
			}
			m := map[string]string{}
			for _, c := range rc.Configs {
				if c.Value != nil {
					m[c.Key] = *c.Value
				}
			}
			described[rc.Name] = m
		}
	}
	tc := func(name string) compliance.TopicConfig {
		m, ok := described[name]
		return compliance.TopicConfig{Name: name, Exists: ok, Configs: m}
	}
	var out []compliance.Check
	for _, p := range scope {
		out = append(out, compliance.CheckRegion(compliance.Input{
			Policy: p,
			Output: tc(reg.OutputTopic(p.Region)),
			DLQ:    tc(reg.DLQTopic(p.Region)),
		})...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Region < out[j].Region })
	return out, nil
}

// printChecks writes the table and returns the number of failures.
func printChecks(w io.Writer, checks []compliance.Check) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REGION\tCHECK\tEXPECTED\tACTUAL\tRESULT")
	failed := 0
	for _, c := range checks {
		res := "PASS"
		if !c.Pass {
			res = "FAIL"
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Region, c.Name, c.Expected, c.Actual, res)
	}
	tw.Flush()
	return failed
}

func complianceSeeds(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
