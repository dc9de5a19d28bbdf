package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/api"
	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/stream"
)

// pipelineClassifier adapts the offline pipeline to api.Classifier.
type pipelineClassifier struct{ p *stages.Pipeline }

func (c pipelineClassifier) Classify(ctx context.Context, raw []byte, region string) ([]byte, error) {
	return classifyRaw(ctx, c.p, raw, region)
}

// kafkaProducer adapts a kgo client to api.Producer: the record is keyed by
// Message-ID (duplicates land on one partition, where dedup sees them) and
// carries the region hint header the processor reads.
type kafkaProducer struct {
	cl    *kgo.Client
	topic string
}

func (p kafkaProducer) Produce(ctx context.Context, raw []byte, region string) (api.Receipt, error) {
	r := &kgo.Record{Topic: p.topic, Value: raw}
	if id := messageID(raw); id != "" {
		r.Key = []byte(id)
	}
	if region != "" {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: stream.RegionHeader, Value: []byte(region)})
	}
	got, err := p.cl.ProduceSync(ctx, r).First()
	if err != nil {
		return api.Receipt{}, fmt.Errorf("serve: produce to %s: %w", p.topic, err)
	}
	return api.Receipt{Topic: got.Topic, Partition: got.Partition, Offset: got.Offset}, nil
}

func init() {
	c := &command{
		name:    "serve",
		summary: "serve the HTTP triage API (POST /v1/triage, optional POST /v1/emails) with API keys and rate limits",
		usage: "triage serve --api-keys-file F [--listen :8080] [--rate-limit 100] [--max-body-bytes N]\n" +
			"             [--timeout 30s] [--tls-cert F --tls-key F] [--enqueue [--brokers B] [--input-topic T]]\n\n" +
			"Keys file: one `name:key` or `name:sha256:<hex>` per line; clients send\n" +
			"`Authorization: Bearer <key>`. Each key gets a token bucket of --rate-limit\n" +
			"requests per minute (429 + Retry-After when empty).\n\n" +
			"Examples:\n" +
			"  triage serve --api-keys-file /etc/triage/api-keys --listen :8080\n" +
			"  curl -H 'Authorization: Bearer $KEY' -H 'Content-Type: message/rfc822' --data-binary @m.eml localhost:8080/v1/triage",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		cfgPath := fs.String("config", os.Getenv("TRIAGE_CONFIG"), "YAML config file (pipeline options, HMAC secret, Kafka for --enqueue)")
		listen := fs.String("listen", ":8080", "listen address")
		keysFile := fs.String("api-keys-file", os.Getenv("TRIAGE_API_KEYS_FILE"), "API keys file (env TRIAGE_API_KEYS_FILE)")
		rate := fs.Int("rate-limit", 100, "requests per minute per key")
		burst := fs.Int("burst", 0, "token bucket size per key (default: --rate-limit)")
		maxBody := fs.Int64("max-body-bytes", 10<<20, "largest accepted request body")
		timeout := fs.Duration("timeout", 30*time.Second, "time limit for processing one request")
		tlsCert := fs.String("tls-cert", "", "TLS certificate (PEM): serve HTTPS")
		tlsKey := fs.String("tls-key", "", "TLS private key (PEM)")
		enqueue := fs.Bool("enqueue", false, "enable POST /v1/emails, producing to the input topic")
		brokers := fs.String("brokers", "", "seed brokers for --enqueue (env TRIAGE_KAFKA_BROKERS)")
		inputTopic := fs.String("input-topic", "", "topic for --enqueue (default: the first kafka.input_topics)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
		}
		if *keysFile == "" {
			return fmt.Errorf("--api-keys-file (or TRIAGE_API_KEYS_FILE) is required: the API is never served without keys")
		}
		keys, err := api.LoadKeysFile(*keysFile)
		if err != nil {
			return err
		}
		over := map[string]any{}
		if *brokers != "" {
			over["kafka.brokers"] = *brokers
		}
		cfg, err := config.Load(*cfgPath, over)
		if err != nil {
			return err
		}
		log := newLogger(os.Stderr, cfg.Log.Level, cfg.Log.Format).With("component", "api")
		pipe, err := offlinePipeline(*cfgPath)
		if err != nil {
			return err
		}
		defer pipe.Close()

		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		opts := api.Options{
			Classifier: pipelineClassifier{pipe}, Keys: keys, RatePerMinute: *rate, Burst: *burst,
			MaxBodyBytes: *maxBody, Timeout: *timeout, Logger: log, Registerer: reg, Gatherer: reg,
		}
		if *enqueue {
			topic := *inputTopic
			if topic == "" && len(cfg.Kafka.InputTopics) > 0 {
				topic = cfg.Kafka.InputTopics[0]
			}
			_, cl, base, err := opsClient(ctx, *cfgPath, *brokers, "triage-api")
			if err != nil {
				return err
			}
			cl.Close()
			prod, err := kgo.NewClient(append(base, kgo.RequiredAcks(kgo.AllISRAcks()))...)
			if err != nil {
				return fmt.Errorf("serve: producer: %w", err)
			}
			defer prod.Close()
			opts.Producer = kafkaProducer{cl: prod, topic: topic}
			opts.Ready = func() error {
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				if err := prod.Ping(pctx); err != nil {
					return errors.New("kafka unreachable")
				}
				return nil
			}
		}
		h, err := api.New(opts)
		if err != nil {
			return err
		}
		srv, err := api.NewServer(h, api.ServerOptions{Addr: *listen, TLSCertFile: *tlsCert, TLSKeyFile: *tlsKey, ReadTimeout: *timeout})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			return fmt.Errorf("serve: listen %s: %w", *listen, err)
		}
		log.Info("api listening", "addr", ln.Addr().String(), "tls", *tlsCert != "", "keys", keys.Len(),
			"rate_per_minute", *rate, "enqueue", *enqueue)
		done := make(chan error, 1)
		go func() {
			if *tlsCert != "" {
				done <- srv.ServeTLS(ln, "", "")
			} else {
				done <- srv.Serve(ln)
			}
		}()
		select {
		case err := <-done:
			return fmt.Errorf("serve: %w", err)
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		log.Info("api shutting down")
		err = srv.Shutdown(sctx)
		if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && serr != nil {
			return fmt.Errorf("serve: %w", serr)
		}
		return err
	}
	register(c)
}
