package main

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/twmb/franz-go/pkg/kgo"
)

// testBroker starts an embedded broker with emails.raw and a producer
// client for it; both are closed when the test ends.
func testBroker(t *testing.T, partitions int32) (addr string, cl *kgo.Client) {
	t.Helper()
	broker, err := startBroker("127.0.0.1:0", partitions, "emails.raw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	addr = broker.ListenAddrs()[0]
	cl, err = kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("emails.raw"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return addr, cl
}

// emptyCluster starts a one-broker kfake cluster with no topics and a plain
// client for it; both are closed when the test ends.
func emptyCluster(t *testing.T) (seeds []string, cl *kgo.Client) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cl, err = kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return c.ListenAddrs(), cl
}
