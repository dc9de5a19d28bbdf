package main

// TestLargeBatchesFlow pushes 3,000 emails of ~4 KB plus one with a
// 600 KB body through the real loop and checks every one comes out once.
// It guards the volume path (transactions of many large records, the
// output-size cap on redacted bodies). It does not reproduce the 16 MB
// producer-batch bug fixed alongside it: franz-go sends batches as soon as
// a request slot frees, so output batches stay small here; the demo with
// --corpus and large inputs is where that bug showed.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestLargeBatchesFlow(t *testing.T) {
	addr, cl := testBroker(t, 2)
	ctx := context.Background()
	pad := strings.Repeat("The quarterly numbers look fine and the team will follow up next week. ", 50)
	const n = 3000
	for i := 0; i < n; i++ {
		raw := fmt.Sprintf("From: a%d@example.com\r\nTo: b@example.org\r\nSubject: report %d\r\nMessage-ID: <vol-%d@example.com>\r\n\r\n%s\r\n", i, i, i, pad)
		if i == 7 {
			raw += strings.Repeat("x", 600<<10) // one body over MaxBodyBytes
		}
		cl.Produce(ctx, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(raw)}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Error(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	stop := instance(t, addr, t.TempDir())
	defer stop()
	if err := waitCaughtUp(ctx, kadm.NewClient(cl), "triage", "emails.raw", make(chan error), 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := len(countOutputs(t, addr)); got != n {
		t.Fatalf("%d distinct outputs, want %d", got, n)
	}
}
