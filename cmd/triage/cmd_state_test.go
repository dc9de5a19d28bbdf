package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/triage-dev/triage/stages"
	"github.com/triage-dev/triage/state"
)

func TestStateStats(t *testing.T) {
	dir := t.TempDir()
	st, err := state.Open(state.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, k := range []string{"0a", "0b", "0c"} {
		region := "eu-west-1"
		if i == 2 {
			region = "us-east-1"
		}
		if _, _, err := st.CheckAndMark(stages.Mark{Key: k, EmailID: k, Region: region, Partition: int32(i % 2),
			SeenAt: now, Expiry: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	st.TakePending()
	if err := st.Commit(map[int32]int64{0: 4}); err != nil {
		t.Fatal(err)
	}
	// While the processor holds the store, stats refuses with one line.
	err = stateStats(&bytes.Buffer{}, dir, false)
	if err == nil || !strings.Contains(err.Error(), "locked by a running processor") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("locked store: err = %v", err)
	}
	st.Close()

	tests := []struct {
		name  string
		json  bool
		check func(t *testing.T, out string)
	}{
		{"table", false, func(t *testing.T, out string) {
			for _, w := range []string{"3 entries", "eu-west-1  2", "us-east-1  1", "PARTITION"} {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		}},
		{"json", true, func(t *testing.T, out string) {
			var s state.Stats
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatal(err)
			}
			if s.Entries != 3 || len(s.Partitions) != 2 || s.Partitions[0].ChangelogNext != 5 || s.DiskBytes == 0 {
				t.Fatalf("stats = %+v", s)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := stateStats(&b, dir, tc.json); err != nil {
				t.Fatal(err)
			}
			tc.check(t, b.String())
		})
	}
	if err := stateStats(&bytes.Buffer{}, dir+"/missing", false); err == nil {
		t.Fatal("missing store accepted")
	}
}

func TestPublishErasure(t *testing.T) {
	seeds, cl := emptyCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hash := state.ParticipantHash([]byte("0123456789abcdef"), "Jane@Example.com")
	req := state.ErasureRequest{SubjectHash: hash, Region: "eu-west-1", RequestedAt: time.Now().UTC()}
	if _, err := publishErasure(ctx, cl, "emails.erasure", req); err != nil {
		t.Fatal(err)
	}
	if _, err := publishErasure(ctx, cl, "emails.erasure", state.ErasureRequest{SubjectHash: "jane@example.com"}); err == nil {
		t.Fatal("a raw address was accepted as a hash")
	}
	rd, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics("emails.erasure"))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	fs := rd.PollFetches(ctx)
	recs := fs.Records()
	if len(recs) != 1 {
		t.Fatalf("records = %d (%v)", len(recs), fs.Err())
	}
	if bytes.Contains(recs[0].Value, []byte("jane")) || bytes.Contains(recs[0].Value, []byte("Jane")) {
		t.Fatalf("request carries the address: %s", recs[0].Value)
	}
	got, err := state.ParseErasureRequest(recs[0].Value)
	if err != nil || got.SubjectHash != hash || got.Region != "eu-west-1" || string(recs[0].Key) != hash {
		t.Fatalf("request = %+v %v", got, err)
	}
}
