package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/admin"
	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/kafkaauth"
	"github.com/triage-dev/triage/metrics"
	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/stream"
)

// kafkaOpts turns the config's TLS/SASL section into client options.
func kafkaOpts(c *config.Config) ([]kgo.Opt, error) {
	return kafkaauth.Opts(authConfig(c))
}

// runtime is everything `triage run` (and the demo) start, in the order
// they must be stopped.
type procRuntime struct {
	proc    *stream.Processor
	admin   *admin.Server
	metrics *metrics.Metrics
	closers []func() error
}

// buildRuntime wires the processor from a validated config. extra options
// (tests, demo) are applied to the processor options last.
func buildRuntime(c *config.Config, log *slog.Logger, tweak func(*stream.Options)) (*procRuntime, error) {
	rt := &procRuntime{}
	sc, err := stageConfig(c)
	if err != nil {
		return nil, err
	}
	m := metrics.New(metrics.Options{Version: Version, Regions: sc.Regions.Names()})
	rt.metrics = m
	kopts, err := kafkaOpts(c)
	if err != nil {
		return nil, err
	}
	hook, err := m.KgoHooks("processor")
	if err != nil {
		return nil, err
	}
	st, err := openState(c, sc, log)
	if err != nil {
		return nil, err
	}
	if st != nil {
		rt.closers = append(rt.closers, st.Close)
		m.SetState(st)
	}
	built, err := stages.Build(sc)
	if err != nil {
		rt.close()
		return nil, err
	}
	pipe := stages.NewPipeline(built, m)
	rt.closers = append(rt.closers, pipe.Close)

	health := admin.NewHealth(admin.HealthOptions{
		LivenessTimeout: c.Kafka.SessionTimeout + c.ShutdownTimeout,
		Lag:             m.MaxLag,
		Broker: func(ctx context.Context) error {
			return stream.CheckBrokers(ctx, c.Kafka.Brokers, 2*time.Second)
		},
	})
	so := stream.Options{
		Brokers:            c.Kafka.Brokers,
		InputTopics:        c.Kafka.InputTopics,
		Group:              c.Kafka.Group,
		InstanceID:         c.Kafka.InstanceID,
		ClientID:           c.Kafka.ClientID,
		Mode:               c.Kafka.Mode,
		ConnOpts:           kopts,
		ExtraOpts:          []kgo.Opt{hook},
		SweepInterval:      c.State.SweepInterval,
		FetchMaxBytes:      c.Kafka.FetchMaxBytes,
		MaxBufferedRecords: c.Kafka.MaxBufferedRecords,
		BatchMaxRecords:    c.Kafka.BatchMaxRecords,
		SessionTimeout:     c.Kafka.SessionTimeout,
		TransactionTimeout: c.Kafka.TransactionTimeout,
		Workers:            c.Workers,
		ShutdownTimeout:    c.ShutdownTimeout,
		Partitions:         int32(c.Kafka.Partitions),
		Pipeline:           pipe,
		Regions:            sc.Regions,
		DuplicateMarker:    c.Dedup.Marker,
		Observer:           m,
		Health:             health,
		Logger:             log,
		Compliance:         complianceSignals(sc),
	}
	if st != nil {
		so.State = st
		so.Eraser = st
		so.ChangelogTopic = stream.ChangelogTopic(c.Kafka.Group)
	}
	if so.InstanceID == "" && c.State.Dir != "" {
		// A stable transactional id per state directory: a restarted
		// process fences its predecessor's open transaction at once.
		abs, _ := filepath.Abs(c.State.Dir)
		so.TransactionalID = c.Kafka.Group + "-txn-" + shortHash(abs)
	}
	if tweak != nil {
		tweak(&so)
	}
	proc, err := stream.New(so)
	if err != nil {
		rt.close()
		return nil, err
	}
	rt.proc = proc
	if c.AdminAddr != "" && c.AdminAddr != "off" {
		ao := admin.Options{Metrics: m.Handler(), Health: health, Logger: log}
		if st != nil {
			ao.State = stateHandler(st)
		}
		srv, err := admin.Listen(c.AdminAddr, ao)
		if err != nil {
			rt.close()
			return nil, err
		}
		rt.admin = srv
	}
	return rt, nil
}

func (rt *procRuntime) close() {
	for i := len(rt.closers) - 1; i >= 0; i-- {
		_ = rt.closers[i]()
	}
	rt.closers = nil
}

// run starts the admin server and the processor and shuts them down in
// order: processor first (drain, end the transaction, leave the group),
// then state, then the admin server, so /healthz keeps answering while the
// drain runs.
func (rt *procRuntime) run(ctx context.Context, log *slog.Logger) error {
	adminCtx, stopAdmin := context.WithCancel(context.Background())
	adminDone := make(chan error, 1)
	if rt.admin != nil {
		log.Info("admin server listening", "addr", rt.admin.Addr())
		go func() { adminDone <- rt.admin.Run(adminCtx) }()
	} else {
		adminDone <- nil
	}
	err := rt.proc.Run(ctx)
	rt.close()
	stopAdmin()
	if aerr := <-adminDone; aerr != nil && !errors.Is(aerr, context.Canceled) && err == nil {
		err = aerr
	}
	return err
}

func init() {
	c := &command{
		name:    "run",
		summary: "run the stream processor (consumer group, exactly-once by default)",
		usage: "triage run [--config F] [--brokers B] [--state-dir D] [flags]\n\nExamples:\n" +
			"  triage run --config /etc/triage/triage.yaml\n" +
			"  TRIAGE_SECRET_FILE=/run/secrets/hmac triage run --brokers k1:9092,k2:9092 --state-dir /var/lib/triage",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		cf := addConfigFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		cfg, err := cf.load()
		if err != nil {
			return err
		}
		log := newLogger(os.Stderr, cfg.Log.Level, cfg.Log.Format)
		// Fail fast, before opening state or binding the admin port, when
		// no broker answers: a one-line error beats a client retrying in
		// the background.
		if err := stream.CheckBrokers(ctx, cfg.Kafka.Brokers, cfg.Kafka.DialTimeout); err != nil {
			return err
		}
		rt, err := buildRuntime(cfg, log, nil)
		if err != nil {
			return err
		}
		if err := rt.run(ctx, log); err != nil {
			return err
		}
		log.Info("stopped")
		return nil
	}
	register(c)
}

func shortHash(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%016x", h.Sum64())
}
