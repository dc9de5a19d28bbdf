package main

import (
	"testing"

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
