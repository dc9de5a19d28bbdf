package main

// TestNoPersonalDataLeaves runs the real pipeline, at debug log level, on
// emails full of planted personal data and checks that none of the planted
// values appears anywhere that leaves the process except the dead-letter
// record's value (the raw original, kept on purpose in a region-scoped,
// retention-bound topic): not in logs, not in the metrics scrape, not in
// DLQ headers, not in the output records.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/config"
	"github.com/triage-dev/triage/regions"
)

var planted = []string{
	"jane.doe.private@example.org", // email
	"+1 415 555 0132",              // phone
	"4111 1111 1111 1111",          // card
	"DE89 3704 0044 0532 0130 00",  // IBAN
	"536-22-8147",                  // SSN
	"248.438.034-80",               // CPF
	"203.0.113.77",                 // IP
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func piiEmail(i int, region string) []byte {
	return []byte(fmt.Sprintf("From: Jane Doe <jane.doe.private@example.org>\r\nTo: support@example.com\r\n"+
		"Subject: Card 4111 1111 1111 1111 charged twice, call +1 415 555 0132\r\n"+
		"Date: Tue, 3 Mar 2026 09:00:00 +0000\r\nMessage-ID: <pii-%d@example.org>\r\nX-Region: %s\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Hello,\r\n\r\nmy card 4111 1111 1111 1111 was charged twice. Refund to IBAN DE89 3704 0044 0532 0130 00 please.\r\n"+
		"My SSN is 536-22-8147 and my CPF 248.438.034-80. I wrote from 203.0.113.77.\r\n"+
		"Reach me at jane.doe.private@example.org or +1 415 555 0132.\r\n\r\nThanks,\r\nJane\r\n", i, region))
}

func TestNoPersonalDataLeaves(t *testing.T) {
	addr, cl := testBroker(t, 2)
	ctx := context.Background()
	var recs []*kgo.Record
	for i, region := range []string{"us-east-1", "eu-west-1", "sa-east-1", "mars-1"} {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprintf("pii-%d", i)), Value: piiEmail(i, region),
			Headers: []kgo.RecordHeader{{Key: "triage-region", Value: []byte(region)}}})
	}
	// Unreadable (binary) input is dead-lettered: its raw value carries the
	// PII, its headers must not.
	garbage := append(bytes.Repeat([]byte{0, 0xff, 0x13, 0x88}, 64), []byte(strings.Join(planted, "\x00"))...)
	recs = append(recs, &kgo.Record{Key: []byte("pii-garbage"), Value: garbage,
		Headers: []kgo.RecordHeader{{Key: "triage-region", Value: []byte("eu-west-1")}}})
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	cfg, err := config.LoadEnv("", map[string]any{
		"dev": true, "kafka.brokers": []string{addr}, "state.dir": t.TempDir(), "admin_addr": "off",
		"kafka.session_timeout": "10s", "kafka.transaction_timeout": "8s", "log.level": "debug",
	}, func() []string { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	log := newLogger(logs, "debug", "json")
	rt, err := buildRuntime(cfg, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := rt.metrics
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rt.run(runCtx, log) }()
	if err := waitCaughtUp(ctx, kadm.NewClient(cl), "triage", "emails.raw", done, time.Minute); err != nil {
		stop()
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	scrape, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	srv.Close()
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	reg := regions.Default()
	var outT, dlqT []string
	for _, r := range reg.Names() {
		outT = append(outT, reg.OutputTopic(r))
		dlqT = append(dlqT, reg.DLQTopic(r))
	}
	outs, err := readAll(ctx, addr, outT)
	if err != nil {
		t.Fatal(err)
	}
	dlqs, err := readAll(ctx, addr, dlqT)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 4 || len(dlqs) != 1 {
		t.Fatalf("outputs=%d dlq=%d, want 4 and 1", len(outs), len(dlqs))
	}
	var hdrs strings.Builder
	for _, r := range dlqs {
		for _, h := range r.Headers {
			if h.Key == "triage-region" {
				continue // the input's own header, copied as is
			}
			fmt.Fprintf(&hdrs, "%s=%s\n", h.Key, h.Value)
		}
	}
	var outText strings.Builder
	for _, r := range outs {
		outText.Write(r.Key)
		outText.Write(r.Value)
		for _, h := range r.Headers {
			outText.Write(h.Value)
		}
	}
	// The planted values did flow through: the DLQ keeps the raw original.
	if !bytes.Contains(dlqs[0].Value, []byte(planted[0])) {
		t.Fatal("DLQ value lacks the raw original; test would prove nothing")
	}
	if !strings.Contains(outText.String(), "REDACTED") {
		t.Fatal("outputs carry no redaction placeholders; PII stage not linked?")
	}
	if !strings.Contains(logs.String(), "dead-lettered") {
		t.Fatalf("debug log looks empty; test would prove nothing:\n%s", logs.String())
	}
	for _, v := range planted {
		for name, hay := range map[string]string{"log": logs.String(), "metrics": string(scrape), "dlq headers": hdrs.String(), "output records": outText.String()} {
			if strings.Contains(hay, v) || strings.Contains(hay, strings.ReplaceAll(v, " ", "")) {
				t.Errorf("planted value %q found in %s", v, name)
			}
		}
	}
	if t.Failed() {
		os.WriteFile(t.TempDir()+"/log.txt", []byte(logs.String()), 0o600)
	}
}
