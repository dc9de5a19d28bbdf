package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/email"
	"github.com/triage-dev/triage/stages"
)

// healthSelfTestEmail is the built-in message the pipeline self-test runs.
// It holds no real personal data.
const healthSelfTestEmail = "From: Health Check <health@example.invalid>\r\n" +
	"To: support@example.invalid\r\n" +
	"Subject: Cannot log in to my account\r\n" +
	"Message-ID: <health-self-test@example.invalid>\r\n" +
	"Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hello,\r\n\r\nsince this morning I cannot log in to my account; the password reset link\r\n" +
	"does not arrive. Could you help?\r\n\r\nThanks\r\n"

type healthCheck struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

func init() {
	c := &command{
		name:    "health",
		summary: "check broker, topics, state directory, config and pipeline; exit 0 healthy, 1 unhealthy",
		usage: "triage health [--config F] [--brokers B] [--json] [--timeout D]\n\n" +
			"Usable as a container HEALTHCHECK or Kubernetes exec probe.\n\n" +
			"Examples:\n  triage health --brokers 127.0.0.1:9092\n" +
			"  triage health --config /etc/triage/triage.yaml --json",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		cf := addConfigFlags(fs)
		asJSON := fs.Bool("json", false, "print the report as JSON")
		timeout := fs.Duration("timeout", 3*time.Second, "broker check timeout")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		checks := runHealth(ctx, cf, *timeout)
		ok := true
		var failed []string
		for _, c := range checks {
			if !c.OK {
				ok = false
				failed = append(failed, c.Name)
			}
		}
		if *asJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			status := "healthy"
			if !ok {
				status = "unhealthy"
			}
			if err := enc.Encode(struct {
				Status string        `json:"status"`
				Checks []healthCheck `json:"checks"`
			}{status, checks}); err != nil {
				return err
			}
		} else {
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			for _, c := range checks {
				mark := "ok"
				if !c.OK {
					mark = "FAIL"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, mark, c.Detail)
			}
			tw.Flush()
		}
		if !ok {
			return &exitError{code: 1, msg: "unhealthy: " + strings.Join(failed, ", ")}
		}
		return nil
	}
	register(c)
}

// runHealth runs every check, even after a failure, so one report lists
// every problem.
func runHealth(ctx context.Context, cf *configFlags, timeout time.Duration) []healthCheck {
	var checks []healthCheck
	add := func(name string, err error, okDetail string) {
		c := healthCheck{Name: name, OK: err == nil, Detail: okDetail}
		if err != nil {
			c.Detail = oneLine(err.Error())
		}
		checks = append(checks, c)
	}

	cfg, err := cf.load()
	add("config", err, "valid")
	if cfg == nil {
		// Not even loadable: check the rest with defaults so the report
		// still says whether the broker is up.
		if cfg, err = config.Load("", nil); err != nil {
			return checks
		}
	}

	brokerErr := checkBroker(ctx, cfg, timeout)
	add("broker", brokerErr, "reachable: "+strings.Join(cfg.Kafka.Brokers, ","))
	if brokerErr != nil {
		add("topics", errors.New("not checked: broker unreachable"), "")
	} else {
		add("topics", checkTopics(ctx, cfg, timeout), "input topics exist: "+strings.Join(cfg.Kafka.InputTopics, ","))
	}
	add("state_dir", checkStateDir(cfg.State.Dir), "writable: "+cfg.State.Dir)
	n, err := pipelineSelfTest(ctx, cfg)
	add("pipeline", err, fmt.Sprintf("%d stages ran on the built-in email", n))
	return checks
}

func healthClient(cfg *config.Config, timeout time.Duration) (*kgo.Client, error) {
	kopts, err := kafkaOpts(cfg)
	if err != nil {
		return nil, err
	}
	return kgo.NewClient(append(kopts, kgo.SeedBrokers(cfg.Kafka.Brokers...), kgo.ClientID("triage-health"),
		kgo.DialTimeout(timeout), kgo.RequestRetries(1), kgo.RetryTimeout(timeout))...)
}

// checkBroker asks for cluster metadata: a TCP dial alone would pass for a
// port that is open but not Kafka, or a broker that rejects our TLS/SASL.
func checkBroker(ctx context.Context, cfg *config.Config, timeout time.Duration) error {
	cl, err := healthClient(cfg, timeout)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := kadm.NewClient(cl).BrokerMetadata(ctx); err != nil {
		return fmt.Errorf("brokers %s: %w", strings.Join(cfg.Kafka.Brokers, ","), err)
	}
	return nil
}

func checkTopics(ctx context.Context, cfg *config.Config, timeout time.Duration) error {
	cl, err := healthClient(cfg, timeout)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tds, err := kadm.NewClient(cl).ListTopics(ctx, cfg.Kafka.InputTopics...)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	var missing []string
	for _, t := range cfg.Kafka.InputTopics {
		if td, ok := tds[t]; !ok || td.Err != nil {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("input topics missing: %s", strings.Join(missing, ","))
	}
	return nil
}

// checkStateDir verifies the state directory (or, before the first run,
// its nearest existing parent, where run will create it) accepts a file.
func checkStateDir(dir string) error {
	if dir == "" {
		return errors.New("state.dir is empty")
	}
	d := dir
	for {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", d)
			}
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			return fmt.Errorf("state dir %s: %w", dir, err)
		}
		d = parent
	}
	f, err := os.CreateTemp(d, ".triage-health-*")
	if err != nil {
		return fmt.Errorf("state dir %s not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// pipelineSelfTest builds the stages from the config (or the defaults when
// the config is invalid) without a dedup store and runs them on the
// built-in email.
func pipelineSelfTest(ctx context.Context, cfg *config.Config) (int, error) {
	sc, err := stageConfig(cfg)
	if err != nil {
		sc = &stages.Config{}
	}
	built, err := stages.Build(sc)
	if err != nil {
		return 0, err
	}
	p := stages.NewPipeline(built, nil)
	defer p.Close()
	e := &email.Email{Raw: []byte(healthSelfTestEmail), Source: email.Source{Partition: -1, Offset: -1}}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.Run(ctx, e); err != nil {
		return len(built), fmt.Errorf("self-test email failed: %w", err)
	}
	return len(built), nil
}
