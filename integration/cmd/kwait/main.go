package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:19092", "comma-separated bootstrap brokers")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	pid := flag.Int("pid", 0, "fail early when this process exits (0: do not watch)")
	flag.Parse()
	if err := wait(strings.Split(*brokers, ","), *timeout, *pid); err != nil {
		fmt.Fprintf(os.Stderr, "kwait: %v\n", err)
		os.Exit(1)
	}
}

func wait(seeds []string, timeout time.Duration, pid int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RetryTimeout(2*time.Second))
	if err != nil {
		return fmt.Errorf("client for %v: %w", seeds, err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	deadline := time.Now().Add(timeout)
	var last error
	for {
		if pid > 0 && syscall.Kill(pid, 0) != nil {
			return fmt.Errorf("broker process %d exited before answering metadata", pid)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		md, err := adm.BrokerMetadata(ctx)
		cancel()
		switch {
		case err == nil && len(md.Brokers) > 0:
			return nil
		case err == nil:
			last = errors.New("metadata lists no brokers yet")
		default:
			last = err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%v: no metadata answer within %v (last error: %v)", seeds, timeout, last)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
