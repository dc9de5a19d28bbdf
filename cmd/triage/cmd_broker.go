package main

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// startBroker starts the embedded Kafka-protocol broker (franz-go's kfake)
// on listen with the input topics pre-created.
func startBroker(listen string, partitions int32, topics ...string) (*kfake.Cluster, error) {
	host, portS, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %q is not host:port", listen)
	}
	port, err := strconv.Atoi(portS)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: bad port", listen)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		}),
		kfake.DefaultNumPartitions(int(partitions)),
		kfake.GroupMinSessionTimeout(0),
	}
	if len(topics) > 0 {
		opts = append(opts, kfake.SeedTopics(partitions, topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker on %s: %w", listen, err)
	}
	return c, nil
}

func init() {
	c := &command{
		name:    "broker",
		summary: "run the embedded Kafka-protocol broker (kfake) until interrupted",
		usage: "triage broker [--listen 127.0.0.1:9092] [--partitions N] [--topic T ...]\n\nExample:\n" +
			"  triage broker --listen 127.0.0.1:9092 &\n  triage run --dev --brokers 127.0.0.1:9092 --state-dir /tmp/triage-state",
	}
	c.run = func(ctx context.Context, args []string) error {
		fs := newFlagSet(c)
		listen := fs.String("listen", "127.0.0.1:9092", "address to listen on")
		parts := fs.Int32("partitions", 6, "partitions for pre-created and auto-created topics")
		topics := fs.StringArray("topic", []string{"emails.raw"}, "topic to create at start, repeatable")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *parts < 1 {
			return fmt.Errorf("--partitions must be >= 1")
		}
		cl, err := startBroker(*listen, *parts, *topics...)
		if err != nil {
			return err
		}
		defer cl.Close()
		fmt.Printf("embedded broker listening on %s (topics %v, %d partitions); Ctrl-C to stop\n", cl.ListenAddrs()[0], *topics, *parts)
		<-ctx.Done()
		return nil
	}
	register(c)
}
