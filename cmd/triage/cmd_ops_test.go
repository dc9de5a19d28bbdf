package main

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2026-03-01T10:00:00Z", want: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)},
		{in: "2026-03-01T10:00:00+02:00", want: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)},
		{in: "2026-03-01 10:30", want: time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)},
		{in: "2026-03-01", want: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{in: "36h", want: now.Add(-36 * time.Hour)},
		{in: "-90m", want: now.Add(-90 * time.Minute)},
		{in: "yesterday", bad: true},
		{in: "2026-13-01", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseWhen(tc.in, now)
			if tc.bad {
				if err == nil {
					t.Fatalf("parseWhen(%q) = %v, want error", tc.in, got)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("parseWhen(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestOpsCommands runs the operator commands as the runbook shows them,
// through realMain, against an in-process broker.
func TestOpsCommands(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "emails.raw", "emails.dlq.eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("emails.raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for i := 0; i < 8; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte{byte(i)}, Value: []byte("Subject: x\r\n\r\nbody")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(ctx, "emails.raw")
	if err != nil {
		t.Fatal(err)
	}
	if err := adm.CommitAllOffsets(ctx, "triage", ends.Offsets()); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TRIAGE_KAFKA_BROKERS", addr)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"replay dry run", []string{"replay", "--group", "triage", "--shift-by", "-1"}, 0},
		{"replay execute", []string{"replay", "--group", "triage", "--to-offset", "0", "--execute"}, 0},
		{"replay blue/green", []string{"replay", "--group", "triage", "--new-group", "triage-v2", "--output-suffix", "v2", "--from", "48h"}, 0},
		{"replay without target", []string{"replay", "--group", "triage"}, 1},
		{"replay bad time", []string{"replay", "--group", "triage", "--from", "soon"}, 1},
		{"replay watch without execute", []string{"replay", "--group", "triage", "--shift-by", "-1", "--watch"}, 1},
		{"dlq list", []string{"dlq", "list", "--region", "eu-west-1", "--since", "24h"}, 0},
		{"dlq list json", []string{"dlq", "list", "--region", "eu-west-1", "--json"}, 0},
		{"dlq unknown region", []string{"dlq", "list", "--region", "mars-1"}, 1},
		{"dlq show needs offset", []string{"dlq", "show", "--region", "eu-west-1"}, 1},
		{"dlq show missing", []string{"dlq", "show", "--region", "eu-west-1", "--partition", "0", "--offset", "5"}, 1},
		{"dlq redrive dry run", []string{"dlq", "redrive", "--region", "eu-west-1"}, 0},
		{"dlq no subcommand", []string{"dlq"}, 2},
		{"serve without keys", []string{"serve", "--api-keys-file", ""}, 1},
		{"unreachable brokers", []string{"replay", "--brokers", "127.0.0.1:1", "--group", "triage", "--shift-by", "-1"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := realMain(tc.args); got != tc.code {
				t.Fatalf("triage %v: exit %d, want %d", tc.args, got, tc.code)
			}
		})
	}
	got, err := adm.FetchOffsets(ctx, "triage")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := got.Lookup("emails.raw", 0); o.At != 0 {
		t.Fatalf("replay --execute left the group at %d", o.At)
	}
}
