package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/state"
	"github.com/triage-dev/triage/stream"
)

func init() {
	c := &command{
		name:    "erase",
		summary: "request erasure of a data subject's dedup state (GDPR/CCPA)",
		usage: "triage erase --subject ADDRESS [--region R] [--brokers B] [--config F]\n\n" +
			"Publishes an erasure request to emails.erasure holding only the keyed hash of\n" +
			"the address (HMAC with the configured secret, as the parse stage computes it).\n" +
			"Every running processor deletes the subject's dedup marks in its partitions,\n" +
			"writes changelog tombstones and an audit record to emails.erasure.audit.\n" +
			"Records already delivered to output topics expire by topic retention.\n" +
			"The address is never printed or logged; the hash is.\n\n" +
			"Examples:\n  triage erase --subject jane@example.com --brokers 127.0.0.1:9092\n" +
			"  triage erase --subject jane@example.com --region eu-west-1 --config triage.yaml",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		path := fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file for brokers, TLS, SASL and the secret (env TRIAGE_CONFIG)")
		brokers := fs.String("brokers", "", "comma-separated seed brokers (env TRIAGE_KAFKA_BROKERS)")
		subject := fs.String("subject", "", "the data subject's email address (required)")
		region := fs.String("region", "", "erase only marks in this region (default: every region)")
		topic := fs.String("topic", stream.ErasureTopic, "erasure request topic")
		dev := fs.Bool("dev", false, "allow the built-in development HMAC secret (never in production)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		addr := strings.TrimSpace(*subject)
		if addr == "" || !strings.Contains(addr, "@") {
			return errors.New("--subject must be an email address (see --help)")
		}
		over := map[string]any{}
		if *brokers != "" {
			over["kafka.brokers"] = *brokers
		}
		if *dev {
			over["dev"] = true
		}
		cfg, err := config.Load(*path, over)
		if err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return err
		}
		sc, err := stageConfig(cfg)
		if err != nil {
			return err
		}
		sc.EnsureDefaults() // the development secret when dev allows it
		if *region != "" && sc.Regions.Policy(*region) == nil {
			return fmt.Errorf("--region %q has no policy (known: %s)", *region, strings.Join(sc.Regions.Names(), ", "))
		}
		req := state.ErasureRequest{
			SubjectHash: state.ParticipantHash(sc.Secret, addr),
			Region:      *region,
			RequestedAt: time.Now().UTC(),
		}
		kopts, err := kafkaOpts(cfg)
		if err != nil {
			return err
		}
		cl, err := kgo.NewClient(append(kopts, kgo.SeedBrokers(cfg.Kafka.Brokers...), kgo.ClientID("triage-erase"),
			kgo.DialTimeout(5*time.Second), kgo.RequiredAcks(kgo.AllISRAcks()))...)
		if err != nil {
			return fmt.Errorf("kafka client: %w", err)
		}
		defer cl.Close()
		r, err := publishErasure(ctx, cl, *topic, req)
		if err != nil {
			return err
		}
		fmt.Printf("erasure requested: subject_hash=%s region=%s topic=%s partition=%d offset=%d requested_at=%s\n",
			req.SubjectHash, orAll(req.Region), r.Topic, r.Partition, r.Offset, req.RequestedAt.Format(time.RFC3339))
		fmt.Println("each processor writes an audit record to " + stream.ErasureAuditTopic + " once its partitions are erased")
		return nil
	}
	register(c)
}

func orAll(region string) string {
	if region == "" {
		return "all"
	}
	return region
}

// publishErasure creates the request topic if missing and produces the
// request, keyed by the subject hash so one subject's requests stay in
// order on one partition.
func publishErasure(ctx context.Context, cl *kgo.Client, topic string, req state.ErasureRequest) (*kgo.Record, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopic(ctx, 1, -1, stream.ErasureTopicConfigs(), topic); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return nil, fmt.Errorf("create %s: %w", topic, err)
	}
	v, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	r := &kgo.Record{Topic: topic, Key: []byte(req.SubjectHash), Value: v}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(pctx, r).FirstErr(); err != nil {
		return nil, fmt.Errorf("produce erasure request to %s: %w", topic, err)
	}
	return r, nil
}
